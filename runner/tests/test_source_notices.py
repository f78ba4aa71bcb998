"""Recovering files read, rejects and flags from source-stampli-sftp's log lines."""

from __future__ import annotations

from pathlib import Path

import orjson

from stampli_nav_runner.source_notices import read_source_report
from stampli_nav_runner.workspace import RunDirectory

LINES = [
    (
        "INFO",
        "invoices: read /outbound/a b.csv (2040 bytes; download 0.0s, parse and emit 0.0s): 7 record(s) emitted, "
        "0 unchanged since last emitted, 1 rejected, 2 flag(s)",
    ),
    ("INFO", "invoices: read /outbound/x.xml in 0.1s: 3 record(s) emitted, 2 unchanged since last emitted, 0 rejected"),
    ("WARN", "rejected /outbound/a b.csv (row 9): wrong_field_count: 12 fields, expected 17"),
    ("WARN", "flagged /outbound/a b.csv row 12, 13 key INV-1007: missing_line_amount: a line has no amount"),
    ("WARN", "flagged /outbound/x.xml key INV-9: conflicting_header_values: two totals"),
    ("WARN", "/outbound/late.csv is still being written; it will be read next run"),
    ("INFO", "Marking stream invoices as RUNNING"),
]


def test_files_rejects_flags_and_other_warnings(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path, "forward")
    with run.log_path("source").open("wb") as log:
        for level, text in LINES:
            log.write(orjson.dumps({"type": "LOG", "log": {"level": level, "message": text}}) + b"\n")
        log.write(b"not json\n")
    report = read_source_report(run)
    assert [(f.file, f.emitted, f.unchanged, f.rejected) for f in report.files] == [
        ("/outbound/a b.csv", 7, 0, 1),
        ("/outbound/x.xml", 3, 2, 0),
    ]
    assert report.unchanged == 2
    kinds = [(n.kind, n.file, n.rows, n.key) for n in report.notices]
    assert kinds == [
        ("rejected", "/outbound/a b.csv", (9,), None),
        ("flagged", "/outbound/a b.csv", (12, 13), "INV-1007"),
        ("flagged", "/outbound/x.xml", (), "INV-9"),
        ("warning", None, (), None),
    ]
    assert report.notices[0].reason == "wrong_field_count: 12 fields, expected 17"


def test_a_structured_summary_wins_over_text_lines(tmp_path: Path) -> None:
    run = RunDirectory(tmp_path, "forward")
    summary = {
        "event": "stampli_nav.summary",
        "files": [{"stream": "invoices", "path": "/outbound/y.csv", "emitted": 4, "unchanged": 9, "rejected": 1}],
    }
    with run.log_path("source").open("wb") as log:
        for level, text in [LINES[1], ("INFO", orjson.dumps(summary).decode())]:
            log.write(orjson.dumps({"type": "LOG", "log": {"level": level, "message": text}}) + b"\n")
    report = read_source_report(run)
    assert [(f.file, f.emitted, f.unchanged, f.rejected) for f in report.files] == [("/outbound/y.csv", 4, 9, 1)]
