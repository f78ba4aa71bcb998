"""Classic mode, step 1: what to do with one task, given what NAV holds for the flush (pure; no client calls).

The stager reads one `Snapshot` per flush (batch lines, G/L entries, vendor ledger) and asks `decide` for each
task; the answer is a small value saying what to do and why. `ClassicJournalStager` carries it out (writes,
deletes, reads back after a lost answer); `DryRunClassicJournalStager` records it instead. Deciding once here is
what keeps a dry run's answer the real run's answer.

- posted (G/L entries)            → `Skip` already_posted (lines still waiting under the number are to be deleted)
- in the vendor ledger / batch under another document number for the same vendor → `Skip`
- staged complete                 → `Skip` already_written
- staged partly or absent         → `Stage` (only the missing lines are inserted, extra ones deleted)
- voided: reversal posted → `Skip`; posted → `Stage` of the reversal (or `Reject`); only staged → `Withdraw`;
  nowhere → `Ignore`
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from destination_dynamics_nav.audit import Action, AuditEvent
from destination_dynamics_nav.hand_posted import INVOICE_LIKE, LedgerMatch
from destination_dynamics_nav.mapping import PostingDocument, reversing_document
from destination_dynamics_nav.nav_classic.lines import GlobalDimensions, diff_lines, journal_lines
from destination_dynamics_nav.posting.base import InvoiceTask
from destination_dynamics_nav.reference_data import code_key

Lines = list[dict[str, Any]]


def number_of(row: dict[str, Any], name: str) -> str:
    return code_key(str(row.get(name) or ""))


def debit(entries: Sequence[dict[str, Any]]) -> Decimal:
    """The debit side of a posted document's G/L entries (its invoice total, whatever VAT split NAV applied)."""
    total = Decimal("0")
    for entry in entries:
        amount_debit = entry.get("Debit_Amount")
        if amount_debit is None:
            amount = Decimal(str(entry.get("Amount") or "0"))
            amount_debit = amount if amount > 0 else Decimal("0")
        total += Decimal(str(amount_debit))
    return total


def entry_numbers(entries: Sequence[dict[str, Any]]) -> list[int]:
    return sorted(int(e["Entry_No"]) for e in entries if e.get("Entry_No") is not None)


@dataclass
class Snapshot:
    """What NAV holds for one flush: batch lines by document number, G/L entries, vendor ledger entries."""

    lines: dict[str, Lines] = field(default_factory=dict)
    all_lines: Lines = field(default_factory=list)
    entries: dict[str, Lines] = field(default_factory=dict)
    ledger: dict[str, Lines] = field(default_factory=dict)  # by External_Document_No


@dataclass(frozen=True)
class Target:
    """Where documents are staged, and what shapes their lines."""

    template: str
    batch: str
    dimensions: GlobalDimensions
    document_number_prefix: str

    @property
    def where(self) -> str:
        return f"journal batch {self.batch} (template {self.template})"


# -- decisions ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Skip:
    """Done already (posted, reversed, staged complete, booked by hand): report it; nothing is staged."""

    event: AuditEvent  # skipped_duplicate
    # Lines still waiting under a number that is already posted: they would post it twice, so they are deleted.
    stale_lines: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Reject:
    event: AuditEvent  # rejected


@dataclass(frozen=True)
class Ignore:
    event: AuditEvent  # ignored


@dataclass(frozen=True)
class Stage:
    """Bring the batch's lines of `document` to exactly `planned` (inserting what `waiting` lacks)."""

    task: InvoiceTask
    document: PostingDocument
    action: Action  # posted, or reversed for a reversing document
    planned: tuple[dict[str, Any], ...]
    waiting: tuple[dict[str, Any], ...]
    where: str

    @property
    def missing(self) -> int:
        return len(diff_lines(list(self.planned), list(self.waiting)).missing)

    def event(self) -> AuditEvent:
        return self.task.event(
            self.action,
            document_number=self.document.document_number,
            amount=self.document.total,
            reason=f"not_posted: staged in {self.where} for an accountant to post (NAV page web services cannot post)",
        )

    def dry_run_event(self) -> AuditEvent:
        number = self.document.document_number
        return self.task.event(
            "dry_run",
            document_number=number,
            amount=self.document.total,
            reason=f"would_stage: {self.missing} line(s) of document {number} in {self.where}",
        )


@dataclass(frozen=True)
class Withdraw:
    """A voided invoice whose lines still wait unposted: they are deleted (nothing reached the ledger)."""

    task: InvoiceTask
    lines: tuple[dict[str, Any], ...]
    where: str

    def event(self, *, done: bool) -> AuditEvent:
        return self.task.event(
            "reversed",
            document_number=self.task.document.document_number,
            reason=f"withdrawn_before_posting: the invoice was voided while its lines were still unposted in "
            f"{self.where}; the lines " + ("were deleted" if done else "would be deleted"),
        )


Decision = Skip | Reject | Ignore | Stage | Withdraw


