"""One runner per connection: an advisory `flock` on <runs dir>/<connection>/lock.

The kernel drops the lock when the process dies, so a crashed runner never leaves a stale lock behind. The file
holds the owner's pid only to name it in the error message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class ConnectionLockedError(Exception):
    """Another runner holds the connection's lock."""


class ConnectionLock:
    def __init__(self, path: Path, connection: str, kind: str = "connection") -> None:
        self.path = path
        self.connection = connection
        self.kind = kind
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ConnectionLockedError(
                f"{self.kind} {self.connection!r} is in use by another stampli-nav process (pid {owner}); "
                f"one at a time — wait for it or stop it ({self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ConnectionLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()
