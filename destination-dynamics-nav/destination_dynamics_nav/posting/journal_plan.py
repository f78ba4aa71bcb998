"""Journal mode, step 1: what a flush must write, given what NAV holds (pure), and how documents pack into $batch.

Idempotency key: the deterministic document number. The flush's numbers are looked up in the G/L entries (posted
→ skip) and in the batch (written but not posted → keep if complete, else delete and redo) by the poster; this
module classifies each task against those reads. No network here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from bc_client.batch import MAX_BATCH_OPERATIONS
from bc_client.errors import BCError
from destination_dynamics_nav.audit import Action, AuditEvent
from destination_dynamics_nav.mapping import (
    PostingDocument,
    expected_journal_signatures,
    journal_line_payloads,
    journal_line_signature,
    reversing_document,
)
from destination_dynamics_nav.posting.base import InvoiceTask, debit_total, entry_numbers

logger = logging.getLogger("airbyte")

Lines = list[dict[str, Any]]


class JournalBatchError(BCError):
    """The journal batch is in a state the connector must not post (lines it did not write, unisolatable failure)."""


@dataclass
class Pending:
    """A document that should be in the batch after writing, and the event to report once it is posted."""

    task: InvoiceTask
    document: PostingDocument
    action: Action


@dataclass
class Withdrawal:
    """A voided invoice whose lines wait unposted in the batch: they are deleted instead of reversed."""

    task: InvoiceTask
    batch_name: str

    def event(self, *, done: bool) -> AuditEvent:
        return self.task.event(
            "reversed",
            document_number=self.task.document.document_number,
            reason=f"withdrawn_before_posting: the invoice was voided while its lines were still unposted in journal "
            f"batch {self.batch_name}; the lines " + ("were deleted" if done else "would be deleted"),
        )


@dataclass
class JournalPlan:
    high_water: int = 0  # the highest G/L entry number before this flush posted anything
    pending: list[Pending] = field(default_factory=list)
    to_write: list[PostingDocument] = field(default_factory=list)
    stale_lines: Lines = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    # Lines currently in the batch per document number (existing complete ones, then the ones written).
    lines_by_document: dict[str, Lines] = field(default_factory=dict)
    # Complete documents of this connector (by prefix) that no task of this flush covers: crash leftovers, or
    # documents written with post_documents=false by an earlier run. They are posted along.
    leftover_documents: dict[str, Lines] = field(default_factory=dict)
    covered: set[str] = field(default_factory=set)  # document numbers this flush's tasks account for

    def reject(self, number: str, reason: str, events: list[AuditEvent]) -> None:
        """The pending document `number` will not be posted: report it rejected."""
        for item in [p for p in self.pending if p.document.document_number == number]:
            self.pending.remove(item)
            events.append(item.task.event("rejected", amount=item.document.total, reason=reason))

    def in_batch(self) -> dict[str, Lines]:
        """Every document the batch holds once written: leftovers, then this flush's."""
        return {
            **self.leftover_documents,
            **{
                p.document.document_number: self.lines_by_document.get(p.document.document_number, [])
                for p in self.pending
            },
        }


def expected_debit(document: PostingDocument) -> Decimal:
    return sum((p["amount"] for p in journal_line_payloads(document) if p["amount"] > 0), Decimal("0"))


def reversals(tasks: Sequence[InvoiceTask], prefix: str) -> dict[str, PostingDocument]:
    """The reversing document of each reverse task (by invoice id), built once per flush."""
    return {t.document.invoice_id: reversing_document(t.document, prefix) for t in tasks if t.kind == "reverse"}


def lookup_numbers(tasks: Sequence[InvoiceTask], reversal_of: dict[str, PostingDocument]) -> list[str]:
    numbers: list[str] = []
    for task in tasks:
        numbers.append(task.document.document_number)
        if task.kind == "reverse":
            numbers.append(reversal_of[task.document.invoice_id].document_number)
    return numbers


