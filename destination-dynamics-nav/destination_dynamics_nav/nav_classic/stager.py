"""Classic mode's poster: stage each invoice as a balanced document in the journal batch, exactly once.

Page web services cannot post (an accountant posts the batch in NAV), so a document can be in two places: its lines
still waiting in the batch, or G/L entries once posted. Before writing, one flush reads both for its deterministic
document numbers, plus the vendor ledger for the invoice numbers (an invoice keyed in by hand for the SAME vendor is
a duplicate; the same number from another vendor is another invoice). Then:

- posted (G/L entries)            → skipped_duplicate (lines still waiting under the number are deleted)
- in the vendor ledger / batch under another document number for the same vendor → skipped_duplicate
- staged complete                 → skipped_duplicate (already_written)
- staged partly (a crash, a lost answer) → only the missing lines are inserted, extra ones deleted
- absent                          → every line inserted

Lines are inserted one by one (page web services have no `$batch`); an insert whose answer was lost is never sent
again blindly: the document's lines are read back and only what is missing is inserted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bc_client.errors import BCError, WriteOutcomeUnknownError
from bc_client.odata import all_of, any_of, eq
from destination_dynamics_nav.audit import Action, AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.hand_posted import LedgerMatch
from destination_dynamics_nav.lookups import chunked
from destination_dynamics_nav.mapping import PostingDocument, reversing_document
from destination_dynamics_nav.nav_classic.batch import (
    ClassicBatchMissingError,
    ensure_batch,
    is_missing_batch_refusal,
    missing_batch_message,
)
from destination_dynamics_nav.nav_classic.lines import LINE_NUMBER_STEP, GlobalDimensions, diff_lines, journal_lines
from destination_dynamics_nav.nav_classic.pages import PageClient, batch_filter, line_key
from destination_dynamics_nav.posting.base import InvoicePoster, InvoiceTask, is_business_error
from destination_dynamics_nav.reference_data import code_key

logger = logging.getLogger("airbyte")

WRITE_ATTEMPTS = 3
DEFAULT_TEMPLATE = "GENERAL"
INVOICE_LIKE = frozenset({"", "invoice"})


def _number(row: dict[str, Any], name: str) -> str:
    return code_key(str(row.get(name) or ""))


def _debit(entries: Sequence[dict[str, Any]]) -> Decimal:
    """The debit side of a posted document's G/L entries (its invoice total, whatever VAT split NAV applied)."""
    total = Decimal("0")
    for entry in entries:
        debit = entry.get("Debit_Amount")
        if debit is None:
            amount = Decimal(str(entry.get("Amount") or "0"))
            debit = amount if amount > 0 else Decimal("0")
        total += Decimal(str(debit))
    return total


def _entry_numbers(entries: Sequence[dict[str, Any]]) -> list[int]:
    return sorted(int(e["Entry_No"]) for e in entries if e.get("Entry_No") is not None)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Snapshot:
    """What NAV holds for one flush: batch lines by document number, G/L entries, vendor ledger entries."""

    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    all_lines: list[dict[str, Any]] = field(default_factory=list)
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ledger: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by External_Document_No


