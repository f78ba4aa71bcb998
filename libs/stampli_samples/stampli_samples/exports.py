"""Realistic Stampli export files for tests, benchmarks and the demo (deterministic for a given seed).

Headers are the reference columns of the issue; invoices and purchase orders are line-level (one row per line,
header fields repeated). `write_*` functions return the path written.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

INVOICE_COLUMNS = (
    "Invoice ID", "Invoice Number", "Vendor ID", "Vendor Name", "Invoice Date", "Due Date", "Approved Date",
    "Currency", "Invoice Total", "Line Number", "Line Description", "GL Account", "Line Amount", "Department",
    "Location", "PO Number", "Status",
)  # fmt: skip
VENDOR_COLUMNS = (
    "Vendor ID", "Vendor Name", "Address Line 1", "Address Line 2", "City", "State", "Postal Code", "Country",
    "Email", "Phone", "Tax ID", "Currency", "Payment Terms", "Status", "Modified Date",
)  # fmt: skip
GL_ACCOUNT_COLUMNS = ("Account Number", "Account Name", "Account Type", "Active")
PAYMENT_COLUMNS = ("Payment ID", "Invoice ID", "Vendor ID", "Payment Date", "Amount", "Currency", "Method", "Reference")
PURCHASE_ORDER_COLUMNS = (
    "PO Number", "Vendor ID", "PO Date", "Line Number", "Description", "Quantity", "Unit Price", "Amount",
    "GL Account", "Status",
)  # fmt: skip

GL_ACCOUNTS = (
    ("6100", "Office Supplies", "Expense"), ("6110", "Printing", "Expense"), ("6200", "Travel", "Expense"),
    ("6300", "Software Subscriptions", "Expense"), ("6400", "Professional Services", "Expense"),
    ("6500", "Utilities", "Expense"), ("1500", "Equipment", "Asset"), ("2100", "Accounts Payable", "Liability"),
)  # fmt: skip
DESCRIPTIONS = ("Copy paper, 10 boxes", "Toner cartridges", "Flight JFK-ORD", "Annual licence renewal",
                "Consulting, November", "Electricity", "Laptop", "Café supplies — Münster office")  # fmt: skip
DEPARTMENTS = ("ADMIN", "SALES", "IT", "OPS")
LOCATIONS = ("NYC", "CHI", "SFO")


@dataclass
class InvoiceLine:
    line_number: int
    description: str
    gl_account: str
    amount: Decimal
    department: str = "ADMIN"
    location: str = "NYC"
    po_number: str = ""


@dataclass
class Invoice:
    invoice_id: str
    invoice_number: str
    vendor_id: str
    vendor_name: str
    invoice_date: date
    due_date: date
    approved_date: date
    currency: str = "USD"
    status: str = "Approved"
    lines: list[InvoiceLine] = field(default_factory=list)
    total_override: Decimal | None = None  # to write an unbalanced invoice

    @property
    def total(self) -> Decimal:
        return (
            self.total_override
            if self.total_override is not None
            else sum((line.amount for line in self.lines), Decimal(0))
        )


def make_invoices(count: int, seed: int = 7, start: int = 1, max_lines: int = 9) -> list[Invoice]:
    rng = random.Random(seed)
    invoices = []
    for n in range(start, start + count):
        vendor = n % 50
        day = date(2026, 11, 1) + timedelta(days=n % 28)
        lines = [
            InvoiceLine(
                line_number=i,
                description=rng.choice(DESCRIPTIONS),
                gl_account=rng.choice(GL_ACCOUNTS)[0],
                amount=Decimal(rng.randint(100, 500_000)) / 100,
                department=rng.choice(DEPARTMENTS),
                location=rng.choice(LOCATIONS),
                po_number=f"PO-{n:06d}" if n % 3 == 0 else "",
            )
            for i in range(1, rng.randint(1, max_lines) + 1)
        ]
        invoices.append(
            Invoice(
                invoice_id=f"STP-{n:07d}",
                invoice_number=f"INV-{n:07d}",
                vendor_id=f"V{vendor:05d}",
                vendor_name=f"Vendor {vendor} Supplies Inc.",
                invoice_date=day,
                due_date=day + timedelta(days=30),
                approved_date=day + timedelta(days=2),
                lines=lines,
            )
        )
    return invoices


def invoice_rows(invoices: Sequence[Invoice], date_format: str = "%m/%d/%Y") -> Iterator[list[str]]:
    for invoice in invoices:
        for line in invoice.lines:
            yield [
                invoice.invoice_id, invoice.invoice_number, invoice.vendor_id, invoice.vendor_name,
                invoice.invoice_date.strftime(date_format), invoice.due_date.strftime(date_format),
                invoice.approved_date.isoformat(), invoice.currency, f"{invoice.total:.2f}", str(line.line_number),
                line.description, line.gl_account, f"{line.amount:.2f}", line.department, line.location,
                line.po_number, invoice.status,
            ]  # fmt: skip


def write_csv(path: Path, columns: Sequence[str], rows: Iterator[Sequence[str]] | Sequence[Sequence[str]],
              encoding: str = "utf-8") -> Path:  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def write_invoices_csv(path: Path, invoices: Sequence[Invoice], shuffle_seed: int | None = None,
                       encoding: str = "utf-8") -> Path:  # fmt: skip
    """Line-level CSV; with `shuffle_seed` the lines of an invoice are scattered over the file."""
    rows = list(invoice_rows(invoices))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(rows)
    return write_csv(path, INVOICE_COLUMNS, rows, encoding)


def write_invoices_xml(path: Path, invoices: Sequence[Invoice]) -> Path:
    """One <Invoice> element per invoice, lines nested in <Lines><Line>."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<Invoices>\n')
        for invoice in invoices:
            out.write("  <Invoice>\n")
            for tag, value in (
                ("InvoiceID", invoice.invoice_id), ("InvoiceNumber", invoice.invoice_number),
                ("VendorID", invoice.vendor_id), ("VendorName", invoice.vendor_name),
                ("InvoiceDate", invoice.invoice_date.isoformat()), ("DueDate", invoice.due_date.isoformat()),
                ("ApprovedDate", invoice.approved_date.isoformat()), ("Currency", invoice.currency),
                ("InvoiceTotal", f"{invoice.total:.2f}"), ("Status", invoice.status),
            ):  # fmt: skip
                out.write(f"    <{tag}>{escape(value)}</{tag}>\n")
            out.write("    <Lines>\n")
            for line in invoice.lines:
                out.write(
                    f"      <Line><LineNumber>{line.line_number}</LineNumber>"
                    f"<Description>{escape(line.description)}</Description><GLAccount>{line.gl_account}</GLAccount>"
                    f"<Amount>{line.amount:.2f}</Amount><Department>{line.department}</Department>"
                    f"<Location>{line.location}</Location><PONumber>{line.po_number}</PONumber></Line>\n"
                )
            out.write("    </Lines>\n  </Invoice>\n")
        out.write("</Invoices>\n")
    return path


