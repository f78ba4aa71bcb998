"""What source-stampli-sftp said about the files it read, from the structured events in a run's source log.

The source logs a `stampli_nav.source_file` event per file (read with counts, or skipped and why), a
`stampli_nav.source_problem` event per reject, flag, superseded row or stale version, and a
`stampli_nav.source_stream` event per stream (schema: stampli_nav_events, docs/internal-contracts.md §2). Other
warnings the source logs as plain text are kept as generic warnings, never lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from stampli_nav_events import (
    SourceFileEvent,
    SourceProblemEvent,
    SourceStreamEvent,
    find_event,
    human_text,
    validate_event,
)
from stampli_nav_runner.workspace import RunDirectory

WARNING_LEVELS = {"WARN", "WARNING", "ERROR", "FATAL"}


@dataclass(frozen=True)
class FileRead:
    stream: str
    file: str
    emitted: int
    unchanged: int
    rejected: int
    stale: int = 0
    skipped: str | None = None  # why the file was not parsed (e.g. "same_content_as:<path>"), None when read


@dataclass(frozen=True)
class SourceNotice:
    kind: str  # "rejected", "flagged", "superseded", "stale" (source_problem events) or "warning" (other text)
    text: str
    file: str | None = None
    rows: tuple[int, ...] = ()
    key: str | None = None
    reason: str | None = None  # "<code>: <message>"


@dataclass
class SourceReport:
    files: list[FileRead] = field(default_factory=list)
    notices: list[SourceNotice] = field(default_factory=list)
    streams: list[SourceStreamEvent] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(read.unchanged for read in self.files)


def _log_lines(run: RunDirectory) -> Iterator[tuple[str, str]]:
    try:
        handle = run.log_path("source").open("rb")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if b'"LOG"' not in line[:24]:
                continue  # records and states: most of the log, skipped without parsing
            try:
                message = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(message, dict) and message.get("type") == "LOG":
                log = message.get("log") or {}
                yield str(log.get("level") or "INFO").upper(), str(log.get("message") or "")


def _parsed(payload: dict[str, Any]) -> Any:
    try:
        return validate_event(payload)
    except ValidationError:
        return None


def read_source_report(run: RunDirectory) -> SourceReport:
    report = SourceReport()
    for level, text in _log_lines(run):
        payload = find_event(text)
        if payload is None:
            if level in WARNING_LEVELS:
                report.notices.append(SourceNotice("warning", text))
            continue
        event = _parsed(payload)
        if isinstance(event, SourceFileEvent):
            report.files.append(
                FileRead(
                    stream=event.stream,
                    file=event.path,
                    emitted=event.emitted,
                    unchanged=event.unchanged,
                    rejected=event.rejected,
                    stale=event.stale,
                    skipped=event.why if event.skipped else None,
                )
            )
        elif isinstance(event, SourceProblemEvent):
            report.notices.append(
                SourceNotice(
                    event.kind,
                    human_text(text),
                    event.file,
                    tuple(event.rows),
                    event.key,
                    f"{event.code}: {event.message}",
                )
            )
        elif isinstance(event, SourceStreamEvent):
            report.streams.append(event)
    return report
