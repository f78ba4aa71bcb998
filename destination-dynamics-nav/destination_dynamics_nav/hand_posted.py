"""Invoices already in NAV's vendor ledger under the same vendor and external document number (keyed in by hand).

Before go-live, finance teams post some vendor invoices manually. BC does not always catch a second posting:
Gen. Jnl.-Post Line CheckPurchExtDocNo filters the vendor ledger on the line's *document type*, and API journal
lines have a blank type, so a journal line never meets an invoice-type entry posted by hand. So the connector
looks itself, once per flush, in the vendor ledger (API query `vendorLedgerEntries`, reportsFinance/beta).

A match is another posting of the same invoice when it is an invoice-like entry (blank or Invoice document type)
that is not this connector's own document: in journal mode the connector's documents carry deterministic
document numbers (its own earlier posting is the ordinary exactly-once skip, found through the G/L entries); in
purchase-invoice mode the poster's own look-up of `purchaseInvoices` covers Invoice-type entries, so only blank
(journal) entries are a hand posting here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bc_client import BCError, BusinessCentralClient
from bc_client.enums import decode_enum
from bc_client.odata import any_of
from destination_dynamics_nav.lookups import chunked
from destination_dynamics_nav.posting.base import InvoiceTask
from destination_dynamics_nav.reference_data import code_key

logger = logging.getLogger("airbyte")

REPORTS_FINANCE = "microsoft/reportsFinance/beta"
LEDGER_FIELDS = ("entryNumber", "vendorNumber", "documentType", "documentNumber", "externalDocumentNumber", "amount")
INVOICE_LIKE = frozenset({"", "invoice"})  # documentType captions, blank stripped


@dataclass(frozen=True)
class LedgerMatch:
    entry_number: int
    document_number: str
    document_type: str

    def reason(self, vendor: str, external: str) -> str:
        kind = f"{self.document_type} " if self.document_type else ""
        return (
            f"already_posted_in_nav: vendor {vendor} already has {kind}document {self.document_number} (vendor "
            f"ledger entry {self.entry_number}) with external document number {external}, posted outside this "
            "connector; the invoice is not posted a second time"
        )


def _type_key(value: Any) -> str:
    # API v2.0 may show option captions encoded (" " as "_x0020_"); blank either way is the journal's type.
    text = decode_enum(str(value or "")).strip()
    return text.casefold()


def read_vendor_ledger(bc: BusinessCentralClient, external_numbers: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Vendor ledger entries whose external document number is one of `external_numbers` (by upper-cased number).

    External Document No. is a Code field: NAV stores it upper-case, so the filter uses upper-case values and the
    match is case-insensitive for the Stampli side."""
    values = [code_key(n) for n in external_numbers if n]

    def read(chunk: list[str]) -> list[dict[str, Any]]:
        return [
            dict(e)
            for e in bc.iter_entities(
                "vendorLedgerEntries",
                filter=any_of("externalDocumentNumber", chunk),
                select=list(LEDGER_FIELDS),
                api_route=REPORTS_FINANCE,
            )
        ]

    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entries in bc.map_concurrently(read, chunked(values)):
        for entry in entries:
            found[code_key(str(entry.get("externalDocumentNumber") or ""))].append(entry)
    return dict(found)


def hand_posted(
    bc: BusinessCentralClient, tasks: Sequence[InvoiceTask], *, posting_mode: str
) -> dict[str, LedgerMatch]:
    """Invoice id → the vendor ledger entry that already books this invoice outside the connector."""
    posts = [t for t in tasks if t.kind == "post" and t.document.external_document_number]
    if not posts:
        return {}
    try:
        ledger = read_vendor_ledger(bc, [t.document.external_document_number for t in posts])
    except BCError as error:
        logger.warning(
            "Could not read NAV's vendor ledger (%s); invoices keyed in by hand are not looked for in this flush",
            error.message,
        )
        return {}
    matches: dict[str, LedgerMatch] = {}
    for task in posts:
        document = task.document
        for entry in ledger.get(code_key(document.external_document_number), []):
            if code_key(str(entry.get("vendorNumber") or "")) != code_key(document.vendor_number):
                continue  # the same invoice number from another vendor is another invoice (BC's rule too)
            document_type = _type_key(entry.get("documentType"))
            if document_type not in INVOICE_LIKE:
                continue  # a payment or credit memo quoting the invoice number is not the invoice
            number = str(entry.get("documentNumber") or "")
            if posting_mode == "journal" and code_key(number) == code_key(document.document_number):
                continue  # this connector's own earlier posting: the poster's exactly-once skip handles it
            if posting_mode == "purchase_invoice" and document_type:
                continue  # a posted purchase invoice: the poster's own purchaseInvoices look-up reports it
            matches[document.invoice_id] = LedgerMatch(
                int(entry.get("entryNumber") or 0), number, str(entry.get("documentType") or "").strip()
            )
            break
    return matches