def vendor_rows(count: int, modified: date = date(2026, 11, 20)) -> list[list[str]]:
    return [
        [
            f"V{n:05d}",
            f"Vendor {n} Supplies Inc.",
            f"{100 + n} Main Street",
            "",
            "Springfield",
            "IL",
            f"{62700 + n}",
            "US",
            f"ap@vendor{n}.example",
            f"+1-217-555-{n:04d}",
            f"36-{n:07d}",
            "USD",
            "NET30",
            "Active",
            modified.isoformat(),
        ]  # fmt: skip
        for n in range(count)
    ]


def gl_account_rows() -> list[list[str]]:
    return [[number, name, kind, "Yes"] for number, name, kind in GL_ACCOUNTS]


def payment_rows(invoices: Sequence[Invoice]) -> list[list[str]]:
    return [
        [
            f"PAY-{i:06d}",
            inv.invoice_id,
            inv.vendor_id,
            (inv.due_date - timedelta(days=1)).isoformat(),
            f"{inv.total:.2f}",
            inv.currency,
            "ACH",
            f"ACH-{i:08d}",
        ]  # fmt: skip
        for i, inv in enumerate(invoices, 1)
    ]


def purchase_order_rows(count: int, seed: int = 11) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for n in range(1, count + 1):
        for line in range(1, rng.randint(1, 4) + 1):
            quantity = Decimal(rng.randint(1, 20))
            price = Decimal(rng.randint(500, 50_000)) / 100
            rows.append([
                f"PO-{n:06d}", f"V{n % 50:05d}", "2026-10-15", str(line), rng.choice(DESCRIPTIONS), str(quantity),
                f"{price:.2f}", f"{quantity * price:.2f}", rng.choice(GL_ACCOUNTS)[0], "Open",
            ])  # fmt: skip
    return rows


def write_sample_folder(folder: Path, invoices: int = 20, vendors: int = 10, purchase_orders: int = 5,
                        seed: int = 7) -> dict[str, Path]:  # fmt: skip
    """One export of each kind, as Stampli drops them: the five streams' files in one folder."""
    invoice_list = make_invoices(invoices, seed=seed)
    return {
        "invoices": write_invoices_csv(folder / "invoices_20261125_1000.csv", invoice_list, shuffle_seed=seed),
        "vendors": write_csv(folder / "vendors_20261125.csv", VENDOR_COLUMNS, vendor_rows(vendors)),
        "gl_accounts": write_csv(folder / "gl_accounts.csv", GL_ACCOUNT_COLUMNS, gl_account_rows()),
        "payments": write_csv(folder / "payments_20261125.csv", PAYMENT_COLUMNS, payment_rows(invoice_list[:5])),
        "purchase_orders": write_csv(
            folder / "purchase_orders_20261125.csv", PURCHASE_ORDER_COLUMNS, purchase_order_rows(purchase_orders)
        ),
    }