class ClassicJournalStager(InvoicePoster):
    def __init__(
        self,
        client: PageClient,
        settings: DestinationSettings,
        dimensions: GlobalDimensions,
        *,
        dry_run: bool,
        journal_batches_published: bool,
    ) -> None:
        # Set here rather than through InvoicePoster.__init__, whose signature the destination core may change.
        self.dry_run = dry_run
        self.post_documents = False  # page web services cannot post
        self.client = client
        self.settings = settings
        self.dimensions = dimensions
        self.template = settings.journal_template or DEFAULT_TEMPLATE
        self.batch = settings.journal_batch
        self.journal_batches_published = journal_batches_published
        self._last_line_number = 0

    # -- setup ------------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        if not self.dry_run:
            ensure_batch(self.client, self.template, self.batch, service_published=self.journal_batches_published)

    @property
    def _where(self) -> str:
        return f"journal batch {self.batch} (template {self.template})"

    # -- reads --------------------------------------------------------------------------------------------------
    def _snapshot(self, tasks: Sequence[InvoiceTask]) -> _Snapshot:
        numbers: list[str] = []
        externals: list[str] = []
        for task in tasks:
            numbers.append(task.document.document_number)
            if task.kind == "reverse":
                numbers.append(reversing_document(task.document, self.settings.document_number_prefix).document_number)
            elif task.document.external_document_number:
                externals.append(code_key(task.document.external_document_number))
        snapshot = _Snapshot()
        snapshot.all_lines = [
            dict(line) for line in self.client.read("general_journal", filter=batch_filter(self.template, self.batch))
        ]
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in snapshot.all_lines:
            grouped[_number(line, "Document_No")].append(line)
        snapshot.lines = dict(grouped)
        snapshot.entries = self._by_field("gl_entries", "Document_No", numbers)
        snapshot.ledger = self._by_field("vendor_ledger_entries", "External_Document_No", externals)
        return snapshot

    def _by_field(self, role: str, name: str, values: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for chunk in chunked([code_key(v) for v in values if v]):
            for row in self.client.read(role, filter=any_of(name, chunk)):
                found[_number(row, name)].append(dict(row))
        return dict(found)

    def _document_lines(self, document_number: str) -> list[dict[str, Any]]:
        where = all_of(batch_filter(self.template, self.batch), eq("Document_No", document_number))
        return [dict(line) for line in self.client.read("general_journal", filter=where)]

    # -- the flush ------------------------------------------------------------------------------------------------
    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        if not tasks:
            return
        snapshot = self._snapshot(tasks)
        highest = max((int(line.get("Line_No") or 0) for line in snapshot.all_lines), default=0)
        self._last_line_number = max(self._last_line_number, highest)
        for task in tasks:
            if task.kind == "post":
                self._stage(task, task.document, "posted", snapshot, events)
            else:
                self._reverse(task, snapshot, events)

    def _duplicate_elsewhere(self, document: PostingDocument, snapshot: _Snapshot) -> str | None:
        """The same vendor invoice already booked outside this connector: in the vendor ledger, or staged in the
        batch under another document number. Another vendor's entry with the same number is another invoice."""
        external, vendor = code_key(document.external_document_number), code_key(document.vendor_number)
        for entry in snapshot.ledger.get(external, []):
            if _number(entry, "Vendor_No") != vendor:
                continue
            kind = str(entry.get("Document_Type") or "").strip()
            if kind.casefold() not in INVOICE_LIKE or _number(entry, "Document_No") == document.document_number:
                continue  # a payment quoting the number; or this connector's own posting (found by G/L entries)
            match = LedgerMatch(int(entry.get("Entry_No") or 0), str(entry.get("Document_No") or ""), kind)
            return match.reason(document.vendor_number, document.external_document_number)
        for line in snapshot.all_lines:
            number = _number(line, "Document_No")
            if (
                number != document.document_number
                and str(line.get("Account_Type") or "").strip() == "Vendor"
                and _number(line, "Account_No") == vendor
                and _number(line, "External_Document_No") == external
            ):
                return (
                    f"already_in_journal: vendor {document.vendor_number} already has document {number} with external "
                    f"document number {document.external_document_number} waiting in {self._where}, staged outside "
                    "this connector; the invoice is not staged a second time"
                )
        return None

    def _stage(
        self,
        task: InvoiceTask,
        document: PostingDocument,
        action: Action,
        snapshot: _Snapshot,
        events: list[AuditEvent],
    ) -> None:
        number = document.document_number
        waiting = snapshot.lines.get(number, [])
        posted = snapshot.entries.get(number)
        if posted:
            # Posted by the accountant. Lines still waiting under the same number would post it twice: removed.
            if waiting and not self.dry_run:
                self._delete(waiting)
            events.append(
                task.event(
                    "dry_run" if self.dry_run else "skipped_duplicate",
                    document_number=number,
                    entries=_entry_numbers(posted),
                    amount=document.total,
                    reason=f"already_posted: NAV document {number} is already in the general ledger",
                )
            )
            return
        if task.kind == "post":
            duplicate = self._duplicate_elsewhere(document, snapshot)
            if duplicate is not None:
                events.append(task.event("dry_run" if self.dry_run else "skipped_duplicate", reason=duplicate))
                return
        planned = journal_lines(document, template=self.template, batch=self.batch, dimensions=self.dimensions)
        diff = diff_lines(planned, waiting)
        if diff.complete:
            events.append(
                task.event(
                    "dry_run" if self.dry_run else "skipped_duplicate",
                    document_number=number,
                    amount=document.total,
                    reason=f"already_written: document {number} is waiting in {self._where} for an accountant to post",
                )
            )
            return
        if self.dry_run:
            events.append(
                task.event(
                    "dry_run",
                    document_number=number,
                    amount=document.total,
                    reason=f"would_stage: {len(diff.missing)} line(s) of document {number} in {self._where}",
                )
            )
            return
        try:
            self._write(planned, waiting)
        except _Refused as refused:
            events.append(task.event("rejected", amount=document.total, reason=f"nav_write_failed: {refused.message}"))
            return
        events.append(
            task.event(
                action,
                document_number=number,
                amount=document.total,
                reason=f"not_posted: staged in {self._where} for an accountant to post (NAV page web services "
                "cannot post)",
            )
        )

    # -- writing -----------------------------------------------------------------------------------------------
    def _write(self, planned: list[dict[str, Any]], waiting: list[dict[str, Any]]) -> None:
        """Bring the batch's lines of one document to exactly `planned`."""
        number = str(planned[0]["Document_No"])
        existing = list(waiting)
        for _ in range(WRITE_ATTEMPTS):
            diff = diff_lines(planned, existing)
            self._delete(list(diff.extra))
            existing = [line for line in existing if line not in diff.extra]
            try:
                for body in diff.missing:
                    existing.append(self._insert(body))
                return
            except WriteOutcomeUnknownError:
                # The insert may or may not have happened: read the document back, insert only what is missing.
                existing = self._document_lines(number)
            except BCError as error:
                if not is_business_error(error):
                    raise  # 5xx/throttling after the client's retries: fail the sync, the rerun completes it
                if is_missing_batch_refusal(error):
                    # Every invoice would be refused the same way: stop the sync with what the admin must do.
                    message = missing_batch_message(self.template, self.batch, service_published=False)
                    raise ClassicBatchMissingError(f"{message} (NAV: {error.message})") from error
                self._delete(self._document_lines(number))  # never leave half a document behind
                raise _Refused(error.message) from error
        raise BCError(
            f"could not confirm the journal lines of document {number} after {WRITE_ATTEMPTS} attempts (answers kept "
            "getting lost); the next run completes it"
        )

    def _insert(self, body: dict[str, Any]) -> dict[str, Any]:
        self._last_line_number += (
            LINE_NUMBER_STEP  # never reused, even after a lost answer: no key collision on re-insert
        )
        return dict(self.client.insert("general_journal", {**body, "Line_No": self._last_line_number}))

    def _delete(self, lines: list[dict[str, Any]]) -> None:
        for line in lines:
            self.client.delete("general_journal", line_key(line), str(line.get("@odata.etag") or "*"))

    # -- voided invoices --------------------------------------------------------------------------------------
    def _reverse(self, task: InvoiceTask, snapshot: _Snapshot, events: list[AuditEvent]) -> None:
        """Posted → stage reversing lines (negated, -R number, the original's posting date). Still staged and
        unposted → its lines are deleted: nothing reached the ledger, so there is nothing to reverse."""
        document = task.document
        reversal = reversing_document(document, self.settings.document_number_prefix)
        posted = snapshot.entries.get(document.document_number)
        reversal_posted = snapshot.entries.get(reversal.document_number)
        verb = "dry_run" if self.dry_run else None
        if reversal_posted:
            events.append(
                task.event(
                    verb or "skipped_duplicate",
                    document_number=reversal.document_number,
                    entries=_entry_numbers(reversal_posted),
                    amount=reversal.total,
                    reason=f"already_reversed: document {reversal.document_number} is already posted",
                )
            )
            return
        if posted:
            if task.problems:
                events.append(
                    task.event("rejected", document_number=document.document_number, reason=task.cannot_reverse_reason)
                )
                return
            expected = sum((line.amount for line in document.lines if line.amount > 0), Decimal("0"))
            if _debit(posted) != expected:
                events.append(
                    task.event(
                        "rejected",
                        document_number=document.document_number,
                        reason=f"reversal_amount_mismatch: NAV document {document.document_number} posted "
                        f"{_debit(posted)} but the voided invoice amounts to {expected}; reverse it manually in NAV",
                    )
                )
                return
            posting_date = dt.date.fromisoformat(str(posted[0].get("Posting_Date"))[:10])
            reversal = reversing_document(document, self.settings.document_number_prefix, posting_date=posting_date)
            self._stage(task, reversal, "reversed", snapshot, events)
            return
        waiting = snapshot.lines.get(document.document_number, [])
        if waiting:
            if not self.dry_run:
                self._delete(waiting)
            events.append(
                task.event(
                    verb or "reversed",
                    document_number=document.document_number,
                    reason=f"withdrawn_before_posting: the invoice was voided while its lines were still unposted in "
                    f"{self._where}; the lines " + ("would be deleted" if self.dry_run else "were deleted"),
                )
            )
            return
        events.append(
            task.event("ignored", reason="voided_before_posting: the invoice was voided and nothing was posted for it")
        )
