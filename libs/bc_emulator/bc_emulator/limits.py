"""BC's per-user limits, scaled down: N requests processed at once (the rest queue), a bounded queue, and a
request budget per sliding window. Also the usage counters that tests and benchmarks read."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bc_emulator import errors
from bc_emulator.settings import EmulatorSettings


@dataclass
class UserUsage:
    http_requests: int = 0
    operations: int = 0  # each $batch inner request counts as one operation
    throttled: int = 0  # answered 429 by the limiter (queue full or budget spent)
    queue_timeouts: int = 0  # answered 503 after waiting too long in the queue
    in_flight: int = 0
    max_concurrency: int = 0
    waiters: deque[threading.Event] = field(default_factory=deque)
    window: deque[tuple[float, int]] = field(default_factory=deque)  # (monotonic time, operations)
    window_total: int = 0

    def snapshot(self) -> dict[str, int]:
        return {
            "http_requests": self.http_requests,
            "operations": self.operations,
            "throttled": self.throttled,
            "queue_timeouts": self.queue_timeouts,
            "in_flight": self.in_flight,
            "queued": len(self.waiters),
            "max_concurrency": self.max_concurrency,
        }


class Limiter:
    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._users: dict[str, UserUsage] = {}

    def acquire(self, user: str, operations: int) -> None:
        """Wait for a processing slot for `user` (FIFO), or raise 429/503 like BC online."""
        settings = self.settings
        with self._lock:
            usage = self._users.setdefault(user, UserUsage())
            usage.http_requests += 1
            now = time.monotonic()
            self._prune(usage, now)
            if usage.window_total + operations > settings.rate_limit_requests:
                usage.throttled += 1
                oldest = usage.window[0][0] if usage.window else now
                wait = max(1, math.ceil(oldest + settings.rate_limit_window_s - now))
                raise _throttled(wait, "The request rate limit for this user has been exceeded.")
            if usage.in_flight < settings.max_concurrent_requests and not usage.waiters:
                self._start(usage, now, operations)
                return
            if len(usage.waiters) >= settings.max_queued_requests:
                usage.throttled += 1
                raise _throttled(settings.throttle_retry_after_s, "Too many requests are queued for this user.")
            turn = threading.Event()
            usage.waiters.append(turn)
        if turn.wait(settings.queue_timeout_s):
            with self._lock:
                self._record(usage, time.monotonic(), operations)
            return
        with self._lock:
            if turn in usage.waiters:
                usage.waiters.remove(turn)
                usage.queue_timeouts += 1
                raise errors.ApiError(
                    503,
                    "ServiceUnavailable",
                    "The request waited too long in the queue of this user's requests.",
                    {"Retry-After": str(settings.throttle_retry_after_s)},
                )
            self._record(usage, time.monotonic(), operations)  # granted just as the wait timed out

    def release(self, user: str) -> None:
        with self._lock:
            usage = self._users[user]
            if usage.waiters:
                usage.waiters.popleft().set()  # hand the slot straight to the next in line
            else:
                usage.in_flight -= 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: usage.snapshot() for name, usage in self._users.items()}

    def reset(self) -> None:
        with self._lock:
            # Requests still running (or queued) keep their slots; only the counters start again.
            self._users = {
                name: UserUsage(in_flight=u.in_flight, waiters=u.waiters)
                for name, u in self._users.items()
                if u.in_flight or u.waiters
            }

    def _start(self, usage: UserUsage, now: float, operations: int) -> None:
        usage.in_flight += 1
        usage.max_concurrency = max(usage.max_concurrency, usage.in_flight)
        self._record(usage, now, operations)

    def _record(self, usage: UserUsage, now: float, operations: int) -> None:
        usage.operations += operations
        usage.window.append((now, operations))
        usage.window_total += operations
        usage.max_concurrency = max(usage.max_concurrency, usage.in_flight)

    def _prune(self, usage: UserUsage, now: float) -> None:
        horizon = now - self.settings.rate_limit_window_s
        while usage.window and usage.window[0][0] <= horizon:
            usage.window_total -= usage.window.popleft()[1]


def _throttled(retry_after: int, message: str) -> errors.ApiError:
    return errors.ApiError(429, "TooManyRequests", message, {"Retry-After": str(retry_after)})


def merge_usage(snapshots: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Per-user counters plus a total, the shape `emu.usage()` and /_emulator/usage return."""
    total: dict[str, int] = {}
    for counters in snapshots.values():
        for key, value in counters.items():
            total[key] = max(total.get(key, 0), value) if key == "max_concurrency" else total.get(key, 0) + value
    return {"users": snapshots, "total": total}
