"""Classic NAV mode (issue 13): page rows become records of the API v2.0 streams' schemas; change detection."""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest

from source_dynamics_nav.cursors import EntryNumberCursor, InvalidStateError, RecordHashCursor
from source_dynamics_nav.nav_classic import (
    NAV_DIMENSION_VALUES,
    NAV_GENERAL_LEDGER_ENTRIES,
    NAV_GL_ACCOUNTS,
    NAV_MAPPINGS,
    NAV_VENDORS,
)
from source_dynamics_nav.nav_streams import to_nav_record


def test_every_mapped_field_is_a_field_of_the_api_stream() -> None:
    for mapping in NAV_MAPPINGS:
        schema_fields = set(mapping.declaration.json_schema()["properties"])
        assert {record for record, _ in mapping.fields} <= schema_fields, mapping.name
        assert mapping.options <= {record for record, _ in mapping.fields}


def test_a_vendor_card_row_becomes_an_api_shaped_vendor() -> None:
    row = {
        "@odata.etag": 'W/"x"',
        "No": "10000",
        "Name": "Fabrikam, Inc.",
        "County": "IL",
        "Country_Region_Code": "US",
        "E_Mail": "ap@fabrikam.example",
        "Currency_Code": "",
        "Blocked": "_x0020_",  # a member name, should a server send one: decoded to the caption
        "Payment_Terms_Code": "30 DAYS",
        "Balance_LCY": Decimal("10.5"),
    }
    record = to_nav_record(NAV_VENDORS, row)
    assert record["id"] == "10000" and record["number"] == "10000"
    assert record["state"] == "IL" and record["country"] == "US" and record["email"] == "ap@fabrikam.example"
    assert record["blocked"] == " "
    assert record["paymentTermsCode"] == "30 DAYS"
    assert record["currencyId"] is None and record["lastModifiedDateTime"] is None
    assert "Balance_LCY" not in record and "@odata.etag" not in record
    jsonschema.validate(record, NAV_VENDORS.declaration.json_schema())


def test_ledger_entries_keep_money_exact_and_blank_dates_null() -> None:
    row = {
        "Entry_No": 17,
        "Posting_Date": "2018-01-31",
        "Document_No": "STP-INV-1",
        "Document_Type": "Invoice",
        "G_L_Account_No": "6100",
        "Description": "Office",
        "Debit_Amount": Decimal("1234.50"),
        "Credit_Amount": 0,
    }
    record = to_nav_record(NAV_GENERAL_LEDGER_ENTRIES, row)
    assert record["id"] == "17" and record["entryNumber"] == 17
    assert record["debitAmount"] == "1234.50" and record["creditAmount"] == "0"
    assert record["documentType"] == "Invoice" and record["accountNumber"] == "6100"
    jsonschema.validate(record, NAV_GENERAL_LEDGER_ENTRIES.declaration.json_schema())
    assert to_nav_record(NAV_GENERAL_LEDGER_ENTRIES, {**row, "Posting_Date": "0001-01-01"})["postingDate"] is None


def test_composite_keys_make_unambiguous_ids() -> None:
    record = to_nav_record(NAV_DIMENSION_VALUES, {"Dimension_Code": "AREA", "Code": "O'HARE", "Name": "x"})
    assert record["id"] == "Dimension_Code='AREA',Code='O''HARE'"
    assert record["dimensionCode"] == "AREA" and record["code"] == "O'HARE"


def test_accounts_booleans_and_options() -> None:
    row = {"No": "6100", "Name": "Office", "Account_Type": "Posting", "Direct_Posting": True, "Blocked": False}
    record = to_nav_record(NAV_GL_ACCOUNTS, row)
    assert record["accountType"] == "Posting" and record["directPosting"] is True and record["blocked"] is False
    jsonschema.validate(record, NAV_GL_ACCOUNTS.declaration.json_schema())


def test_record_hash_cursor_emits_changes_only_and_forgets_deleted_records() -> None:
    cursor = RecordHashCursor.from_state(None)
    cursor.start_read()
    assert cursor.accept("1", {"id": "1", "city": "A"}) and cursor.accept("2", {"id": "2", "city": "B"})
    cursor.finish()
    state = cursor.state()
    again = RecordHashCursor.from_state(state)
    again.start_read()
    assert not again.accept("1", {"id": "1", "city": "A"})
    assert again.accept("2", {"id": "2", "city": "C"})  # changed
    again.finish()  # "1" and "2" seen; nothing deleted
    assert set(again.state()["record_hashes"]) == {"1", "2"}
    third = RecordHashCursor.from_state(again.state())
    third.start_read()
    assert not third.accept("2", {"id": "2", "city": "C"})
    third.finish()  # "1" was deleted in NAV
    assert set(third.state()["record_hashes"]) == {"2"}


def test_record_hash_cursor_keeps_unseen_records_until_a_read_completes() -> None:
    cursor = RecordHashCursor.from_state({"record_hashes": {"1": "a", "2": "b"}})
    cursor.start_read()
    cursor.accept("1", {"id": "1"})
    assert set(cursor.state()["record_hashes"]) == {"1", "2"}  # a checkpoint mid-read forgets nothing


def test_record_hash_cursor_state_is_validated() -> None:
    with pytest.raises(InvalidStateError):
        RecordHashCursor.from_state({"record_hashes": ["not", "a", "map"]})
    assert RecordHashCursor.from_state({"lastModifiedDateTime": "2026-01-01T00:00:00Z"}).state() == {}


def test_entry_number_cursor_filters_on_the_nav_field() -> None:
    cursor = EntryNumberCursor.from_state({"entryNumber": 41}, filter_field="Entry_No")
    assert cursor.start_read() == "Entry_No gt 41" and cursor.orderby == "Entry_No"
    assert not cursor.accept(41) and cursor.accept(42)
    cursor.finish()
    assert cursor.state() == {"entryNumber": 42}
