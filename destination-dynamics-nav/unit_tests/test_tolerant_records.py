"""Stampli records read the way an Airbyte destination must tolerate them (issue 16: real clients)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from destination_dynamics_nav.audit import RecordOrigin
from destination_dynamics_nav.records import StampliGlAccount, StampliInvoice, StampliVendor


def cached(record: dict[str, Any]) -> dict[str, Any]:
    """As PyAirbyte's DuckDB cache may hand a record back: other case, arrays as JSON text, its own columns."""
    result = {key.upper(): value for key, value in record.items()}
    for name in ("LINES", "VALIDATION_ERRORS", "_STAMPLI_SOURCE_ROWS"):
        if name in result:
            result[name] = json.dumps(result[name])
    return {**result, "_airbyte_raw_id": "0192c0de", "_airbyte_meta": {"changes": []}, "_airbyte_generation_id": 1}


def declared(invoice: StampliInvoice) -> dict[str, Any]:
    """The declared fields (unknown extra fields keep the spelling they came with)."""
    return {name: getattr(invoice, name) for name in type(invoice).model_fields}


def test_a_cached_invoice_reads_like_the_sources_own(invoice_record: Callable[..., dict[str, Any]]) -> None:
    direct = StampliInvoice.model_validate(invoice_record())
    through_cache = StampliInvoice.model_validate(cached(invoice_record()))
    assert declared(through_cache) == declared(direct)
    assert through_cache.lines[0].department == "sales" and through_cache.source_rows == [2, 3]
    assert "_airbyte_raw_id" not in (through_cache.model_extra or {})


def test_money_given_as_floats_or_numbers_in_json_text_becomes_exact_decimals(
    invoice_record: Callable[..., dict[str, Any]],
) -> None:
    record = invoice_record(invoice_total=150.5, lines_total=150.50)
    record["lines"] = json.dumps([{"line_number": 1, "gl_account": "6100", "amount": 100.1}, {"amount": 50.4}])
    invoice = StampliInvoice.model_validate(record)
    assert invoice.invoice_total == Decimal("150.5") and isinstance(invoice.invoice_total, Decimal)
    assert [line.amount for line in invoice.lines] == [Decimal("100.1"), Decimal("50.4")]


def test_dates_given_as_timestamps_or_date_objects_are_their_calendar_dates(
    invoice_record: Callable[..., dict[str, Any]],
) -> None:
    invoice = StampliInvoice.model_validate(
        invoice_record(
            invoice_date="2026-11-02T00:00:00",
            due_date="2026-12-02 00:00:00+00:00",
            approved_date=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
        )
    )
    assert (invoice.invoice_date, invoice.due_date, invoice.approved_date) == (
        dt.date(2026, 11, 2),
        dt.date(2026, 12, 2),
        dt.date(2026, 11, 5),
    )


def test_vendors_accounts_and_extra_fields_are_read_whatever_their_case() -> None:
    vendor = StampliVendor.model_validate({"Vendor_ID": "V1", "VENDOR_NAME": "Fabrikam", "_airbyte_raw_id": "x"})
    assert (vendor.vendor_id, vendor.vendor_name) == ("V1", "Fabrikam")
    account = StampliGlAccount.model_validate({"ACCOUNT_NUMBER": "6100", "account_name": "Office", "Active": True})
    assert account.account_number == "6100" and account.active is True
    assert StampliVendor.model_validate({"vendor_id": "V1", "Cost_Center": "EAST"}).field("cost_center") == "EAST"


def test_the_audit_origin_reads_cached_metadata(invoice_record: Callable[..., dict[str, Any]]) -> None:
    origin = RecordOrigin.of("invoices", "invoice_id", cached(invoice_record()))
    assert origin.key == "INV-1001" and origin.source_rows == (2, 3)
    assert origin.source_file == "/outbound/invoices_20261125.csv" and origin.record_hash == "ab" * 32


def test_a_field_lost_on_the_way_is_absent_not_blank(invoice_record: Callable[..., dict[str, Any]]) -> None:
    record = invoice_record()
    del record["invoice_number"]
    assert StampliInvoice.model_validate(record).invoice_number is None  # validation rejects missing_invoice_number
