"""Live counters of one sync, updated by the pump threads and read by the progress display."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SyncCounters:
    started_monotonic: float = field(default_factory=time.monotonic)
    phase: str = "starting"
    records_by_stream: Counter[str] = field(default_factory=Counter)
    states_emitted: int = 0
    states_confirmed: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    source_problems: int = 0

    @property
    def records(self) -> int:
        return sum(self.records_by_stream.values())

    @property
    def elapsed_seconds(self) -> float:
        return time.monotonic() - self.started_monotonic

    def snapshot(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "records": self.records,
            "records_by_stream": dict(self.records_by_stream),
            "states_emitted": self.states_emitted,
            "states_confirmed": self.states_confirmed,
            "actions": dict(self.actions),
        }
