"""Whole syncs through real processes (hand-written protocol connectors): state, failures, secrets, stopping."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import orjson
import pytest

from stampli_nav_runner.connection_state import ConnectionState
from stampli_nav_runner.sync_run import SyncRequest, SyncRunner
from stampli_nav_runner.workspace import Workspace


def _cursor(workspace: Workspace, name: str = "fake") -> int | None:
    for message in ConnectionState.load(workspace.state_path(name)).messages():
        if message["stream"]["stream_descriptor"]["name"] == "invoices":
            return message["stream"]["stream_state"]["cursor"]
    return None


def _keys(workspace: Workspace, run_id: str, name: str = "fake") -> list[str]:
    run = workspace.find_run(name, run_id)
    assert run is not None
    return [orjson.loads(line)["key"] for line in run.records_path.read_bytes().splitlines()]


def test_sync_stores_confirmed_state_and_next_sync_resumes(workspace: Workspace, make_connection) -> None:
    connection = make_connection(source_config={"invoices": 5, "state_every": 2})
    first = SyncRunner(workspace).run(connection)
    assert first.succeeded, first.errors
    assert first.records_by_stream == {"invoices": 5, "vendors": 1}
    assert first.states_confirmed == first.states_emitted == 4
    assert first.actions == {"posted": 6}
    assert _cursor(workspace) == 5

    connection = make_connection(source_config={"invoices": 7, "state_every": 2})
    second = SyncRunner(workspace).run(connection)
    assert second.succeeded
    assert _keys(workspace, second.run_id) == ["INV-6", "INV-7", "V1"]
    run_record = orjson.loads((Path(second.run_dir) / "run.json").read_bytes())
    assert run_record["status"] == "succeeded" and run_record["records_by_stream"]["invoices"] == 2


def test_destination_crash_keeps_only_confirmed_state(workspace: Workspace, make_connection) -> None:
    connection = make_connection(
        source_config={"invoices": 10, "state_every": 2}, destination_config={"crash_after_records": 5}
    )
    result = SyncRunner(workspace).run(connection)
    assert result.status == "failed"
    assert any("destination exited with code 3" in error for error in result.errors)
    assert any("NAV went away" in error for error in result.errors)  # the stderr tail names the cause
    # Records 1-4 were followed by echoed states; record 5 was consumed but never confirmed.
    assert _cursor(workspace) == 4

    retry = SyncRunner(workspace).run(make_connection(source_config={"invoices": 10, "state_every": 2}))
    assert retry.succeeded
    assert _keys(workspace, retry.run_id)[:2] == ["INV-5", "INV-6"]


def test_source_failure_is_reported_and_earlier_states_kept(workspace: Workspace, make_connection) -> None:
    connection = make_connection(source_config={"invoices": 10, "state_every": 3, "fail_after": 7})
    result = SyncRunner(workspace).run(connection)
    assert result.status == "failed"
    assert "source: SFTP connection lost" in result.errors
    assert _cursor(workspace) == 6


@pytest.mark.parametrize(
    ("echo", "expected_error"),
    [
        ("none", "did not confirm the last 3 state(s)"),
        ("invented", "echoed a stream:ghost state the source never emitted"),
    ],
)
def test_state_is_stored_only_when_the_destination_confirms_it(
    workspace: Workspace, make_connection, echo: str, expected_error: str
) -> None:
    connection = make_connection(source_config={"invoices": 4, "state_every": 2}, destination_config={"echo": echo})
    result = SyncRunner(workspace).run(connection)
    assert result.status == "failed"
    assert any(expected_error in error for error in result.errors), result.errors
    assert _cursor(workspace) is None


def test_echo_of_the_last_state_confirms_the_earlier_ones(workspace: Workspace, make_connection) -> None:
    connection = make_connection(source_config={"invoices": 4, "state_every": 1}, destination_config={"echo": "last"})
    result = SyncRunner(workspace).run(connection)
    assert result.succeeded, result.errors
    assert result.states_confirmed == result.states_emitted == 5
    assert _cursor(workspace) == 4


def test_secrets_never_reach_disk(
    workspace: Workspace, make_connection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "open-sesame-0451"
    monkeypatch.setenv("FAKE_SECRET", secret)
    private_root = tmp_path / "private"
    private_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_root))
    connection = make_connection(source_config={"invoices": 2, "secret": "${env:FAKE_SECRET}", "log_secret": True})
    result = SyncRunner(workspace).run(connection)
    assert result.succeeded, result.errors
    written = [path for path in workspace.root.rglob("*") if path.is_file()]
    assert any(path.name == "source.stderr.log" and b"****" in path.read_bytes() for path in written)
    for path in [*written, *tmp_path.glob("*.yaml")]:
        assert secret.encode() not in path.read_bytes(), path
    assert list(private_root.iterdir()) == []  # the 0600 config files were deleted after the run


def test_abort_ends_the_source_and_keeps_what_the_destination_confirmed(workspace: Workspace, make_connection) -> None:
    abort = threading.Event()
    runner = SyncRunner(workspace, abort_requested=abort)
    connection = make_connection(source_config={"invoices": 200, "state_every": 1, "hang": True})

    def abort_once_a_state_is_confirmed() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(ConnectionState.load(workspace.state_path("fake")).messages()) == 0:
            time.sleep(0.05)
        time.sleep(0.5)
        abort.set()

    watcher = threading.Thread(target=abort_once_a_state_is_confirmed, daemon=True)
    watcher.start()
    result = runner.run(connection)
    watcher.join(timeout=5)
    assert result.status == "stopped"
    assert result.destination_exit == 0
    assert 0 < result.records_by_stream["invoices"] < 200
    # Every state the source emitted before it ended was echoed and stored; at most the record in flight when the
    # source was ended has no state after it (it is sent again next sync).
    assert _cursor(workspace) == result.states_confirmed == result.states_emitted
    assert result.records_by_stream["invoices"] - result.states_confirmed in (0, 1)


def test_replay_from_an_earlier_run_resends_from_its_starting_state(workspace: Workspace, make_connection) -> None:
    runner = SyncRunner(workspace)
    first = runner.run(make_connection(source_config={"invoices": 3, "state_every": 1}))
    second = runner.run(make_connection(source_config={"invoices": 6, "state_every": 1}))
    assert _keys(workspace, second.run_id) == ["INV-4", "INV-5", "INV-6", "V1"]
    run = workspace.find_run("fake", second.run_id)
    assert run is not None
    replay = runner.run(
        make_connection(source_config={"invoices": 6, "state_every": 1}),
        SyncRequest(kind="replay", start_state=ConnectionState.load(run.state_in_path), start_state_origin="x"),
    )
    assert replay.succeeded and first.succeeded
    assert _keys(workspace, replay.run_id) == ["INV-4", "INV-5", "INV-6", "V1"]
    assert _cursor(workspace) == 6


def test_full_refresh_of_one_stream_only(workspace: Workspace, make_connection) -> None:
    runner = SyncRunner(workspace)
    runner.run(make_connection(source_config={"invoices": 3}))
    replay = runner.run(
        make_connection(source_config={"invoices": 3}),
        SyncRequest(kind="replay", full_refresh_streams=["invoices"], only_streams=["invoices"]),
    )
    assert replay.succeeded, replay.errors
    assert _keys(workspace, replay.run_id) == ["INV-1", "INV-2", "INV-3"]
    catalog = orjson.loads((Path(replay.run_dir) / "configured_catalog.json").read_bytes())
    assert [(s["stream"]["name"], s["sync_mode"]) for s in catalog["streams"]] == [("invoices", "full_refresh")]
    # The other stream's state survived the refresh.
    assert "vendors" in ConnectionState.load(workspace.state_path("fake")).stream_names()


def test_missing_connector_is_a_failed_run_not_a_crash(workspace: Workspace, make_connection, tmp_path: Path) -> None:
    connection = make_connection()
    connection.source.command = ["source-that-does-not-exist"]
    result = SyncRunner(workspace).run(connection)
    assert result.status == "failed"
    assert "source-that-does-not-exist" in result.errors[0]


def test_a_sync_over_its_timeout_is_ended_and_keeps_confirmed_state(workspace: Workspace, make_connection) -> None:
    connection = make_connection(source_config={"invoices": 200, "state_every": 1, "hang": True})
    connection.timeout = "4s"
    result = SyncRunner(workspace).run(connection)
    assert result.status == "failed"
    assert any("longer than its timeout (4s)" in error for error in result.errors)
    assert 0 < result.states_confirmed < 200
    assert _cursor(workspace) == result.states_confirmed


def test_keep_runs_prunes_old_run_logs_but_not_state(workspace: Workspace, make_connection) -> None:
    connection = make_connection(source_config={"invoices": 2})
    connection.keep_runs = 2
    runner = SyncRunner(workspace)
    results = [runner.run(connection) for _ in range(3)]
    assert [run.run_id for run in workspace.runs("fake")] == [r.run_id for r in results[1:]]
    assert _cursor(workspace) == 2
