"""The `stampli-nav` command: exit codes, the lock, the schedule, Ctrl-C, audit, report and secrets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from stampli_nav_runner.cli import EXIT_LOCKED, EXIT_OK, EXIT_SYNC_FAILED, main
from stampli_nav_runner.connection_lock import ConnectionLock
from stampli_nav_runner.reconciliation import LedgerEntry
from stampli_nav_runner.report import write_report
from stampli_nav_runner.workspace import Workspace


@pytest.fixture
def connection_file(tmp_path: Path, make_connection) -> Path:
    make_connection(source_config={"invoices": 4, "state_every": 2}, destination_config={"reject": ["INV-3"]})
    return tmp_path / "fake.yaml"


def test_sync_then_audit_and_runs(workspace: Workspace, connection_file: Path, capsys) -> None:
    assert main(["--runs-dir", str(workspace.root), "sync", str(connection_file)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "sync succeeded" in out and "rejected invoices INV-3" in out

    assert main(["--runs-dir", str(workspace.root), "audit", "INV-2"]) == EXIT_OK
    trail = capsys.readouterr().out
    assert "/outbound/invoices.csv row(s) 3" in trail
    assert "NAV document STP-INV-2" in trail
    assert "posted as STP-INV-2 (entries 20, 21)" in trail

    assert main(["--runs-dir", str(workspace.root), "audit", "INV-404"]) == EXIT_SYNC_FAILED
    assert "not found" in capsys.readouterr().out

    assert main(["--runs-dir", str(workspace.root), "runs"]) == EXIT_OK
    assert "succeeded" in capsys.readouterr().out


def test_second_runner_is_refused_by_the_lock(workspace: Workspace, connection_file: Path, capsys) -> None:
    with ConnectionLock(workspace.lock_path("fake"), "fake"):
        code = main(["--runs-dir", str(workspace.root), "sync", str(connection_file)])
    assert code == EXIT_LOCKED
    assert f"pid {os.getpid()}" in capsys.readouterr().err
    assert workspace.runs("fake") == []


def test_schedule_retries_a_transient_failure_at_the_next_tick(
    workspace: Workspace, make_connection, tmp_path: Path, capsys
) -> None:
    make_connection(source_config={"invoices": 2, "fail_once_marker": str(tmp_path / "failed-once")})
    code = main(
        ["--runs-dir", str(workspace.root), "sync", str(tmp_path / "fake.yaml"), "--every", "1s", "--max-runs", "2"]
    )
    out = capsys.readouterr().out
    assert code == EXIT_SYNC_FAILED  # one of the two syncs failed
    assert "will be retried at the next tick" in out
    statuses = [run.read_record()["status"] for run in workspace.runs("fake")]
    assert statuses == ["failed", "succeeded"]


def test_ctrl_c_finishes_the_current_sync_then_exits(workspace: Workspace, make_connection, tmp_path: Path) -> None:
    make_connection(source_config={"invoices": 12, "state_every": 1, "hang": True})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stampli_nav_runner",
            "--runs-dir",
            str(workspace.root),
            "sync",
            str(tmp_path / "fake.yaml"),
            "--every",
            "1h",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not list(workspace.root.glob("fake/runs/*/records.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == EXIT_OK, err
    assert "finishing the current sync" in err
    (run,) = workspace.runs("fake")
    record = run.read_record()
    assert record["status"] == "succeeded"  # not cut short: all 12 invoices went through
    assert record["records_by_stream"]["invoices"] == 12
    assert "1 sync(s), 0 failed" in out


def test_replay_commands(workspace: Workspace, connection_file: Path, capsys) -> None:
    root = str(workspace.root)
    assert main(["--runs-dir", root, "sync", str(connection_file)]) == EXIT_OK
    (first,) = workspace.runs("fake")
    assert (
        main(["--runs-dir", root, "--quiet", "replay", str(connection_file), "--from-state", first.run_id]) == EXIT_OK
    )
    assert "replay succeeded" in capsys.readouterr().out
    assert main(["--runs-dir", root, "replay", str(connection_file), "--from-state", "nonsense"]) == 2
    assert main(["--runs-dir", root, "replay", str(connection_file), "--full-refresh", "vendors"]) == EXIT_OK
    kinds = [run.read_record()["kind"] for run in workspace.runs("fake")]
    assert kinds == ["sync", "replay", "replay"]


class _Ledger:
    """NAV's ledger as the report sees it; the real reader is exercised against the emulator end to end."""

    def entries_for_documents(self, document_numbers):
        entries = []
        for number, document in enumerate(sorted(document_numbers)):
            amount = Decimal("2.50") if document == "STP-INV-2" else Decimal("1.50")  # INV-4 is short by 2.00
            if document == "STP-INV-4":
                amount = Decimal("2.50")
            entries.append(LedgerEntry(number, document, "6100", amount, Decimal("0")))
            entries.append(LedgerEntry(number + 100, document, "2110", Decimal("0"), amount))
        return entries


def test_report_reconciles_and_flags_mismatches(workspace: Workspace, connection_file: Path, tmp_path: Path) -> None:
    assert main(["--runs-dir", str(workspace.root), "--quiet", "sync", str(connection_file)]) == EXIT_OK
    output = tmp_path / "report.html"
    reconciliation = write_report(workspace, output, ledger=_Ledger())
    by_id = {row.invoice_id: row for row in reconciliation.invoices}
    assert by_id["INV-1"].reconciled and by_id["INV-2"].reconciled
    assert by_id["INV-3"].status == "rejected" and by_id["INV-3"].reconciled  # nothing expected, nothing posted
    assert by_id["INV-4"].reconciled is False  # Stampli 4.50, NAV 2.50
    assert [row.invoice_id for row in reconciliation.mismatches] == ["INV-4"]
    accounts = {total.name: total for total in reconciliation.by_account}
    assert accounts["6100"].stampli == Decimal("8.50") and accounts["6100"].nav == Decimal("6.50")
    assert accounts["2110"].label and accounts["2110"].nav == Decimal("-6.50")
    html = output.read_text()
    assert "INV-4" in html and "unknown_gl_account" in html and "✗ -2.00" in html


def test_secrets_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("STAMPLI_NAV_SECRETS_FILE", str(tmp_path / "s.secrets"))
    assert main(["secrets", "generate-key"]) == EXIT_OK
    key = capsys.readouterr().out.strip()
    monkeypatch.setenv("STAMPLI_NAV_SECRETS_KEY", key)
    monkeypatch.setenv("MY_PASSWORD", "correct horse battery")
    assert main(["secrets", "set", "sftp", "--from-env", "MY_PASSWORD"]) == EXIT_OK
    assert main(["secrets", "list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "sftp" in out and "correct horse" not in out
    assert b"correct horse" not in (tmp_path / "s.secrets").read_bytes()
