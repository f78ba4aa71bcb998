"""Journal posting when NAV's General Ledger Setup says "Post with Job Queue".

Then `Microsoft.NAV.post` answers 204 at once but only schedules one job per document (BaseApp Gen. Jnl.-Post →
Gen. Jnl.-Post via Job Queue); the G/L entries appear when a background session has run the job. Until then the
lines stay in the batch and NAV refuses to change, delete or post them again ("... scheduled for posting").
API v2.0 shows neither the setup switch nor the lines' Job Queue Status, so the connector recognises the mode from
what it sees: a post that answered 204 but left the documents' lines in the batch, or a post refused because lines
are already scheduled. It then waits, with a bounded backoff, and confirms a document only once its G/L entries
exist. A queued document is never deleted or posted again; one whose job failed (its lines can be deleted again,
Job Queue Status = Error) is removed from the batch and rejected, so that nothing stays half-done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.batch import BatchOperation
from bc_client.errors import BCError
from destination_dynamics_nav.lookups import gl_entries_by_document, journal_lines_by_document
from destination_dynamics_nav.posting.base import outcome_unknown

logger = logging.getLogger("airbyte")

# How long one flush waits for NAV's job queue, and the pauses between looks (doubling up to the cap).
WAIT_SECONDS = 180.0
FIRST_PAUSE_SECONDS = 0.5
MAX_PAUSE_SECONDS = 10.0

# GenJnlPostviaJobQueue.Codeunit.al WrongJobQueueStatus / GenJournalLine.Table.al WrongJobQueueStatus: both say this.
SCHEDULED_MARKER = "scheduled for posting"


def is_scheduled_refusal(error: BaseException | None) -> bool:
    """NAV refused because lines are queued for background posting (post again, modify or delete)."""
    return isinstance(error, BCError) and SCHEDULED_MARKER in error.message.casefold()


def pauses(wait_seconds: float | None = None, sleep: Callable[[float], None] = time.sleep) -> Iterator[float]:
    """Sleep with a doubling pause until the wait budget is spent; yields the seconds waited so far."""
    budget = WAIT_SECONDS if wait_seconds is None else wait_seconds
    waited, pause = 0.0, FIRST_PAUSE_SECONDS
    while waited < budget:
        step = min(pause, budget - waited)
        sleep(step)
        waited += step
        pause = min(pause * 2, MAX_PAUSE_SECONDS)
        yield waited


class JobQueueWait:
    """Waits for scheduled documents of one journal batch and sorts them into posted, failed and still queued."""

    def __init__(self, bc: BusinessCentralClient, journal_id: str, batch_name: str) -> None:
        self.bc = bc
        self.journal_id = journal_id
        self.batch_name = batch_name

    @property
    def _lines_path(self) -> str:
        return f"journals({self.journal_id})/journalLines"

    def queued(self, numbers: list[str]) -> list[str]:
        """The documents among `numbers` whose lines are still in the batch after a post that answered 204."""
        found = journal_lines_by_document(self.bc, self.journal_id, numbers)
        return [n for n in numbers if found.get(n.upper())]

    def wait(self, numbers: list[str]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
        """Wait until each document is posted or its job failed. Returns (G/L entries by document number, failed
        document → reason). Raises when documents are still queued after the wait: nothing of them is confirmed,
        and the next run recognises them in the batch and waits again."""
        logger.info(
            "NAV accepted the post of journal batch %s but scheduled %d document(s) for background posting (General "
            "Ledger Setup: Post with Job Queue); waiting up to %.0f s for their G/L entries before confirming them",
            self.batch_name,
            len(numbers),
            WAIT_SECONDS,
        )
        posted: dict[str, list[dict[str, Any]]] = {}
        failed: dict[str, str] = {}
        waiting = list(numbers)
        for waited in pauses():
            entries = gl_entries_by_document(self.bc, waiting)
            posted.update({n: entries[n.upper()] for n in waiting if entries.get(n.upper())})
            waiting = [n for n in waiting if n not in posted]
            if waiting:
                failed.update(self._failed_jobs(waiting))
                waiting = [n for n in waiting if n not in failed]
            if not waiting:
                return posted, failed
            logger.info(
                "Still waiting for NAV's job queue after %.1f s: %d document(s) scheduled (%s)",
                waited,
                len(waiting),
                ", ".join(waiting[:5]),
            )
        raise BCError(
            f"NAV's job queue has not posted {len(waiting)} document(s) of journal batch {self.batch_name} after "
            f"{WAIT_SECONDS:.0f} s ({', '.join(waiting[:10])}); they stay scheduled and are not confirmed — the next "
            "run finds them in the batch and waits for them again (check the Job Queue Entries in NAV)"
        )

    def until_postable(self, post: Callable[[], BCError | None]) -> BCError | None:
        """After NAV refused a post because documents are already scheduled (the whole post is refused, nothing
        else is scheduled by it): try again with a backoff until NAV accepts it. Returns None once posted — or once
        the queued documents have drained the batch — else the refusal that is not about the job queue."""
        logger.info(
            "Journal batch %s holds documents NAV's job queue has not posted yet; waiting up to %.0f s before posting "
            "the batch again (a queued document is never deleted or posted twice)",
            self.batch_name,
            WAIT_SECONDS,
        )
        for _ in pauses():
            if not any(True for _ in self.bc.iter_entities(self._lines_path, select=["id"], top=1)):
                return None
            error = post()
            if not is_scheduled_refusal(error):
                return error
        raise BCError(
            f"journal batch {self.batch_name} still holds documents scheduled for posting by NAV's job queue after "
            f"{WAIT_SECONDS:.0f} s; nothing new was posted — the next run waits for them again"
        )

    def _failed_jobs(self, numbers: list[str]) -> dict[str, str]:
        """Documents whose background post failed: NAV lets their lines be deleted again (Job Queue Status = Error,
        GenJournalLine.Table.al CheckJobQueueStatus), queued ones refuse. Deleting one line is the only test the API
        offers; a failed document's remaining lines are deleted too, so nothing half-posted stays behind."""
        found = journal_lines_by_document(self.bc, self.journal_id, numbers)
        failed: dict[str, str] = {}
        for number in numbers:
            lines = found.get(number.upper(), [])
            if not lines:
                continue  # posted meanwhile: its entries are read on the next look
            first, *rest = lines
            result = self.bc.batch([BatchOperation("DELETE", f"{self._lines_path}({first['id']})", etag="*")])[0]
            if outcome_unknown(result) or is_scheduled_refusal(result.error):
                continue  # still queued (or unknown: look again next round)
            if result.error is not None and result.status != 404:
                raise result.error
            if result.status == 404:
                continue
            self._delete(rest)
            failed[number] = (
                f"nav_posting_failed: NAV's job queue could not post document {number} (Job Queue Status Error; see "
                "the Job Queue Entries in NAV for BC's message); its lines were removed from the batch"
            )
        return failed

    def _delete(self, lines: list[dict[str, Any]]) -> None:
        if not lines:
            return
        operations = [BatchOperation("DELETE", f"{self._lines_path}({line['id']})", etag="*") for line in lines]
        for result in self.bc.batch(operations):
            if result.error is not None and result.status != 404 and not outcome_unknown(result):
                raise result.error
