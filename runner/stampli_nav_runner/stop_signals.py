"""Ctrl-C / SIGTERM, escalating: finish the current sync → abort it cleanly → kill the connectors.

1st signal: no new sync starts; the running one completes normally.
2nd signal: the source is ended; the destination reads end-of-input, commits what it has, echoes its last state.
3rd signal: both connectors are killed (the next sync redoes whatever was not confirmed; posting is idempotent).
Connectors run in their own process group, so the terminal's Ctrl-C reaches only the runner.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType


class StopSignals:
    def __init__(self, notify: Callable[[str], None] = print) -> None:
        self.finish_then_stop = threading.Event()
        self.abort_current = threading.Event()
        self.kill_connectors = threading.Event()
        self._notify = notify
        self._count = 0
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._count += 1
        if self._count == 1:
            self.finish_then_stop.set()
            self._notify("stop requested: finishing the current sync, then exiting (again to abort it cleanly)")
        elif self._count == 2:
            self.abort_current.set()
            self._notify(
                "aborting: ending the source; the destination commits and confirms what it has (again to kill)"
            )
        else:
            self.kill_connectors.set()
            self._notify("killing the connectors; unconfirmed records will be sent again next sync")
