"""purchaseOrders / purchaseReceipts: seeded CRONUS orders, partial receipt, partial and full invoicing (issue 15)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bc_emulator import EmulatorServer, EmulatorSettings
from bc_emulator.resources.purchase_orders import post_purchase_order


@pytest.fixture
def emu():
    with EmulatorServer(EmulatorSettings(), seed="cronus") as server:
        yield server


def get(emu: EmulatorServer, path: str) -> dict:
    base = f"{emu.onprem_api_base_url}/companies({emu.company_id})"
    response = httpx.get(f"{base}/{path}", auth=(emu.basic_username, emu.basic_access_key))
    response.raise_for_status()
    return response.json()


def post(emu: EmulatorServer, number: str, **quantities) -> None:
    with emu.store.transaction() as txn:
        company = next(iter(emu.store.companies.values()))
        order = company.table("purchaseOrders").find_unique(("number",), number)
        post_purchase_order(txn, company, order, **quantities)


def orders(emu: EmulatorServer) -> dict[str, dict]:
    return {o["number"]: o for o in get(emu, "purchaseOrders?$expand=purchaseOrderLines")["value"]}


def test_seeded_orders_show_totals_status_lcy_and_lines(emu) -> None:
    found = orders(emu)
    assert set(found) == {"106001", "106002", "106003"}
    first = found["106001"]
    assert first["status"] == "Open" and found["106003"]["status"] == "Draft"
    assert Decimal(str(first["totalAmountExcludingTax"])) == Decimal("2480.00")
    assert first["currencyCode"] == "USD", "blank stored currency shows as the LCY code"
    assert [line["sequence"] for line in first["purchaseOrderLines"]] == [10000, 20000]
    receipts = get(emu, "purchaseReceipts?$expand=purchaseReceiptLines")["value"]
    assert [(r["number"], r["orderNumber"], r["purchaseReceiptLines"][0]["quantity"]) for r in receipts] == [
        ("107201", "106002", 60)
    ]


def test_partial_receipt_then_partial_invoice_then_the_rest_deletes_the_order(emu) -> None:
    post(emu, "106001", receive={10000: Decimal(4)})
    line = orders(emu)["106001"]["purchaseOrderLines"][0]
    assert (line["receivedQuantity"], line["invoicedQuantity"]) == (4, 0)
    receipts = [
        r for r in get(emu, "purchaseReceipts?$expand=purchaseReceiptLines")["value"] if r["orderNumber"] == "106001"
    ]
    assert len(receipts) == 1 and receipts[0]["number"] == "107202"
    assert receipts[0]["purchaseReceiptLines"][0]["lineType"] == "G_x002F_L_x0020_Account"  # encoded on the wire

    post(emu, "106001", invoice={10000: Decimal(3)})
    assert orders(emu)["106001"]["purchaseOrderLines"][0]["invoicedQuantity"] == 3

    with pytest.raises(Exception, match="cannot invoice more than 1"):
        post(emu, "106001", invoice={10000: Decimal(2)})

    post(emu, "106001", receive_all=True, invoice_all=True)
    assert "106001" not in orders(emu), "a completely invoiced order is deleted (Purch.-Post DeleteAfterPosting)"


def test_receive_and_invoice_action_over_http(emu) -> None:
    order = orders(emu)["106002"]
    base = f"{emu.onprem_api_base_url}/companies({emu.company_id})"
    response = httpx.post(
        f"{base}/purchaseOrders({order['id']})/Microsoft.NAV.receiveAndInvoice",
        auth=(emu.basic_username, emu.basic_access_key),
    )
    assert response.status_code == 204, response.text
    assert "106002" not in orders(emu)
    receipts = [
        r for r in get(emu, "purchaseReceipts?$expand=purchaseReceiptLines")["value"] if r["orderNumber"] == "106002"
    ]
    assert sorted(r["purchaseReceiptLines"][0]["quantity"] for r in receipts) == [40, 60]
