"""The CDK's standard source tests (SourceTestSuiteBase): spec lint, config vs spec, check, discover, basic read.

Scenarios come from acceptance-test-config.yml (configs that need no server), plus one live scenario against an
embedded SFTP server started here — its address exists only at run time — holding one sample export of each of
the five streams. The CDK's Docker image tests belong to `make image-test` (tests/test_packaging.py).
"""

from __future__ import annotations

import atexit
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401  (parametrizes `scenario`)

from embedded_sftp import generate_client_key_pair
from embedded_sftp.pytest_plugin import TestSftpServer
from source_stampli_sftp import SourceStampliSftp
from stampli_samples.exports import write_sample_folder

_live: TestSftpServer | None = None
_live_lock = threading.Lock()


def live_config() -> dict[str, Any]:
    """A config for an SFTP server with sample exports, started once per process (pytest-xdist worker)."""
    global _live
    with _live_lock:
        if _live is None:
            root = Path(tempfile.mkdtemp(prefix="stampli-standard-suite-"))
            _live = TestSftpServer(root, password=secrets.token_urlsafe(12), client_key=generate_client_key_pair())
            _live.start()
            atexit.register(_live.stop)
            write_sample_folder(_live.outbound)
        return _live.source_config()


class TestSourceStampliSftpStandard(SourceTestSuiteBase):
    connector = SourceStampliSftp

    # Image builds belong to `make image-test`; inside `make test` they would build containers.
    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        live = ConnectorTestScenario(
            config_dict=live_config(), status="succeed", sections=("spec", "connection", "discovery", "basic_read")
        )
        live._id = "live_embedded_sftp"  # a readable test id (the default hashes the config, a dict)
        return [*super().get_scenarios(), live]
