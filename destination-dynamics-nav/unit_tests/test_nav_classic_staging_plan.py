"""Classic mode's pure decision step: one task + what NAV holds → Skip / Reject / Ignore / Stage / Withdraw.

No network: the snapshot is built by hand the way `ClassicJournalStager._snapshot` reads it from the pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from destination_dynamics_nav.audit import RecordOrigin
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.mapping import posting_document, reversing_document
from destination_dynamics_nav.nav_classic.lines import GlobalDimensions, journal_lines
from destination_dynamics_nav.nav_classic.staging_plan import (
    Ignore,
    Reject,
    Skip,
    Snapshot,
    Stage,
    Target,
    Withdraw,
    decide,
    lookup_numbers,
)
from destination_dynamics_nav.outcomes import Problem
from destination_dynamics_nav.posting.base import InvoiceTask, TaskKind, as_dry_run
from destination_dynamics_nav.records import StampliInvoice

GLOBALS = GlobalDimensions.from_setup({"Global_Dimension_1_Code": "DEPARTMENT", "Global_Dimension_2_Code": "LOCATION"})
TARGET = Target("GENERAL", "STAMPLI", GLOBALS, "STP")
WHERE = "journal batch STAMPLI (template GENERAL)"


def _task(invoice_record, kind: TaskKind = "post", problems: tuple[Problem, ...] = (), **overrides: Any) -> InvoiceTask:
    invoice = StampliInvoice.model_validate(invoice_record(**overrides))
    document = posting_document(invoice, DestinationSettings(), local_currency="USD")
    return InvoiceTask(RecordOrigin("invoices", invoice.invoice_id), kind, document, problems)


def _staged(task: InvoiceTask, document=None) -> list[dict[str, Any]]:
    """The lines a real run stages for the document, as the General Journal page returns them."""
    lines = journal_lines(document or task.document, template="GENERAL", batch="STAMPLI", dimensions=GLOBALS)
    return [{**line, "Line_No": 10000 * (n + 1), "@odata.etag": f'W/"{n}"'} for n, line in enumerate(lines)]


def _entries(number: str, debit: str, *, first: int = 7, date: str = "2026-11-02") -> list[dict[str, Any]]:
    return [
        {"Entry_No": first + 1, "Document_No": number, "Posting_Date": date, "Amount": "-" + debit},
        {"Entry_No": first, "Document_No": number, "Posting_Date": date, "Amount": debit, "Debit_Amount": debit},
    ]


def _snapshot(lines: Sequence[dict[str, Any]] = (), **parts: Any) -> Snapshot:
    by_number: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_number.setdefault(line["Document_No"], []).append(line)
    return Snapshot(lines=by_number, all_lines=list(lines), **parts)


# -- invoices -------------------------------------------------------------------------------------------------
def test_an_absent_invoice_is_staged_whole_and_a_dry_run_says_how_many_lines(invoice_record) -> None:
    task = _task(invoice_record)

    decision = decide(task, _snapshot(), TARGET)

    assert isinstance(decision, Stage)
    assert decision.action == "posted" and decision.document is task.document
    assert [line["Account_Type"] for line in decision.planned] == ["G/L Account", "G/L Account", "Vendor"]
    assert decision.waiting == () and decision.missing == 3
    event = decision.event()
    assert (event.action, event.nav_document_number, event.amount) == ("posted", "STP-INV-1001", Decimal("150.50"))
    assert event.reason == (
        f"not_posted: staged in {WHERE} for an accountant to post (NAV page web services cannot post)"
    )
    dry = decision.dry_run_event()
    assert dry.action == "dry_run"
    assert dry.reason == f"would_stage: 3 line(s) of document STP-INV-1001 in {WHERE}"


def test_a_half_staged_invoice_is_staged_with_what_is_waiting_so_only_the_rest_is_inserted(invoice_record) -> None:
    task = _task(invoice_record)
    waiting = _staged(task)[:2]

    decision = decide(task, _snapshot(waiting), TARGET)

    assert isinstance(decision, Stage)
    assert list(decision.waiting) == waiting
    assert decision.missing == 1
    assert decision.dry_run_event().reason.startswith("would_stage: 1 line(s) of document STP-INV-1001")


def test_a_completely_staged_invoice_is_skipped_as_already_written(invoice_record) -> None:
    task = _task(invoice_record)

    decision = decide(task, _snapshot(_staged(task)), TARGET)

    assert isinstance(decision, Skip)
    assert decision.stale_lines == ()
    assert decision.event.action == "skipped_duplicate"
    assert decision.event.reason == (
        f"already_written: document STP-INV-1001 is waiting in {WHERE} for an accountant to post"
    )
    assert as_dry_run(decision.event).action == "dry_run"


def test_a_posted_invoice_is_skipped_and_its_lines_still_waiting_are_to_be_deleted(invoice_record) -> None:
    task = _task(invoice_record)
    waiting = _staged(task)
    snapshot = _snapshot(waiting, entries={"STP-INV-1001": _entries("STP-INV-1001", "150.50")})

    decision = decide(task, snapshot, TARGET)

    assert isinstance(decision, Skip)
    assert list(decision.stale_lines) == waiting  # would post the document a second time
    assert decision.event.action == "skipped_duplicate"
    assert decision.event.nav_entry_numbers == (7, 8)
    assert decision.event.reason == "already_posted: NAV document STP-INV-1001 is already in the general ledger"


def test_the_same_vendor_invoice_in_the_vendor_ledger_is_a_duplicate_but_another_vendors_or_a_payment_is_not(
    invoice_record,
) -> None:
    task = _task(invoice_record)  # vendor V10000, invoice number A-77

    def ledger(vendor: str, kind: str) -> Snapshot:
        entry = {"Entry_No": 41, "Vendor_No": vendor, "Document_No": "PI-9", "Document_Type": kind}
        return _snapshot(ledger={"A-77": [{**entry, "External_Document_No": "A-77"}]})

    same = decide(task, ledger("V10000", "Invoice"), TARGET)
    assert isinstance(same, Skip) and same.event.action == "skipped_duplicate"
    assert same.event.nav_document_number is None
    assert same.event.reason is not None
    assert same.event.reason.startswith("already_posted_in_nav: vendor V10000 already has Invoice document PI-9")
    assert "(vendor ledger entry 41)" in same.event.reason
    assert isinstance(decide(task, ledger("V20000", "Invoice"), TARGET), Stage)
    assert isinstance(decide(task, ledger("V10000", "Payment"), TARGET), Stage)


def test_the_same_vendor_invoice_staged_by_hand_under_another_number_is_a_duplicate(invoice_record) -> None:
    task = _task(invoice_record)
    by_hand = {
        "Document_No": "HAND-1",
        "Account_Type": "Vendor",
        "Account_No": "v10000",
        "External_Document_No": "a-77",
        "Amount": "-150.50",
    }

    decision = decide(task, _snapshot([by_hand]), TARGET)

    assert isinstance(decision, Skip)
    assert decision.stale_lines == ()  # someone else's lines are never deleted
    assert decision.event.reason == (
        f"already_in_journal: vendor V10000 already has document HAND-1 with external document number A-77 waiting "
        f"in {WHERE}, staged outside this connector; the invoice is not staged a second time"
    )


# -- voided invoices ------------------------------------------------------------------------------------------
def test_a_voided_invoice_whose_reversal_is_posted_is_skipped_as_already_reversed(invoice_record) -> None:
    task = _task(invoice_record, kind="reverse", status="Voided")
    entries = {
        "STP-INV-1001": _entries("STP-INV-1001", "150.50"),
        "STP-INV-1001-R": _entries("STP-INV-1001-R", "150.50", first=20),
    }

    decision = decide(task, _snapshot(entries=entries), TARGET)

    assert isinstance(decision, Skip)
    assert decision.event.nav_document_number == "STP-INV-1001-R"
    assert decision.event.nav_entry_numbers == (20, 21)
    assert decision.event.amount == Decimal("-150.50")
    assert decision.event.reason == "already_reversed: document STP-INV-1001-R is already posted"


def test_a_voided_posted_invoice_stages_its_reversal_on_the_original_posting_date(invoice_record) -> None:
    task = _task(invoice_record, kind="reverse", status="Voided")
    entries = {"STP-INV-1001": _entries("STP-INV-1001", "150.50", date="2026-10-30T00:00:00")}

    decision = decide(task, _snapshot(entries=entries), TARGET)

    assert isinstance(decision, Stage)
    assert decision.action == "reversed"
    assert decision.document.document_number == "STP-INV-1001-R"
    assert decision.document.posting_date == dt.date(2026, 10, 30)
    assert {line["Posting_Date"] for line in decision.planned} == {"2026-10-30"}
    assert {line["Document_Type"] for line in decision.planned} == {"Credit Memo"}
    assert decision.event().action == "reversed" and decision.event().amount == Decimal("-150.50")


def test_a_voided_posted_invoice_whose_reversal_is_half_staged_is_completed_not_doubled(invoice_record) -> None:
    task = _task(invoice_record, kind="reverse", status="Voided")
    entries = {"STP-INV-1001": _entries("STP-INV-1001", "150.50")}
    reversal = reversing_document(task.document, "STP")
    staged = _staged(task, reversal)

    assert isinstance(decide(task, _snapshot(staged, entries=entries), TARGET), Skip)
    partly = decide(task, _snapshot(staged[:1], entries=entries), TARGET)
    assert isinstance(partly, Stage) and partly.missing == 2


def test_a_voided_posted_invoice_is_rejected_when_the_amounts_differ_or_it_does_not_validate(invoice_record) -> None:
    entries = {"STP-INV-1001": _entries("STP-INV-1001", "99.00")}
    mismatch = decide(_task(invoice_record, kind="reverse", status="Voided"), _snapshot(entries=entries), TARGET)

    assert isinstance(mismatch, Reject)
    assert mismatch.event.action == "rejected" and mismatch.event.nav_document_number == "STP-INV-1001"
    assert mismatch.event.reason == (
        "reversal_amount_mismatch: NAV document STP-INV-1001 posted 99.00 but the voided invoice amounts to "
        "150.50; reverse it manually in NAV"
    )
    assert as_dry_run(mismatch.event).action == "rejected"  # a dry run reports the reject as it is

    problem = Problem("unknown_gl_account", "G/L account 9999 does not exist in NAV")
    broken = _task(invoice_record, kind="reverse", problems=(problem,), status="Voided")
    entries = {"STP-INV-1001": _entries("STP-INV-1001", "150.50")}
    refused = decide(broken, _snapshot(entries=entries), TARGET)
    assert isinstance(refused, Reject)
    assert refused.event.reason == broken.cannot_reverse_reason


def test_a_voided_invoice_still_staged_is_withdrawn(invoice_record) -> None:
    task = _task(invoice_record, kind="reverse", status="Voided")
    waiting = _staged(task)

    decision = decide(task, _snapshot(waiting), TARGET)

    assert isinstance(decision, Withdraw)
    assert list(decision.lines) == waiting
    done, dry = decision.event(done=True), as_dry_run(decision.event(done=False))
    assert (done.action, dry.action) == ("reversed", "dry_run")
    prefix = f"withdrawn_before_posting: the invoice was voided while its lines were still unposted in {WHERE}; "
    assert done.reason == prefix + "the lines were deleted"
    assert dry.reason == prefix + "the lines would be deleted"


def test_a_voided_invoice_never_staged_nor_posted_is_ignored(invoice_record) -> None:
    decision = decide(_task(invoice_record, kind="reverse", status="Voided"), _snapshot(), TARGET)

    assert isinstance(decision, Ignore)
    assert decision.event.action == "ignored"
    assert decision.event.reason == "voided_before_posting: the invoice was voided and nothing was posted for it"
    assert as_dry_run(decision.event).action == "ignored"


def test_a_flush_looks_up_each_number_and_its_reversal_and_the_vendor_invoice_numbers(invoice_record) -> None:
    post = _task(invoice_record, invoice_number="a-77")
    void = _task(invoice_record, kind="reverse", invoice_id="INV-2002", status="Voided")

    assert lookup_numbers([post, void], "STP") == (["STP-INV-1001", "STP-INV-2002", "STP-INV-2002-R"], ["A-77"])
