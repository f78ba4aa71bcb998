"""Fixtures: the BC emulator over HTTPS (real HTTP, its own CA), source configs for it, and read helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from airbyte_cdk.models import (
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
)
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

from bc_client import BCConnectionConfig, BusinessCentralClient
from bc_emulator import EmulatorServer
from source_dynamics_nav.declarations import STREAMS
from source_dynamics_nav.purchase_documents import PURCHASE_ORDERS, PURCHASE_RECEIPTS
from source_dynamics_nav.source import SourceDynamicsNav

REFERENCE_STREAMS = ("vendors", "gl_accounts", "dimensions", "dimension_values")


def onprem_config(emu: EmulatorServer, **extra: Any) -> dict[str, Any]:
    """On-premises deployment, basic auth (user + web service access key), HTTPS with the emulator's CA."""
    return {
        "deployment": {
            "deployment_type": "on_premises",
            "server_url": emu.url,
            "server_instance": emu.server_instance,
            "auth": {
                "auth_type": "basic",
                "username": emu.basic_username,
                "web_service_access_key": emu.basic_access_key,
            },
        },
        "company": emu.company_name,
        "ca_certificate": emu.ca_pem,
        **extra,
    }


def catalog(streams: Iterable[str] = REFERENCE_STREAMS, sync_mode: str = "incremental") -> ConfiguredAirbyteCatalog:
    # The purchase document streams (issue 15) are declared beside the others, in purchase_documents.py.
    by_name = {declaration.name: declaration for declaration in (*STREAMS, PURCHASE_ORDERS, PURCHASE_RECEIPTS)}
    return ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {
                    "stream": {
                        "name": name,
                        "json_schema": by_name[name].json_schema(),
                        "supported_sync_modes": ["full_refresh", "incremental"],
                        "source_defined_cursor": True,
                        "default_cursor_field": [by_name[name].cursor_field],
                        "source_defined_primary_key": [[by_name[name].primary_key]],
                    },
                    "sync_mode": sync_mode,
                    "destination_sync_mode": "append",
                }
                for name in streams
            ]
        }
    )


def final_states(output: EntrypointOutput) -> list[AirbyteStateMessage]:
    """The last state per stream, ready to pass to the next read."""
    latest: dict[str, dict[str, Any]] = {}
    for message in output.state_messages:
        dumped = AirbyteStateMessageSerializer.dump(message.state)
        latest[dumped["stream"]["stream_descriptor"]["name"]] = dumped
    return [AirbyteStateMessageSerializer.load(state) for state in latest.values()]


def records_by_stream(output: EntrypointOutput) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for message in output.records:
        grouped.setdefault(message.record.stream, []).append(message.record.data)
    return grouped


Reader = Callable[..., EntrypointOutput]


class Helpers:
    """Plain helper functions, handed to tests as the `h` fixture (pytest's importlib mode makes conftest
    modules unimportable from tests)."""

    REFERENCE_STREAMS = REFERENCE_STREAMS
    catalog = staticmethod(catalog)
    final_states = staticmethod(final_states)
    records_by_stream = staticmethod(records_by_stream)
    onprem_config = staticmethod(onprem_config)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers


@pytest.fixture
def emulator(bc_emulator_factory: Callable[..., EmulatorServer]) -> EmulatorServer:
    # Small pages: every read below follows several @odata.nextLink pages.
    return bc_emulator_factory(tls=True, page_size=4)


@pytest.fixture
def config(emulator: EmulatorServer) -> dict[str, Any]:
    return onprem_config(emulator)


@pytest.fixture
def run_read(emulator: EmulatorServer) -> Reader:
    def run(
        config: dict[str, Any],
        streams: Iterable[str] = REFERENCE_STREAMS,
        state: list[AirbyteStateMessage] | None = None,
        sync_mode: str = "incremental",
        expect_failure: bool = False,
    ) -> EntrypointOutput:
        from airbyte_cdk.test.models.outcome import ExpectedOutcome

        source = SourceDynamicsNav(clock=emulator.clock.now)
        outcome = ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS
        return read(source, config, catalog(streams, sync_mode), state, expected_outcome=outcome)

    return run


@pytest.fixture
def bc(emulator: EmulatorServer, config: dict[str, Any]) -> BusinessCentralClient:
    """A BC client on the emulator, for the changes a test makes "in NAV"."""
    client = BusinessCentralClient(BCConnectionConfig.model_validate(config))
    yield client
    client.close()
