"""Which streams this destination writes: Stampli reference data and NAV's purchase commitments, never financial
entries.

The product never writes invoices, payments or ledger entries back to Stampli, so a catalog holding any stream
other than the four reference-data streams and purchase orders / receipts (issue 15) is refused as a whole (by `write`, and by `check` when it is given
the catalog), before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable

# Purchase orders and receipts are NAV's commitments (issue 15), sent for PO matching; not ledger entries.
ACCEPTED_STREAMS: tuple[str, ...] = (
    "vendors",
    "gl_accounts",
    "dimensions",
    "dimension_values",
    "purchase_orders",
    "purchase_receipts",
)

# Names a financial stream goes by in this product's sources (and the obvious synonyms), for a clearer message.
FINANCIAL_STREAMS = frozenset(
    {
        "invoices",
        "payments",
        "purchase_invoices",
        "purchase_invoice_lines",
        "general_ledger_entries",
        "gl_entries",
        "ledger_entries",
        "vendor_ledger_entries",
        "journal_lines",
        "journals",
        "bills",
        "credit_memos",
    }
)


class CatalogRefusedError(ValueError):
    """The catalog holds streams this destination must never write."""


def refused_streams(stream_names: Iterable[str]) -> list[str]:
    return sorted({name for name in stream_names if name not in ACCEPTED_STREAMS})


def check_catalog(stream_names: Iterable[str]) -> None:
    """Raise `CatalogRefusedError` with a message a person can act on, unless every stream is accepted."""
    names = list(stream_names)
    refused = refused_streams(names)
    if not refused:
        return
    financial = [name for name in refused if name in FINANCIAL_STREAMS]
    other = [name for name in refused if name not in FINANCIAL_STREAMS]
    parts = []
    if financial:
        parts.append(
            f"financial stream(s) {', '.join(financial)}: financial entries never travel back to Stampli "
            "(Stampli is their source; writing them back would duplicate invoices and payments)"
        )
    if other:
        parts.append(f"stream(s) {', '.join(other)}: not a Stampli reference-data import")
    raise CatalogRefusedError(
        "destination-stampli-sftp refuses this catalog, nothing was written. It writes only "
        f"{', '.join(ACCEPTED_STREAMS)}. Refused: " + "; ".join(parts) + ". Deselect them in the connection."
    )
