"""What every fault-matrix cell checks, and a way to act at the moment a fault fires.

A cell passes when the run with the fault either completes correctly, or fails with a clear error leaving a state
from which the next run (fault gone) completes correctly — and NAV's books then hold every approved invoice
exactly once, balanced, nothing else, and nothing half-written in the journal batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bc_emulator import EmulatorServer
from reliability_harness.inprocess import InProcessConnection, SyncOutcome
from reliability_harness.ledger import Books, duplicate_problems, posting_problems


@dataclass
class CellResult:
    runs: list[SyncOutcome] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)  # fault rule -> times fired, before the faults were lifted

    @property
    def first(self) -> SyncOutcome:
        return self.runs[0]

    @property
    def last(self) -> SyncOutcome:
        return self.runs[-1]


def books_problems(emulator: EmulatorServer, expected: Mapping[str, Decimal]) -> list[str]:
    books = Books.of(emulator)
    problems = posting_problems(books, expected)
    stray = sorted({str(line.get("documentNumber")) for line in books.journal_lines})
    if stray:
        problems.append(f"journal lines left unposted for {', '.join(stray)}")
    drafts = sorted(str(p.get("vendorInvoiceNumber")) for p in books.draft_purchase_invoices)
    if drafts:
        problems.append(f"draft purchase invoices left unposted: {', '.join(drafts)}")
    return problems


def run_cell(
    connection: InProcessConnection,
    emulator: EmulatorServer,
    expected: Mapping[str, Decimal],
    *,
    clear_faults: Callable[[], None] | None = None,
    clear_words: tuple[str, ...] = (),
) -> CellResult:
    """Sync with the fault in place; if that fails, check the error names the problem, lift the fault, sync again.

    `clear_words`: what a failure message must contain (lower-case match) to count as a clear error.
    """
    result = CellResult([connection.sync()])
    first = result.first
    if not first.succeeded:
        text = first.error_text().lower()
        missing = [word for word in clear_words if word.lower() not in text]
        assert not missing, f"unclear error (missing {missing}): {first.error_text()}"
        assert duplicate_problems(Books.of(emulator)) == [], "a failed run posted something twice"
    result.fired = fired(emulator)
    (clear_faults or emulator.faults.clear)()
    if not first.succeeded:
        result.runs.append(connection.sync())
    assert result.last.succeeded, f"the run after the fault did not complete: {result.last.error_text()}"
    problems = books_problems(emulator, expected)
    assert problems == [], "NAV's books are wrong:\n  " + "\n  ".join(problems)
    return result


def when_fired(
    emulator: EmulatorServer, rule_id: int, action: Callable[[], None], timeout: float = 60.0
) -> threading.Thread:
    """Run `action` (in a watcher thread) as soon as fault rule `rule_id` has fired — e.g. while a latency fault
    holds a request, change data behind the API's back or revoke every token."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rule = next((r for r in emulator.faults.rules() if r.id == rule_id), None)
            if rule is None:
                return
            if rule.fired:
                action()
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, name=f"when-fired-{rule_id}", daemon=True)
    thread.start()
    return thread


def fired(emulator: EmulatorServer) -> dict[str, int]:
    """How often each rule fired, by route/kind (to prove the fault really happened)."""
    return {f"{r.kind}:{r.status or ''}:{r.route}": r.fired for r in emulator.faults.rules()}
