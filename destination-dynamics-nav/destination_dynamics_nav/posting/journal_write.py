"""Journal mode, step 2: write documents' lines into the batch, recheck writes whose answer was lost, delete lines.

Each document's lines go in one atomic `$batch` (`Isolation: snapshot`), so a document is never half-written by
one request. A write whose response is lost (`WriteOutcomeUnknownError`) is resolved by reading the batch back
by document number: complete → kept, partial → deleted and written again, absent → written again. Never resent
blind, never a failed sync for a lost answer alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.batch import MAX_BATCH_OPERATIONS, BatchOperation
from bc_client.errors import BatchRolledBackError, BCError, WriteOutcomeUnknownError
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.lookups import journal_lines_by_document
from destination_dynamics_nav.mapping import PostingDocument, expected_journal_signatures, journal_line_payloads
from destination_dynamics_nav.mapping import journal_line_signature as line_signature
from destination_dynamics_nav.posting.base import is_business_error, outcome_unknown, refused
from destination_dynamics_nav.posting.dimension_lines import Target, set_dimensions
from destination_dynamics_nav.posting.job_queue import is_scheduled_refusal
from destination_dynamics_nav.posting.journal_plan import JournalBatchError, JournalPlan, Lines, pack

WRITE_ATTEMPTS = 3
LINE_NUMBER_STEP = 100


def _etag(entity: dict[str, Any]) -> str:
    return str(entity.get("@odata.etag") or "*")


@dataclass
class _GroupOutcome:
    written: dict[str, Lines] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    uncertain: list[PostingDocument] = field(default_factory=list)


class JournalLines:
    """The lines of one journal batch: numbered, written, rechecked and deleted."""

    def __init__(self, bc: BusinessCentralClient, journal_id: str, batch_name: str) -> None:
        self.bc = bc
        self.journal_id = journal_id
        self.batch_name = batch_name
        self.path = f"journals({journal_id})/journalLines"
        self._next_line_number = 0
        self._line_lock = threading.Lock()

    # -- line numbers -----------------------------------------------------------------------------------------
    def reserve_line_numbers(self, open_lines: dict[str, Lines], highest: int) -> None:
        """Continue numbering after the highest line number in the batch (read once per flush)."""
        in_lines = max((int(line.get("lineNumber") or 0) for lines in open_lines.values() for line in lines), default=0)
        with self._line_lock:
            self._next_line_number = max(self._next_line_number, highest, in_lines)

    def highest_line_number(self) -> int:
        """The batch's highest line number, when only this flush's lines are read (post_documents is false)."""
        for line in self.bc.iter_entities(self.path, select=["lineNumber"], orderby="lineNumber desc", top=1):
            return int(line.get("lineNumber") or 0)
        return 0

    def _take_line_number(self) -> int:
        with self._line_lock:
            self._next_line_number += LINE_NUMBER_STEP
            return self._next_line_number

    def _document_operations(self, document: PostingDocument) -> list[BatchOperation]:
        # Explicit line numbers: BC numbers a line after the batch's last one when none is given, which makes
        # parallel inserts into one batch collide. Ours never do, so several $batch requests can run at once.
        return [
            BatchOperation("POST", self.path, body={**payload, "lineNumber": self._take_line_number()})
            for payload in journal_line_payloads(document)
        ]

    # -- writing ----------------------------------------------------------------------------------------------
    def write(self, documents: Sequence[PostingDocument], plan: JournalPlan) -> dict[str, str]:
        """Write every document's lines; return the documents BC refused (number → BC's message)."""
        failures: dict[str, str] = {}
        remaining = list(documents)
        for _ in range(WRITE_ATTEMPTS):
            uncertain: list[PostingDocument] = []
            for outcome in self.bc.map_concurrently(self._write_group, pack(remaining)):
                plan.lines_by_document.update(outcome.written)
                failures.update(outcome.failed)
                uncertain.extend(outcome.uncertain)
            if not uncertain:
                return failures
            remaining = self._recheck_uncertain(uncertain, plan)
            if not remaining:
                return failures
        raise BCError(
            f"could not confirm the journal lines of {len(remaining)} document(s) after {WRITE_ATTEMPTS} attempts "
            f"(responses kept getting lost): {', '.join(d.document_number for d in remaining[:10])}"
        )

    def _write_group(self, group: list[PostingDocument]) -> _GroupOutcome:
        """One atomic $batch for whole documents; documents BC refuses are dropped and the rest written again."""
        outcome = _GroupOutcome()
        while group:
            operations: list[BatchOperation] = []
            owners: list[PostingDocument] = []
            for document in group:
                document_operations = self._document_operations(document)
                operations.extend(document_operations)
                owners.extend([document] * len(document_operations))
            if len(operations) > MAX_BATCH_OPERATIONS:  # one very long invoice: cannot be one transaction
                self._write_long_document(group[0], outcome)
                group = group[1:]
                continue
            try:
                results = self.bc.batch(operations, atomic=True)
            except BatchRolledBackError as rolled_back:
                # Nothing of this group was written. Reject the documents BC refused for their data and write the
                # others again; a server failure (5xx, throttling) is nobody's data: it fails the sync instead.
                if not rolled_back.failures:
                    raise
                for error in rolled_back.failures.values():
                    if not is_business_error(error):
                        raise error from rolled_back
                failed = {owners[index].document_number: error.message for index, error in rolled_back.failures.items()}
                outcome.failed.update(failed)
                group = [d for d in group if d.document_number not in failed]
                continue
            except WriteOutcomeUnknownError:
                outcome.uncertain.extend(group)
                return outcome
            for owner, result in zip(owners, results, strict=True):
                outcome.written.setdefault(owner.document_number, []).append(dict(result.body or {}))
            return outcome
        return outcome

    def _write_long_document(self, document: PostingDocument, outcome: _GroupOutcome) -> None:
        """More lines than one atomic $batch holds: written in independent chunks, undone if any line fails."""
        results = self.bc.batch(self._document_operations(document))
        if any(outcome_unknown(r) for r in results):
            outcome.uncertain.append(document)
            return
        errors = [r.error for r in results if refused(r)]
        written = [dict(r.body or {}) for r in results if r.error is None]
        if errors:
            self.delete(written)
            outcome.failed[document.document_number] = errors[0].message if errors[0] else "refused"
            return
        outcome.written[document.document_number] = written

    def _recheck_uncertain(self, documents: list[PostingDocument], plan: JournalPlan) -> list[PostingDocument]:
        """After lost responses: keep what arrived complete, delete partial leftovers, return what to write again."""
        found = journal_lines_by_document(self.bc, self.journal_id, [d.document_number for d in documents])
        again = []
        for document in documents:
            lines = found.get(document.document_number, [])
            if lines and sorted(line_signature(line) for line in lines) == expected_journal_signatures(document):
                plan.lines_by_document[document.document_number] = lines
                continue
            self.delete(lines)
            plan.lines_by_document.pop(document.document_number, None)
            again.append(document)
        return again

    # -- deleting ---------------------------------------------------------------------------------------------
    def delete(self, lines: Lines) -> None:
        """Delete journal lines; DELETE is idempotent, so a lost answer is simply sent again (404 = gone)."""
        pending = [line for line in lines if line.get("id")]
        for _ in range(WRITE_ATTEMPTS):
            if not pending:
                return
            operations = [BatchOperation("DELETE", f"{self.path}({line['id']})", etag=_etag(line)) for line in pending]
            again = []
            for line, result in zip(pending, self.bc.batch(operations), strict=True):
                if outcome_unknown(result):
                    again.append({**line, "@odata.etag": "*"})
                elif result.error is not None and result.status != 404 and refused(result):
                    if is_scheduled_refusal(result.error):
                        raise JournalBatchError(
                            f"journal document {line.get('documentNumber')} in batch {self.batch_name} is scheduled "
                            "for posting by NAV's job queue and no longer matches the record; the connector neither "
                            "changes nor deletes a queued document — the next run confirms it once NAV has posted it"
                        ) from result.error
                    raise result.error
            pending = again
        if pending:
            raise BCError(f"could not delete {len(pending)} journal line(s) of batch {self.batch_name}: answers lost")

    # -- dimensions BC may pre-fill ---------------------------------------------------------------------------
    def set_deferred_dimensions(
        self, documents: Sequence[PostingDocument], plan: JournalPlan, events: list[AuditEvent]
    ) -> None:
        """Dimensions a G/L account may pre-fill are set once the lines exist (see posting.dimension_lines)."""
        targets: list[Target] = []
        owners: list[str] = []
        for document in documents:
            lines = plan.lines_by_document.get(document.document_number)
            if document.dimension_plan is None or not document.dimension_plan.has_deferred or not lines:
                continue
            ordered = sorted(lines, key=lambda line: int(line.get("lineNumber") or 0))
            for line, wanted in zip(ordered, document.dimension_plan.deferred, strict=False):
                targets.append((f"{self.path}({line['id']})", wanted))
                owners.append(document.document_number)
            # a dimension change changes the line's ETag: later deletes must not fail on the stale one
            plan.lines_by_document[document.document_number] = [{**line, "@odata.etag": "*"} for line in ordered]
        for index, message in set_dimensions(self.bc, targets).items():
            number = owners[index]
            if number in plan.lines_by_document:
                self.delete(plan.lines_by_document.pop(number))
                plan.reject(number, f"nav_write_failed: {message}", events)
