"""The audit trail (docs/internal-contracts.md §2): one structured LOG line per record, one summary per run.

Actions used here: `file_written` (the row is in an import file now in Stampli's inbound folder),
`skipped_duplicate` (Stampli already has this content, or it was sent and is still pending), `rejected` (the
record cannot become an import row) and `ignored` (a record of a stream the catalog does not configure).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, Level, Type

from stampli_nav_events import AUDIT_EVENT, STAMPLI_ACTIONS, SUMMARY_EVENT, StampliAction

Action = StampliAction  # the vocabulary lives in stampli_nav_events (one place for every connector and the runner)
ACTIONS: tuple[Action, ...] = STAMPLI_ACTIONS


def log_message(payload: Mapping[str, Any], *, level: Level = Level.INFO) -> AirbyteMessage:
    return AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=level, message=orjson.dumps(payload).decode()))


@dataclass
class AuditTrail:
    counts: Counter[str] = field(default_factory=Counter)
    files: list[dict[str, Any]] = field(default_factory=list)

    def event(
        self,
        *,
        stream: str,
        key: str | None,
        action: Action,
        record_hash: str | None = None,
        import_file: str | None = None,
        reason: str | None = None,
    ) -> AirbyteMessage:
        self.counts[action] += 1
        payload = {
            "event": AUDIT_EVENT,
            "stream": stream,
            "key": key,
            "action": action,
            "source_file": None,  # NAV records come from the API, not from a file
            "source_rows": [],
            "record_hash": record_hash,
            "import_file": import_file,
            "reason": reason,
        }
        return log_message(payload, level=Level.WARN if action == "rejected" else Level.INFO)

    def summary(self, **extra: Any) -> AirbyteMessage:
        payload: dict[str, Any] = {
            "event": SUMMARY_EVENT,
            "counts": {action: self.counts.get(action, 0) for action in ACTIONS},
            "files": self.files,
        }
        payload.update(extra)
        return log_message(payload)
