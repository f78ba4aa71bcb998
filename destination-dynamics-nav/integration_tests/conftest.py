"""The connector against the BC emulator over real HTTP: a harness that builds configs and Airbyte messages, runs
`write` in-process through the Destination class, and reads NAV back through the same API the connector uses."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteRecordMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStream,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    StreamDescriptor,
    SyncMode,
    Type,
)

from bc_client import BCConnectionConfig, BusinessCentralClient
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings
from destination_dynamics_nav import DestinationDynamicsNav

STREAMS = ("invoices", "vendors", "gl_accounts")


def catalog(streams: tuple[str, ...] = STREAMS) -> ConfiguredAirbyteCatalog:
    return ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=AirbyteStream(name=name, json_schema={}, supported_sync_modes=[SyncMode.incremental]),
                sync_mode=SyncMode.incremental,
                destination_sync_mode=DestinationSyncMode.append,
            )
            for name in streams
        ]
    )


def record(stream: str, data: dict[str, Any]) -> AirbyteMessage:
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=data, emitted_at=0))


def state(marker: int, stream: str = "invoices") -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.STATE,
        state=AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(marker=marker)
            ),
        ),
    )


def invoice(invoice_id: str, **overrides: Any) -> dict[str, Any]:
    """An approved Stampli invoice of V10000 (Fabrikam) with two coded lines (contract §1 shape)."""
    data: dict[str, Any] = {
        "invoice_id": invoice_id,
        "invoice_number": f"F-{invoice_id}",
        "vendor_id": "V10000",
        "vendor_name": "Fabrikam, Inc.",
        "invoice_date": "2026-11-02",
        "due_date": "2026-12-02",
        "approved_date": "2026-11-20",
        "currency": "USD",
        "invoice_total": "150.50",
        "status": "Approved",
        "po_number": None,
        "lines": [
            {
                "line_number": 1,
                "description": "Printer toner",
                "gl_account": "6100",
                "amount": "100.00",
                "department": "ADM",
                "location": "EAST",
                "po_number": None,
            },
            {
                "line_number": 2,
                "description": "Cables",
                "gl_account": "6120",
                "amount": "50.50",
                "department": "IT",
                "location": None,
                "po_number": None,
            },
        ],
        "lines_total": "150.50",
        "balanced": True,
        "validation_errors": [],
        "_ab_source_file_url": "/outbound/invoices_20261125.csv",
        "_ab_source_file_last_modified": "2026-11-25T10:00:00.000000Z",
        "_stampli_source_rows": [2, 3],
        "_stampli_record_hash": "0" * 64,
    }
    data.update(overrides)
    return data


def one_line(invoice_id: str, amount: str = "80.00", account: str = "6100", **line: Any) -> dict[str, Any]:
    return invoice(
        invoice_id,
        invoice_total=amount,
        lines_total=amount,
        lines=[
            {
                "line_number": 1,
                "description": "Item",
                "gl_account": account,
                "amount": amount,
                "department": "SALES",
                "location": "WEST",
                **line,
            }
        ],
    )


@dataclass
class Output:
    messages: list[AirbyteMessage]

    @property
    def logs(self) -> list[dict[str, Any]]:
        parsed = []
        for message in self.messages:
            if message.type == Type.LOG and message.log is not None and message.log.message.startswith("{"):
                parsed.append(orjson.loads(message.log.message))
        return parsed

    @property
    def audit(self) -> list[dict[str, Any]]:
        return [line for line in self.logs if line.get("event") == "stampli_nav.audit"]

    def by_key(self, stream: str = "invoices") -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for line in self.audit:
            if line["stream"] == stream:
                grouped.setdefault(line["key"], []).append(line)
        return grouped

    def actions(self, stream: str = "invoices") -> dict[str, list[str]]:
        return {key: [line["action"] for line in lines] for key, lines in self.by_key(stream).items()}

    @property
    def summary(self) -> dict[str, Any]:
        return next(line for line in self.logs if line.get("event") == "stampli_nav.summary")

    @property
    def states(self) -> list[int]:
        return [m.state.stream.stream_state.marker for m in self.messages if m.type == Type.STATE]  # type: ignore[union-attr]

    def text(self) -> str:
        """Everything the connector printed, as the JSON lines Airbyte would read."""
        return "\n".join(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode() for message in self.messages)


@dataclass
class Nav:
    """One emulated NAV company and the connector pointed at it."""

    emulator: EmulatorServer
    overrides: dict[str, Any] = field(default_factory=dict)
    _client: BusinessCentralClient | None = None

    def config(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "deployment": {
                "deployment_type": "on_premises",
                "server_url": self.emulator.url,
                "server_instance": self.emulator.server_instance,
                "auth": {
                    "auth_type": "basic",
                    "username": self.emulator.basic_username,
                    "web_service_access_key": self.emulator.basic_access_key,
                },
            },
            "company": self.emulator.company_name,
            "local_currency_code": "USD",
        }
        config.update(copy.deepcopy(self.overrides))
        config.update(overrides)
        return config

    def stream(self, messages: Iterable[AirbyteMessage], **overrides: Any) -> Iterator[AirbyteMessage]:
        """The connector's output as it comes (for tests that watch a sync fail midway)."""
        return DestinationDynamicsNav().write(self.config(**overrides), catalog(), iter(messages))

    def write(self, messages: list[AirbyteMessage], **overrides: Any) -> Output:
        return Output(list(self.stream(messages, **overrides)))

    # -- reading NAV back ----------------------------------------------------------------------------------
    @property
    def bc(self) -> BusinessCentralClient:
        """A client of the test's own, to look at (and tamper with) NAV the way another user would."""
        if self._client is None:
            self._client = BusinessCentralClient(BCConnectionConfig.model_validate(self.config()))
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def gl_entries(self, document_number: str | None = None) -> list[dict[str, Any]]:
        query = {"filter": f"documentNumber eq '{document_number}'"} if document_number else {}
        return self.bc.list_entities("generalLedgerEntries", **query)

    def gl_entry_dimensions(self, entry_id: str) -> dict[str, str]:
        lines = self.bc.list_entities(f"generalLedgerEntries({entry_id})/dimensionSetLines")
        return {line["code"]: line["valueCode"] for line in lines}

    def journal_lines(self, batch: str = "STAMPLI") -> list[dict[str, Any]]:
        journals = self.bc.list_entities("journals", filter=f"code eq '{batch}'")
        if not journals:
            return []
        return self.bc.list_entities(f"journals({journals[0]['id']})/journalLines")

    def journal_id(self, batch: str = "STAMPLI") -> str:
        journals = self.bc.list_entities("journals", filter=f"code eq '{batch}'")
        if journals:
            return str(journals[0]["id"])
        return str(self.bc.create("journals", {"code": batch, "displayName": batch})["id"])

    def purchase_invoices(self) -> list[dict[str, Any]]:
        return self.bc.list_entities("purchaseInvoices")

    def vendor(self, number: str) -> dict[str, Any] | None:
        found = self.bc.list_entities("vendors", filter=f"number eq '{number}'")
        return found[0] if found else None

    def document_numbers_posted(self) -> dict[str, Decimal]:
        """Document number → sum of debits, over the whole general ledger."""
        totals: dict[str, Decimal] = {}
        for entry in self.gl_entries():
            totals[entry["documentNumber"]] = totals.get(entry["documentNumber"], Decimal(0)) + Decimal(
                str(entry["debitAmount"])
            )
        return totals


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings()) as server:
        yield server


@pytest.fixture
def nav(emulator: EmulatorServer) -> Iterator[Nav]:
    harness = Nav(emulator)
    yield harness
    harness.close()


@pytest.fixture
def build() -> SimpleNamespace:
    """Message and record builders (fixtures, because test modules cannot import conftest in importlib mode)."""
    return SimpleNamespace(
        record=record, state=state, invoice=invoice, one_line=one_line, catalog=catalog, Output=Output
    )
