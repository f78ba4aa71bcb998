"""The pure planning step: every reject decided before anything is written, each invoice mapped once."""

from __future__ import annotations

from decimal import Decimal

from destination_dynamics_nav.audit import RecordOrigin
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.default_dimensions import DimensionDefaults
from destination_dynamics_nav.mapping import map_invoice, posting_document
from destination_dynamics_nav.planning import Screened, VendorOutcomes, decide
from destination_dynamics_nav.records import StampliInvoice
from destination_dynamics_nav.validation import validate_mapped

SETTINGS = DestinationSettings()


def _screened(reference, record, *, reversal: bool = False) -> Screened:
    mapped = map_invoice(StampliInvoice.model_validate(record), SETTINGS, local_currency="USD")
    problems = validate_mapped(mapped, SETTINGS, reference)
    return Screened(RecordOrigin("invoices", record["invoice_id"]), mapped, tuple(problems), reversal)


def _no_vendor_writes(**overrides) -> VendorOutcomes:
    return VendorOutcomes(overrides.get("failed", {}), overrides.get("rejected", {}), lambda number: None)


def test_the_mapped_values_are_what_validation_judges_and_the_document_books(reference, invoice_record) -> None:
    record = invoice_record(vendor_id=" v10000 ", currency="usd")
    mapped = map_invoice(StampliInvoice.model_validate(record), SETTINGS, local_currency="USD")
    assert (mapped.vendor_number, mapped.currency_code) == ("V10000", "")  # code-normalised; local currency blank
    assert [line.dimension_values for line in mapped.lines] == [
        (("department", "DEPARTMENT", "SALES"), ("location", "LOCATION", "EAST")),
        (("department", "DEPARTMENT", "ADMIN"),),
    ]
    assert validate_mapped(mapped, SETTINGS, reference) == []
    document = posting_document(StampliInvoice.model_validate(record), SETTINGS, local_currency="USD")
    assert document.vendor_number == mapped.vendor_number and document.total == Decimal("150.50")
    assert [line.description for line in document.lines] == ["Paper", "A-77 line 2"]


def test_a_second_invoice_with_the_same_vendor_invoice_number_is_rejected_in_the_plan(
    reference, invoice_record
) -> None:
    first = _screened(reference, invoice_record(invoice_id="INV-1"))
    second = _screened(reference, invoice_record(invoice_id="INV-2", invoice_number="a-77"))  # NAV compares upper-case
    events, tasks = decide([first, second], SETTINGS, reference, _no_vendor_writes(), DimensionDefaults())
    assert [t.document.invoice_id for t in tasks] == ["INV-1"]
    assert [(e.origin.key, e.action) for e in events] == [("INV-2", "rejected")]
    assert events[0].reason is not None and events[0].reason.startswith("duplicate_vendor_invoice_number:")


def test_vendor_write_outcomes_become_named_rejects(reference, invoice_record) -> None:
    new_vendor = _screened(reference, invoice_record(invoice_id="INV-3", vendor_id="V77777"))
    assert [p.code for p in new_vendor.problems] == ["unknown_vendor"]
    # The vendor record was refused in this sync: that names the cause instead of "unknown vendor".
    events, tasks = decide(
        [new_vendor],
        SETTINGS,
        reference,
        _no_vendor_writes(rejected={"V77777": "invalid_vendor_email: …"}),
        DimensionDefaults(),
    )
    assert tasks == [] and events[0].reason is not None and events[0].reason.startswith("vendor_rejected:")

    valid = _screened(reference, invoice_record(invoice_id="INV-4"))
    events, tasks = decide(
        [valid],
        SETTINGS,
        reference,
        _no_vendor_writes(failed={"V10000": "vendor_write_failed: x"}),
        DimensionDefaults(),
    )
    assert tasks == [] and events[0].reason == "vendor_creation_failed: vendor_write_failed: x"


def test_a_voided_invalid_invoice_becomes_a_stub_that_can_only_be_looked_up(reference, invoice_record) -> None:
    voided = _screened(reference, invoice_record(status="Voided", lines=[]), reversal=True)
    events, tasks = decide([voided], SETTINGS, reference, _no_vendor_writes(), DimensionDefaults())
    assert events == []
    assert [(t.kind, t.document.document_number, t.document.lines) for t in tasks] == [("reverse", "STP-INV-1001", ())]
    assert [p.code for p in tasks[0].problems] == ["no_lines"]
