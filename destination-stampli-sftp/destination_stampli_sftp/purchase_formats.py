"""Stampli import files for NAV purchase orders and purchase receipts (issue 15), for 2- and 3-way matching.

Stampli publishes no import specification for purchase orders; this layout is ours. It follows the conventions of
the other import files (CSV, header row, one documented column order, new columns only at the end) and the
fields of Stampli's own `purchase_orders` export (PO number, vendor id, PO date, status, per line: line number,
description, quantity, unit price, amount, G/L account), plus what matching needs from NAV: quantities received
and invoiced, the order's currency and dimensions.

One row per line, the header repeated on every row. Rows are keyed by (PO number, line number), so the manifest
sends a line again only when something in its row changed (a receipt, an invoice, a price) and never twice the
same content. An order closed in NAV (completely invoiced: deleted by posting) arrives without lines and becomes
one row with `PO Status` = Closed and empty line columns, sent once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destination_stampli_sftp.import_formats import Cells, Column, ImportFormat, RowError

CLOSED = "Closed"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value).strip()


def _required(record: Mapping[str, Any], field: str, what: str) -> str:
    value = _text(record.get(field))
    if not value:
        raise RowError(f"missing_{field}: the {what} has no {field}")
    return value


def _decoded(value: Any) -> str:
    # OData enum member names encode spaces as _x0020_ ("In_x0020_Review"): Stampli gets BC's caption.
    return _text(value).replace("_x0020_", " ")


def po_status(record: Mapping[str, Any]) -> str:
    """BC's status (Draft / In Review / Open), or Closed once NAV has invoiced the order completely."""
    return CLOSED if record.get("closed") is True else _decoded(record.get("status"))


def _line_account(line: Mapping[str, Any]) -> str:
    """The G/L account column holds the line's number for Account lines (the Stampli export's gl_account)."""
    return _text(line.get("lineObjectNumber")) if _decoded(line.get("lineType")) in ("Account", "G/L Account") else ""


def _order_rows(record: Mapping[str, Any]) -> list[Cells]:
    header = {
        "PO Number": _required(record, "number", "purchase order"),
        "Vendor ID": _required(record, "vendorNumber", "purchase order"),
        "Vendor Name": _text(record.get("vendorName")),
        "PO Date": _text(record.get("orderDate")),
        "PO Status": po_status(record),
        "Currency": _text(record.get("currencyCode")),
        "PO Total": _text(record.get("totalAmountExcludingTax")),
        "Department": _text(record.get("shortcutDimension1Code")),
        "Location": _text(record.get("shortcutDimension2Code")),
    }
    lines = record.get("lines") or []
    if not lines:
        if record.get("closed") is not True:
            raise RowError("no_lines: the purchase order has no lines, so Stampli has nothing to match against")
        return [{**header, "Line Number": ""}]
    rows = []
    for line in lines:
        rows.append(
            {
                **header,
                "Line Number": _required(line, "sequence", "purchase order line"),
                "Line Type": _decoded(line.get("lineType")),
                "Item / Account": _text(line.get("lineObjectNumber")),
                "GL Account": _line_account(line),
                "Line Description": _text(line.get("description")),
                "Unit of Measure": _text(line.get("unitOfMeasureCode")),
                "Quantity": _text(line.get("quantity")),
                "Unit Price": _text(line.get("directUnitCost")),
                "Line Amount": _text(line.get("amountExcludingTax")),
                "Quantity Received": _text(line.get("receivedQuantity")),
                "Quantity Invoiced": _text(line.get("invoicedQuantity")),
                "Expected Receipt Date": _text(line.get("expectedReceiptDate")),
            }
        )
    return rows


def _receipt_rows(record: Mapping[str, Any]) -> list[Cells]:
    header = {
        "Receipt Number": _required(record, "number", "purchase receipt"),
        "PO Number": _text(record.get("orderNumber")),
        "Vendor ID": _required(record, "vendorNumber", "purchase receipt"),
        "Vendor Name": _text(record.get("vendorName")),
        "Receipt Date": _text(record.get("postingDate")),
        "Currency": _text(record.get("currencyCode")),
    }
    lines = record.get("lines") or []
    if not lines:
        raise RowError("no_lines: the purchase receipt has no lines")
    return [
        {
            **header,
            "Line Number": _required(line, "sequence", "purchase receipt line"),
            "Line Type": _decoded(line.get("lineType")),
            "Item / Account": _text(line.get("lineObjectNumber")),
            "Line Description": _text(line.get("description")),
            "Unit of Measure": _text(line.get("unitOfMeasureCode")),
            "Quantity Received": _text(line.get("quantity")),
            "Unit Cost": _text(line.get("unitCost")),
        }
        for line in lines
    ]


def _first(rows: list[Cells]) -> Cells:
    return rows[0]


PURCHASE_ORDERS = ImportFormat(
    stream="purchase_orders",
    columns=(
        Column("PO Number", key=True),
        Column("Vendor ID"),
        Column("Vendor Name"),
        Column("PO Date"),
        Column("PO Status"),
        Column("Currency"),
        Column("PO Total"),
        Column("Line Number", key=True),
        Column("Line Type"),
        Column("Item / Account"),
        Column("GL Account"),
        Column("Line Description"),
        Column("Unit of Measure"),
        Column("Quantity"),
        Column("Unit Price"),
        Column("Line Amount"),
        Column("Quantity Received"),
        Column("Quantity Invoiced"),
        Column("Expected Receipt Date"),
        Column("Department"),
        Column("Location"),
    ),
    to_cells=lambda record: _first(_order_rows(record)),
    to_rows=_order_rows,
)

PURCHASE_RECEIPTS = ImportFormat(
    stream="purchase_receipts",
    columns=(
        Column("Receipt Number", key=True),
        Column("PO Number"),
        Column("Vendor ID"),
        Column("Vendor Name"),
        Column("Receipt Date"),
        Column("Currency"),
        Column("Line Number", key=True),
        Column("Line Type"),
        Column("Item / Account"),
        Column("Line Description"),
        Column("Unit of Measure"),
        Column("Quantity Received"),
        Column("Unit Cost"),
    ),
    to_cells=lambda record: _first(_receipt_rows(record)),
    to_rows=_receipt_rows,
)

PURCHASE_FORMATS: dict[str, ImportFormat] = {f.stream: f for f in (PURCHASE_ORDERS, PURCHASE_RECEIPTS)}
