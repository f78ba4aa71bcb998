"""Older Business Central releases and encoded enum values, end to end with the real connectors.

The emulator's version profiles (18, 21; current is every other end-to-end test) lack fields that later releases
added (journals.templateDisplayName before 19, accounts.consolidation* before 23, ...), and every release sends
enum values as OData member names ("_x0020_"). Both connections must work on each, and resending what is already
in NAV must not look like a change.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace

POSTED = 9  # the sample exports' invoices that post (see test_forward_connection.py)


@pytest.mark.parametrize("bc_version", ["18", "21"])
def test_forward_and_reverse_connections_on_older_releases(make_environment, e2e, bc_version: str) -> None:
    env = make_environment(emulator_settings={"bc_version": bc_version})
    runner = SyncRunner(Workspace(env.paths.runs))

    forward = runner.run(load_connection(str(env.forward_path)))
    assert forward.succeeded, forward.errors
    assert forward.actions["posted"] == POSTED and forward.actions["reversed"] == 1
    assert forward.actions["rejected"] == 2 and forward.actions["vendor_created"] == 1

    reverse = runner.run(load_connection(str(env.reverse_path)))
    assert reverse.succeeded, reverse.errors
    assert set(reverse.records_by_stream) >= {"vendors", "gl_accounts", "dimensions", "dimension_values"}
    written = [path for path in env.inbound_files() if path.suffix == ".csv"]
    assert written
    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        assert "_x00" not in text, f"{path.name} carries an encoded enum value"
    accounts = next(path for path in written if path.name.startswith("gl_accounts")).read_text(encoding="utf-8-sig")
    # category is an enum: "Assets" as written in NAV, the blank option (wire "_x0020_") as an empty cell
    assert "\n1005,ASSETS,Assets," in accounts and "\n1000,BALANCE SHEET,," in accounts


def test_resending_posted_invoices_and_vendors_makes_no_write_request(make_environment, tmp_path: Path) -> None:
    env = make_environment()
    forward = load_connection(str(env.forward_path))
    first = SyncRunner(Workspace(env.paths.runs)).run(forward)
    assert first.succeeded, first.errors
    assert first.actions["posted"] == POSTED

    admin = f"{env.emulator.url}/_emulator/requests"
    verify = env.emulator.ca_file and str(env.emulator.ca_file)
    assert httpx.delete(admin, verify=verify).status_code == 204
    # A fresh workspace holds no state: the source sends every export again, vendors and invoices alike.
    resend = SyncRunner(Workspace(tmp_path / "resend-runs")).run(forward)
    assert resend.succeeded, resend.errors
    assert resend.records_by_stream["invoices"] == 13 and resend.records_by_stream["vendors"] > 0
    assert "posted" not in resend.actions and "vendor_updated" not in resend.actions

    log = httpx.get(admin, verify=verify).json()["value"]
    assert log, "the resend read NAV"
    writes = [f"{entry['method']} {entry['path']}" for entry in log if entry["is_write"]]
    assert writes == []
