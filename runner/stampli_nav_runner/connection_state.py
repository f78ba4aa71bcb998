"""The state of one connection: the STATE messages the destination confirmed, merged per stream.

Only what the destination echoed is ever stored, so the next sync starts after the last record that is durably in
NAV (or on SFTP), never after one that merely left the source. Every update replaces the file atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from stampli_nav_runner.airbyte_messages import clean_state, state_slot
from stampli_nav_runner.atomic_files import read_json, write_json_atomic


class ConnectionState:
    def __init__(self, messages: Iterable[Mapping[str, Any]] = ()) -> None:
        self._slots: dict[str, dict[str, Any]] = {}
        for message in messages:
            self.apply(message)

    def apply(self, state: Mapping[str, Any]) -> None:
        """A newer STREAM state replaces that stream's; a GLOBAL or LEGACY state replaces everything."""
        slot = state_slot(state)
        if not slot.startswith("stream:"):
            self._slots.clear()
        self._slots[slot] = clean_state(state)

    def without_streams(self, stream_names: Iterable[str]) -> ConnectionState:
        dropped = {f"stream:{name}" for name in stream_names}
        return ConnectionState(message for slot, message in self._slots.items() if slot not in dropped)

    def messages(self) -> list[dict[str, Any]]:
        return [self._slots[slot] for slot in sorted(self._slots)]

    def stream_names(self) -> list[str]:
        return sorted(slot.removeprefix("stream:") for slot in self._slots if slot.startswith("stream:"))

    def __bool__(self) -> bool:
        return bool(self._slots)

    @classmethod
    def load(cls, path: Path) -> ConnectionState:
        messages = read_json(path, default=[])
        if not isinstance(messages, list):
            raise ValueError(f"{path} does not hold a list of Airbyte STATE messages")
        return cls(messages)

    def save(self, path: Path) -> None:
        write_json_atomic(path, self.messages())
