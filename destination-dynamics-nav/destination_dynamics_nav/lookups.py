"""Batched look-ups of what NAV already holds for a set of deterministic keys.

BC has no idempotency key, so before writing anything the connector asks NAV what exists for the document numbers
(or vendor invoice numbers) of a whole flush at once: one `$filter` per chunk of keys, OR-ing a single field (BC
refuses OR across different fields), chunks read concurrently within the client's in-flight limit.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from bc_client.odata import all_of, any_of, eq, modified_since

# Keys per filter: ~45 characters each keeps URLs near 2 KB, well inside every proxy's limit.
FILTER_CHUNK = 40

GL_ENTRY_FIELDS = ("id", "entryNumber", "postingDate", "documentNumber", "accountNumber", "debitAmount", "creditAmount")
# A confirmation needs only which entries each document got: the range read after a post returns every entry posted
# since the mark (hundreds per flush), so it asks for no more.
CONFIRM_FIELDS = ("entryNumber", "documentNumber")
JOURNAL_LINE_FIELDS = (
    "id",
    "lineNumber",
    "accountType",
    "accountNumber",
    "postingDate",
    "documentNumber",
    "externalDocumentNumber",
    "amount",
    "description",
)
PURCHASE_INVOICE_FIELDS = (
    "id",
    "number",
    "status",
    "vendorNumber",
    "vendorInvoiceNumber",
    "postingDate",
    "totalAmountExcludingTax",
    "totalAmountIncludingTax",
    "lastModifiedDateTime",
)


class EntityReader(Protocol):
    def iter_entities(
        self, path: str, *, filter: str | None = None, select: Sequence[str] | None = None, expand: Any = None
    ) -> Iterable[Mapping[str, Any]]: ...

    def map_concurrently(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]: ...


def concurrently(bc: EntityReader, *calls: Callable[[], Any]) -> list[Any]:
    """Independent reads side by side (within the client's in-flight limit); results in order."""
    return bc.map_concurrently(lambda call: call(), list(calls))


def chunked(values: Sequence[str], size: int = FILTER_CHUNK) -> list[list[str]]:
    unique = list(dict.fromkeys(values))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def find_by_field(
    bc: EntityReader,
    path: str,
    field: str,
    values: Sequence[str],
    *,
    select: Sequence[str],
    extra_filter: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Entities of `path` whose `field` equals one of `values`, grouped by that field's value (upper-cased)."""
    if not values:
        return {}

    def read(chunk: list[str]) -> list[dict[str, Any]]:
        clause = any_of(field, chunk)
        return [dict(e) for e in bc.iter_entities(path, filter=all_of(clause, extra_filter), select=list(select))]

    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entities in bc.map_concurrently(read, chunked(list(values))):
        for entity in entities:
            found[str(entity.get(field, "")).upper()].append(entity)
    return dict(found)


def gl_entries_by_document(bc: EntityReader, document_numbers: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    return find_by_field(bc, "generalLedgerEntries", "documentNumber", document_numbers, select=GL_ENTRY_FIELDS)


def journal_lines_by_document(
    bc: EntityReader, journal_id: str, document_numbers: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    return find_by_field(
        bc, f"journals({journal_id})/journalLines", "documentNumber", document_numbers, select=JOURNAL_LINE_FIELDS
    )


def purchase_invoices_by_vendor_invoice_number(
    bc: EntityReader, vendor_invoice_numbers: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    return find_by_field(
        bc, "purchaseInvoices", "vendorInvoiceNumber", vendor_invoice_numbers, select=PURCHASE_INVOICE_FIELDS
    )


def purchase_invoices_modified_since(bc: EntityReader, since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Purchase invoices (drafts and posted) stamped at or after `since`, by upper-cased vendor invoice number: one
    range read however many invoices a flush holds. APIV2 - Purchase Invoices shows the aggregate's SystemModifiedAt
    as lastModifiedDateTime, and PurchInvAggregator re-stamps it when a draft is posted (OnAfterInsert of the
    Purch. Inv. Header, and of its vendor ledger entry)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for invoice in bc.iter_entities(
        "purchaseInvoices", filter=modified_since(since, inclusive=True), select=list(PURCHASE_INVOICE_FIELDS)
    ):
        found[str(invoice.get("vendorInvoiceNumber", "")).upper()].append(dict(invoice))
    return dict(found)


def modified_at(entity: Mapping[str, Any]) -> datetime | None:
    """An entity's lastModifiedDateTime (BC's wire form, UTC with `Z`), or None when it is absent or unreadable."""
    text = str(entity.get("lastModifiedDateTime") or "")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def single(bc: EntityReader, path: str, field: str, value: str, select: Sequence[str]) -> dict[str, Any] | None:
    for entity in bc.iter_entities(path, filter=eq(field, value), select=list(select)):
        return dict(entity)
    return None


def ledger_high_water(bc: EntityReader) -> int:
    """The highest G/L entry number now: entries a post makes afterwards are all above it."""
    for entry in bc.iter_entities("generalLedgerEntries", select=["entryNumber"], orderby="entryNumber desc", top=1):
        return int(entry.get("entryNumber") or 0)
    return 0


class LedgerMark:
    """A lower bound of NAV's highest G/L entry number: read once per sync (`ledger_high_water`), then advanced by
    the entries this connector confirms. Entries a post makes afterwards are all above it, so a flush confirms with
    one range read from there. Reading the true high-water mark every flush would sort the whole ledger each time
    (`$orderby=entryNumber desc`) only to learn a number the last confirmation already saw; a lower bound stays
    correct whatever others post meanwhile (their entries are read, then ignored by document number)."""

    def __init__(self, bc: EntityReader) -> None:
        self._bc = bc
        self._value: int | None = None
        self._lock = threading.Lock()

    def current(self) -> int:
        with self._lock:
            if self._value is None:
                self._value = ledger_high_water(self._bc)
            return self._value

    def advance(self, entries: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Entries read back after a post: the highest of them is a new lower bound."""
        highest = max(
            (int(e["entryNumber"]) for group in entries.values() for e in group if e.get("entryNumber") is not None),
            default=None,
        )
        if highest is None:
            return
        with self._lock:
            if self._value is not None:
                self._value = max(self._value, highest)


def gl_entries_after(
    bc: EntityReader, high_water: int, document_numbers: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """G/L entries of `document_numbers` (of every document when empty) posted after `high_water`, by document
    number: one range read instead of one filter per chunk of numbers (entries other users posted meanwhile are
    read too; callers look up only their own documents)."""
    wanted = {number.upper() for number in document_numbers}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in bc.iter_entities(
        "generalLedgerEntries", filter=f"entryNumber gt {int(high_water)}", select=list(CONFIRM_FIELDS)
    ):
        number = str(entry.get("documentNumber", "")).upper()
        if not wanted or number in wanted:
            found[number].append(dict(entry))
    return dict(found)
