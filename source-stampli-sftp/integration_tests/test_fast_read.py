"""The console script's `read` (fast_read, no CDK) emits what the CDK path emits: same records, states, events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from embedded_sftp.pytest_plugin import TestSftpServer
from stampli_nav_events import find_event
from stampli_samples.exports import write_sample_folder

from .conftest import HERE, Reader, final_states

SCRIPT = Path(sys.executable).parent / "source-stampli-sftp"


def _process_read(config: dict[str, Any], tmp_path: Path, state: list[dict[str, Any]] | None = None,
                  cdk: bool = False) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    args = [str(SCRIPT), "read", "--config", str(config_path), "--catalog", str(HERE / "configured_catalog.json")]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    env = {**os.environ, "SOURCE_STAMPLI_SFTP_CDK_READ": "1" if cdk else "0"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, env=env)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _records(messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(m["record"]["stream"], m["record"]["data"]) for m in messages if m["type"] == "RECORD"]


def _final_states(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    last = {}
    for m in messages:
        if m["type"] == "STATE":
            last[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]["stream"]["stream_state"]
    return last


def _events(texts: list[str]) -> list[dict[str, Any]]:
    found = [find_event(text) for text in texts]
    return [{k: v for k, v in e.items() if k != "seconds"} for e in found if e is not None]


def _statuses(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (m["trace"]["stream_status"]["stream_descriptor"]["name"], m["trace"]["stream_status"]["status"])
        for m in messages
        if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS"
    ]


def test_fast_read_matches_the_cdk_read(sftp_server: TestSftpServer, run_read: Reader, tmp_path: Path) -> None:
    write_sample_folder(sftp_server.outbound)
    (sftp_server.outbound / "invoices_bad.csv").write_text(
        "Invoice ID,Invoice Total,Line Number,Line Amount\nB-1,10.00,1,4.00\nB-2,only\nB-1,10.00,2,5.00\n"
    )
    code, fast = _process_read(sftp_server.source_config(), tmp_path)
    cdk = run_read()
    assert code == 0
    assert _records(fast) == [(m.record.stream, m.record.data) for m in cdk.records]
    assert _final_states(fast) == {s.stream.stream_descriptor.name: s.stream.stream_state.__dict__
                                   for s in final_states(cdk)}  # fmt: skip
    fast_events = _events([m["log"]["message"] for m in fast if m["type"] == "LOG"])
    assert fast_events == _events([m.log.message for m in cdk.logs])
    assert {e["event"] for e in fast_events} == {
        "stampli_nav.source_file", "stampli_nav.source_problem", "stampli_nav.source_stream"
    }  # fmt: skip
    names = ["invoices", "vendors", "gl_accounts", "payments", "purchase_orders"]
    assert _statuses(fast) == [(n, s) for n in names for s in ("STARTED", "RUNNING", "COMPLETE")]
    assert all(m["state"]["sourceStats"]["recordCount"] >= 0 for m in fast if m["type"] == "STATE")
    # the next run with the state: nothing, and a state per stream
    code, again = _process_read(sftp_server.source_config(), tmp_path, state=[
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": n}, "stream_state": s}}
        for n, s in _final_states(fast).items()
    ])  # fmt: skip
    assert code == 0 and _records(again) == [] and set(_final_states(again)) == set(names)


def test_a_failing_stream_ends_in_an_error_trace_and_exit_code_1_without_the_secret(
    sftp_server: TestSftpServer, tmp_path: Path
) -> None:
    config = sftp_server.source_config()
    config["credentials"] = {"auth_method": "password", "password": "wrong-Pa55word-x"}
    for cdk in (False, True):  # both paths fail the same way
        code, messages = _process_read(config, tmp_path, cdk=cdk)
        errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
        assert code == 1, cdk
        assert errors[0]["failure_type"] == "config_error" and "authentication failed" in errors[0]["message"]
        assert "wrong-Pa55word-x" not in json.dumps(messages)
        assert ("invoices", "INCOMPLETE") in _statuses(messages)


def test_an_invalid_config_is_a_config_error(tmp_path: Path) -> None:
    code, messages = _process_read({"host": "x", "port": "not a port"}, tmp_path)
    (trace,) = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert (
        code == 1 and trace["failure_type"] == "config_error" and trace["message"].startswith("Invalid configuration")
    )
