"""What source-stampli-sftp said about the files it read, recovered from its log lines in a run's source log.

The source logs one line per file read ("invoices: read /outbound/x.csv (718 bytes; download 0.0s, parse and emit
0.0s): 7 record(s) emitted, 2 unchanged since last emitted, 0 rejected, 2 flag(s)") and one WARN line per reject ("rejected <file> (row 4): <code>:
<detail>") or flag ("flagged <file> row 13 key INV-1007: <code>: <detail>"). These are plain text, so parsing is
tolerant: a line that does not match is kept as a generic warning, never lost. When the source logs a structured
`stampli_nav.summary` line with a `files` list ({stream, path, emitted, unchanged, rejected}), that is used instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

from stampli_nav_runner.workspace import RunDirectory

# Tolerant of what sits between the path and the counts ("in 0.1s", "(718 bytes; download 0.0s, …)").
FILE_READ = re.compile(
    r"^(?P<stream>\w+): read (?P<file>.+?)(?: \([^)]*\)| in [\d.]+s)?: (?P<emitted>\d+) record\(s\) emitted, "
    r"(?P<unchanged>\d+) unchanged since last emitted, (?P<rejected>\d+) rejected"
)
REJECTED = re.compile(r"^rejected (?P<file>\S.*?) \((?P<where>[^)]*)\): (?P<reason>.*)$", re.S)
FLAGGED = re.compile(r"^flagged (?P<file>\S.*?)(?: rows? (?P<rows>[\d, ]+))? key (?P<key>\S+): (?P<reason>.*)$", re.S)
WARNING_LEVELS = {"WARN", "WARNING", "ERROR", "FATAL"}


@dataclass(frozen=True)
class FileRead:
    stream: str
    file: str
    emitted: int
    unchanged: int
    rejected: int


@dataclass(frozen=True)
class SourceNotice:
    kind: str  # "rejected" (a row or file the source could not use), "flagged" (emitted with a flag), "warning"
    text: str
    file: str | None = None
    rows: tuple[int, ...] = ()
    key: str | None = None
    reason: str | None = None


@dataclass
class SourceReport:
    files: list[FileRead] = field(default_factory=list)
    notices: list[SourceNotice] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(read.unchanged for read in self.files)


def _rows(text: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text or ""))


def _log_lines(run: RunDirectory) -> Iterator[tuple[str, str]]:
    try:
        handle = run.log_path("source").open("rb")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                message = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(message, dict) and message.get("type") == "LOG":
                log = message.get("log") or {}
                yield str(log.get("level") or "INFO").upper(), str(log.get("message") or "")


def _structured_files(text: str) -> list[FileRead] | None:
    """Files from a `stampli_nav.summary` line with a `files` list, when the source logs one (preferred to text)."""
    if "stampli_nav.summary" not in text:
        return None
    try:
        event = orjson.loads(text[text.find("{") :])
    except orjson.JSONDecodeError:
        return None
    files = event.get("files") if isinstance(event, dict) else None
    if not isinstance(files, list):
        return None
    return [
        FileRead(
            stream=str(entry.get("stream", "")),
            file=str(entry.get("path") or entry.get("file") or ""),
            emitted=int(entry.get("emitted", 0)),
            unchanged=int(entry.get("unchanged", 0)),
            rejected=int(entry.get("rejected", 0)),
        )
        for entry in files
        if isinstance(entry, dict)
    ]


def read_source_report(run: RunDirectory) -> SourceReport:
    report = SourceReport()
    structured: list[FileRead] = []
    for level, text in _log_lines(run):
        if (files := _structured_files(text)) is not None:
            structured.extend(files)
            continue
        if match := FILE_READ.match(text):
            report.files.append(
                FileRead(
                    stream=match["stream"],
                    file=match["file"],
                    emitted=int(match["emitted"]),
                    unchanged=int(match["unchanged"]),
                    rejected=int(match["rejected"]),
                )
            )
            continue
        if level not in WARNING_LEVELS or "stampli_nav." in text:
            continue
        if match := REJECTED.match(text):
            report.notices.append(
                SourceNotice("rejected", text, match["file"], _rows(match["where"]), None, match["reason"])
            )
        elif match := FLAGGED.match(text):
            report.notices.append(
                SourceNotice("flagged", text, match["file"], _rows(match["rows"]), match["key"], match["reason"])
            )
        else:
            report.notices.append(SourceNotice("warning", text))
    if structured:
        report.files = structured
    return report
