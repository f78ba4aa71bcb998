"""Fixtures: the embedded SFTP server with Stampli's folders, destination configs, and message builders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
)

REFERENCE_STREAMS = ("vendors", "gl_accounts", "dimensions", "dimension_values")


def record(stream: str, data: dict[str, Any]) -> AirbyteMessage:
    return AirbyteMessageSerializer.load(
        {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 1_764_064_800_000}}
    )


def state(stream: str, value: dict[str, Any]) -> AirbyteMessage:
    return AirbyteMessageSerializer.load(
        {
            "type": "STATE",
            "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": value}},
        }
    )


def catalog(streams: Iterable[str] = REFERENCE_STREAMS) -> ConfiguredAirbyteCatalog:
    return ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {
                    "stream": {
                        "name": name,
                        "json_schema": {"type": "object"},
                        "supported_sync_modes": ["incremental"],
                    },
                    "sync_mode": "incremental",
                    "destination_sync_mode": "append",
                }
                for name in streams
            ]
        }
    )


def nav_vendor(number: str, name: str, **fields: Any) -> dict[str, Any]:
    """A vendor as source-dynamics-nav emits it (BC field names)."""
    return {
        "id": f"00000000-0000-4000-8000-{abs(hash(number)) % 10**12:012d}",
        "number": number,
        "displayName": name,
        "addressLine1": "1 Main Street",
        "addressLine2": "",
        "city": "Springfield",
        "state": "IL",
        "country": "US",
        "postalCode": "62701",
        "phoneNumber": "217-555-0100",
        "email": f"ap@{number.lower()}.example",
        "taxRegistrationNumber": "",
        "currencyCode": "",
        "blocked": " ",
        "lastModifiedDateTime": "2026-11-25T10:00:00.000Z",
        **fields,
    }


def reference_records() -> list[AirbyteMessage]:
    return [
        record("vendors", nav_vendor("V10000", "Fabrikam, Inc.")),
        record("vendors", nav_vendor("V10010", "First Up Consultants", blocked="All")),
        state("vendors", {"lastModifiedDateTime": "2026-11-25T10:00:00Z"}),
        record(
            "gl_accounts",
            {
                "number": "6100",
                "displayName": "Office Supplies",
                "category": "Expense",
                "accountType": "Posting",
                "blocked": False,
                "directPosting": True,
            },
        ),  # fmt: skip
        record(
            "gl_accounts",
            {
                "number": "2100",
                "displayName": "Accounts Payable",
                "category": "Liabilities",
                "accountType": "Posting",
                "blocked": False,
                "directPosting": False,
            },
        ),  # fmt: skip
        state("gl_accounts", {"lastModifiedDateTime": "2026-11-25T10:00:00Z"}),
        record("dimensions", {"code": "DEPARTMENT", "displayName": "Department"}),
        state("dimensions", {"lastModifiedDateTime": "2026-11-25T10:00:00Z"}),
        record("dimension_values", {"code": "ADM", "dimensionCode": "DEPARTMENT", "displayName": "Administration"}),
        record("dimension_values", {"code": "SALES", "dimensionCode": "DEPARTMENT", "displayName": "Sales"}),
        state("dimension_values", {"lastModifiedDateTime": "2026-11-25T10:00:00Z"}),
    ]


class Helpers:
    """Plain helpers for tests (pytest's importlib mode makes conftest modules unimportable from tests)."""

    REFERENCE_STREAMS = REFERENCE_STREAMS
    record = staticmethod(record)
    state = staticmethod(state)
    catalog = staticmethod(catalog)
    nav_vendor = staticmethod(nav_vendor)
    reference_records = staticmethod(reference_records)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers


@pytest.fixture
def inbound(sftp_server: Any) -> Path:
    folder = sftp_server.root / "inbound"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def config(sftp_server: Any, inbound: Path) -> dict[str, Any]:
    return {**sftp_server.connection_config(), "folder": "/inbound"}
