"""The audit trail (docs/internal-contracts.md §2): one structured LOG line per record, one summary per run.

A controller asking "what happened to invoice X?" finds one line with the file and rows it came from, what the
connector did, the NAV document and entry numbers, and the reason when it did not post.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, Level, Type

from stampli_nav_events import AUDIT_EVENT, NAV_ACTIONS, SUMMARY_EVENT, NavAction
from stampli_nav_events.record_fields import RecordFields

Action = NavAction  # the vocabulary lives in stampli_nav_events (one place for every connector and the runner)
ACTIONS: tuple[Action, ...] = NAV_ACTIONS


@dataclass(frozen=True)
class RecordOrigin:
    """Where a record came from: its stream and key, and the export file, rows and content hash."""

    stream: str
    key: str | None
    source_file: str | None = None
    source_rows: tuple[int, ...] = ()
    record_hash: str | None = None

    @classmethod
    def of(cls, stream: str, key_field: str | None, data: Mapping[str, Any]) -> RecordOrigin:
        # Read as records must be tolerated (any case, JSON text for the rows): stampli_nav_events.record_fields.
        data = RecordFields(data, structured=("_stampli_source_rows",))
        key = data.get(key_field) if key_field else None
        rows = data.get("_stampli_source_rows") or ()
        return cls(
            stream=stream,
            key=None if key is None else str(key),
            source_file=data.get("_ab_source_file_url"),
            source_rows=tuple(r for r in rows if isinstance(r, int)) if isinstance(rows, list) else (),
            record_hash=data.get("_stampli_record_hash"),
        )


@dataclass(frozen=True)
class AuditEvent:
    origin: RecordOrigin
    action: Action
    nav_document_number: str | None = None
    nav_entry_numbers: tuple[int, ...] = ()
    amount: Decimal | None = None
    vendor: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": AUDIT_EVENT,
            "stream": self.origin.stream,
            "key": self.origin.key,
            "action": self.action,
            "source_file": self.origin.source_file,
            "source_rows": list(self.origin.source_rows),
            "record_hash": self.origin.record_hash,
            "nav_document_number": self.nav_document_number,
            "nav_entry_numbers": list(self.nav_entry_numbers),
            "amount": None if self.amount is None else format(self.amount, "f"),
            "vendor": self.vendor,
            "reason": self.reason,
        }


def log_message(payload: Mapping[str, Any], *, level: Level = Level.INFO) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.LOG, log=AirbyteLogMessage(level=level, message=orjson.dumps(payload).decode("utf-8"))
    )


@dataclass
class AuditTrail:
    """Collects the run's counts while turning events into Airbyte LOG messages."""

    counts: Counter[str] = field(default_factory=Counter)
    ignored_streams: Counter[str] = field(default_factory=Counter)

    def message(self, event: AuditEvent) -> AirbyteMessage:
        self.counts[event.action] += 1
        level = Level.WARN if event.action == "rejected" else Level.INFO
        return log_message(event.as_dict(), level=level)

    def messages(self, events: Sequence[AuditEvent]) -> list[AirbyteMessage]:
        return [self.message(event) for event in events]

    def summary(self, api_usage: Mapping[str, Any], **extra: Any) -> AirbyteMessage:
        payload: dict[str, Any] = {
            "event": SUMMARY_EVENT,
            "counts": {action: self.counts.get(action, 0) for action in ACTIONS},
            "api": dict(api_usage),
        }
        if self.ignored_streams:
            payload["ignored_streams"] = dict(self.ignored_streams)
        payload.update(extra)
        return log_message(payload)
