"""A log of the API requests the emulator answered, so tests can prove what a connector did (e.g. that a resend
made no write at all). `$batch` inner operations are logged one by one, besides the `$batch` request itself."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # below the API root, e.g. "companies(<id>)/vendors" or "$batch"
    status: int
    in_batch: bool  # an inner operation of a $batch request

    @property
    def is_write(self) -> bool:
        """A request that may change data: any POST/PATCH/PUT/DELETE except the $batch envelope (its inner
        operations are logged and judged on their own)."""
        return self.method in WRITE_METHODS and self.path.strip("/") != "$batch"


class RequestLog:
    def __init__(self, limit: int = 50_000) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, method: str, path: str, status: int, *, in_batch: bool = False) -> None:
        with self._lock:
            self._entries.append(LoggedRequest(method.upper(), path, status, in_batch))

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def writes(self) -> list[LoggedRequest]:
        return [entry for entry in self.entries() if entry.is_write]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def as_json(self) -> list[dict[str, Any]]:
        return [{**asdict(entry), "is_write": entry.is_write} for entry in self.entries()]
