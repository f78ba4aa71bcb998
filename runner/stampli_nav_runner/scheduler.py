"""`sync --every 15m`: one sync per tick, never two at once, failures retried at the next tick.

Ticks are anchored on the first start (10:00, 10:15, 10:30 …) rather than on the end of the previous sync, so the
cadence does not drift; a sync that overruns its slot skips the ticks it covered instead of queuing them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from stampli_nav_runner.connection import Connection
from stampli_nav_runner.progress import ProgressReporter
from stampli_nav_runner.sync_run import SyncResult, SyncRunner


def next_tick(first_start: float, interval: float, now: float) -> float:
    """The first tick strictly after `now` on the grid first_start + k·interval."""
    elapsed_ticks = int((now - first_start) // interval) + 1
    return first_start + elapsed_ticks * interval


def run_every(
    runner: SyncRunner,
    connection: Connection,
    interval_seconds: float,
    stop: threading.Event,
    reporter: ProgressReporter,
    max_runs: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[SyncResult]:
    results: list[SyncResult] = []
    first_start = clock()
    tick = first_start
    while not stop.is_set():
        delay = tick - clock()
        if delay > 0 and stop.wait(delay):
            break
        started = clock()
        try:
            result = runner.run(connection)
        except Exception as exc:  # a bug or an environment failure must not end a long-running schedule
            reporter.note(f"sync crashed: {type(exc).__name__}: {exc}; retrying at the next tick")
        else:
            results.append(result)
            if not result.succeeded and result.status != "stopped":
                reporter.note("sync failed; it will be retried at the next tick (state only moves on confirmed data)")
        if max_runs is not None and len(results) >= max_runs:
            break
        tick = next_tick(first_start, interval_seconds, clock())
        skipped = int((clock() - started) // interval_seconds)
        if skipped:
            reporter.note(f"the sync took longer than the interval; skipped {skipped} tick(s)")
        if not stop.is_set():
            wall = datetime.now(UTC) + timedelta(seconds=max(0.0, tick - clock()))
            reporter.note(f"next sync at {wall:%H:%M:%S} UTC (Ctrl-C to stop)")
    return results
