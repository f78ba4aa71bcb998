"""The CDK's standard destination tests (DestinationTestSuiteBase): spec lint, configs against the spec, `check`.

Scenarios come from acceptance-test-config.yml, plus one `check` that must succeed against an embedded SFTP
server started here (its port exists only at run time). The CDK's Docker image tests belong to
`make image-test` (tests/test_packaging.py).
"""

from __future__ import annotations

import atexit
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import DestinationTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401  (parametrizes `scenario`)

from destination_stampli_sftp import DestinationStampliSftp
from embedded_sftp import EmbeddedSftpServer

_live: tuple[EmbeddedSftpServer, str] | None = None
_live_lock = threading.Lock()


def live_config() -> dict[str, Any]:
    global _live
    with _live_lock:
        if _live is None:
            root = Path(tempfile.mkdtemp(prefix="stampli-sftp-standard-"))
            for folder in ("inbound", "outbound"):
                (root / folder).mkdir()
            password = secrets.token_urlsafe(12)
            server = EmbeddedSftpServer(root=root, users={"stampli": password}, authorized_keys={}).start()
            atexit.register(server.stop)
            _live = (server, password)
        server, password = _live
        return {
            "host": server.host,
            "port": server.port,
            "username": "stampli",
            "credentials": {"auth_method": "password", "password": password},
            "host_key": server.host_key_line,
            "folder": "/inbound",
        }


class TestDestinationStampliSftpStandard(DestinationTestSuiteBase):
    connector = DestinationStampliSftp

    # Image builds belong to `make image-test`; inside `make test` they would build containers.
    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        live = ConnectorTestScenario(config_dict=live_config(), status="succeed", sections=("spec", "connection"))
        live._id = "live_embedded_sftp"  # a readable test id (the default hashes the config, a dict)
        return [*super().get_scenarios(), live]
