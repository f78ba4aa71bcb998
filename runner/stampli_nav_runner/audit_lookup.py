"""`stampli-nav audit <invoice id>`: the whole trail of one record from the kept run logs.

For every run that touched the key: what the source read (file, rows, content hash, amounts) and what the
destination did (posted / skipped / rejected / reversed, NAV document number, ledger entry numbers, reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from stampli_nav_events import SOURCE_PROBLEM_EVENT
from stampli_nav_runner.workspace import RunDirectory, Workspace


@dataclass
class RunTrail:
    connection: str
    run_id: str
    kind: str
    status: str
    started_at: str
    reads: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AuditTrail:
    key: str
    runs: list[RunTrail] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.runs)

    def events(self) -> list[dict[str, Any]]:
        return [event for run in self.runs for event in run.events]

    def postings(self) -> list[dict[str, Any]]:
        return [event for event in self.events() if event.get("action") == "posted"]

    def reversals(self) -> list[dict[str, Any]]:
        return [event for event in self.events() if event.get("action") == "reversed"]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "runs": [run.__dict__ for run in self.runs]}


def _matching_lines(path: Path, needle: bytes) -> Iterator[dict[str, Any]]:
    # A byte search before parsing keeps a scan over months of runs fast.
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if needle in line:
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue


def _run_trail(run: RunDirectory, key: str, stream: str | None) -> RunTrail | None:
    needle = orjson.dumps(key)
    reads = [
        digest
        for digest in _matching_lines(run.records_path, needle)
        if digest.get("key") == key and (stream is None or digest.get("stream") == stream)
    ]
    events = [
        event
        for event in _matching_lines(run.audit_path, needle)
        if event.get("key") == key and (stream is None or event.get("stream") == stream)
    ]
    if not reads and not events:
        return None
    record = run.read_record()
    return RunTrail(
        connection=run.connection,
        run_id=run.run_id,
        kind=str(record.get("kind", "sync")),
        status=str(record.get("status", "unknown (running or interrupted)")),
        started_at=str(record.get("started_at", "")),
        reads=reads,
        events=events,
    )


def find_audit_trail(
    workspace: Workspace, key: str, connection: str | None = None, stream: str | None = None
) -> AuditTrail:
    trail = AuditTrail(key=key)
    for run in workspace.runs(connection):
        found = _run_trail(run, key, stream)
        if found is not None:
            trail.runs.append(found)
    return trail


def _rows(rows: Any) -> str:
    if not rows:
        return "?"
    if isinstance(rows, list) and len(rows) > 1 and all(isinstance(r, int) for r in rows):
        if rows == list(range(rows[0], rows[0] + len(rows))):
            return f"{rows[0]}-{rows[-1]}"
        return ", ".join(str(r) for r in rows)
    return ", ".join(str(r) for r in rows) if isinstance(rows, list) else str(rows)


def _entries(entries: Any) -> str:
    return ", ".join(str(entry) for entry in entries) if entries else "none"


def format_audit_trail(trail: AuditTrail) -> str:
    if not trail.found:
        return f"{trail.key}: not found in any kept run (check --runs-dir and the id's spelling)"
    lines = [f"Audit trail of {trail.key}"]
    for run in trail.runs:
        lines.append(f"  {run.started_at}  run {run.run_id}  [{run.connection} {run.kind}, {run.status}]")
        for read in run.reads:
            details = [f"{read.get('_ab_source_file_url', '?')} row(s) {_rows(read.get('_stampli_source_rows'))}"]
            if read.get("invoice_total") is not None:
                details.append(f"total {read['invoice_total']} {read.get('currency') or ''}".rstrip())
            for name in ("vendor_id", "status"):
                if read.get(name):
                    details.append(f"{name.split('_')[0]} {read[name]}")
            lines.append(f"      read              {'  '.join(details)}")
            if read.get("_stampli_record_hash"):
                lines.append(f"                        content hash {read['_stampli_record_hash']}")
        for event in run.events:
            action = str(event.get("action", "?"))
            if event.get("role") == "source":
                if event.get("event") == SOURCE_PROBLEM_EVENT:  # the source's structured notice about this key
                    where = f"{event.get('file', '?')} row(s) {_rows(event.get('rows'))}"
                    lines.append(f"      {event.get('kind', '?'):<17} by the source: {where}: {event.get('code')}: "
                                 f"{event.get('message') or ''}".rstrip())  # fmt: skip
                    continue
                lines.append(f"      {action:<17} by the source: {event.get('reason') or ''}".rstrip())
                continue
            details = []
            if event.get("nav_document_number"):
                details.append(f"NAV document {event['nav_document_number']}")
            if event.get("nav_entry_numbers"):
                details.append(f"entries {_entries(event['nav_entry_numbers'])}")
            if event.get("amount") is not None:
                details.append(f"amount {event['amount']}")
            if event.get("import_file"):
                details.append(f"import file {event['import_file']}")
            if event.get("reason"):
                details.append(f"reason: {event['reason']}")
            lines.append(f"      {action:<17} {'  '.join(details)}".rstrip())
    postings, reversals = trail.postings(), trail.reversals()
    verdict = []
    if postings:
        first = postings[0]
        verdict.append(
            f"posted as {first.get('nav_document_number')} (entries {_entries(first.get('nav_entry_numbers'))})"
        )
    if reversals:
        last = reversals[-1]
        verdict.append(
            f"reversed by {last.get('nav_document_number')} (entries {_entries(last.get('nav_entry_numbers'))})"
        )
    if not postings and not reversals:
        last_event = next((e for e in reversed(trail.events()) if e.get("role") == "destination"), None)
        verdict.append(
            f"last outcome: {last_event.get('action')} ({last_event.get('reason') or 'no reason given'})"
            if last_event
            else "read from Stampli, no destination outcome logged"
        )
    lines.append("  => " + "; ".join(verdict))
    return "\n".join(lines)
