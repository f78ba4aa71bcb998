"""Reverse connection end to end: source-dynamics-nav → destination-stampli-sftp.

The reverse sync writes Stampli import files for NAV's reference data — without sending back a vendor that
Stampli's own vendors export already holds unchanged — and a second reverse sync with no NAV change, started from
the state the runner kept, writes nothing. (The full round trip, forward then reverse then forward again, is
destination-stampli-sftp/integration_tests/test_no_ping_pong.py.)
"""

from __future__ import annotations

import csv

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace


def _vendor_ids(path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    key = next(column for column in rows[0] if column.lower().replace(" ", "_") in ("vendor_id", "vendor_number"))
    return {row[key] for row in rows}


def test_reverse_sync_writes_import_files_without_echoing_stampli_vendors(make_environment, e2e) -> None:
    env = make_environment(exports=["vendors_20261124_0600.csv"])
    runner = SyncRunner(Workspace(env.paths.runs))
    assert "V10020" in e2e.nav_vendors(env) and "V10100" not in e2e.nav_vendors(env)

    reverse = load_connection(str(env.reverse_path))
    first = runner.run(reverse)
    assert first.succeeded, first.errors
    # Issue 15 added the purchase orders and receipts to the reverse connection (test_purchase_orders_to_stampli).
    streams = {"vendors", "gl_accounts", "dimensions", "dimension_values", "purchase_orders", "purchase_receipts"}
    assert set(first.records_by_stream) == streams
    written = {path.name.split("_20")[0]: path for path in env.inbound_files() if path.suffix == ".csv"}
    assert set(written) == streams
    vendors = _vendor_ids(written["vendors"])
    assert "V10020" in vendors  # in NAV, not in Stampli's export: sent
    assert "V10000" not in vendors  # Stampli's export already holds the same content: not echoed back

    files_before = sorted(env.inbound_files())
    second = runner.run(reverse)
    assert second.succeeded, second.errors
    assert sorted(env.inbound_files()) == files_before  # no NAV change: no new import file
