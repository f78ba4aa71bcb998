"""NAV purchase orders and receipts to Stampli's import folder (issue 15), end to end: source-dynamics-nav →
destination-stampli-sftp as real processes, against the emulator's CRONUS orders (106001 Fabrikam, 106002 Wide
World Importers partly received by receipt 107201, 106003 a Contoso draft)."""

from __future__ import annotations

import csv
from pathlib import Path

from bc_emulator.resources.purchase_orders import post_purchase_order
from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace


def rows_of(paths: list[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def new_files(env, before: set[Path], stream: str) -> list[Path]:
    return sorted(p for p in env.inbound_files() if p not in before and p.name.startswith(f"{stream}_20"))


def test_open_pos_and_receipts_arrive_once_and_an_invoiced_po_once_more_as_closed(make_environment) -> None:
    env = make_environment(exports=["vendors_20261124_0600.csv"])
    runner = SyncRunner(Workspace(env.paths.runs))
    reverse = load_connection(str(env.reverse_path))

    first = runner.run(reverse)
    assert first.succeeded, first.errors
    orders = rows_of(new_files(env, set(), "purchase_orders"))
    assert [(r["PO Number"], r["Line Number"], r["PO Status"]) for r in orders] == [
        ("106001", "10000", "Open"),
        ("106001", "20000", "Open"),
        ("106002", "10000", "Open"),
        ("106003", "10000", "Draft"),
    ]
    fabrikam = orders[0]
    assert (fabrikam["Vendor ID"], fabrikam["Currency"], fabrikam["PO Total"]) == ("V10000", "USD", "2480.00")
    assert (fabrikam["GL Account"], fabrikam["Quantity"], fabrikam["Unit Price"]) == ("6100", "10", "48.00")
    assert orders[2]["Quantity Received"] == "60" and orders[2]["Quantity Invoiced"] == "0"
    receipts = rows_of(new_files(env, set(), "purchase_receipts"))
    assert [(r["Receipt Number"], r["PO Number"], r["Quantity Received"]) for r in receipts] == [
        ("107201", "106002", "60")
    ]

    before = set(env.inbound_files())
    second = runner.run(reverse)
    assert second.succeeded, second.errors
    assert set(env.inbound_files()) == before, "a rerun sends nothing new"

    # NAV receives the rest of 106002 and invoices it completely: posting deletes the order (Purch.-Post).
    env.emulator.clock.advance(60)
    with env.emulator.store.transaction() as txn:
        company = next(iter(env.emulator.store.companies.values()))
        order = company.table("purchaseOrders").find_unique(("number",), "106002")
        post_purchase_order(txn, company, order, receive_all=True, invoice_all=True)
    third = runner.run(reverse)
    assert third.succeeded, third.errors
    closed = rows_of(new_files(env, before, "purchase_orders"))
    assert [(r["PO Number"], r["PO Status"], r["Vendor ID"], r["Line Number"]) for r in closed] == [
        ("106002", "Closed", "V10030", "")
    ]
    new_receipt = rows_of(new_files(env, before, "purchase_receipts"))
    assert [(r["PO Number"], r["Quantity Received"]) for r in new_receipt] == [("106002", "40")]

    before = set(env.inbound_files())
    fourth = runner.run(reverse)
    assert fourth.succeeded, fourth.errors
    assert set(env.inbound_files()) == before, "the closed PO is sent once"
