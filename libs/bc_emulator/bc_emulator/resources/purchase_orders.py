"""purchaseOrders / purchaseOrderLines and the posted purchaseReceipts / purchaseReceiptLines (issue 15).

Read through the API (the connectors never write them); they change by posting, which `post_purchase_order` does
like Purch.-Post: a receipt posts a Purch. Rcpt. Header with its lines and raises each order line's Quantity
Received; invoicing raises Quantity Invoiced; an order whose every line is completely invoiced is deleted
(PurchPost.Codeunit.al FinalizePosting -> DeleteAfterPosting when EverythingInvoiced). The bound action
`Microsoft.NAV.receiveAndInvoice` (APIV2 - Purchase Orders ReceiveAndInvoice) receives and invoices all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from decimal import Decimal
from typing import Any

from bc_emulator import entities, errors, rules
from bc_emulator.fields import round_amount
from bc_emulator.ids import new_id
from bc_emulator.resources.base import EntitySet, RequestContext, Scope, take_number
from bc_emulator.store import CompanyData, Transaction

RECEIVE_AND_INVOICE = "Microsoft.NAV.receiveAndInvoice"
ZERO = Decimal(0)
RECEIPT_SERIES = "postedPurchaseReceipt"
RECEIPT_SERIES_START = "PR000000"  # guess: CRONUS uses 107001-style receipt numbers; any Code[20] series works


def line_amount(line: Mapping[str, Any]) -> Decimal:
    # Purch. Inv. Line Aggregate "Line Amount Excluding Tax": Quantity x Direct Unit Cost - Line Discount Amount.
    return round_amount(Decimal(line["quantity"]) * Decimal(line["directUnitCost"]) - Decimal(line["discountAmount"]))


def order_lines(company: CompanyData, order_id: str) -> list[dict[str, Any]]:
    return sorted(company.table("purchaseOrderLines").find(("documentId",), order_id), key=lambda r: r["sequence"])


class PurchaseOrders(EntitySet):
    name = "purchaseOrders"
    schema = entities.PURCHASE_ORDER
    table = "purchaseOrders"
    navigation = {"purchaseOrderLines": "purchaseOrderLines"}
    actions = frozenset({RECEIVE_AND_INVOICE})
    computed = frozenset(
        {"currencyCode", "totalAmountExcludingTax", "totalTaxAmount", "totalAmountIncludingTax", "fullyReceived"}
    )

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        lines = order_lines(self.company_of(scope), record["id"])
        # guess: no sales tax / VAT in the emulator's US company, so tax is 0 and including = excluding.
        total = sum((line_amount(line) for line in lines), ZERO) - Decimal(record["discountAmount"])
        # "Completely Received": every line's Quantity Received equals its Quantity.
        received = all(Decimal(line["receivedQuantity"]) >= Decimal(line["quantity"]) for line in lines)
        return {
            **record,
            # currencyCode is CurrencyCodeTxt: the local currency's code where the stored one is blank
            # (Graph Mgt - General Tools.TranslateNAVCurrencyCodeToCurrencyCode), as on the vendor page.
            "currencyCode": record["currencyCode"] or rules.local_currency(self.company_of(scope)),
            "totalAmountExcludingTax": total,
            "totalTaxAmount": ZERO,
            "totalAmountIncludingTax": total,
            "fullyReceived": bool(lines) and received,
        }

    def invoke(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], action: str) -> None:
        if action != RECEIVE_AND_INVOICE:
            super().invoke(txn, ctx, scope, record, action)
        post_purchase_order(txn, self.company_of(scope), record, receive_all=True, invoice_all=True)
        txn.commit_point()


class PurchaseOrderLines(EntitySet):
    name = "purchaseOrderLines"
    schema = entities.PURCHASE_ORDER_LINE
    table = "purchaseOrderLines"
    parent_links = {"purchaseOrders": "documentId"}
    computed = frozenset({"amountExcludingTax", "taxPercent", "totalTaxAmount", "amountIncludingTax", "netAmount"})

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        amount = line_amount(record)
        return {
            **record,
            "amountExcludingTax": amount,
            "taxPercent": ZERO,
            "totalTaxAmount": ZERO,
            "amountIncludingTax": amount,
            "netAmount": amount,
        }


class PurchaseReceipts(EntitySet):
    name = "purchaseReceipts"
    schema = entities.PURCHASE_RECEIPT
    table = "purchaseReceipts"
    navigation = {"purchaseReceiptLines": "purchaseReceiptLines"}
    computed = frozenset({"currencyCode"})

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        # APIV2 - Purchase Receipts currencyCode: CurrencyCodeTxt, the LCY code where the stored one is blank.
        return {**record, "currencyCode": record["currencyCode"] or rules.local_currency(self.company_of(scope))}


class PurchaseReceiptLines(EntitySet):
    name = "purchaseReceiptLines"
    schema = entities.PURCHASE_RECEIPT_LINE
    table = "purchaseReceiptLines"
    parent_links = {"purchaseReceipts": "documentId"}


def post_purchase_order(
    txn: Transaction,
    company: CompanyData,
    order: dict[str, Any],
    *,
    receive: Mapping[int, Decimal] | None = None,
    invoice: Mapping[int, Decimal] | None = None,
    receive_all: bool = False,
    invoice_all: bool = False,
) -> dict[str, Any] | None:
    """Post a receipt and/or an invoice of an order: `receive` / `invoice` map line sequence -> quantity.
    Returns the posted receipt (None when nothing was received)."""
    lines = order_lines(company, order["id"])
    if not lines:
        # Purch.-Post CheckNothingToPost / Document Errors Mgt.: "There is nothing to post."
        raise errors.dialog("There is nothing to post.")
    to_receive: dict[int, Decimal] = {}
    to_invoice: dict[int, Decimal] = {}
    for line in lines:
        outstanding = Decimal(line["quantity"]) - Decimal(line["receivedQuantity"])
        receive_qty = outstanding if receive_all else Decimal(str((receive or {}).get(line["sequence"], 0)))
        if receive_qty > outstanding:
            # BaseApp PurchaseLine.Table.al "Qty. to Receive" OnValidate: cannot receive more than outstanding.
            raise errors.dialog(f"You cannot receive more than {outstanding} units.")
        invoiceable = Decimal(line["receivedQuantity"]) + receive_qty - Decimal(line["invoicedQuantity"])
        invoice_qty = invoiceable if invoice_all else Decimal(str((invoice or {}).get(line["sequence"], 0)))
        if invoice_qty > invoiceable:
            # BaseApp PurchaseLine.Table.al "Qty. to Invoice" OnValidate: at most what is received and not invoiced.
            raise errors.dialog(f"You cannot invoice more than {invoiceable} units.")
        if receive_qty:
            to_receive[line["sequence"]] = receive_qty
        if invoice_qty:
            to_invoice[line["sequence"]] = invoice_qty
    if not to_receive and not to_invoice:
        raise errors.dialog("There is nothing to post.")

    receipt = _post_receipt(txn, company, order, lines, to_receive) if to_receive else None
    everything_invoiced = True
    for line in lines:
        received = Decimal(line["receivedQuantity"]) + to_receive.get(line["sequence"], ZERO)
        invoiced = Decimal(line["invoicedQuantity"]) + to_invoice.get(line["sequence"], ZERO)
        # PurchPost.Codeunit.al: if "Qty. to Invoice" + "Quantity Invoiced" <> Quantity then EverythingInvoiced := false
        if invoiced != Decimal(line["quantity"]):
            everything_invoiced = False
        if line["sequence"] in to_receive or line["sequence"] in to_invoice:
            txn.update(
                company,
                "purchaseOrderLines",
                {
                    **line,
                    "receivedQuantity": received,
                    "invoicedQuantity": invoiced,
                    "receiveQuantity": ZERO,
                    "invoiceQuantity": ZERO,
                },
            )
    if everything_invoiced:
        # PurchPost.Codeunit.al FinalizePosting -> DeleteAfterPosting: the completely invoiced order is deleted.
        for line in lines:
            txn.delete(company, "purchaseOrderLines", line["id"])
        txn.delete(company, "purchaseOrders", order["id"])
    else:
        txn.update(company, "purchaseOrders", dict(order))  # the header is modified by posting (Last Receiving No.)
    return receipt


def _post_receipt(
    txn: Transaction,
    company: CompanyData,
    order: dict[str, Any],
    lines: list[dict[str, Any]],
    quantities: Mapping[int, Decimal],
) -> dict[str, Any]:
    company.setup.setdefault("numberSeries", {}).setdefault(RECEIPT_SERIES, RECEIPT_SERIES_START)
    today = txn.now().astimezone(UTC).date().isoformat()
    header = {
        **entities.PURCHASE_RECEIPT.defaults(),
        "id": new_id(),
        "number": take_number(txn, company, RECEIPT_SERIES),
        "invoiceDate": order["orderDate"],
        "postingDate": today,
        "dueDate": today,
        "vendorNumber": order["vendorNumber"],
        "vendorName": order["vendorName"],
        "payToVendorNumber": order["payToVendorNumber"] or order["vendorNumber"],
        "currencyCode": order["currencyCode"],
        "orderNumber": order["number"],
    }
    stored = txn.insert(company, "purchaseReceipts", header)
    api_to_receipt_type = {"Account": "G/L Account", "Charge": "Charge (Item)", "Comment": " "}
    for line in lines:
        quantity = quantities.get(line["sequence"])
        if not quantity:
            continue
        txn.insert(
            company,
            "purchaseReceiptLines",
            {
                **entities.PURCHASE_RECEIPT_LINE.defaults(),
                "id": new_id(),
                "documentId": stored["id"],
                "sequence": line["sequence"],
                "lineType": api_to_receipt_type.get(line["lineType"], line["lineType"]),
                "lineObjectNumber": line["lineObjectNumber"],
                "description": line["description"],
                "unitOfMeasureCode": line["unitOfMeasureCode"],
                "unitCost": line["directUnitCost"],
                "quantity": quantity,
                "discountPercent": line["discountPercent"],
                "taxPercent": ZERO,
                "expectedReceiptDate": line["expectedReceiptDate"],
            },
        )
    return stored
