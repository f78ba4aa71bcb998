"""Stampli invoice exports coded to the CRONUS company (vendors, G/L accounts and dimension values that exist there),
and the postings NAV must end up with.

The files are written with the same column layout as Stampli's line-level export (stampli_samples.exports).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from destination_dynamics_nav.document_numbers import document_number
from reliability_harness.ledger import ExpectedPosting
from stampli_samples.exports import (
    VENDOR_COLUMNS,
    Invoice,
    InvoiceLine,
    write_csv,
    write_invoices_csv,
    write_invoices_xml,
)

DOCUMENT_PREFIX = "STP"
# CRONUS vendors that accept postings (V10080 is blocked for payments, V10090 for everything).
VENDORS = {
    "V10000": "Fabrikam, Inc.",
    "V10010": "First Up Consultants",
    "V10020": "Graphic Design Institute",
    "V10030": "Wide World Importers",
    "V10040": "Nod Publishers",
    "V10050": "Contoso Office Supply",
    "V10060": "Litware, Inc.",
    "V10070": "Alpine Ski House",
}
EXPENSE_ACCOUNTS = ("6100", "6110", "6120", "6200", "6210", "6300", "6310", "6400", "6410", "6500", "6600", "8100")
DEPARTMENTS = ("ADM", "FIN", "IT", "MKT", "PROD", "SALES")
LOCATIONS = ("EAST", "WEST", "NORTH", "SOUTH")
APPROVED = "Approved"
PENDING = "Pending Approval"


def cronus_invoices(
    prefix: str,
    count: int,
    rng: random.Random,
    *,
    first_day: date = date(2026, 11, 2),
    pending_share: float = 0.0,
    max_lines: int = 4,
) -> list[Invoice]:
    """`count` invoices with ids `<prefix>-<n>`, 1..max_lines coded lines each; some left pending when asked."""
    invoices = []
    for n in range(1, count + 1):
        vendor_id = rng.choice(sorted(VENDORS))
        day = first_day + timedelta(days=rng.randrange(20))
        lines = [
            InvoiceLine(
                line_number=number,
                description=f"{prefix} line {number}",
                gl_account=rng.choice(EXPENSE_ACCOUNTS),
                amount=Decimal(rng.randint(100, 900_000)) / 100,
                department=rng.choice(DEPARTMENTS),
                location=rng.choice(LOCATIONS),
            )
            for number in range(1, rng.randint(1, max_lines) + 1)
        ]
        invoices.append(
            Invoice(
                invoice_id=f"{prefix}-{n}",
                invoice_number=f"VI-{prefix}-{n}",
                vendor_id=vendor_id,
                vendor_name=VENDORS[vendor_id],
                invoice_date=day,
                due_date=day + timedelta(days=30),
                approved_date=day + timedelta(days=3),
                status=PENDING if rng.random() < pending_share else APPROVED,
                lines=lines,
            )
        )
    return invoices


def write_invoice_export(path: Path, invoices: Sequence[Invoice], mtime: datetime, *, xml: bool = False) -> Path:
    """A line-level CSV (lines of one invoice scattered over the file) or a nested XML export, dated `mtime`."""
    if xml:
        write_invoices_xml(path, invoices)
    else:
        write_invoices_csv(path, invoices, shuffle_seed=len(invoices))
    stamp = mtime.astimezone(UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def write_vendor_export(path: Path, rows: Iterable[Sequence[str]], mtime: datetime) -> Path:
    write_csv(path, VENDOR_COLUMNS, list(rows))
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def vendor_row(vendor_id: str, name: str, *, phone: str = "404-555-0100", status: str = "Active") -> list[str]:
    """One row of Stampli's vendor export (VENDOR_COLUMNS order)."""
    return [vendor_id, name, "1 Main Street", "", "Atlanta", "GA", "30301", "US", "ap@example.com", phone,
            "US-00-0000000", "USD", "NET30", status, "2026-11-20"]  # fmt: skip


def doc_number(invoice_id: str) -> str:
    """The NAV document number the destination derives from a Stampli invoice id (its idempotency key)."""
    return document_number(DOCUMENT_PREFIX, invoice_id)


def expected_postings(invoices: Iterable[Invoice], *, journal: bool = True) -> dict[str, ExpectedPosting]:
    """Invoice id -> what NAV must hold, for every invoice whose last version is approved."""
    latest: dict[str, Invoice] = {}
    for invoice in invoices:
        latest[invoice.invoice_id] = invoice
    return {
        i.invoice_id: ExpectedPosting(
            vendor=i.vendor_id,
            external_document_number=i.invoice_number,
            total=i.total,
            document_number=doc_number(i.invoice_id) if journal else None,
            posting_date=i.invoice_date.isoformat(),
        )
        for i in latest.values()
        if i.status == APPROVED
    }


def place_invoice_batch(
    outbound: Path, prefix: str, sizes: Sequence[int], rng: random.Random, first_mtime: datetime, **options: object
) -> list[Invoice]:
    """One export file per size (`invoices_<prefix>_<n>.csv`, an hour apart); returns every invoice written."""
    written: list[Invoice] = []
    for index, size in enumerate(sizes, start=1):
        invoices = cronus_invoices(f"{prefix}{index}", size, rng, **options)  # type: ignore[arg-type]
        write_invoice_export(
            outbound / f"invoices_{prefix.lower()}_{index}.csv", invoices, first_mtime + timedelta(hours=index)
        )
        written.extend(invoices)
    return written
