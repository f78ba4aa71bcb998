"""Journal mode, step 3: post the batch, isolating a failing document, then confirm by reading the ledger back.

`Microsoft.NAV.post` posts a journal batch whole, so one bad document fails all of them. If a post fails, the
failing document is isolated (BC names it, or its line; otherwise by bisection), its lines are deleted, it is
rejected with BC's message, and the rest is posted. A post whose answer is lost is resolved by reading the batch
(posting empties it); documents NAV queued (Post with Job Queue) are awaited.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.errors import ApplicationError, BadRequestError, BCError, InternalError, WriteOutcomeUnknownError
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.lookups import LedgerMark, gl_entries_after, gl_entries_by_document
from destination_dynamics_nav.posting.base import entry_numbers, is_business_error
from destination_dynamics_nav.posting.job_queue import JobQueueWait, is_scheduled_refusal
from destination_dynamics_nav.posting.journal_plan import JournalBatchError, JournalPlan, Lines
from destination_dynamics_nav.posting.journal_write import JournalLines

logger = logging.getLogger("airbyte")

POST_ATTEMPTS = 3
_LINE_NUMBER = re.compile(r"LINE NO\.?\s*=?\s*'?(\d+)", re.IGNORECASE)


class BatchPosting:
    """Posts one journal batch for a flush and confirms each document by its G/L entries."""

    def __init__(self, bc: BusinessCentralClient, lines: JournalLines, mark: LedgerMark) -> None:
        self.bc = bc
        self.lines = lines
        self.mark = mark
        self.batch_name = lines.batch_name

    # -- posting ----------------------------------------------------------------------------------------------
    def post(self, plan: JournalPlan, events: list[AuditEvent]) -> None:
        """Post every document in the batch; reject (and remove) those BC refuses."""
        self._post_set(list(plan.in_batch()), plan, events)

    def _post_once(self) -> BCError | None:
        """Post the batch; None when posted, else BC's business error (transport trouble is retried or raised)."""
        for _ in range(POST_ATTEMPTS):
            try:
                self.bc.invoke_action(f"journals({self.lines.journal_id})", "Microsoft.NAV.post")
                return None
            except WriteOutcomeUnknownError:
                # Posting empties the batch: lines still there mean the post did not happen.
                if not any(True for _ in self.bc.iter_entities(self.lines.path, select=["id"], top=1)):
                    return None
            except (ApplicationError, BadRequestError, InternalError) as error:
                if not is_business_error(error):
                    raise
                return error
        raise BCError(f"posting journal batch {self.batch_name}: no response after {POST_ATTEMPTS} attempts")

    @staticmethod
    def culprit(error: BCError, documents: dict[str, Lines]) -> str | None:
        """The document BC's message names, by document number or by journal line number."""
        text = error.message.upper()
        for number in sorted(documents, key=len, reverse=True):
            if re.search(rf"(?<![A-Z0-9]){re.escape(number)}(?![A-Z0-9])", text):
                return number
        match = _LINE_NUMBER.search(error.message)
        if match:
            line_number = int(match.group(1))
            for number, lines in documents.items():
                if any(int(line.get("lineNumber") or -1) == line_number for line in lines):
                    return number
        return None

    def _post_set(self, numbers: list[str], plan: JournalPlan, events: list[AuditEvent]) -> None:
        """Post the batch, which holds exactly the documents `numbers`; isolate and reject failing ones."""
        while numbers:
            error = self._post_once()
            if is_scheduled_refusal(error):
                # Post with Job Queue: documents of an earlier post are still queued, so NAV refuses the whole post.
                error = self._job_queue().until_postable(self._post_once)
            if error is None:
                return
            lines = {n: plan.lines_by_document.get(n) or plan.leftover_documents.get(n, []) for n in numbers}
            culprit = self.culprit(error, lines)
            if culprit is None and len(numbers) == 1:
                culprit = numbers[0]
            if culprit is not None:
                self._remove_from_batch(culprit, error, plan, events)
                numbers = [n for n in numbers if n != culprit]
                continue
            self._bisect(numbers, error, plan, events)
            return

    def _bisect(self, numbers: list[str], error: BCError, plan: JournalPlan, events: list[AuditEvent]) -> None:
        if any(n in plan.leftover_documents for n in numbers):
            raise JournalBatchError(
                f"posting journal batch {self.batch_name} failed ({error.message}) and BC did not say which document; "
                "the batch also holds documents from an earlier run, which the connector cannot rewrite to isolate "
                "the failure. Fix or post the batch in NAV, then run the sync again."
            )
        logger.warning(
            "Posting failed without naming a document (%s); bisecting %d documents", error.message, len(numbers)
        )
        by_number = {p.document.document_number: p.document for p in plan.pending}
        first, second = numbers[: len(numbers) // 2], numbers[len(numbers) // 2 :]
        self.lines.delete([line for n in second for line in plan.lines_by_document.pop(n, [])])
        self._post_set(first, plan, events)
        failures = self.lines.write([by_number[n] for n in second], plan)
        for number, message in failures.items():
            plan.reject(number, f"nav_write_failed: {message}", events)
        self._post_set([n for n in second if n not in failures], plan, events)

    def _remove_from_batch(self, number: str, error: BCError, plan: JournalPlan, events: list[AuditEvent]) -> None:
        lines = plan.lines_by_document.pop(number, None) or plan.leftover_documents.pop(number, [])
        self.lines.delete(lines)
        if any(p.document.document_number == number for p in plan.pending):
            plan.reject(number, f"nav_posting_failed: {error.message}", events)
        else:
            logger.warning(
                "Document %s (left in batch %s by an earlier run) failed to post and was removed from the batch: %s",
                number,
                self.batch_name,
                error.message,
            )

    # -- confirmation -----------------------------------------------------------------------------------------
    def confirm(self, plan: JournalPlan, events: list[AuditEvent]) -> None:
        """One event per pending document, with the G/L entries NAV posted for it (above the high-water mark)."""
        if not plan.pending:
            return
        entries = gl_entries_after(self.bc, plan.high_water, [p.document.document_number for p in plan.pending])
        self.mark.advance(entries)
        missing = [p.document.document_number for p in plan.pending if not entries.get(p.document.document_number)]
        if missing:
            entries.update(self._await_missing(missing, plan, events))
        missing = [p.document.document_number for p in plan.pending if not entries.get(p.document.document_number)]
        if missing:
            raise BCError(
                f"journal batch {self.batch_name} was posted but NAV shows no G/L entries for "
                f"{', '.join(missing[:10])}; stopping before confirming anything"
            )
        for item in plan.pending:
            number = item.document.document_number
            events.append(
                item.task.event(
                    item.action,
                    document_number=number,
                    entries=entry_numbers(entries[number]),
                    amount=item.document.total,
                )
            )

    def _job_queue(self) -> JobQueueWait:
        return JobQueueWait(self.bc, self.lines.journal_id, self.batch_name)

    def _await_missing(
        self, missing: list[str], plan: JournalPlan, events: list[AuditEvent]
    ) -> dict[str, list[dict[str, Any]]]:
        """Documents without G/L entries after a post that answered 204. Their lines still in the batch mean NAV
        scheduled them (Post with Job Queue): wait for them; a document whose job failed is rejected. Entries of the
        others may predate the high-water mark (a queued document posted by the job queue before this flush read
        it): they are looked up by document number."""
        waiter = self._job_queue()
        queued = waiter.queued(missing)
        found = (
            gl_entries_by_document(self.bc, [n for n in missing if n not in queued])
            if len(queued) < len(missing)
            else {}
        )
        if queued:
            posted, failed = waiter.wait(queued)
            found.update(posted)
            for number, reason in failed.items():
                plan.lines_by_document.pop(number, None)
                plan.reject(number, reason, events)
        return found
