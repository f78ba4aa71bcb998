"""The CDK's standard source tests (SourceTestSuiteBase): spec lint, check, discover, basic read, bad catalog.

Scenarios come from acceptance-test-config.yml (configs that need no server), plus one live scenario against a
BC emulator started here — its address exists only at run time — holding data in all six streams (a posted
journal for the G/L entries, a draft purchase invoice). The CDK's Docker image tests belong to
`make image-test` (tests/test_packaging.py).
"""

from __future__ import annotations

import atexit
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteStateMessageSerializer, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401  (parametrizes `scenario`)

from bc_client import BCConnectionConfig, BusinessCentralClient
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings
from source_dynamics_nav import SourceDynamicsNav
from source_dynamics_nav.declarations import STREAMS

HERE = Path(__file__).parent
_live: EmulatorServer | None = None
_live_lock = threading.Lock()


def _seed_financial_entries(config: dict[str, Any]) -> None:
    """A posted journal (G/L entries) and a draft purchase invoice, so that every stream has rows."""
    with BusinessCentralClient(BCConnectionConfig.model_validate(config)) as bc:
        journal = next(iter(bc.iter_entities("journals")))["id"]
        for account, amount in (("6100", Decimal("250.00")), ("1010", Decimal("-250.00"))):
            bc.create(
                f"journals({journal})/journalLines",
                {
                    "accountType": "G/L Account",
                    "accountNumber": account,
                    "postingDate": "2026-11-25",
                    "documentNumber": "STD-1",
                    "amount": amount,
                    "description": "standard suite",
                },  # fmt: skip
            )
        bc.invoke_action(f"journals({journal})", "Microsoft.NAV.post")
        bc.create(
            "purchaseInvoices",
            {
                "vendorNumber": "V10000",
                "vendorInvoiceNumber": "STD-INV-1",
                "invoiceDate": "2026-11-20",
                "purchaseInvoiceLines": [
                    {"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1, "unitCost": Decimal("99.95")}
                ],
            },  # fmt: skip
        )


def live_config() -> dict[str, Any]:
    global _live
    with _live_lock:
        if _live is None:
            _live = EmulatorServer(EmulatorSettings(page_size=7)).start()
            atexit.register(_live.stop)
            _seed_financial_entries(_config(_live))
        return _config(_live)


def _config(emulator: EmulatorServer) -> dict[str, Any]:
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


class TestSourceDynamicsNavStandard(SourceTestSuiteBase):
    connector = SourceDynamicsNav

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
        live._id = "live_bc_emulator"  # a readable test id (the default hashes the config, a dict)
        return [*super().get_scenarios(), live]


def test_configured_catalog_matches_what_discover_announces() -> None:
    configured = json.loads((HERE / "configured_catalog.json").read_text())
    assert [entry["stream"]["name"] for entry in configured["streams"]] == [d.name for d in STREAMS]
    for entry, declaration in zip(configured["streams"], STREAMS, strict=True):
        assert entry["stream"]["json_schema"] == declaration.json_schema()
        assert entry["cursor_field"] == [declaration.cursor_field]


def test_future_state_emits_nothing() -> None:
    """CAT's incremental `future_state` check, against the live emulator: a state from the future reads no rows."""
    catalog = ConfiguredAirbyteCatalogSerializer.load(json.loads((HERE / "configured_catalog.json").read_text()))
    state = [AirbyteStateMessageSerializer.load(s) for s in json.loads((HERE / "abnormal_state.json").read_text())]
    output = read(SourceDynamicsNav(), live_config(), catalog, state)
    assert output.errors == []
    assert output.records == []
    assert {m.state.stream.stream_descriptor.name for m in output.state_messages} == {d.name for d in STREAMS}
