"""Purchase-invoice mode: each invoice becomes a NAV purchase invoice (deep insert), then is posted.

Idempotency key: vendor number + vendor invoice number (the Stampli invoice number) — the same pair BC's own
duplicate check uses at posting. The `purchaseInvoices` entity lists drafts and posted invoices alike, so one
filtered read per chunk of invoice numbers tells what is posted (skip), drafted (post it, or redo it when it
does not match) or missing (create). Creates and posts go through `$batch`: about two API operations per
invoice plus a few look-ups per flush. After posting, one range read of the invoices stamped since the flush's drafts
were last seen confirms them (instead of one filtered read per chunk of numbers again).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.batch import BatchOperation, BatchResult
from bc_client.enums import decode_enum
from bc_client.errors import BCError
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.lookups import (
    LedgerMark,
    concurrently,
    gl_entries_after,
    modified_at,
    purchase_invoices_by_vendor_invoice_number,
    purchase_invoices_modified_since,
)
from destination_dynamics_nav.mapping import PostingDocument, purchase_invoice_payload
from destination_dynamics_nav.posting.base import (
    InvoicePoster,
    InvoiceTask,
    as_dry_run,
    entry_numbers,
    outcome_unknown,
    refused,
)
from destination_dynamics_nav.posting.dimension_lines import Target, set_dimensions
from destination_dynamics_nav.reference_data import code_key

logger = logging.getLogger("airbyte")

UNPOSTED_STATUSES = frozenset({"draft", "in review"})
# BaseApp PurchPost.Codeunit.al PurchaseAlreadyExistsErr: 'Purchase %1 %2 already exists for this vendor.'
ALREADY_EXISTS = "already exists for this vendor"
OPERATIONS_PER_REQUEST = 25  # several $batch requests in flight beat one of 100 when latency dominates
WRITE_ATTEMPTS = 3


def is_posted(invoice: dict[str, Any]) -> bool:
    return invoice_status(invoice) not in UNPOSTED_STATUSES


def invoice_status(invoice: dict[str, Any]) -> str:
    """The invoice's status enum as a plain lower-case caption ("In_x0020_Review" and "In Review" alike)."""
    return decode_enum(str(invoice.get("status") or "")).strip().casefold()


def _line_signature(line: dict[str, Any]) -> tuple[str, Decimal]:
    quantity = Decimal(str(line.get("quantity") or 0))
    unit_cost = Decimal(str(line.get("unitCost") or 0))
    return (code_key(str(line.get("lineObjectNumber") or "")), quantity * unit_cost)


def _expected_signatures(document: PostingDocument) -> list[tuple[str, Decimal]]:
    return sorted((code_key(line.account_number), line.amount) for line in document.lines)


@dataclass
class _Work:
    task: InvoiceTask
    document: PostingDocument
    draft_id: str | None = None
    seen_modified_at: datetime | None = None  # the draft's lastModifiedDateTime when last read or written

    def drafted(self, draft: dict[str, Any]) -> None:
        self.draft_id = str(draft["id"])
        self.seen_modified_at = modified_at(draft)


@dataclass
class _Withdrawal:
    """A voided invoice whose purchase invoice is still a draft: the draft is deleted instead of reversed."""

    task: InvoiceTask
    draft_number: str

    def event(self, *, done: bool) -> AuditEvent:
        return self.task.event(
            "reversed",
            document_number=self.draft_number,
            reason="withdrawn_before_posting: the invoice was voided while its purchase invoice was still a "
            "draft; the draft " + ("was deleted" if done else "would be deleted"),
        )


@dataclass
class _Plan:
    high_water: int = 0  # the highest G/L entry number before this flush posted anything
    to_create: list[_Work] = field(default_factory=list)
    to_post: list[_Work] = field(default_factory=list)
    stale_drafts: list[dict[str, Any]] = field(default_factory=list)
    withdrawals: list[_Withdrawal] = field(default_factory=list)


