"""Post with Job Queue: General Ledger Setup "Post with Job Queue" makes a journal post schedule, not post.

Gen. Jnl.-Post (BaseApp GenJnlPost.Codeunit.al, Code) enqueues one job per Document No. through Gen. Jnl.-Post via
Job Queue (GenJnlPostviaJobQueue.Codeunit.al, EnqueueGenJrnlLineWithUI) and the API's post action answers 204.
The job runs later in a background session (here: once `job_queue_delay_s` has passed on the emulator's clock,
checked at the start of every API request, or at once through POST /_emulator/job-queue/run); it posts that
document alone, or leaves its lines with Job Queue Status = Error.

The API v2.0 journalLines page does not show "Job Queue Status", so the status lives in a hidden field.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bc_emulator import errors, posting
from bc_emulator.clock import format_datetime, parse_datetime
from bc_emulator.ids import new_id
from bc_emulator.store import CompanyData, Store, Transaction

if TYPE_CHECKING:
    from bc_emulator.settings import EmulatorSettings

# BaseApp DocumentJobQueueStatus.Enum.al
BLANK, SCHEDULED, POSTING, ERROR = " ", "Scheduled for Posting", "Posting", "Error"
ENTRIES = "jobQueueEntries"  # company setup key: the pending and failed job queue entries (rolled back with txns)

# GenJournalLine.Table.al WrongJobQueueStatus (CheckJobQueueStatus in OnModify/OnDelete/OnRename).
LINE_SCHEDULED = "Journal line cannot be modified because it has been scheduled for posting."
# GenJnlPostviaJobQueue.Codeunit.al WrongJobQueueStatus (EnqueueGenJrnlLineWithUI).
ALREADY_SCHEDULED = (
    "Journal lines cannot be posted because they have already been scheduled for posting. Choose the Remove from "
    "Job Queue action to reset the job queue status and then post again."
)


def status_of(line: dict[str, Any]) -> str:
    return str(line.get("jobQueueStatus") or BLANK)


def check_line_changeable(line: dict[str, Any]) -> None:
    """GenJournalLine.Table.al CheckJobQueueStatus: only blank or Error lines may be modified or deleted."""
    if status_of(line) not in (BLANK, ERROR):
        raise errors.dialog(LINE_SCHEDULED)


def enqueue_journal(txn: Transaction, company: CompanyData, journal: dict[str, Any], delay_s: float) -> int:
    """Gen. Jnl.-Post with "Post with Job Queue": one job queue entry per document number; returns how many."""
    lines = company.table("journalLines").find(("journalId",), journal["id"])
    if not lines:
        raise errors.dialog("There is nothing to post.")  # APIV2Journals.Page.al PostBatch ThereIsNothingToPostErr
    by_document: dict[str, list[dict[str, Any]]] = {}
    for line in sorted(lines, key=lambda r: (r["documentNumber"], r["lineNumber"])):
        by_document.setdefault(line["documentNumber"], []).append(line)
    entries = list(company.setup.get(ENTRIES, []))
    due = format_datetime(txn.now() + timedelta(seconds=delay_s))
    for document_number, document_lines in by_document.items():
        # EnqueueGenJrnlLineWithUI tests the document's first line; one already queued fails the whole post.
        if status_of(document_lines[0]) not in (BLANK, ERROR):
            raise errors.dialog(ALREADY_SCHEDULED)
        entry_id = new_id()
        entries = [e for e in entries if not _same_document(e, journal["id"], document_number)]
        entries.append(
            {
                "id": entry_id,
                "journalId": journal["id"],
                "documentNumber": document_number,
                "earliestStart": due,
                "status": "Ready",
                "error": "",
            }
        )
        for line in document_lines:
            txn.update(company, "journalLines", {**line, "jobQueueStatus": SCHEDULED, "jobQueueEntryId": entry_id})
    txn.set_setup(company, ENTRIES, entries)
    return len(by_document)


def _same_document(entry: dict[str, Any], journal_id: str, document_number: str) -> bool:
    return entry["journalId"] == journal_id and entry["documentNumber"] == document_number


class JobQueue:
    """Runs due job queue entries of every company (the emulator's stand-in for BC's background sessions)."""

    def __init__(self, store: Store, settings: EmulatorSettings) -> None:
        self.store = store
        self.settings = settings
        self._running = threading.Lock()

    def run_due(self, *, everything: bool = False) -> int:
        """Run the entries whose earliest start has passed (all Ready ones with `everything`); returns how many."""
        if not any(company.setup.get(ENTRIES) for company in self.store.companies.values()):
            return 0  # the common case: nothing queued, nothing locked
        if not self._running.acquire(blocking=False):
            return 0  # another request is running them already
        try:
            ran = 0
            now = self.store.clock.now()
            with self.store.lock:
                for company in list(self.store.companies.values()):
                    for entry in list(company.setup.get(ENTRIES, [])):
                        if entry["status"] != "Ready":
                            continue
                        if not everything and parse_datetime(entry["earliestStart"]) > now:
                            continue
                        self._run(company, entry)
                        ran += 1
            return ran
        finally:
            self._running.release()

    def _run(self, company: CompanyData, entry: dict[str, Any]) -> None:
        """GenJnlPostviaJobQueue.Codeunit.al OnRun: post the document's lines with Gen. Jnl.-Post Batch; on an error
        the lines get Job Queue Status = Error (and may be changed or posted again) and the entry keeps the error."""
        with self.store.transaction() as txn:
            journal = company.table("journals").get(entry["journalId"])
            try:
                if journal is None:
                    raise errors.dialog("The Gen. Journal Batch does not exist.")
                posting.post_journal(txn, company, journal, entry["documentNumber"])
            except errors.ApiError as error:
                txn.rollback()
                self._fail(txn, company, entry, error.message)
                return
            remaining = [e for e in company.setup.get(ENTRIES, []) if e["id"] != entry["id"]]
            txn.set_setup(company, ENTRIES, remaining)

    @staticmethod
    def _fail(txn: Transaction, company: CompanyData, entry: dict[str, Any], message: str) -> None:
        lines = company.table("journalLines").find(
            ("journalId", "documentNumber"), entry["journalId"], entry["documentNumber"]
        )
        for line in lines:
            txn.update(company, "journalLines", {**line, "jobQueueStatus": ERROR})
        entries = [
            {**e, "status": "Error", "error": message} if e["id"] == entry["id"] else e
            for e in company.setup.get(ENTRIES, [])
        ]
        txn.set_setup(company, ENTRIES, entries)
