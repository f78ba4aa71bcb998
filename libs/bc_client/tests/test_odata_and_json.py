"""OData literals/filters and money-safe JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from bc_client.jsonio import dumps, loads
from bc_client.odata import all_of, any_of, eq, key_segment, modified_since, odata_literal

GUID = UUID("5d115c9c-44e3-ea11-bb43-000d3a2feca1")


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("O'Brien & Sons", "'O''Brien & Sons'"),
        ("''", "''''''"),
        (True, "true"),
        (None, "null"),
        (42, "42"),
        (Decimal("1234.50"), "1234.50"),
        (Decimal("1E+3"), "1000"),
        (date(2026, 1, 31), "2026-01-31"),
        (datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))), "2026-01-01T10:00:00Z"),
        (GUID, "5d115c9c-44e3-ea11-bb43-000d3a2feca1"),
    ],
)
def test_literals(value: object, literal: str) -> None:
    assert odata_literal(value) == literal  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1.5, datetime(2026, 1, 1), Decimal("NaN"), object()])
def test_unsafe_values_are_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        odata_literal(value)  # type: ignore[arg-type]


def test_filter_builders() -> None:
    assert eq("number", "V'1") == "number eq 'V''1'"
    assert any_of("documentNumber", ["A", "B"]) == "(documentNumber eq 'A' or documentNumber eq 'B')"
    assert any_of("documentNumber", ["A"]) == "documentNumber eq 'A'"
    assert all_of(eq("a", 1), None, "b eq 2 or b eq 3") == "a eq 1 and (b eq 2 or b eq 3)"
    watermark = datetime(2026, 3, 1, 8, 30, 15, 123000, tzinfo=UTC)
    assert modified_since(watermark) == "lastModifiedDateTime gt 2026-03-01T08:30:15.123000Z"
    assert modified_since(watermark, inclusive=True).startswith("lastModifiedDateTime ge ")
    with pytest.raises(ValueError):
        any_of("x", [])


def test_key_segments() -> None:
    assert key_segment("vendors", str(GUID).upper()) == f"vendors({GUID})"
    assert key_segment("subscriptions", "abc'1", string_key=True) == "subscriptions('abc''1')"
    with pytest.raises(ValueError, match="not a GUID"):
        key_segment("vendors", "V10000")


def test_json_keeps_money_exact_both_ways() -> None:
    body = {"amount": Decimal("0.10") + Decimal("0.20"), "big": Decimal("12345678901234567890.01"), "n": 3}
    encoded = dumps(body)
    assert encoded == b'{"amount":0.30,"big":12345678901234567890.01,"n":3}'
    decoded = loads(encoded)
    assert decoded == {"amount": Decimal("0.30"), "big": Decimal("12345678901234567890.01"), "n": 3}
    assert isinstance(decoded["amount"], Decimal)


def test_json_dates_and_refusals() -> None:
    assert dumps({"d": date(2026, 2, 28), "t": datetime(2026, 1, 1, tzinfo=UTC)}) == (
        b'{"d":"2026-02-28","t":"2026-01-01T00:00:00Z"}'
    )
    with pytest.raises(ValueError, match="naive datetime"):
        dumps({"t": datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match="NaN"):
        dumps({"x": Decimal("NaN")})
