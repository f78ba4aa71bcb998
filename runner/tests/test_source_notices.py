"""Files read, rejects and flags from source-stampli-sftp's structured events (no text parsing)."""

from __future__ import annotations

from pathlib import Path

import orjson

from stampli_nav_events import SourceFileEvent, SourceProblemEvent, SourceStreamEvent, log_text
from stampli_nav_runner.source_notices import read_source_report
from stampli_nav_runner.workspace import RunDirectory

A = "/outbound/a {b}.csv"  # braces and spaces in a path do not confuse the reader
MTIME = "2026-11-25T10:00:00.000000Z"


def _problem(kind: str, file: str, rows: list[int], key: str | None, code: str) -> SourceProblemEvent:
    return SourceProblemEvent(stream="invoices", kind=kind, file=file, rows=rows, key=key, code=code, message="why")  # type: ignore[arg-type]


LINES = [
    (
        "INFO",
        log_text(
            "invoices: read …",
            SourceFileEvent(
                stream="invoices", path=A, size=2040, mtime=MTIME, emitted=7, unchanged=0, rejected=1, flagged=2
            ),
        ),
    ),  # fmt: skip
    (
        "INFO",
        log_text(
            "invoices: skipped …",
            SourceFileEvent(
                stream="invoices", path="/outbound/x.csv", size=1, mtime=MTIME, skipped=True, why="same_content_as:/o/y"
            ),
        ),
    ),  # fmt: skip
    ("WARN", log_text("rejected …", _problem("rejected", A, [9], None, "wrong_field_count"))),
    ("WARN", log_text("flagged …", _problem("flagged", A, [12, 13], "INV-1007", "missing_line_amount"))),
    ("INFO", log_text("not emitted …", _problem("stale", "/outbound/x.xml", [], "INV-9", "older_version"))),
    ("WARN", "/outbound/late.csv could not be listed; retrying"),
    ("INFO", "Marking stream invoices as RUNNING"),
    ("INFO", log_text("invoices: 2 file(s) …", SourceStreamEvent(stream="invoices", files_read=1, files_skipped=1))),
]


def _run_with(tmp_path: Path, lines: list[tuple[str, str]]) -> RunDirectory:
    run = RunDirectory(tmp_path, "forward")
    with run.log_path("source").open("wb") as log:
        for level, text in lines:
            log.write(orjson.dumps({"type": "LOG", "log": {"level": level, "message": text}}) + b"\n")
        log.write(b'{"type":"RECORD","record":{"stream":"invoices","data":{"invoice_id":"X"}}}\n')
        log.write(b"not json\n")
    return run


def test_files_rejects_flags_and_other_warnings(tmp_path: Path) -> None:
    report = read_source_report(_run_with(tmp_path, LINES))
    assert [(f.file, f.emitted, f.unchanged, f.rejected, f.skipped) for f in report.files] == [
        (A, 7, 0, 1, None),
        ("/outbound/x.csv", 0, 0, 0, "same_content_as:/o/y"),
    ]
    kinds = [(n.kind, n.file, n.rows, n.key) for n in report.notices]
    assert kinds == [
        ("rejected", A, (9,), None),
        ("flagged", A, (12, 13), "INV-1007"),
        ("stale", "/outbound/x.xml", (), "INV-9"),
        ("warning", None, (), None),
    ]
    assert report.notices[0].reason == "wrong_field_count: why" and report.notices[0].text == "rejected …"
    assert [(s.stream, s.files_read, s.files_skipped) for s in report.streams] == [("invoices", 1, 1)]


def test_the_parser_has_no_regular_expressions() -> None:
    import stampli_nav_runner.source_notices as module

    assert "import re" not in Path(module.__file__).read_text()


def test_audit_trail_shows_the_sources_problem_events_of_the_key() -> None:
    from stampli_nav_runner.audit_lookup import AuditTrail, RunTrail, format_audit_trail

    event = _problem("flagged", A, [12, 13], "INV-1007", "missing_line_amount").model_dump(mode="json")
    run = RunTrail("forward", "r1", "sync", "succeeded", "2026-11-25T10:00:00Z",
                   events=[{**event, "role": "source", "action": "source_flagged"}])  # fmt: skip
    text = format_audit_trail(AuditTrail("INV-1007", [run]))
    assert f"flagged           by the source: {A} row(s) 12-13: missing_line_amount: why" in text
