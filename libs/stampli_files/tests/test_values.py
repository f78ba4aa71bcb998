"""Cell value parsing: amounts as Decimal (never float), dates to ISO, integers, booleans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stampli_files.values import InvalidValueError, format_decimal, parse_bool, parse_date, parse_decimal, parse_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("$1,234.50", "1234.50"),
        ("USD 10", "10"),
        ("10.00 EUR", "10.00"),
        ("(12.00)", "-12.00"),
        ("-0.10", "-0.10"),
        ("12.5-", "-12.5"),
        ("1.234,50", "1234.50"),
        ("12,5", "12.5"),
        ("1,234", "1234"),
        ("1,234,567.891", "1234567.891"),
        (" 7 ", "7"),
        ("0.1", "0.1"),
        (".5", "0.5"),
    ],
)
def test_amounts_parse_exactly(raw: str, expected: str) -> None:
    assert parse_decimal(raw) == Decimal(expected)


def test_amounts_never_drift() -> None:
    total = sum((parse_decimal(x) for x in ["0.1"] * 10), Decimal(0))  # float would give 0.9999999999999999
    assert total == Decimal("1.0")
    assert format_decimal(total) == "1.0"


@pytest.mark.parametrize("raw", ["abc", "12abc34", "NaN", "INF", "1e5", "1.2.3", "--5", "$"])
def test_non_amounts_are_named_errors(raw: str) -> None:
    with pytest.raises(InvalidValueError, match="not an amount"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_is_missing(raw: str | None) -> None:
    assert parse_decimal(raw) is None
    assert parse_date(raw) is None
    assert parse_int(raw) is None
    assert parse_bool(raw) is None


def test_plain_notation_output() -> None:
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal(Decimal("-0")) == "0"
    assert format_decimal(Decimal("1234.50")) == "1234.50"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-25", "2026-11-25"),
        ("11/25/2026", "2026-11-25"),
        ("1/2/2026", "2026-01-02"),  # US month first
        ("1/2/26", "2026-01-02"),
        ("2026/11/25", "2026-11-25"),
        ("25.11.2026", "2026-11-25"),
        ("20261125", "2026-11-25"),
        ("25-Nov-2026", "2026-11-25"),
        ("Nov 25, 2026", "2026-11-25"),
        ("2026-11-25T23:30:00Z", "2026-11-25"),
        ("2026-11-25 10:00:00", "2026-11-25"),
        ("11/25/2026 10:15 AM", "2026-11-25"),
    ],
)
def test_dates_become_iso(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["25/11/2026", "2026-13-01", "yesterday", "31.02.2026", "1/1/0001"])
def test_non_dates_are_named_errors(raw: str) -> None:
    with pytest.raises(InvalidValueError):
        parse_date(raw)


def test_integers_and_booleans() -> None:
    assert parse_int("3") == 3
    assert parse_int("3.0") == 3
    with pytest.raises(InvalidValueError):
        parse_int("3.5")
    assert [parse_bool(v) for v in ("Yes", "n", "TRUE", "0", "Active", "Inactive")] == [
        True, False, True, False, True, False
    ]  # fmt: skip
    with pytest.raises(InvalidValueError):
        parse_bool("maybe")
