"""What the user sees while a sync runs: a status line every few seconds, rejects and warnings as they happen."""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from stampli_nav_runner.sync_counters import SyncCounters

# Audit actions worth a line of their own while a sync runs; routine ones only show up in the counts.
NOTABLE_ACTIONS = {"rejected", "reversed", "vendor_created"}
MAX_EVENT_LINES_PER_RUN = 25


class ProgressReporter(Protocol):
    def run_started(self, connection: str, run_id: str, description: str) -> None: ...
    def phase(self, text: str) -> None: ...
    def tick(self, counters: SyncCounters) -> None: ...
    def audit_event(self, event: dict[str, Any]) -> None: ...
    def connector_log(self, role: str, level: str, text: str) -> None: ...
    def run_finished(self, summary_lines: list[str]) -> None: ...
    def note(self, text: str) -> None: ...


class SilentProgress:
    def run_started(self, connection: str, run_id: str, description: str) -> None:
        pass

    def phase(self, text: str) -> None:
        pass

    def tick(self, counters: SyncCounters) -> None:
        pass

    def audit_event(self, event: dict[str, Any]) -> None:
        pass

    def connector_log(self, role: str, level: str, text: str) -> None:
        pass

    def run_finished(self, summary_lines: list[str]) -> None:
        pass

    def note(self, text: str) -> None:
        pass


def format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in sorted(counts.items())) or "none"


class ConsoleProgress:
    """Plain lines (no terminal tricks) so the output reads the same in a terminal, a log file or CI."""

    def __init__(self, out: TextIO | None = None, interval_seconds: float = 2.0) -> None:
        self.out = out or sys.stdout
        self.interval_seconds = interval_seconds
        self._lock = threading.Lock()
        self._last_tick = 0.0
        self._last_line = ""
        self._prefix = ""
        self._event_lines = 0

    def _print(self, text: str) -> None:
        with self._lock:
            stamp = datetime.now(UTC).strftime("%H:%M:%S")
            print(f"{stamp} {self._prefix}{text}", file=self.out, flush=True)

    def run_started(self, connection: str, run_id: str, description: str) -> None:
        self._prefix = f"[{connection}] "
        self._event_lines = 0
        self._last_line = ""
        self._print(f"{description} (run {run_id})")

    def phase(self, text: str) -> None:
        self._print(text)

    def tick(self, counters: SyncCounters) -> None:
        now = time.monotonic()
        if now - self._last_tick < self.interval_seconds or not (counters.records or counters.actions):
            return
        self._last_tick = now
        parts = [f"{counters.records:,} records ({format_counts(dict(counters.records_by_stream))})"]
        parts.append(f"state {counters.states_confirmed}/{counters.states_emitted} confirmed")
        if counters.actions:
            parts.append(format_counts(dict(counters.actions)))
        line = " · ".join(parts)
        if line != self._last_line:
            self._last_line = line
            self._print(f"  … {line}")

    def _limited(self, text: str) -> None:
        self._event_lines += 1
        if self._event_lines <= MAX_EVENT_LINES_PER_RUN:
            self._print(text)
        elif self._event_lines == MAX_EVENT_LINES_PER_RUN + 1:
            self._print("  (more events in the run's logs; `stampli-nav audit <invoice id>` shows any one)")

    def audit_event(self, event: dict[str, Any]) -> None:
        action = event.get("action")
        if action not in NOTABLE_ACTIONS:
            return
        detail = event.get("reason") or event.get("nav_document_number") or ""
        self._limited(f"  {action:>14} {event.get('stream', '')} {event.get('key', '')}  {detail}")

    def connector_log(self, role: str, level: str, text: str) -> None:
        self._limited(f"  {role} {level.lower()}: {text[:300]}")

    def run_finished(self, summary_lines: list[str]) -> None:
        for line in summary_lines:
            self._print(line)

    def note(self, text: str) -> None:
        self._print(text)


class QuietProgress(SilentProgress):
    """`--quiet`: only each run's closing summary and scheduler notes (a failure is never silent)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def run_finished(self, summary_lines: list[str]) -> None:
        print("\n".join(summary_lines), file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.out, flush=True)
