"""Journal mode: each invoice becomes one balanced document in a general journal batch, posted batch-wide.

`Microsoft.NAV.post` posts a journal batch whole, so one bad document fails all of them. Validation mirrors BC's
rules before anything is written; if a post still fails, the failing document is isolated (BC names it, or its
line; otherwise by bisection), its lines are deleted, it is rejected with BC's message, and the rest is posted.

Idempotency key: the deterministic document number. Before writing, the flush's numbers are looked up in the
G/L entries (posted → skip) and in the batch (written but not posted → keep if complete, else delete and redo).
Each document's lines go in one atomic `$batch` (`Isolation: snapshot`), so a document is never half-written by
one request; a write whose response is lost is looked up again before anything is re-sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.batch import MAX_BATCH_OPERATIONS, BatchOperation
from bc_client.errors import (
    ApplicationError,
    BadRequestError,
    BatchRolledBackError,
    BCError,
    InternalError,
    WriteOutcomeUnknownError,
)
from destination_dynamics_nav.audit import Action, AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.lookups import (
    JOURNAL_LINE_FIELDS,
    concurrently,
    gl_entries_after,
    gl_entries_by_document,
    journal_lines_by_document,
    ledger_high_water,
)
from destination_dynamics_nav.mapping import (
    PostingDocument,
    expected_journal_signatures,
    journal_line_payloads,
    journal_line_signature,
    reversing_document,
)
from destination_dynamics_nav.posting.base import (
    InvoicePoster,
    InvoiceTask,
    debit_total,
    entry_numbers,
    is_business_error,
    outcome_unknown,
    refused,
)
from destination_dynamics_nav.posting.dimension_lines import Target, set_dimensions
from destination_dynamics_nav.posting.job_queue import JobQueueWait, is_scheduled_refusal
from destination_dynamics_nav.posting.journal_batch import ensure_journal, find_journal

logger = logging.getLogger("airbyte")

WRITE_ATTEMPTS = 3
LINE_NUMBER_STEP = 100
POST_ATTEMPTS = 3
_LINE_NUMBER = re.compile(r"LINE NO\.?\s*=?\s*'?(\d+)", re.IGNORECASE)


class JournalBatchError(BCError):
    """The journal batch is in a state the connector must not post (lines it did not write, unisolatable failure)."""


@dataclass
class _Pending:
    """A document that should be in the batch after writing, and the event to report once it is posted."""

    task: InvoiceTask
    document: PostingDocument
    action: Action


@dataclass
class _GroupOutcome:
    written: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    uncertain: list[PostingDocument] = field(default_factory=list)


@dataclass
class _Plan:
    high_water: int = 0  # the highest G/L entry number before this flush posted anything
    pending: list[_Pending] = field(default_factory=list)
    to_write: list[PostingDocument] = field(default_factory=list)
    stale_lines: list[dict[str, Any]] = field(default_factory=list)
    # Lines currently in the batch per document number (existing complete ones, then the ones written).
    lines_by_document: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Complete documents of this connector (by prefix) that no task of this flush covers: crash leftovers, or
    # documents written with post_documents=false by an earlier run. They are posted along.
    leftover_documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _expected_debit(document: PostingDocument) -> Decimal:
    return sum((p["amount"] for p in journal_line_payloads(document) if p["amount"] > 0), Decimal("0"))


def _etag(entity: dict[str, Any]) -> str:
    return str(entity.get("@odata.etag") or "*")


class JournalPoster(InvoicePoster):
    def __init__(self, bc: BusinessCentralClient, settings: DestinationSettings, *, dry_run: bool) -> None:
        super().__init__(dry_run=dry_run, post_documents=settings.post_documents)
        self.bc = bc
        self.settings = settings
        self.journal: dict[str, Any] | None = None
        self._next_line_number = 0
        self._line_lock = threading.Lock()

    # -- setup ------------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        if self.dry_run:
            self.journal = find_journal(self.bc, self.settings)
            if self.journal is None:
                # The API creates batches only in the default General template: a named template's batch must exist.
                outcome = (
                    "a real run fails until it is created in NAV"
                    if self.settings.journal_template
                    else "a real run creates it"
                )
                logger.info("Dry run: journal batch %s does not exist yet; %s", self.settings.journal_batch, outcome)
        else:
            self.journal = ensure_journal(self.bc, self.settings)

    @property
    def _lines_path(self) -> str:
        assert self.journal is not None
        return f"journals({self.journal['id']})/journalLines"

    @property
    def _batch_name(self) -> str:
        return self.settings.journal_batch

    def _is_ours(self, document_number: str) -> bool:
        prefix = self.settings.document_number_prefix
        return not prefix or document_number.upper().startswith(prefix + "-")

    # -- the flush --------------------------------------------------------------------------------------------
    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        if not tasks:
            return
        plan = self._plan(tasks, events)
        if self.dry_run:
            self._report_dry_run(plan, events)
            return
        self._delete_lines(plan.stale_lines)
        for number, message in self._write_documents(plan.to_write, plan).items():
            self._reject_pending(plan, number, f"nav_write_failed: {message}", events)
        self._set_deferred_dimensions(plan.to_write, plan, events)
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
            self._post_isolating(plan, events)
            self._confirm(plan, events, plan.high_water)

    # -- look up and classify ---------------------------------------------------------------------------------
    def _plan(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> _Plan:
        numbers: list[str] = []
        for task in tasks:
            numbers.append(task.document.document_number)
            if task.kind == "reverse":
                numbers.append(reversing_document(task.document, self.settings.document_number_prefix).document_number)
        # One round of concurrent reads: what is posted, what waits in the batch, where line numbers and G/L entry
        # numbers stand now (entries this flush posts will all be above that high-water mark).
        posting = self.post_documents and not self.dry_run
        entries, open_lines, highest_line, high_water = concurrently(
            self.bc,
            lambda: gl_entries_by_document(self.bc, numbers),
            lambda: self._open_lines(numbers),
            lambda: self._highest_line_number() if not posting and not self.dry_run else 0,
            lambda: ledger_high_water(self.bc) if posting else 0,
        )
        if not self.dry_run:
            self._reserve_line_numbers(open_lines, highest_line)
        plan = _Plan(high_water=high_water)
        covered: set[str] = set()

        for task in tasks:
            document = task.document
            if task.kind == "post":
                covered.add(document.document_number)
                self._classify(task, document, "posted", entries, open_lines, plan, events)
                continue
            reversal = reversing_document(document, self.settings.document_number_prefix)
            covered.update({document.document_number, reversal.document_number})
            posted = entries.get(document.document_number)
            if entries.get(reversal.document_number):
                plan.stale_lines.extend(open_lines.get(reversal.document_number, []))
                events.append(
                    task.event(
                        "dry_run" if self.dry_run else "skipped_duplicate",
                        document_number=reversal.document_number,
                        entries=entry_numbers(entries[reversal.document_number]),
                        amount=reversal.total,
                        reason=f"already_reversed: document {reversal.document_number} is already posted",
                    )
                )
            elif posted:
                if task.problems:
                    events.append(
                        task.event(
                            "rejected", document_number=document.document_number, reason=task.cannot_reverse_reason
                        )
                    )
                    continue
                if debit_total(posted) != _expected_debit(document):
                    events.append(
                        task.event(
                            "rejected",
                            document_number=document.document_number,
                            reason=f"reversal_amount_mismatch: NAV document {document.document_number} posted "
                            f"{debit_total(posted)} but the voided invoice amounts to {_expected_debit(document)}; "
                            "reverse it manually in NAV",
                        )
                    )
                    continue
                posting_date = dt.date.fromisoformat(str(posted[0]["postingDate"])[:10])
                reversal = reversing_document(document, self.settings.document_number_prefix, posting_date=posting_date)
                self._classify(task, reversal, "reversed", entries, open_lines, plan, events)
            elif open_lines.get(document.document_number):
                # Written but never posted (post_documents=false or a crash): withdraw it instead of reversing.
                plan.stale_lines.extend(open_lines[document.document_number])
                events.append(
                    task.event(
                        "dry_run" if self.dry_run else "reversed",
                        document_number=document.document_number,
                        reason=f"withdrawn_before_posting: the invoice was voided while its lines were still "
                        f"unposted in journal batch {self._batch_name}; the lines "
                        + ("would be deleted" if self.dry_run else "were deleted"),
                    )
                )
            else:
                events.append(
                    task.event(
                        "ignored",
                        document_number=None,
                        reason="voided_before_posting: the invoice was voided and nothing was posted for it",
                    )
                )

        if self.post_documents and not self.dry_run:
            self._collect_leftovers(open_lines, covered, plan)
        return plan

    def _classify(
        self,
        task: InvoiceTask,
        document: PostingDocument,
        action: Action,
        entries: dict[str, list[dict[str, Any]]],
        open_lines: dict[str, list[dict[str, Any]]],
        plan: _Plan,
        events: list[AuditEvent],
    ) -> None:
        number = document.document_number
        lines = open_lines.get(number, [])
        if entries.get(number):
            # Posted already. Lines still waiting under the same number would post it a second time: remove them.
            plan.stale_lines.extend(lines)
            reason = f"already_posted: NAV document {number} is already in the general ledger"
            posted_debit, expected_debit = debit_total(entries[number]), _expected_debit(document)
            if posted_debit != expected_debit:
                # The invoice changed in Stampli after it was posted: posting is never repeated, but say so.
                reason += (
                    f", with {posted_debit} where the record now says {expected_debit}; the change is not posted "
                    "(void it in Stampli to reverse the posted document, or correct it in NAV)"
                )
            events.append(
                task.event(
                    "dry_run" if self.dry_run else "skipped_duplicate",
                    document_number=number,
                    entries=entry_numbers(entries[number]),
                    amount=document.total,
                    reason=reason,
                )
            )
            return
        if lines and sorted(journal_line_signature(line) for line in lines) == expected_journal_signatures(document):
            plan.lines_by_document[number] = list(lines)
            if not self.post_documents:
                events.append(
                    task.event(
                        "dry_run" if self.dry_run else "skipped_duplicate",
                        document_number=number,
                        amount=document.total,
                        reason=f"already_written: document {number} is waiting in journal batch {self._batch_name} "
                        "(post_documents is false)",
                    )
                )
                return
        else:
            plan.stale_lines.extend(lines)  # half-written or changed since: delete and write again
            plan.to_write.append(document)
        plan.pending.append(_Pending(task, document, action))

    def _open_lines(self, numbers: list[str]) -> dict[str, list[dict[str, Any]]]:
        if self.journal is None:  # dry run before the batch exists
            return {}
        if self.post_documents and not self.dry_run:
            # The post takes the whole batch, so everything in it must be known, not only this flush's numbers.
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for line in self.bc.iter_entities(self._lines_path, select=list(JOURNAL_LINE_FIELDS)):
                grouped[str(line.get("documentNumber", "")).upper()].append(dict(line))
            return dict(grouped)
        return journal_lines_by_document(self.bc, str(self.journal["id"]), numbers)

    def _collect_leftovers(self, open_lines: dict[str, list[dict[str, Any]]], covered: set[str], plan: _Plan) -> None:
        foreign = []
        for number, lines in open_lines.items():
            if number in covered:
                continue
            if self._is_ours(number):
                plan.leftover_documents[number] = lines
            else:
                foreign.append(number or "(blank)")
        if foreign:
            raise JournalBatchError(
                f"journal batch {self._batch_name} holds lines this connector did not write (document numbers "
                f"{', '.join(sorted(foreign)[:10])}). The connector posts its batch whole, so it will not post "
                f"them: post or move those lines in NAV, or configure a journal_batch used only by this connector."
            )
        if plan.leftover_documents:
            logger.warning(
                "Journal batch %s holds %d document(s) written by an earlier run and not posted yet (%s); they are "
                "posted with this flush.",
                self._batch_name,
                len(plan.leftover_documents),
                ", ".join(sorted(plan.leftover_documents)[:10]),
            )

    # -- writing ----------------------------------------------------------------------------------------------
    def _delete_lines(self, lines: list[dict[str, Any]]) -> None:
        """Delete journal lines; DELETE is idempotent, so a lost answer is simply sent again (404 = gone)."""
        pending = [line for line in lines if line.get("id")]
        for _ in range(WRITE_ATTEMPTS):
            if not pending:
                return
            operations = [
                BatchOperation("DELETE", f"{self._lines_path}({line['id']})", etag=_etag(line)) for line in pending
            ]
            again = []
            for line, result in zip(pending, self.bc.batch(operations), strict=True):
                if outcome_unknown(result):
                    again.append({**line, "@odata.etag": "*"})
                elif result.error is not None and result.status != 404 and refused(result):
                    if is_scheduled_refusal(result.error):
                        raise JournalBatchError(
                            f"journal document {line.get('documentNumber')} in batch {self._batch_name} is scheduled "
                            "for posting by NAV's job queue and no longer matches the record; the connector neither "
                            "changes nor deletes a queued document — the next run confirms it once NAV has posted it"
                        ) from result.error
                    raise result.error
            pending = again
        if pending:
            raise BCError(f"could not delete {len(pending)} journal line(s) of batch {self._batch_name}: answers lost")

    def _set_deferred_dimensions(self, documents: list[PostingDocument], plan: _Plan, events: list[AuditEvent]) -> None:
        """Dimensions a G/L account may pre-fill are set once the lines exist (see posting.dimension_lines)."""
        targets: list[Target] = []
        owners: list[str] = []
        for document in documents:
            lines = plan.lines_by_document.get(document.document_number)
            if document.dimension_plan is None or not document.dimension_plan.has_deferred or not lines:
                continue
            ordered = sorted(lines, key=lambda line: int(line.get("lineNumber") or 0))
            for line, wanted in zip(ordered, document.dimension_plan.deferred, strict=False):
                targets.append((f"{self._lines_path}({line['id']})", wanted))
                owners.append(document.document_number)
            # a dimension change changes the line's ETag: later deletes must not fail on the stale one
            plan.lines_by_document[document.document_number] = [{**line, "@odata.etag": "*"} for line in ordered]
        for index, message in set_dimensions(self.bc, targets).items():
            number = owners[index]
            if number in plan.lines_by_document:
                self._delete_lines(plan.lines_by_document.pop(number))
                self._reject_pending(plan, number, f"nav_write_failed: {message}", events)

    def _document_operations(self, document: PostingDocument) -> list[BatchOperation]:
        operations = []
        for payload in journal_line_payloads(document):
            # Explicit line numbers: BC numbers a line after the batch's last one when none is given, which makes
            # parallel inserts into one batch collide. Ours never do, so several $batch requests can run at once.
            operations.append(
                BatchOperation("POST", self._lines_path, body={**payload, "lineNumber": self._take_line_number()})
            )
        return operations

    def _take_line_number(self) -> int:
        with self._line_lock:
            self._next_line_number += LINE_NUMBER_STEP
            return self._next_line_number

    def _highest_line_number(self) -> int:
        """The batch's highest line number, when only this flush's lines are read (post_documents is false)."""
        if self.journal is None:
            return 0
        for line in self.bc.iter_entities(self._lines_path, select=["lineNumber"], orderby="lineNumber desc", top=1):
            return int(line.get("lineNumber") or 0)
        return 0

    def _reserve_line_numbers(self, open_lines: dict[str, list[dict[str, Any]]], highest: int) -> None:
        """Continue numbering after the highest line number in the batch (read once per flush)."""
        in_lines = max((int(line.get("lineNumber") or 0) for lines in open_lines.values() for line in lines), default=0)
        with self._line_lock:
            self._next_line_number = max(self._next_line_number, highest, in_lines)

    def _pack(self, documents: list[PostingDocument]) -> list[list[PostingDocument]]:
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

    def _write_documents(self, documents: list[PostingDocument], plan: _Plan) -> dict[str, str]:
        """Write every document's lines; return the documents BC refused (number → BC's message)."""
        failures: dict[str, str] = {}
        remaining = list(documents)
        for _ in range(WRITE_ATTEMPTS):
            uncertain: list[PostingDocument] = []
            for outcome in self.bc.map_concurrently(self._write_group, self._pack(remaining)):
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
            self._delete_lines(written)
            outcome.failed[document.document_number] = errors[0].message if errors[0] else "refused"
            return
        outcome.written[document.document_number] = written

    def _recheck_uncertain(self, documents: list[PostingDocument], plan: _Plan) -> list[PostingDocument]:
        """After lost responses: keep what arrived complete, delete partial leftovers, return what to write again."""
        assert self.journal is not None
        found = journal_lines_by_document(self.bc, str(self.journal["id"]), [d.document_number for d in documents])
        again = []
        for document in documents:
            lines = found.get(document.document_number, [])
            if lines and sorted(journal_line_signature(line) for line in lines) == expected_journal_signatures(
                document
            ):
                plan.lines_by_document[document.document_number] = lines
                continue
            self._delete_lines(lines)
            plan.lines_by_document.pop(document.document_number, None)
            again.append(document)
        return again

    # -- posting ----------------------------------------------------------------------------------------------
    def _post_once(self) -> BCError | None:
        """Post the batch; None when posted, else BC's business error (transport trouble is retried or raised)."""
        assert self.journal is not None
        for _ in range(POST_ATTEMPTS):
            try:
                self.bc.invoke_action(f"journals({self.journal['id']})", "Microsoft.NAV.post")
                return None
            except WriteOutcomeUnknownError:
                # Posting empties the batch: lines still there mean the post did not happen.
                if not any(True for _ in self.bc.iter_entities(self._lines_path, select=["id"], top=1)):
                    return None
            except (ApplicationError, BadRequestError, InternalError) as error:
                if not is_business_error(error):
                    raise
                return error
        raise BCError(f"posting journal batch {self._batch_name}: no response after {POST_ATTEMPTS} attempts")

    def _culprit(self, error: BCError, documents: dict[str, list[dict[str, Any]]]) -> str | None:
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

    def _post_isolating(self, plan: _Plan, events: list[AuditEvent]) -> None:
        in_batch = {
            **plan.leftover_documents,
            **{
                p.document.document_number: plan.lines_by_document.get(p.document.document_number, [])
                for p in plan.pending
            },
        }
        self._post_set(list(in_batch), plan, events)

    def _post_set(self, numbers: list[str], plan: _Plan, events: list[AuditEvent]) -> None:
        """Post the batch, which holds exactly the documents `numbers`; isolate and reject failing ones."""
        while numbers:
            error = self._post_once()
            if is_scheduled_refusal(error):
                # Post with Job Queue: documents of an earlier post are still queued, so NAV refuses the whole post.
                error = self._job_queue().until_postable(self._post_once)
            if error is None:
                return
            lines = {n: plan.lines_by_document.get(n) or plan.leftover_documents.get(n, []) for n in numbers}
            culprit = self._culprit(error, lines)
            if culprit is None and len(numbers) == 1:
                culprit = numbers[0]
            if culprit is not None:
                self._remove_from_batch(culprit, error, plan, events)
                numbers = [n for n in numbers if n != culprit]
                continue
            self._bisect(numbers, error, plan, events)
            return

    def _bisect(self, numbers: list[str], error: BCError, plan: _Plan, events: list[AuditEvent]) -> None:
        if any(n in plan.leftover_documents for n in numbers):
            raise JournalBatchError(
                f"posting journal batch {self._batch_name} failed ({error.message}) and BC did not say which document; "
                "the batch also holds documents from an earlier run, which the connector cannot rewrite to isolate "
                "the failure. Fix or post the batch in NAV, then run the sync again."
            )
        logger.warning(
            "Posting failed without naming a document (%s); bisecting %d documents", error.message, len(numbers)
        )
        by_number = {p.document.document_number: p.document for p in plan.pending}
        first, second = numbers[: len(numbers) // 2], numbers[len(numbers) // 2 :]
        self._delete_lines([line for n in second for line in plan.lines_by_document.pop(n, [])])
        self._post_set(first, plan, events)
        failures = self._write_documents([by_number[n] for n in second], plan)
        for number, message in failures.items():
            self._reject_pending(plan, number, f"nav_write_failed: {message}", events)
        self._post_set([n for n in second if n not in failures], plan, events)

    def _remove_from_batch(self, number: str, error: BCError, plan: _Plan, events: list[AuditEvent]) -> None:
        lines = plan.lines_by_document.pop(number, None) or plan.leftover_documents.pop(number, [])
        self._delete_lines(lines)
        if any(p.document.document_number == number for p in plan.pending):
            self._reject_pending(plan, number, f"nav_posting_failed: {error.message}", events)
        else:
            logger.warning(
                "Document %s (left in batch %s by an earlier run) failed to post and was removed from the batch: %s",
                number,
                self._batch_name,
                error.message,
            )

    def _reject_pending(self, plan: _Plan, number: str, reason: str, events: list[AuditEvent]) -> None:
        for item in [p for p in plan.pending if p.document.document_number == number]:
            plan.pending.remove(item)
            events.append(item.task.event("rejected", amount=item.document.total, reason=reason))

    # -- confirmation -----------------------------------------------------------------------------------------
    def _confirm(self, plan: _Plan, events: list[AuditEvent], high_water: int) -> None:
        if not plan.pending:
            return
        entries = gl_entries_after(self.bc, high_water, [p.document.document_number for p in plan.pending])
        missing = [p.document.document_number for p in plan.pending if not entries.get(p.document.document_number)]
        if missing:
            entries.update(self._await_missing(missing, plan, events))
        missing = [p.document.document_number for p in plan.pending if not entries.get(p.document.document_number)]
        if missing:
            raise BCError(
                f"journal batch {self._batch_name} was posted but NAV shows no G/L entries for "
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
        assert self.journal is not None
        return JobQueueWait(self.bc, str(self.journal["id"]), self._batch_name)

    def _await_missing(
        self, missing: list[str], plan: _Plan, events: list[AuditEvent]
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
                self._reject_pending(plan, number, reason, events)
        return found

    def _report_dry_run(self, plan: _Plan, events: list[AuditEvent]) -> None:
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
