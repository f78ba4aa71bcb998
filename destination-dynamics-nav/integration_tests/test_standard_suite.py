"""The CDK's standard destination tests (DestinationTestSuiteBase): `check` per scenario, configs against the spec.

Scenarios come from acceptance-test-config.yml, plus one `check` that must succeed against a live BC emulator,
started here because its address exists only at run time. The CDK's Docker image tests are left to
`make image-test` (tests/test_packaging.py), which builds and checks the images.
"""

from __future__ import annotations

import atexit
import threading

from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import DestinationTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401  (parametrizes `scenario`)

from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings
from destination_dynamics_nav import DestinationDynamicsNav

_live: EmulatorServer | None = None
_live_lock = threading.Lock()


def _live_emulator() -> EmulatorServer:
    global _live
    with _live_lock:
        if _live is None:
            _live = EmulatorServer(EmulatorSettings()).start()
            atexit.register(_live.stop)
        return _live


def live_config() -> dict:
    emulator = _live_emulator()
    return {
        "deployment": {
            "deployment_type": "on_premises",
            "server_url": emulator.url,
            "server_instance": emulator.server_instance,
            "auth": {
                "auth_type": "basic",
                "username": emulator.basic_username,
                "web_service_access_key": emulator.basic_access_key,
            },
        },
        "company": emulator.company_name,
    }


class TestDestinationDynamicsNavStandard(DestinationTestSuiteBase):
    connector = DestinationDynamicsNav

    # Image builds belong to `make image-test`; inside `make test` they would build containers.
    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        live = ConnectorTestScenario(config_dict=live_config(), status="succeed", sections=("connection",))
        live._id = "live_bc_emulator"  # a readable test id (the default hashes the config, a dict)
        return [*super().get_scenarios(), live]
