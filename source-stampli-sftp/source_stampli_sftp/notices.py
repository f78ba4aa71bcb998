"""What the source noticed, logged once for people and tools: each LOG line is the human text followed by its
structured event (stampli_nav_events; docs/internal-contracts.md §2).

Per file: a `source_file` event (read with counts, or skipped and why). Per reject, flag, superseded row or stale
version: a `source_problem` event, capped per file (a per-code count in the file event covers the rest). Per
stream: a `source_stream` event with the totals and the state's size.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from stampli_files.rejects import Issue, Reject, Superseded
from stampli_nav_events import (
    WARNING_KINDS,
    ProblemKind,
    SourceFileEvent,
    SourceProblemEvent,
    SourceStreamEvent,
    log_text,
)

MAX_LOGGED_PROBLEMS_PER_FILE = 200  # beyond this, a per-reason count closes the file's report


class FileNotices:
    """Problems of one file: logged one by one up to the cap, then counted."""

    def __init__(self, logger: logging.Logger, stream: str, path: str) -> None:
        self._log = logger
        self._stream = stream
        self._path = path
        self._logged = 0
        self._unlogged: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()

    def _problem(self, event: SourceProblemEvent, human: str) -> None:
        if event.kind in WARNING_KINDS:
            self.reasons[event.code] += 1
        if self._logged >= MAX_LOGGED_PROBLEMS_PER_FILE:
            self._unlogged[event.code] += 1
            return
        self._logged += 1
        level = logging.WARNING if event.kind in WARNING_KINDS else logging.INFO
        self._log.log(level, log_text(human, event))

    def _event(self, kind: ProblemKind, file: str, rows: tuple[int, ...], key: str | None, code: str, message: str):  # type: ignore[no-untyped-def]
        return SourceProblemEvent(
            stream=self._stream, kind=kind, file=file, rows=list(rows), key=key, code=code, message=message
        )

    def reject(self, reject: Reject) -> None:
        event = self._event("rejected", reject.source, reject.rows, None, reject.reason, reject.detail)
        self._problem(event, reject.describe())

    def issue(self, issue: Issue) -> None:
        self._problem(
            self._event("flagged", issue.source, issue.rows, issue.key, issue.flag, issue.detail), issue.describe()
        )

    def superseded(self, superseded: Superseded) -> None:
        message = f"replaced by row {', '.join(map(str, superseded.by_rows))} of the same file"
        event = self._event(
            "superseded", superseded.source, superseded.rows, superseded.key, "superseded_in_file", message
        )
        self._problem(event, superseded.describe())

    def stale(self, file: str, rows: list[int], key: str, code: str) -> None:
        why = (
            "this version was already replaced by a newer one (an old export read again)"
            if code == "replaced_version"
            else "older than the version already emitted for this key (by its date column, else by file time)"
        )
        human = f"not emitted {file} key {key}: {code}: {why}"
        self._problem(self._event("stale", file, tuple(rows), key, code, why), human)

    def notice(self, message: str) -> None:
        self._log.info(message)

    def close(self) -> None:
        if self._unlogged:
            counts = ", ".join(f"{reason}: {n}" for reason, n in self._unlogged.most_common())
            self._log.warning(
                f"{self._path}: {sum(self._unlogged.values())} more problem(s) not logged one by one ({counts})"
            )


@dataclass
class StreamTotals:
    """Totals over one stream's files in this read, for its `source_stream` event."""

    stream: str
    files_listed: int = 0
    files_read: int = 0
    files_skipped: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, event: SourceFileEvent) -> None:
        if event.skipped:
            self.files_skipped += 1
        else:
            self.files_read += 1
        for name in ("emitted", "unchanged", "stale", "superseded", "rejected", "flagged"):
            self.counts[name] += getattr(event, name)

    def event(self, state_keys: int, state_bytes: int) -> SourceStreamEvent:
        return SourceStreamEvent(
            stream=self.stream,
            files_listed=self.files_listed,
            files_read=self.files_read,
            files_skipped=self.files_skipped,
            state_keys=state_keys,
            state_bytes=state_bytes,
            **{
                name: self.counts[name]
                for name in ("emitted", "unchanged", "stale", "superseded", "rejected", "flagged")
            },
        )


def log_file(logger: logging.Logger, human: str, event: SourceFileEvent) -> None:
    logger.info(log_text(human, event))


def log_stream(logger: logging.Logger, event: SourceStreamEvent) -> None:
    human = (
        f"{event.stream}: {event.files_read} file(s) read, {event.files_skipped} skipped; {event.emitted} record(s) "
        f"emitted, {event.unchanged} unchanged, {event.stale} older version(s) not emitted, {event.rejected} "
        f"rejected, {event.flagged} flag(s); state {event.state_keys} key(s), {event.state_bytes} bytes"
    )
    logger.info(log_text(human, event))
