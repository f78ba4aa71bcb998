"""Journal mode: each invoice becomes one balanced document in a general journal batch, posted batch-wide.

One flush, by job: look up what NAV holds for the flush's document numbers and classify each task
(`journal_plan`, pure), write the lines with lost-answer rechecks (`journal_write`), post with isolation of a
failing document and confirm by the ledger (`journal_post`). `DryRunJournalPoster` looks up and classifies the
same way, then records what it would write instead of writing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from bc_client import BusinessCentralClient
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.lookups import (
    JOURNAL_LINE_FIELDS,
    LedgerMark,
    concurrently,
    gl_entries_by_document,
    journal_lines_by_document,
)
from destination_dynamics_nav.mapping import PostingDocument
from destination_dynamics_nav.posting.base import InvoicePoster, InvoiceTask, as_dry_run
from destination_dynamics_nav.posting.journal_batch import ensure_journal, find_journal
from destination_dynamics_nav.posting.journal_plan import (
    JournalBatchError,
    JournalPlan,
    Lines,
    classify,
    collect_leftovers,
    lookup_numbers,
    reversals,
)
from destination_dynamics_nav.posting.journal_post import BatchPosting
from destination_dynamics_nav.posting.journal_write import JournalLines

__all__ = ["DryRunJournalPoster", "JournalBatchError", "JournalPoster"]

logger = logging.getLogger("airbyte")


class JournalPoster(InvoicePoster):
    def __init__(self, bc: BusinessCentralClient, settings: DestinationSettings) -> None:
        self.bc = bc
        self.settings = settings
        self.post_documents = settings.post_documents
        self.journal: dict[str, Any] | None = None
        self.lines: JournalLines | None = None
        self.mark = LedgerMark(bc)

    @property
    def _batch_name(self) -> str:
        return self.settings.journal_batch

    def prepare(self) -> None:
        self._use(ensure_journal(self.bc, self.settings))

    def _use(self, journal: dict[str, Any] | None) -> None:
        self.journal = journal
        self.lines = None if journal is None else JournalLines(self.bc, str(journal["id"]), self._batch_name)

    # -- the flush --------------------------------------------------------------------------------------------
    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        if not tasks:
            return
        reversal_of = reversals(tasks, self.settings.document_number_prefix)
        numbers = lookup_numbers(tasks, reversal_of)
        # What the ledger holds for these documents is read while the previous flush's post and confirmation still
        # run: that tail posts other documents (the writer's settle() joined it first if it touched one of these).
        # The batch is read (and written, and posted whole) only once the tail is done.
        entries = gl_entries_by_document(self.bc, numbers)
        self.tail.join(events)
        plan, decided = self._plan(tasks, reversal_of, numbers, entries)
        events.extend(decided)
        self._execute(plan, events)

    def _plan(
        self,
        tasks: Sequence[InvoiceTask],
        reversal_of: dict[str, PostingDocument],
        numbers: list[str],
        entries: dict[str, list[dict[str, Any]]],
    ) -> tuple[JournalPlan, list[AuditEvent]]:
        """One round of concurrent reads (what waits in the batch, where line numbers and G/L entry numbers stand:
        entries this flush posts will all be above that high-water mark), then the pure plan."""
        posting = self._posts
        open_lines, highest_line, high_water = concurrently(
            self.bc,
            lambda: self._open_lines(numbers),
            lambda: self.lines.highest_line_number() if self.lines is not None and not posting and self._writes else 0,
            lambda: self.mark.current() if posting else 0,  # read after the previous flush's tail was joined
        )
        if self.lines is not None and self._writes:
            self.lines.reserve_line_numbers(open_lines, highest_line)
        plan, events = classify(
            tasks,
            reversal_of,
            entries,
            open_lines,
            post_documents=self.post_documents,
            batch_name=self._batch_name,
            high_water=high_water,
        )
        if posting:
            collect_leftovers(
                open_lines, plan, prefix=self.settings.document_number_prefix, batch_name=self._batch_name
            )
        return plan, events

    @property
    def _writes(self) -> bool:
        return True

    @property
    def _posts(self) -> bool:
        """Whether this flush posts the batch (and so must know everything in it)."""
        return self.post_documents and self._writes

    def _open_lines(self, numbers: list[str]) -> dict[str, Lines]:
        if self.journal is None:  # dry run before the batch exists
            return {}
        if self._posts:
            # The post takes the whole batch, so everything in it must be known, not only this flush's numbers.
            assert self.lines is not None
            grouped: dict[str, Lines] = defaultdict(list)
            for line in self.bc.iter_entities(self.lines.path, select=list(JOURNAL_LINE_FIELDS)):
                grouped[str(line.get("documentNumber", "")).upper()].append(dict(line))
            return dict(grouped)
        return journal_lines_by_document(self.bc, str(self.journal["id"]), numbers)

    def _execute(self, plan: JournalPlan, events: list[AuditEvent]) -> None:
        lines = self.lines
        assert lines is not None
        lines.delete(plan.stale_lines)
        events.extend(withdrawal.event(done=True) for withdrawal in plan.withdrawals)
        for number, message in lines.write(plan.to_write, plan).items():
            plan.reject(number, f"nav_write_failed: {message}", events)
        lines.set_deferred_dimensions(plan.to_write, plan, events)
        if not self.post_documents:
            for item in plan.pending:
                events.append(
                    item.task.event(
                        item.action,
                        document_number=item.document.document_number,
                        amount=item.document.total,
                        reason=f"not_posted: written to journal batch {self._batch_name} and left for review "
                        "(post_documents is false)",
                    )
                )
            return
        if plan.pending or plan.leftover_documents:
            posting = BatchPosting(self.bc, lines, self.mark)

            def post_and_confirm(tail_events: list[AuditEvent]) -> None:
                posting.post(plan, tail_events)
                posting.confirm(plan, tail_events)

            # Posting and confirming run while the writer validates the next flush and looks for hand postings;
            # the next flush reads and writes the batch only after this tail is joined (process, above).
            self.tail.start(post_and_confirm, [p.document.document_number for p in plan.pending])


class DryRunJournalPoster(JournalPoster):
    """Looks up and classifies like a real run, then records what it would write; writes nothing."""

    def reported(self, event: AuditEvent) -> AuditEvent:
        return as_dry_run(event)

    def prepare(self) -> None:
        self._use(find_journal(self.bc, self.settings))
        if self.journal is None:
            # The API creates batches only in the default General template: a named template's batch must exist.
            outcome = (
                "a real run fails until it is created in NAV"
                if self.settings.journal_template
                else "a real run creates it"
            )
            logger.info("Dry run: journal batch %s does not exist yet; %s", self._batch_name, outcome)

    @property
    def _writes(self) -> bool:
        return False

    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        if not tasks:
            return
        reversal_of = reversals(tasks, self.settings.document_number_prefix)
        numbers = lookup_numbers(tasks, reversal_of)
        plan, decided = self._plan(tasks, reversal_of, numbers, gl_entries_by_document(self.bc, numbers))
        events.extend(as_dry_run(event) for event in decided)
        events.extend(as_dry_run(withdrawal.event(done=False)) for withdrawal in plan.withdrawals)
        for item in plan.pending:
            verb = "would_reverse" if item.action == "reversed" else "would_post"
            document = item.document
            events.append(
                item.task.event(
                    "dry_run",
                    document_number=document.document_number,
                    amount=document.total,
                    reason=f"{verb}: journal document {document.document_number} with {len(document.lines)} G/L "
                    f"line(s) and a vendor line for {document.vendor_number} in batch {self._batch_name}",
                )
            )
