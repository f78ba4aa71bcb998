"""Classic mode's poster: stage each invoice as a balanced document in the journal batch, exactly once.

Page web services cannot post (an accountant posts the batch in NAV), so a document can be in two places: its lines
still waiting in the batch, or G/L entries once posted. Before writing, one flush reads both for its deterministic
document numbers, plus the vendor ledger for the invoice numbers (an invoice keyed in by hand for the SAME vendor is
a duplicate; the same number from another vendor is another invoice). `staging_plan.decide` then says, per task,
what to do (skip, reject, stage, withdraw, ignore); `ClassicJournalStager` carries the decision out and
`DryRunClassicJournalStager` records it instead, so both answer the same.

Lines are inserted one by one (page web services have no `$batch`); an insert whose answer was lost is never sent
again blindly: the document's lines are read back and only what is missing is inserted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from bc_client.errors import BCError, WriteOutcomeUnknownError
from bc_client.odata import all_of, any_of, eq
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.lookups import chunked
from destination_dynamics_nav.nav_classic.batch import (
    ClassicBatchMissingError,
    ensure_batch,
    is_missing_batch_refusal,
    missing_batch_message,
)
from destination_dynamics_nav.nav_classic.lines import LINE_NUMBER_STEP, GlobalDimensions, diff_lines
from destination_dynamics_nav.nav_classic.pages import PageClient, batch_filter, line_key
from destination_dynamics_nav.nav_classic.staging_plan import (
    Decision,
    Skip,
    Snapshot,
    Stage,
    Target,
    Withdraw,
    decide,
    lookup_numbers,
    number_of,
)
from destination_dynamics_nav.posting.base import InvoicePoster, InvoiceTask, as_dry_run, is_business_error
from destination_dynamics_nav.reference_data import code_key

logger = logging.getLogger("airbyte")

WRITE_ATTEMPTS = 3
DEFAULT_TEMPLATE = "GENERAL"


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClassicJournalStager(InvoicePoster):
    """Reads what NAV holds, decides per task (`staging_plan.decide`), and carries the decision out."""

    def __init__(
        self,
        client: PageClient,
        settings: DestinationSettings,
        dimensions: GlobalDimensions,
        *,
        journal_batches_published: bool,
    ) -> None:
        # Set here rather than through InvoicePoster.__init__, whose signature the destination core may change.
        self.post_documents = False  # page web services cannot post
        self.client = client
        self.settings = settings
        self.dimensions = dimensions
        self.template = settings.journal_template or DEFAULT_TEMPLATE
        self.batch = settings.journal_batch
        self.journal_batches_published = journal_batches_published
        self.target = Target(self.template, self.batch, dimensions, settings.document_number_prefix)
        self._last_line_number = 0

    # -- setup ------------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        ensure_batch(self.client, self.template, self.batch, service_published=self.journal_batches_published)

    # -- reads --------------------------------------------------------------------------------------------------
    def _snapshot(self, tasks: Sequence[InvoiceTask]) -> Snapshot:
        numbers, externals = lookup_numbers(tasks, self.settings.document_number_prefix)
        snapshot = Snapshot()
        snapshot.all_lines = [
            dict(line) for line in self.client.read("general_journal", filter=batch_filter(self.template, self.batch))
        ]
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in snapshot.all_lines:
            grouped[number_of(line, "Document_No")].append(line)
        snapshot.lines = dict(grouped)
        snapshot.entries = self._by_field("gl_entries", "Document_No", numbers)
        snapshot.ledger = self._by_field("vendor_ledger_entries", "External_Document_No", externals)
        return snapshot

    def _by_field(self, role: str, name: str, values: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for chunk in chunked([code_key(v) for v in values if v]):
            for row in self.client.read(role, filter=any_of(name, chunk)):
                found[number_of(row, name)].append(dict(row))
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
            # Decided against the flush's one snapshot, carried out before the next task (a sync that fails half
            # way has written exactly the tasks before it, as its events say).
            self._execute(decide(task, snapshot, self.target), events)

    def _execute(self, decision: Decision, events: list[AuditEvent]) -> None:
        if isinstance(decision, Stage):
            try:
                self._write(list(decision.planned), list(decision.waiting))
            except _Refused as refused:
                events.append(
                    decision.task.event(
                        "rejected", amount=decision.document.total, reason=f"nav_write_failed: {refused.message}"
                    )
                )
                return
            events.append(decision.event())
        elif isinstance(decision, Withdraw):
            self._delete(list(decision.lines))
            events.append(decision.event(done=True))
        elif isinstance(decision, Skip):
            self._delete(list(decision.stale_lines))
            events.append(decision.event)
        else:
            events.append(decision.event)

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


class DryRunClassicJournalStager(ClassicJournalStager):
    """Reads and decides like a real run, then records what it would do; writes nothing (not even the batch)."""

    def reported(self, event: AuditEvent) -> AuditEvent:
        """A decision made before the poster, as a dry run reports it (the dry-run posters' hook for it)."""
        return as_dry_run(event)

    def prepare(self) -> None:
        pass  # a real run creates the batch if it is missing; reading a missing batch finds no lines

    def _execute(self, decision: Decision, events: list[AuditEvent]) -> None:
        if isinstance(decision, Stage):
            events.append(decision.dry_run_event())
        elif isinstance(decision, Withdraw):
            events.append(as_dry_run(decision.event(done=False)))
        else:
            events.append(as_dry_run(decision.event))  # skips become dry_run; rejects and ignores stay
