"""The $filter parser on its own: literal types, precedence, BC's restrictions, clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bc_emulator import entities
from bc_emulator.errors import ApiError
from bc_emulator.odata.filter import OneOf, parse_filter

LINE = {
    "id": "6f1c4c2e-0000-4000-8000-000000000001",
    "journalId": "6f1c4c2e-0000-4000-8000-0000000000aa",
    "lineNumber": 20000,
    "accountType": "Vendor",
    "accountNumber": "V10000",
    "postingDate": "2026-01-31",
    "documentNumber": "STP-INV-1001",
    "externalDocumentNumber": "O'BRIEN-7",
    "amount": Decimal("-1234.50"),
    "description": "Stampli invoice",
    "lastModifiedDateTime": "2026-02-01T10:00:00.000Z",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("documentNumber eq 'stp-inv-1001'", True),  # Code field: upper-cased like BC
        ("description eq 'stampli invoice'", False),  # Text field: as written
        ("externalDocumentNumber eq 'O''BRIEN-7'", True),
        ("amount lt -1000 and amount ge -1234.5", True),
        ("amount eq -1234.50", True),
        ("postingDate ge 2026-01-01 and postingDate le 2026-01-31", True),
        ("postingDate gt 2026-01-31", False),
        ("lastModifiedDateTime gt 2026-02-01T09:59:59Z", True),
        ("lastModifiedDateTime gt 2026-02-01T11:00:00+01:00", False),
        ("lastModifiedDateTime ge 2026-02-01T10:00:00.000Z", True),
        ("journalId eq 6F1C4C2E-0000-4000-8000-0000000000AA", True),
        ("accountType eq 'vendor'", True),
        ("lineNumber eq 20000", True),
        ("(lineNumber eq 10000 or lineNumber eq 20000) and accountType ne 'G_x002F_L_x0020_Account'", True),
        ("not (amount gt 0)", True),
        (
            "startswith(documentNumber,'STP-') and contains(description,'invoice') and endswith(accountNumber,'000')",
            True,
        ),
    ],
)
def test_filter_matches(text: str, expected: bool) -> None:
    assert parse_filter(text, entities.JOURNAL_LINE).matches(LINE) is expected


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("documentNumber eq 'A' or description eq 'B'", "BadRequest_NotSupported", "'OR' operator"),
        ("nosuchfield eq 1", "BadRequest_NotFound", "nosuchfield"),
        ("amount eq 'ten'", "BadRequest", "incompatible types"),
        ("postingDate eq '2026-01-01'", "BadRequest", "incompatible types"),
        ("documentNumber eq", "BadRequest_NotFound", "Expression expected"),
        ("documentNumber eq 'x' and", "BadRequest_NotFound", "Expression expected"),
        ("documentNumber ~ 'x'", "BadRequest_NotFound", "Syntax error"),
        ("accountType eq 'Planet'", "BadRequest_InvalidFilter", "not a valid enumeration type constant"),
        ("accountType eq 'G/L Account'", "BadRequest_InvalidFilter", "not a valid enumeration type constant"),
        (f"documentNumber eq '{'X' * 21}'", "Application_FilterErrorException", "20 characters"),
    ],
)
def test_filter_errors(text: str, code: str, fragment: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_filter(text, entities.JOURNAL_LINE)
    assert raised.value.code == code and fragment in raised.value.message


def test_equalities_feed_index_lookups() -> None:
    expr = parse_filter("documentNumber eq 'a' and postingDate eq 2026-01-31 and amount gt 0", entities.JOURNAL_LINE)
    assert expr.equalities() == [("documentNumber", "A"), ("postingDate", "2026-01-31")]
    either = parse_filter(
        "documentNumber eq 'a' or (documentNumber eq 'b' or documentNumber eq 'c')", entities.JOURNAL_LINE
    )
    assert either.equalities() == [("documentNumber", OneOf(("A", "B", "C")))]
    with_range = parse_filter("(documentNumber eq 'a' or documentNumber eq 'b') and amount gt 0", entities.JOURNAL_LINE)
    assert with_range.equalities() == [("documentNumber", OneOf(("A", "B")))]
    not_plain = parse_filter("documentNumber eq 'a' or startswith(documentNumber,'B')", entities.JOURNAL_LINE)
    assert not_plain.equalities() == []