class PurchaseInvoicePoster(InvoicePoster):
    def __init__(self, bc: BusinessCentralClient, settings: DestinationSettings) -> None:
        self.bc = bc
        self.settings = settings
        self.post_documents = settings.post_documents
        self.mark = LedgerMark(bc)

    def prepare(self) -> None:
        """Nothing to create: purchase invoices need no container."""

    # -- the flush --------------------------------------------------------------------------------------------
    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        if not tasks:
            return
        self.settle(tasks, events)  # an invoice the previous flush is still posting is looked up once it is done
        plan, decided = self._plan(tasks)
        events.extend(decided)
        self._execute(plan, events)

    def _plan(self, tasks: Sequence[InvoiceTask]) -> tuple[_Plan, list[AuditEvent]]:
        numbers = [task.document.external_document_number for task in tasks if task.document.external_document_number]
        # What NAV holds for these invoices (one round of concurrent reads).
        found = purchase_invoices_by_vendor_invoice_number(self.bc, numbers)
        plan = _Plan()
        events: list[AuditEvent] = []
        for task in tasks:
            matches = self._matches(found, task.document)
            posted = [invoice for invoice in matches if is_posted(invoice)]
            drafts = [invoice for invoice in matches if not is_posted(invoice)]
            if task.kind == "reverse":
                self._classify_reversal(task, posted, drafts, plan, events)
                continue
            if posted:
                reason = (
                    f"already_posted: NAV purchase invoice {posted[0].get('number')} has vendor invoice number "
                    f"{task.document.external_document_number} for vendor {task.document.vendor_number}"
                )
                net = posted[0].get("totalAmountExcludingTax")
                if net is not None and Decimal(str(net)) != task.document.total:
                    reason += (
                        f", for {net} where the record now says {task.document.total}; the change is not posted "
                        "(correct it in NAV)"
                    )
                events.append(
                    task.event("skipped_duplicate", document_number=str(posted[0].get("number") or ""), reason=reason)
                )
                continue
            matching = self._matching_drafts(drafts, task.document)
            keep = matching[0] if matching else None
            # Extra complete copies (a create whose answer was lost and was made again) go; a draft with other lines
            # is someone's work in NAV: the connector neither deletes it nor adds a second invoice next to it.
            plan.stale_drafts.extend(matching[1:])
            if keep is None and drafts:
                events.append(
                    task.event(
                        "rejected",
                        document_number=str(drafts[0].get("number") or ""),
                        reason=f"conflicting_draft_in_nav: NAV draft purchase invoice {drafts[0].get('number')} has "
                        f"vendor invoice number {task.document.external_document_number} for vendor "
                        f"{task.document.vendor_number} but other lines; post or delete it in NAV",
                    )
                )
                continue
            if keep is not None and not self.post_documents:
                events.append(
                    task.event(
                        "skipped_duplicate",
                        document_number=str(keep.get("number") or ""),
                        reason=f"already_drafted: draft purchase invoice {keep.get('number')} is waiting for review "
                        "(post_documents is false)",
                    )
                )
                continue
            work = _Work(task, task.document)
            if keep is not None:
                work.drafted(keep)
            (plan.to_post if keep is not None else plan.to_create).append(work)
        return plan, events

    def _execute(self, plan: _Plan, events: list[AuditEvent]) -> None:
        self._delete_drafts(plan.stale_drafts)
        events.extend(withdrawal.event(done=True) for withdrawal in plan.withdrawals)
        # These creates overlap the previous flush's posts (independent documents); that tail is joined after.
        created = self._set_deferred_dimensions(self._create(plan.to_create, events), events)
        self.tail.join(events)
        if not self.post_documents:
            for work in created:
                events.append(
                    work.task.event(
                        "posted",
                        reason="not_posted: created as a draft purchase invoice and left for review "
                        "(post_documents is false)",
                    )
                )
            return
        works = plan.to_post + created
        if works:
            # Taken once the previous flush's posts are confirmed: entries these posts make are all above it.
            plan.high_water = self.mark.current()
            # Posting and confirming run while the writer prepares and creates the next flush.
            self.tail.start(
                lambda tail_events: self._post(works, tail_events, plan.high_water),
                [w.document.external_document_number for w in works],
            )

    # -- classification ---------------------------------------------------------------------------------------
    @staticmethod
    def _matches(found: dict[str, list[dict[str, Any]]], document: PostingDocument) -> list[dict[str, Any]]:
        # BC's duplicate check is per (pay-to) vendor: the same invoice number from another vendor is another invoice.
        return [
            invoice
            for invoice in found.get(document.external_document_number.upper(), [])
            if code_key(str(invoice.get("vendorNumber") or "")) == code_key(document.vendor_number)
        ]

    def _matching_drafts(self, drafts: list[dict[str, Any]], document: PostingDocument) -> list[dict[str, Any]]:
        """The drafts whose lines are exactly what this document creates (read only when drafts exist: rare)."""
        expected = _expected_signatures(document)
        matching = []
        for draft in drafts:
            lines = self.bc.list_entities(
                f"purchaseInvoices({draft['id']})/purchaseInvoiceLines",
                select=["id", "lineType", "lineObjectNumber", "quantity", "unitCost"],
            )
            if sorted(_line_signature(line) for line in lines) == expected:
                matching.append(draft)
        return matching

    def _classify_reversal(
        self,
        task: InvoiceTask,
        posted: list[dict[str, Any]],
        drafts: list[dict[str, Any]],
        plan: _Plan,
        events: list[AuditEvent],
    ) -> None:
        if posted:
            invoice = posted[0]
            if invoice_status(invoice) == "canceled":
                events.append(
                    task.event(
                        "skipped_duplicate",
                        document_number=str(invoice.get("number") or ""),
                        reason=f"already_reversed: NAV purchase invoice {invoice.get('number')} is canceled",
                    )
                )
                return
            # The API has no cancel action for purchase invoices; a corrective credit memo is BC's own way.
            events.append(
                task.event(
                    "rejected",
                    document_number=str(invoice.get("number") or ""),
                    reason=f"reversal_needs_manual_action: the invoice was voided in Stampli after NAV purchase "
                    f"invoice {invoice.get('number')} was posted; the API cannot cancel a posted purchase invoice — "
                    "use Create Corrective Credit Memo (or Cancel) on the posted invoice in NAV",
                )
            )
            return
        if drafts:
            plan.stale_drafts.extend(drafts)
            plan.withdrawals.append(_Withdrawal(task, str(drafts[0].get("number") or "")))
            return
        events.append(
            task.event("ignored", reason="voided_before_posting: the invoice was voided and nothing was posted for it")
        )

    # -- writing ----------------------------------------------------------------------------------------------
    def _run_batches(self, operations: list[BatchOperation]) -> list[BatchResult]:
        """Independent (non-atomic) operations, several $batch requests in flight; results in input order."""
        chunks = [operations[i : i + OPERATIONS_PER_REQUEST] for i in range(0, len(operations), OPERATIONS_PER_REQUEST)]
        outcomes = self.bc.map_concurrently(lambda chunk: self.bc.batch(chunk), chunks)
        return [result for chunk_results in outcomes for result in chunk_results]

    def _delete_drafts(self, drafts: list[dict[str, Any]]) -> None:
        """Delete draft purchase invoices; DELETE is idempotent, so a lost answer is sent again (404 = gone)."""
        pending = list(drafts)
        for _ in range(WRITE_ATTEMPTS):
            if not pending:
                return
            operations = [
                BatchOperation("DELETE", f"purchaseInvoices({d['id']})", etag=str(d.get("@odata.etag") or "*"))
                for d in pending
            ]
            again = []
            for draft, result in zip(pending, self.bc.batch(operations), strict=True):
                if outcome_unknown(result):
                    again.append({"id": draft["id"]})
                elif result.error is not None and result.status != 404 and refused(result):
                    raise result.error
            pending = again
        if pending:
            raise BCError(f"could not delete {len(pending)} draft purchase invoice(s): answers kept getting lost")

    def _create(self, works: list[_Work], events: list[AuditEvent]) -> list[_Work]:
        """Deep-insert the drafts; return those created (with ids). Lost responses are looked up, not re-sent."""
        created: list[_Work] = []
        remaining = list(works)
        for _ in range(WRITE_ATTEMPTS):
            if not remaining:
                return created
            operations = [
                BatchOperation("POST", "purchaseInvoices", body=purchase_invoice_payload(w.document)) for w in remaining
            ]
            uncertain: list[_Work] = []
            for work, outcome in zip(remaining, self._run_batches(operations), strict=True):
                if outcome_unknown(outcome):
                    uncertain.append(work)
                elif refused(outcome):
                    events.append(work.task.event("rejected", reason=f"nav_write_failed: {outcome.error.message}"))
                else:
                    work.drafted(outcome.body)
                    created.append(work)
            remaining = self._recheck_created(uncertain, created)
        if remaining:
            raise BCError(f"could not confirm {len(remaining)} purchase invoice(s) after {WRITE_ATTEMPTS} attempts")
        return created

    def _set_deferred_dimensions(self, created: list[_Work], events: list[AuditEvent]) -> list[_Work]:
        """Line dimensions BC may pre-fill (the header's, a G/L account's) are set once the draft exists; a draft
        whose dimensions BC refuses is deleted and its invoice rejected. Returns the drafts still good."""
        needing = [w for w in created if w.document.dimension_plan and w.document.dimension_plan.has_deferred]
        if not needing:
            return created
        reads = self.bc.batch(
            [BatchOperation("GET", f"purchaseInvoices({w.draft_id})/purchaseInvoiceLines") for w in needing]
        )
        targets: list[Target] = []
        owners: list[_Work] = []
        failed: dict[int, str] = {}
        for work, result in zip(needing, reads, strict=True):
            plan = work.document.dimension_plan
            assert plan is not None
            if result.error is not None:
                failed[id(work)] = result.error.message
                continue
            lines = sorted((result.body or {}).get("value", []), key=lambda line: int(line.get("sequence") or 0))
            for line, wanted in zip(lines, plan.deferred, strict=False):
                targets.append((f"purchaseInvoices({work.draft_id})/purchaseInvoiceLines({line['id']})", wanted))
                owners.append(work)
        for index, message in set_dimensions(self.bc, targets).items():
            failed.setdefault(id(owners[index]), message)
        if not failed:
            return created
        bad = [w for w in created if id(w) in failed]
        self._delete_drafts([{"id": w.draft_id, "@odata.etag": "*"} for w in bad])
        for work in bad:
            events.append(work.task.event("rejected", reason=f"nav_write_failed: {failed[id(work)]}"))
        return [w for w in created if id(w) not in failed]

    def _recheck_created(self, uncertain: list[_Work], created: list[_Work]) -> list[_Work]:
        if not uncertain:
            return []
        found = purchase_invoices_by_vendor_invoice_number(
            self.bc, [w.document.external_document_number for w in uncertain]
        )
        again = []
        for work in uncertain:
            drafts = [i for i in self._matches(found, work.document) if not is_posted(i)]
            matching = self._matching_drafts(drafts, work.document)
            self._delete_drafts(matching[1:])  # copies this run made while answers were lost
            if matching:
                work.drafted(matching[0])
                created.append(work)
            else:
                again.append(work)
        return again

    def _post(self, works: list[_Work], events: list[AuditEvent], high_water: int) -> None:
        if not works:
            return
        operations = [BatchOperation("POST", f"purchaseInvoices({w.draft_id})/Microsoft.NAV.post") for w in works]
        failed_drafts: list[dict[str, Any]] = []
        for work, outcome in zip(works, self._run_batches(operations), strict=True):
            if not refused(outcome):
                continue  # posted, or unknown: the confirmation read below decides
            failed_drafts.append({"id": work.draft_id})
            events.append(self._refusal_event(work, outcome.error.message))
        failed_ids = {d["id"] for d in failed_drafts}
        # A draft BC refused to post would be posted by a later rerun once fixed in NAV — or post twice if the
        # record changed. Delete it so that NAV holds nothing half-done; the rejection says why.
        self._delete_drafts(failed_drafts)
        self._confirm([w for w in works if w.draft_id not in failed_ids], events, high_water)

    def _read_back(self, works: list[_Work]) -> dict[str, list[dict[str, Any]]]:
        """What NAV now holds for these drafts, by vendor invoice number. A post (or any change) only moves an
        invoice's lastModifiedDateTime forward, so every draft, posted or not, is among the invoices stamped since
        the earliest stamp seen on them: one range read. A draft it does not show (stamped by a server whose clock
        lags, or deleted meanwhile) is looked up by number, as is every draft when a stamp is unknown."""
        stamps = [w.seen_modified_at for w in works]
        if any(stamp is None for stamp in stamps):
            return purchase_invoices_by_vendor_invoice_number(
                self.bc, [w.document.external_document_number for w in works]
            )
        found = purchase_invoices_modified_since(self.bc, min(s for s in stamps if s is not None))
        unseen = [w.document.external_document_number for w in works if not self._matches(found, w.document)]
        if unseen:
            for number, invoices in purchase_invoices_by_vendor_invoice_number(self.bc, unseen).items():
                known = {str(i.get("id")) for i in found.get(number, [])}
                found.setdefault(number, []).extend(i for i in invoices if str(i.get("id")) not in known)
        return found

    @staticmethod
    def _refusal_event(work: _Work, message: str) -> AuditEvent:
        """BC refused to post the draft (which is then deleted). Purch.-Post's own duplicate check ("Purchase Invoice
        %1 already exists for this vendor.") means the invoice is already in NAV: a duplicate, not a failure."""
        if ALREADY_EXISTS in message:
            return work.task.event(
                "skipped_duplicate",
                reason=f"already_posted_in_nav: NAV refused to post vendor invoice number "
                f"{work.document.external_document_number} for vendor {work.document.vendor_number} a second time "
                f"({message}); the draft was deleted",
            )
        return work.task.event("rejected", reason=f"nav_posting_failed: {message}")

    def _confirm(self, works: list[_Work], events: list[AuditEvent], high_water: int, attempt: int = 1) -> None:
        if not works:
            return
        # The invoices' new state and the G/L entries posted since the high-water mark, read side by side.
        found, entries = concurrently(
            self.bc, lambda: self._read_back(works), lambda: gl_entries_after(self.bc, high_water, ())
        )
        self.mark.advance(entries)
        posted_numbers: dict[str, str] = {}
        unposted: list[_Work] = []
        for work in works:
            posted = [i for i in self._matches(found, work.document) if is_posted(i)]
            if posted:
                posted_numbers[work.document.invoice_id] = str(posted[0].get("number") or "")
            else:
                unposted.append(work)
        for work in works:
            number = posted_numbers.get(work.document.invoice_id)
            if number is None:
                continue
            events.append(
                work.task.event(
                    "posted", document_number=number, entries=entry_numbers(entries.get(number.upper(), []))
                )
            )
        if unposted:
            if attempt >= WRITE_ATTEMPTS:
                raise BCError(
                    f"{len(unposted)} purchase invoice(s) are still drafts after posting (e.g. vendor invoice number "
                    f"{unposted[0].document.external_document_number}); stopping before confirming them"
                )
            # The post's response was lost and it did not happen: post those drafts again.
            operations = [
                BatchOperation("POST", f"purchaseInvoices({w.draft_id})/Microsoft.NAV.post") for w in unposted
            ]
            retry: list[_Work] = []
            for work, outcome in zip(unposted, self._run_batches(operations), strict=True):
                if refused(outcome):
                    events.append(self._refusal_event(work, outcome.error.message))
                    self._delete_drafts([{"id": work.draft_id}])
                else:
                    retry.append(work)
            self._confirm(retry, events, high_water, attempt + 1)


class DryRunPurchaseInvoicePoster(PurchaseInvoicePoster):
    """Looks up and classifies like a real run, then records what it would write; writes nothing."""

    def reported(self, event: AuditEvent) -> AuditEvent:
        return as_dry_run(event)

    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        if not tasks:
            return
        plan, decided = self._plan(tasks)
        events.extend(as_dry_run(event) for event in decided)
        events.extend(as_dry_run(withdrawal.event(done=False)) for withdrawal in plan.withdrawals)
        for work in plan.to_create + plan.to_post:
            verb = "would_post_draft" if work.draft_id else "would_create_and_post"
            if not self.post_documents:
                verb = "would_create_draft"
            events.append(
                work.task.event(
                    "dry_run",
                    reason=f"{verb}: purchase invoice for vendor {work.document.vendor_number}, vendor invoice "
                    f"number {work.document.external_document_number}, {len(work.document.lines)} line(s)",
                )
            )
