"""Turning bursts of notifications into one sync request, on a worker thread (the HTTP handler never waits).

After the first notification the worker waits until `quiet_seconds` pass without another one (BC already
coalesces changes for ~30 s, and a user editing several vendors sends several batches), but never longer than
`max_wait_seconds` after the first. Then it calls `fire()`:
- "started" (or "failed": a setup error a person must fix, logged) ends the burst;
- "busy" (a sync is running and may have started before the change) and "retry" (Airbyte unreachable) try again
  after `retry_seconds`, as long as needed: a change must not be dropped because Airbyte was busy.
Notifications that arrive while a request is being retried join it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from webhook_receiver.airbyte_api import TriggerResult

logger = logging.getLogger("webhook_receiver")


@dataclass
class DebounceStats:
    notifications: int = 0
    triggers: int = 0
    started: int = 0
    busy: int = 0
    retries: int = 0
    failed: int = 0


class Debouncer:
    def __init__(
        self,
        fire: Callable[[], TriggerResult],
        *,
        quiet_seconds: float = 30.0,
        max_wait_seconds: float = 120.0,
        retry_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fire = fire
        self.quiet_seconds = quiet_seconds
        self.max_wait_seconds = max_wait_seconds
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._condition = threading.Condition()
        self._first: float | None = None  # first notification of the pending burst
        self._last: float | None = None
        self._retry_at: float | None = None
        self._stopping = False
        self.stats = DebounceStats()
        self._thread = threading.Thread(target=self._run, name="webhook-debouncer", daemon=True)

    def start(self) -> Debouncer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout)

    def notify(self, count: int = 1) -> None:
        """Record `count` authentic notifications; returns at once."""
        with self._condition:
            now = self._clock()
            self.stats.notifications += count
            if self._first is None:
                self._first = now
            self._last = now
            self._condition.notify_all()

    @property
    def pending(self) -> bool:
        with self._condition:
            return self._first is not None

    def _due(self) -> float | None:
        """When the pending burst should fire (monotonic seconds), or None when nothing is pending."""
        if self._first is None or self._last is None:
            return None
        due = min(self._last + self.quiet_seconds, self._first + self.max_wait_seconds)
        if self._retry_at is not None:
            due = max(due, self._retry_at)
        return due

    def _run(self) -> None:
        while True:
            with self._condition:
                while True:
                    if self._stopping:
                        return
                    due = self._due()
                    now = self._clock()
                    if due is not None and now >= due:
                        break
                    self._condition.wait(timeout=None if due is None else max(0.01, due - now))
                fired_at = self._clock()
            try:
                result = self._fire()
            except Exception as error:  # never let the worker die: the next notification must still fire
                logger.exception("Sync request crashed")
                result = TriggerResult("retry", f"{type(error).__name__}")
            self._after(result, fired_at)

    def _after(self, result: TriggerResult, fired_at: float) -> None:
        with self._condition:
            self.stats.triggers += 1
            if result.outcome in ("started", "failed"):
                if result.outcome == "started":
                    self.stats.started += 1
                    logger.info("Sync requested: %s", result.detail)
                else:
                    self.stats.failed += 1
                    logger.error("Sync request failed and will not be retried: %s", result.detail)
                if self._last is not None and self._last > fired_at:
                    # Notifications arrived while the request was in flight: they form the next burst.
                    self._first = self._last
                else:
                    self._first = self._last = None
                self._retry_at = None
                return
            if result.outcome == "busy":
                self.stats.busy += 1
            else:
                self.stats.retries += 1
            self._retry_at = self._clock() + self.retry_seconds
            logger.warning("Sync not started (%s); trying again in %.0f s", result.detail, self.retry_seconds)
