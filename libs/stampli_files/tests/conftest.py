"""Helpers for reading export files through the whole pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stampli_files import STREAMS, ExportReader, Issue, ReadReport, Reject
from stampli_files.rejects import Superseded

MTIME = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@dataclass
class ReadResult:
    records: list[dict[str, Any]]
    rejects: list[Reject] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    superseded: list[Superseded] = field(default_factory=list)
    rows: int = 0

    def by_key(self, key: str) -> dict[str, dict[str, Any]]:
        return {r[key]: r for r in self.records}


class Reading:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path

    def __call__(self, stream: str, name: str, content: str | bytes, **reader_options: Any) -> ReadResult:
        local = self.tmp_path / name
        local.write_bytes(content.encode() if isinstance(content, str) else content)
        result = ReadResult([])
        report = ReadReport(
            on_reject=result.rejects.append,
            on_issue=result.issues.append,
            on_notice=result.notices.append,
            on_superseded=result.superseded.append,
        )
        reader = ExportReader(STREAMS[stream], report, **reader_options)
        workdir = self.tmp_path / f"work-{name}"
        workdir.mkdir()
        result.records = list(reader.read_file(local, f"/outbound/{name}", MTIME, workdir))
        result.rows = report.rows
        return result


@pytest.fixture
def read_export(tmp_path: Path) -> Reading:
    return Reading(tmp_path)