def classify(
    tasks: Sequence[InvoiceTask],
    reversal_of: dict[str, PostingDocument],
    entries: dict[str, Lines],
    open_lines: dict[str, Lines],
    *,
    post_documents: bool,
    batch_name: str,
    high_water: int,
) -> tuple[JournalPlan, list[AuditEvent]]:
    """Each task against NAV's G/L entries and the batch's open lines → what to write, delete and report."""
    plan = JournalPlan(high_water=high_water)
    events: list[AuditEvent] = []
    for task in tasks:
        document = task.document
        if task.kind == "post":
            plan.covered.add(document.document_number)
            _classify(task, document, "posted", entries, open_lines, plan, events, post_documents, batch_name)
            continue
        reversal = reversal_of[document.invoice_id]
        plan.covered.update({document.document_number, reversal.document_number})
        posted = entries.get(document.document_number)
        if entries.get(reversal.document_number):
            plan.stale_lines.extend(open_lines.get(reversal.document_number, []))
            events.append(
                task.event(
                    "skipped_duplicate",
                    document_number=reversal.document_number,
                    entries=entry_numbers(entries[reversal.document_number]),
                    amount=reversal.total,
                    reason=f"already_reversed: document {reversal.document_number} is already posted",
                )
            )
        elif posted:
            if task.problems:
                events.append(
                    task.event("rejected", document_number=document.document_number, reason=task.cannot_reverse_reason)
                )
                continue
            if debit_total(posted) != expected_debit(document):
                events.append(
                    task.event(
                        "rejected",
                        document_number=document.document_number,
                        reason=f"reversal_amount_mismatch: NAV document {document.document_number} posted "
                        f"{debit_total(posted)} but the voided invoice amounts to {expected_debit(document)}; "
                        "reverse it manually in NAV",
                    )
                )
                continue
            # BC's own Reverse Transaction posts on the original posting date: so does the reversal.
            posting_date = dt.date.fromisoformat(str(posted[0]["postingDate"])[:10])
            reversal = replace(reversal, posting_date=posting_date)
            _classify(task, reversal, "reversed", entries, open_lines, plan, events, post_documents, batch_name)
        elif open_lines.get(document.document_number):
            # Written but never posted (post_documents=false or a crash): withdraw it instead of reversing.
            plan.stale_lines.extend(open_lines[document.document_number])
            plan.withdrawals.append(Withdrawal(task, batch_name))
        else:
            events.append(
                task.event(
                    "ignored",
                    document_number=None,
                    reason="voided_before_posting: the invoice was voided and nothing was posted for it",
                )
            )
    return plan, events


def _classify(
    task: InvoiceTask,
    document: PostingDocument,
    action: Action,
    entries: dict[str, Lines],
    open_lines: dict[str, Lines],
    plan: JournalPlan,
    events: list[AuditEvent],
    post_documents: bool,
    batch_name: str,
) -> None:
    number = document.document_number
    lines = open_lines.get(number, [])
    if entries.get(number):
        # Posted already. Lines still waiting under the same number would post it a second time: remove them.
        plan.stale_lines.extend(lines)
        reason = f"already_posted: NAV document {number} is already in the general ledger"
        posted_debit, wanted_debit = debit_total(entries[number]), expected_debit(document)
        if posted_debit != wanted_debit:
            # The invoice changed in Stampli after it was posted: posting is never repeated, but say so.
            reason += (
                f", with {posted_debit} where the record now says {wanted_debit}; the change is not posted "
                "(void it in Stampli to reverse the posted document, or correct it in NAV)"
            )
        events.append(
            task.event(
                "skipped_duplicate",
                document_number=number,
                entries=entry_numbers(entries[number]),
                amount=document.total,
                reason=reason,
            )
        )
        return
    if lines and sorted(journal_line_signature(line) for line in lines) == expected_journal_signatures(document):
        plan.lines_by_document[number] = list(lines)
        if not post_documents:
            events.append(
                task.event(
                    "skipped_duplicate",
                    document_number=number,
                    amount=document.total,
                    reason=f"already_written: document {number} is waiting in journal batch {batch_name} "
                    "(post_documents is false)",
                )
            )
            return
    else:
        plan.stale_lines.extend(lines)  # half-written or changed since: delete and write again
        plan.to_write.append(document)
    plan.pending.append(Pending(task, document, action))


def collect_leftovers(open_lines: dict[str, Lines], plan: JournalPlan, *, prefix: str, batch_name: str) -> None:
    """Documents in the batch no task covers: this connector's are posted along; anyone else's stop the post."""
    foreign = []
    for number, lines in open_lines.items():
        if number in plan.covered:
            continue
        if not prefix or number.upper().startswith(prefix + "-"):
            plan.leftover_documents[number] = lines
        else:
            foreign.append(number or "(blank)")
    if foreign:
        raise JournalBatchError(
            f"journal batch {batch_name} holds lines this connector did not write (document numbers "
            f"{', '.join(sorted(foreign)[:10])}). The connector posts its batch whole, so it will not post "
            f"them: post or move those lines in NAV, or configure a journal_batch used only by this connector."
        )
    if plan.leftover_documents:
        logger.warning(
            "Journal batch %s holds %d document(s) written by an earlier run and not posted yet (%s); they are "
            "posted with this flush.",
            batch_name,
            len(plan.leftover_documents),
            ", ".join(sorted(plan.leftover_documents)[:10]),
        )


def pack(documents: Sequence[PostingDocument]) -> list[list[PostingDocument]]:
    """Whole documents per $batch, at most 100 operations each (a document never spans two atomic batches)."""
    groups: list[list[PostingDocument]] = []
    current: list[PostingDocument] = []
    size = 0
    for document in documents:
        operations = len(document.lines) + 1
        if current and size + operations > MAX_BATCH_OPERATIONS:
            groups.append(current)
            current, size = [], 0
        current.append(document)
        size += operations
    if current:
        groups.append(current)
    return groups
