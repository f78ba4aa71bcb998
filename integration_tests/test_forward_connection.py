"""Forward connection end to end: source-stampli-sftp → destination-dynamics-nav over real servers and processes.

The sample exports (runner/stampli_nav_runner/demo/data) hold: repeated invoices across a CSV, an XML and a
.csv.gz export; one bad row (INV-1007, amount "12O.00"); an invoice not yet approved (INV-1005); an invoice voided
after it was posted (INV-1003); a credit memo (INV-1010); an invoice from a vendor new to NAV (INV-1009, V10100,
created from the vendors export); an invoice coded to a blocked G/L account (INV-1012).
"""

from __future__ import annotations

import os
from decimal import Decimal

import orjson

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.demo.environment import SFTP_PASSWORD_ENV
from stampli_nav_runner.report import write_report
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace

POSTED = {
    "STP-INV-1001": Decimal("2480.00"),
    "STP-INV-1002": Decimal("7500.00"),
    "STP-INV-1003": Decimal("3250.00"),
    "STP-INV-1004": Decimal("1236.45"),
    "STP-INV-1006": Decimal("612.30"),
    "STP-INV-1008": Decimal("5200.00"),
    "STP-INV-1009": Decimal("940.00"),
    "STP-INV-1010": Decimal("-480.00"),
    "STP-INV-1011": Decimal("1875.50"),
}


def test_forward_sync_rerun_new_file_with_repeats_audit_and_report(make_environment, e2e) -> None:
    env = make_environment()
    workspace = Workspace(env.paths.runs)

    # 1. First sync, through the real `stampli-nav` console script.
    first = e2e.stampli_nav(env, "sync", str(env.forward_path))
    assert first.returncode == 0, first.stdout + first.stderr
    (run,) = workspace.runs("forward")
    record = run.read_record()
    assert record["status"] == "succeeded"
    assert record["records_by_stream"]["invoices"] == 13  # 4 of the 17 invoice records in the exports are repeats
    actions = record["actions"]
    assert actions["posted"] == len(POSTED)
    assert actions["reversed"] == 1
    assert actions["rejected"] == 2
    assert actions["vendor_created"] == 1

    ledger = e2e.ledger_by_document(env)
    for document, total in POSTED.items():
        assert e2e.posted_amount(ledger[document]) == total, document
    assert e2e.posted_amount(ledger["STP-INV-1003-R"]) == -POSTED["STP-INV-1003"]  # the void reversed it, once
    for never in ("STP-INV-1005", "STP-INV-1007", "STP-INV-1012"):
        assert never not in ledger
    assert e2e.nav_vendors(env)["V10100"]["displayName"] == "Tailspin Toys"
    audit_lines = [orjson.loads(line) for line in run.audit_path.read_bytes().splitlines()]
    rejected = {event["key"]: event["reason"] for event in audit_lines if event["action"] == "rejected"}
    assert set(rejected) == {"INV-1007", "INV-1012"}
    assert "6900" in rejected["INV-1012"]
    entries_before = sum(len(entries) for entries in ledger.values())

    # 2. Nothing changed on SFTP: the second sync sends nothing and posts nothing.
    runner = SyncRunner(workspace)
    forward = load_connection(str(env.forward_path))
    second = runner.run(forward)
    assert second.succeeded, second.errors
    assert second.records == 0
    assert sum(len(entries) for entries in e2e.ledger_by_document(env).values()) == entries_before

    # 3. A new export repeating 7 posted invoices, approving INV-1005 and adding two new ones: exactly 3 travel.
    env.add_export(e2e.data / "invoices_20261126_0900.csv")
    third = runner.run(forward)
    assert third.succeeded, third.errors
    assert third.records_by_stream == {"invoices": 3}
    assert third.actions == {"posted": 3}
    ledger = e2e.ledger_by_document(env)
    assert e2e.posted_amount(ledger["STP-INV-1005"]) == Decimal("420.00")
    assert e2e.posted_amount(ledger["STP-INV-1013"]) == Decimal("2310.00")
    assert e2e.posted_amount(ledger["STP-INV-1014"]) == Decimal("760.00")
    for document, total in POSTED.items():
        assert e2e.posted_amount(ledger[document]) == total, f"{document} posted twice"

    # 4. The audit trail of the voided invoice, from the kept logs, through the console script.
    audit = e2e.stampli_nav(env, "audit", "INV-1003")
    assert audit.returncode == 0, audit.stderr
    assert "/outbound/invoices_20261123_0800.csv row(s) 5" in audit.stdout
    assert "/outbound/invoices_20261125_0900.csv.gz row(s) 4" in audit.stdout
    assert "status Voided" in audit.stdout
    assert "posted as STP-INV-1003" in audit.stdout
    assert "reversed by STP-INV-1003-R" in audit.stdout
    entry_numbers = sorted(entry["entryNumber"] for entry in ledger["STP-INV-1003"])
    assert f"entries {', '.join(map(str, entry_numbers))}" in audit.stdout

    # 5. The reconciliation report reads NAV's ledger back: every invoice reconciles.
    reconciliation = write_report(workspace, env.paths.report, connection=forward)
    assert reconciliation.ledger_read, reconciliation.ledger_error
    assert reconciliation.mismatches == []
    by_id = {row.invoice_id: row for row in reconciliation.invoices}
    assert by_id["INV-1003"].status == "reversed" and by_id["INV-1003"].nav_amount == 0
    assert by_id["INV-1010"].nav_amount == Decimal("-480.00")
    assert by_id["INV-1005"].status == "posted"
    assert {reject.key for reject in reconciliation.rejects} == {"INV-1007", "INV-1012"}
    assert any("12O.00" in detail for reject in reconciliation.rejects for detail in reject.details)
    html = env.paths.report.read_text(encoding="utf-8")
    assert "STP-INV-1003-R" in html and "Totals by G/L account" in html

    # 6. No resolved secret anywhere on disk: run logs, state, catalogs, report, connection files.
    secrets = [os.environ[SFTP_PASSWORD_ENV].encode(), env.emulator.client_secret.encode()]
    for path in [*env.paths.runs.rglob("*"), *env.paths.connections.rglob("*"), env.paths.report]:
        if path.is_file():
            content = path.read_bytes()
            assert not any(secret in content for secret in secrets), path
