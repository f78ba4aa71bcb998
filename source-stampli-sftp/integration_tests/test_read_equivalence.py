"""The read path's output is pinned: messy exports read by the console script over the embedded SFTP server give
byte for byte the records, states and events recorded in data/read_equivalence_golden.json.

The golden file was written by the read path as it stood before the issue 14 speed work (the python csv reader,
dict-indexed first pass, per-record hashing of the converted record); every later change of the read path must
reproduce it exactly: same records in the same order, same hashes, same state, same file events in order, same
rejects and flags. Regenerate it
only for an intended change of output, and say so in the commit:
    STAMPLI_WRITE_GOLDEN=1 pytest source-stampli-sftp/integration_tests/test_read_equivalence.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from embedded_sftp.pytest_plugin import TestSftpServer
from stampli_nav_events import find_event

from .messy_exports import EXPORTS, messy_export
from .test_fast_read import _process_read

GOLDEN = Path(__file__).parent / "data" / "read_equivalence_golden.json"
BASE_MTIME = 1_796_000_000  # 2026-11-30, fixed so that cursors and record timestamps are stable


def _run_output(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What must not change: invoice records (serialised bytes, in order), the final state, the events."""
    records = [
        json.dumps(m["record"]["data"], ensure_ascii=False, separators=(",", ":"))
        for m in messages
        if m["type"] == "RECORD" and m["record"]["stream"] == "invoices"
    ]
    states = [m["state"]["stream"]["stream_state"] for m in messages if m["type"] == "STATE"]
    events = []
    for m in messages:
        event = find_event(m["log"]["message"]) if m["type"] == "LOG" else None
        if event is not None:
            event.pop("seconds", None)  # timing
            events.append(event)
    invoice_states = [s for s in states if "records" in s and any(k.startswith("STP-") for k in s["records"])]
    return {
        "records": records,
        "final_invoice_state": invoice_states[-1] if invoice_states else None,
        "events": [e for e in events if e.get("stream") in (None, "invoices")],
    }


def _write(outbound: Path, name: str, seed: int, invoices: int, scatter: bool, mtime: int) -> None:
    path = outbound / name
    path.write_bytes(messy_export(seed, invoices, scatter))
    os.utime(path, (mtime, mtime))


def test_messy_exports_read_exactly_as_pinned(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    config = sftp_server.source_config(file_patterns={"invoices": "invoices_*.csv"})
    for offset, (name, seed, invoices, scatter) in enumerate(EXPORTS[:4]):
        _write(sftp_server.outbound, name, seed, invoices, scatter, BASE_MTIME + 60 * offset)
    code, first = _process_read(config, tmp_path)
    assert code == 0
    state = [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": s}}
        for s in [_run_output(first)["final_invoice_state"]]
    ]
    # second run: two new exports, and the first export touched (read again: its versions are older or equal)
    for offset, (name, seed, invoices, scatter) in enumerate(EXPORTS[4:], 4):
        _write(sftp_server.outbound, name, seed, invoices, scatter, BASE_MTIME + 60 * offset)
    os.utime(sftp_server.outbound / EXPORTS[0][0], (BASE_MTIME + 600, BASE_MTIME + 600))
    code, second = _process_read(config, tmp_path, state=state)
    assert code == 0
    got = {"first_run": _run_output(first), "second_run": _run_output(second)}
    assert len(got["first_run"]["records"]) > 200  # the exports are not trivially empty
    if os.environ.get("STAMPLI_WRITE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    for run in ("first_run", "second_run"):
        assert got[run]["records"] == expected[run]["records"], run
        assert got[run]["final_invoice_state"] == expected[run]["final_invoice_state"], run
        assert _files_and_totals(got[run]["events"]) == _files_and_totals(expected[run]["events"]), run
        assert _problems(got[run]["events"]) == _problems(expected[run]["events"]), run


def _files_and_totals(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] != "stampli_nav.source_problem"]


def _problems(events: list[dict[str, Any]]) -> list[str]:
    """Problem events as a sorted list: a group is assembled when the next key's row arrives, so a reject of a row
    in between may now be logged before the group's flags instead of after them (each list keeps its order)."""
    return sorted(json.dumps(e, sort_keys=True) for e in events if e["event"] == "stampli_nav.source_problem")
