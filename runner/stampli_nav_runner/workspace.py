"""Where the runner keeps state, locks and per-run logs on disk.

```
<runs dir>/<connection>/
  state.json                    destination-confirmed state (list of Airbyte STATE messages)
  lock                          held by the runner syncing this connection
  discovered_catalog.json       the source's last discovered catalog
  runs/<run id>/
    run.json                    what happened: kind, status, counts, errors, timings
    state_in.json               state the run started from (`replay --from-state <run id>` re-runs it)
    state_out.json              confirmed state when the run ended
    configured_catalog.json
    records.jsonl               one digest per record forwarded (key, source file, rows, hash, amounts)
    audit.jsonl                 the destination's audit lines (contract §2)
    source.log.jsonl            every LOG / TRACE / other message of the source
    destination.log.jsonl       every LOG / TRACE / other message of the destination
    source.stderr.log, destination.stderr.log
```
No file here ever holds a resolved secret: connector configs live in a private temporary folder during a run.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stampli_nav_runner.atomic_files import read_json, write_json_atomic

RUNS_DIR_ENV = "STAMPLI_NAV_RUNS_DIR"
DEFAULT_RUNS_DIR = Path(".runs")


def default_runs_dir() -> Path:
    return Path(os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR)


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by start time to the microsecond, unique across runners: 20261125T100000.123456Z-3f."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(1)}"


@dataclass(frozen=True)
class RunDirectory:
    path: Path
    connection: str

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def record_path(self) -> Path:
        return self.path / "run.json"

    @property
    def state_in_path(self) -> Path:
        return self.path / "state_in.json"

    @property
    def state_out_path(self) -> Path:
        return self.path / "state_out.json"

    @property
    def catalog_path(self) -> Path:
        return self.path / "configured_catalog.json"

    @property
    def records_path(self) -> Path:
        return self.path / "records.jsonl"

    @property
    def audit_path(self) -> Path:
        return self.path / "audit.jsonl"

    def log_path(self, role: str) -> Path:
        return self.path / f"{role}.log.jsonl"

    def stderr_path(self, role: str) -> Path:
        return self.path / f"{role}.stderr.log"

    def read_record(self) -> dict[str, Any]:
        return read_json(self.record_path, default={}) or {}

    def write_record(self, record: dict[str, Any]) -> None:
        write_json_atomic(self.record_path, record)


class Workspace:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_runs_dir()

    def connection_dir(self, connection: str) -> Path:
        return self.root / connection

    def state_path(self, connection: str) -> Path:
        return self.connection_dir(connection) / "state.json"

    def lock_path(self, connection: str) -> Path:
        return self.connection_dir(connection) / "lock"

    def discovered_catalog_path(self, connection: str) -> Path:
        return self.connection_dir(connection) / "discovered_catalog.json"

    def new_run(self, connection: str) -> RunDirectory:
        runs = self.connection_dir(connection) / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        while True:
            path = runs / new_run_id()
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return RunDirectory(path=path, connection=connection)

    def connections(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir() if (entry / "runs").is_dir())

    def runs(self, connection: str | None = None) -> list[RunDirectory]:
        """Runs oldest first (run ids sort by start time)."""
        names = [connection] if connection else self.connections()
        found: list[RunDirectory] = []
        for name in names:
            runs_dir = self.connection_dir(name) / "runs"
            if runs_dir.is_dir():
                found.extend(
                    RunDirectory(path=entry, connection=name) for entry in runs_dir.iterdir() if entry.is_dir()
                )
        return sorted(found, key=lambda run: (run.run_id, run.connection))

    def prune_runs(self, connection: str, keep: int) -> int:
        """Delete all but the newest `keep` run folders of a connection (its state file is not touched)."""
        runs = self.runs(connection)
        stale = runs[: max(0, len(runs) - keep)]
        for run in stale:
            shutil.rmtree(run.path, ignore_errors=True)
        return len(stale)

    def find_run(self, connection: str, run_id: str) -> RunDirectory | None:
        path = self.connection_dir(connection) / "runs" / run_id
        return RunDirectory(path=path, connection=connection) if path.is_dir() else None
