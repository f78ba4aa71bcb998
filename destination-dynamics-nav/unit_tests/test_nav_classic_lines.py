"""Pure planning of classic NAV (page web services) journal lines: fields, balance, truncation, dimensions, diff."""

from __future__ import annotations

from decimal import Decimal

import pytest

from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.mapping import posting_document, reversing_document
from destination_dynamics_nav.nav_classic.lines import (
    DimensionNotGlobalError,
    GlobalDimensions,
    diff_lines,
    is_balanced,
    journal_lines,
    next_line_numbers,
)
from destination_dynamics_nav.records import StampliInvoice

GLOBALS = GlobalDimensions.from_setup({"Global_Dimension_1_Code": "DEPARTMENT", "Global_Dimension_2_Code": "location"})


def _document(invoice_record, settings: DestinationSettings | None = None, **overrides):
    invoice = StampliInvoice.model_validate(invoice_record(**overrides))
    return posting_document(invoice, settings or DestinationSettings(), local_currency="USD")


def test_invoice_becomes_gl_debits_and_one_vendor_credit_in_nav_field_names(invoice_record) -> None:
    lines = journal_lines(_document(invoice_record), template="GENERAL", batch="STAMPLI", dimensions=GLOBALS)

    assert [line["Account_Type"] for line in lines] == ["G/L Account", "G/L Account", "Vendor"]
    assert is_balanced(lines)
    assert lines[-1] == {
        "Journal_Template_Name": "GENERAL",
        "Journal_Batch_Name": "STAMPLI",
        "Posting_Date": "2026-11-02",
        "Document_Type": "Invoice",
        "Document_No": "STP-INV-1001",
        "External_Document_No": "A-77",
        "Currency_Code": "",
        "Account_Type": "Vendor",
        "Account_No": "V10000",
        "Amount": Decimal("-150.50"),
        "Description": "Invoice A-77",
    }
    assert lines[0]["Shortcut_Dimension_1_Code"] == "SALES"
    assert lines[0]["Shortcut_Dimension_2_Code"] == "EAST"
    assert lines[1]["Shortcut_Dimension_1_Code"] == "ADMIN"
    assert "Shortcut_Dimension_2_Code" not in lines[1]
    assert all(isinstance(line["Amount"], Decimal) for line in lines)


def test_description_is_cut_to_nav2018_fifty_characters_with_the_api_modes_marker(invoice_record) -> None:
    record = invoice_record()
    record["lines"][0]["description"] = "x" * 80
    lines = journal_lines(_document(lambda **_: record), template="GENERAL", batch="STAMPLI", dimensions=GLOBALS)

    assert lines[0]["Description"] == "x" * 49 + "…"
    assert len(lines[0]["Description"]) == 50


def test_foreign_currency_carries_its_code_and_local_currency_is_blank(invoice_record) -> None:
    invoice = StampliInvoice.model_validate(invoice_record(currency="EUR"))
    foreign = posting_document(invoice, DestinationSettings(), local_currency="USD")
    local = posting_document(
        StampliInvoice.model_validate(invoice_record(currency="usd")), DestinationSettings(), local_currency="USD"
    )

    assert {line["Currency_Code"] for line in journal_lines(foreign, template="G", batch="B", dimensions=GLOBALS)} == {
        "EUR"
    }
    assert {line["Currency_Code"] for line in journal_lines(local, template="G", batch="B", dimensions=GLOBALS)} == {""}


def test_reversal_and_credit_memo_are_credit_memo_documents(invoice_record) -> None:
    document = _document(invoice_record)
    reversal = reversing_document(document, "STP")
    lines = journal_lines(reversal, template="GENERAL", batch="STAMPLI", dimensions=GLOBALS)

    # GenJnlCheckLine CheckDocType: an Invoice needs a negative vendor amount, a Credit Memo a positive one.
    assert {line["Document_Type"] for line in lines} == {"Credit Memo"}
    assert lines[-1]["Amount"] == Decimal("150.50")
    assert {line["Document_No"] for line in lines} == {"STP-INV-1001-R"}
    assert is_balanced(lines)


def test_a_dimension_that_is_not_global_is_refused_by_name(invoice_record) -> None:
    only_department = GlobalDimensions(dimension_1="DEPARTMENT", dimension_2="PROJECT")

    with pytest.raises(DimensionNotGlobalError, match="LOCATION"):
        journal_lines(_document(invoice_record), template="GENERAL", batch="STAMPLI", dimensions=only_department)
    problems = only_department.mapping_problems({"department": "DEPARTMENT", "location": "LOCATION"})
    assert len(problems) == 1
    assert "LOCATION" in problems[0] and "global dimension 2 is PROJECT" in problems[0]


def test_diff_finds_only_missing_lines_of_a_half_staged_document_and_extra_ones(invoice_record) -> None:
    planned = journal_lines(_document(invoice_record), template="GENERAL", batch="STAMPLI", dimensions=GLOBALS)
    # As NAV returns them: numbers as JSON numbers (Decimal after parsing), plus keys and ETags.
    staged = [{**planned[0], "Line_No": 10000, "Amount": Decimal("100.00"), "@odata.etag": 'W/"1"'}]
    stray = {**planned[1], "Amount": Decimal("999"), "Line_No": 30000}

    diff = diff_lines(planned, [*staged, stray])

    assert [line["Account_Type"] for line in diff.missing] == ["G/L Account", "Vendor"]
    assert diff.missing[0]["Amount"] == planned[1]["Amount"]
    assert [line["Line_No"] for line in diff.extra] == [30000]
    assert not diff.complete
    assert diff_lines(planned, planned).complete


def test_identical_lines_are_counted_not_merged(invoice_record) -> None:
    record = invoice_record()
    record["lines"][1] = {**record["lines"][0], "line_number": 2}
    record["invoice_total"] = "200.00"
    planned = journal_lines(_document(lambda **_: record), template="G", batch="B", dimensions=GLOBALS)

    diff = diff_lines(planned, [planned[0]])

    assert len(diff.missing) == 2  # the second identical G/L line and the vendor line


def test_line_numbers_continue_after_the_batch_in_autosplitkey_steps() -> None:
    assert next_line_numbers([{"Line_No": 20000}, {"Line_No": 10000}], 2) == [30000, 40000]
    assert next_line_numbers([], 1, after=50000) == [60000]