# -- deciding -------------------------------------------------------------------------------------------------
def lookup_numbers(tasks: Sequence[InvoiceTask], prefix: str) -> tuple[list[str], list[str]]:
    """The document numbers (each task's, and its reversal's) and the vendor invoice numbers a flush looks up."""
    numbers: list[str] = []
    externals: list[str] = []
    for task in tasks:
        numbers.append(task.document.document_number)
        if task.kind == "reverse":
            numbers.append(reversing_document(task.document, prefix).document_number)
        elif task.document.external_document_number:
            externals.append(code_key(task.document.external_document_number))
    return numbers, externals


def decide(task: InvoiceTask, snapshot: Snapshot, target: Target) -> Decision:
    if task.kind == "post":
        return _decide_stage(task, task.document, "posted", snapshot, target)
    return _decide_reverse(task, snapshot, target)


def duplicate_elsewhere(document: PostingDocument, snapshot: Snapshot, where: str) -> str | None:
    """The same vendor invoice already booked outside this connector: in the vendor ledger, or staged in the
    batch under another document number. Another vendor's entry with the same number is another invoice."""
    external, vendor = code_key(document.external_document_number), code_key(document.vendor_number)
    for entry in snapshot.ledger.get(external, []):
        if number_of(entry, "Vendor_No") != vendor:
            continue
        kind = str(entry.get("Document_Type") or "").strip()
        if kind.casefold() not in INVOICE_LIKE or number_of(entry, "Document_No") == document.document_number:
            continue  # a payment quoting the number; or this connector's own posting (found by G/L entries)
        match = LedgerMatch(int(entry.get("Entry_No") or 0), str(entry.get("Document_No") or ""), kind)
        return match.reason(document.vendor_number, document.external_document_number)
    for line in snapshot.all_lines:
        number = number_of(line, "Document_No")
        if (
            number != document.document_number
            and str(line.get("Account_Type") or "").strip() == "Vendor"
            and number_of(line, "Account_No") == vendor
            and number_of(line, "External_Document_No") == external
        ):
            return (
                f"already_in_journal: vendor {document.vendor_number} already has document {number} with external "
                f"document number {document.external_document_number} waiting in {where}, staged outside "
                "this connector; the invoice is not staged a second time"
            )
    return None


def _decide_stage(
    task: InvoiceTask, document: PostingDocument, action: Action, snapshot: Snapshot, target: Target
) -> Decision:
    number = document.document_number
    waiting = snapshot.lines.get(number, [])
    posted = snapshot.entries.get(number)
    if posted:
        # Posted by the accountant. Lines still waiting under the same number would post it twice: removed.
        return Skip(
            task.event(
                "skipped_duplicate",
                document_number=number,
                entries=entry_numbers(posted),
                amount=document.total,
                reason=f"already_posted: NAV document {number} is already in the general ledger",
            ),
            stale_lines=tuple(waiting),
        )
    if task.kind == "post":
        duplicate = duplicate_elsewhere(document, snapshot, target.where)
        if duplicate is not None:
            return Skip(task.event("skipped_duplicate", reason=duplicate))
    planned = journal_lines(document, template=target.template, batch=target.batch, dimensions=target.dimensions)
    if diff_lines(planned, waiting).complete:
        return Skip(
            task.event(
                "skipped_duplicate",
                document_number=number,
                amount=document.total,
                reason=f"already_written: document {number} is waiting in {target.where} for an accountant to post",
            )
        )
    return Stage(task, document, action, tuple(planned), tuple(waiting), target.where)


def _decide_reverse(task: InvoiceTask, snapshot: Snapshot, target: Target) -> Decision:
    """Posted → stage reversing lines (negated, -R number, the original's posting date). Still staged and
    unposted → withdraw its lines: nothing reached the ledger, so there is nothing to reverse."""
    document = task.document
    reversal = reversing_document(document, target.document_number_prefix)
    posted = snapshot.entries.get(document.document_number)
    reversal_posted = snapshot.entries.get(reversal.document_number)
    if reversal_posted:
        return Skip(
            task.event(
                "skipped_duplicate",
                document_number=reversal.document_number,
                entries=entry_numbers(reversal_posted),
                amount=reversal.total,
                reason=f"already_reversed: document {reversal.document_number} is already posted",
            )
        )
    if posted:
        if task.problems:
            return Reject(
                task.event("rejected", document_number=document.document_number, reason=task.cannot_reverse_reason)
            )
        expected = sum((line.amount for line in document.lines if line.amount > 0), Decimal("0"))
        if debit(posted) != expected:
            return Reject(
                task.event(
                    "rejected",
                    document_number=document.document_number,
                    reason=f"reversal_amount_mismatch: NAV document {document.document_number} posted "
                    f"{debit(posted)} but the voided invoice amounts to {expected}; reverse it manually in NAV",
                )
            )
        posting_date = dt.date.fromisoformat(str(posted[0].get("Posting_Date"))[:10])
        reversal = reversing_document(document, target.document_number_prefix, posting_date=posting_date)
        return _decide_stage(task, reversal, "reversed", snapshot, target)
    waiting = snapshot.lines.get(document.document_number, [])
    if waiting:
        return Withdraw(task, tuple(waiting), target.where)
    return Ignore(
        task.event("ignored", reason="voided_before_posting: the invoice was voided and nothing was posted for it")
    )
