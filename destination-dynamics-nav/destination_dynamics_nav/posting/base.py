"""The posting strategy interface: one flush of validated invoices in, one audit event per invoice out.

Both strategies follow the same exactly-once recipe, because BC has no idempotency key:
look up what NAV holds for the flush's deterministic keys → skip what is posted, clean up what is half-written →
write the rest in as few requests as the API allows → post → confirm by reading the ledger back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from bc_client import (
    ApplicationError,
    BadRequestError,
    BatchResult,
    BCError,
    InternalError,
    WriteOutcomeUnknownError,
)
from destination_dynamics_nav.audit import Action, AuditEvent, RecordOrigin
from destination_dynamics_nav.mapping import PostingDocument
from destination_dynamics_nav.outcomes import Problem, reason_of
from destination_dynamics_nav.posting.overlap import FlushTail

TaskKind = Literal["post", "reverse"]
# Answers that are the server's or the connection's trouble, not the record's: they fail the sync (a rerun retries).
SYSTEM_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class InvoiceTask:
    """One validated invoice to post, or to reverse (`document` is then the original invoice's document)."""

    origin: RecordOrigin
    kind: TaskKind
    document: PostingDocument
    # A voided invoice that does not validate can still be withdrawn or found never posted; it cannot be reversed.
    problems: tuple[Problem, ...] = ()

    @property
    def cannot_reverse_reason(self) -> str:
        return (
            "cannot_reverse: the voided invoice does not describe a valid document (" + reason_of(self.problems) + ")"
        )

    def event(
        self,
        action: Action,
        *,
        document_number: str | None = None,
        entries: Sequence[int] = (),
        reason: str | None = None,
        amount: Decimal | None = None,
    ) -> AuditEvent:
        return AuditEvent(
            origin=self.origin,
            action=action,
            nav_document_number=document_number,
            nav_entry_numbers=tuple(sorted(entries)),
            amount=self.document.total if amount is None else amount,
            vendor=self.document.vendor_number,
            reason=reason,
        )


def entry_numbers(entries: Sequence[dict[str, Any]]) -> list[int]:
    return sorted(int(e["entryNumber"]) for e in entries if e.get("entryNumber") is not None)


def debit_total(entries: Sequence[dict[str, Any]]) -> Decimal:
    """The debit side of posted G/L entries: equals the invoice total whatever VAT split BC applied."""
    return sum((Decimal(str(e.get("debitAmount") or 0)) for e in entries), Decimal("0"))


def as_dry_run(event: AuditEvent) -> AuditEvent:
    """What a dry run reports for a decision a real run would act on: everything but an ignore or a reject is
    `dry_run` (the reason says what would happen)."""
    return event if event.action in ("ignored", "rejected") else replace(event, action="dry_run")


class InvoicePoster(ABC):
    """A posting mode. Each has a dry-run twin that looks everything up the same way and records, not writes.

    A poster may leave the tail of a flush (post, confirm) running in the background (`tail`) while the writer
    prepares the next flush; `finish` joins it and must be called before a STATE is confirmed.
    """

    _tail: FlushTail | None = None

    @property
    def tail(self) -> FlushTail:
        if self._tail is None:
            self._tail = FlushTail()
        return self._tail

    def reported(self, event: AuditEvent) -> AuditEvent:
        """A decision made before the poster (an invoice already posted by hand) as this poster reports it: as it
        is, or as `dry_run` by a dry-run twin."""
        return event

    def settle(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        """Wait for the running tail if it still changes something these tasks are about (by their numbers)."""
        keys = [k for t in tasks for k in (t.document.document_number, t.document.external_document_number) if k]
        if self.tail.touches(keys):
            self.tail.join(events)

    def finish(self, events: list[AuditEvent]) -> None:
        """Complete the work still running; append its events (raises its failure)."""
        self.tail.join(events)

    def close(self) -> None:
        self.tail.close()

    @abstractmethod
    def prepare(self) -> None:
        """Make sure the target exists (e.g. the journal batch); called once per sync before the first flush."""

    @abstractmethod
    def process(self, tasks: Sequence[InvoiceTask], events: list[AuditEvent]) -> None:
        """Bring NAV to the state where every task is done exactly once; append one event per task to `events`.

        Events are appended as soon as an outcome is durable, so that if a later step raises, what already
        happened is still reported.
        """


def outcome_unknown(result: BatchResult) -> bool:
    """The $batch request carrying this operation was sent but its answer was lost: look it up, never resend."""
    return isinstance(result.error, WriteOutcomeUnknownError)


def refused(result: BatchResult) -> bool:
    """BC answered this operation with a business error (the record's fault, not the connection's).

    Operations without an answer (status 0), refused for load (429/502/503/504, after the client's retries) or
    failed inside the server (500) are not the record's fault: they raise, the sync fails, a rerun picks them up.
    """
    if result.error is None or outcome_unknown(result):
        return False
    if result.status == 0 or result.status in SYSTEM_STATUSES:
        raise result.error
    return True


def is_business_error(error: BCError) -> bool:
    """BC refused the request for a reason in the data (4xx with a BC code), as opposed to a server failure
    (5xx, throttling, or no answer at all), which must fail the sync rather than reject a record."""
    if isinstance(error, WriteOutcomeUnknownError) or not error.status or error.status in SYSTEM_STATUSES:
        return False
    return isinstance(error, (ApplicationError, BadRequestError, InternalError)) and error.status < 500
