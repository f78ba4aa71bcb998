"""What a client spent against BC's limits (6,000 requests / 5 min / user online), for run summaries."""

from __future__ import annotations

import threading
from collections import Counter


class ApiUsage:
    """Thread-safe counters. An *operation* is what BC's rate limit counts: one per HTTP request, except a
    `$batch`, which counts one per inner request. Every attempt that reached the server counts, retries too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._by_method: Counter[str] = Counter()
        self._in_flight = 0
        self._max_in_flight = 0

    def record_request(self, method: str, operations: int) -> None:
        with self._lock:
            self._counts["http_requests"] += 1
            self._counts["operations"] += operations
            self._by_method[method] += 1

    def record(self, counter: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[counter] += amount

    def enter_flight(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def leave_flight(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def snapshot(self) -> dict[str, int | dict[str, int]]:
        """`{"http_requests", "operations", "retries", "throttled", "server_busy", "auth_retries",
        "token_requests", "batch_requests", "max_in_flight", "by_method": {...}}` — all counters, zeros included."""
        with self._lock:
            keys = (
                "http_requests",
                "operations",
                "retries",
                "throttled",
                "server_busy",
                "transport_errors",
                "auth_retries",
                "token_requests",
                "batch_requests",
            )
            result: dict[str, int | dict[str, int]] = {key: self._counts[key] for key in keys}
            # Counters only some clients have (NavPageClient's "ntlm_handshakes"), once they are non-zero.
            result.update({key: value for key, value in self._counts.items() if key not in result and value})
            result["max_in_flight"] = self._max_in_flight
            result["by_method"] = dict(self._by_method)
            return result
