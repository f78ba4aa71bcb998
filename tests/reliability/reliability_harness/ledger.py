"""The ledger checks, read straight from the emulator's books (not through the connector's own look-ups).

Exactly once, for each expected vendor invoice (vendor + vendor invoice number, in either posting mode):
- exactly one vendor ledger entry, for minus the invoice total (a second posting adds a second entry),
- its document's G/L entries come from ONE posting transaction and balance (debits = credits),
- the expense side (every G/L entry that is not the vendor's payables line) nets to the invoice total.
And for the ledger as a whole: no vendor invoice posted that was not expected.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bc_emulator import EmulatorServer

ZERO = Decimal(0)


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0))


@dataclass
class Books:
    """One company's ledgers and open journal lines, as the emulator holds them."""

    gl_entries: list[dict[str, Any]]
    vendor_entries: list[dict[str, Any]]
    journal_lines: list[dict[str, Any]]
    draft_purchase_invoices: list[dict[str, Any]] = field(default_factory=list)
    payables_account: str = "2100"  # where vendor postings credit the payable (CRONUS: vendor posting group)

    @classmethod
    def of(cls, emulator: EmulatorServer) -> Books:
        company = next(c for c in emulator.dump()["companies"] if c["name"] == emulator.company_name)
        return cls(
            gl_entries=list(company.get("generalLedgerEntries", [])),
            vendor_entries=list(company.get("vendorLedgerEntries", [])),
            journal_lines=list(company.get("journalLines", [])),
            draft_purchase_invoices=[p for p in company.get("purchaseInvoices", []) if p.get("status") == "Draft"],
            payables_account=str(company.get("setup", {}).get("payablesAccountNumber") or "2100"),
        )

    def gl_by_document(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in self.gl_entries:
            grouped[str(entry["documentNumber"])].append(entry)
        return dict(grouped)

    def vendor_by_document(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in self.vendor_entries:
            grouped[str(entry["documentNumber"])].append(entry)
        return dict(grouped)

    def posting_dates(self) -> dict[str, set[str]]:
        dates: dict[str, set[str]] = defaultdict(set)
        for entry in self.gl_entries:
            dates[str(entry["documentNumber"])].add(str(entry["postingDate"])[:10])
        return dict(dates)


def expense_amount(entries: list[dict[str, Any]], payables_account: str) -> Decimal:
    """Net debit of a document's G/L entries other than the vendor's payables line."""
    return sum(
        (
            _money(e["debitAmount"]) - _money(e["creditAmount"])
            for e in entries
            if e["accountNumber"] != payables_account
        ),
        ZERO,
    )


@dataclass(frozen=True)
class ExpectedPosting:
    """One vendor invoice that must be in NAV exactly once (found by vendor + vendor invoice number, which both
    posting modes carry: the journal's external document number, the purchase invoice's vendor invoice number)."""

    vendor: str
    external_document_number: str
    total: Decimal
    document_number: str | None = None  # journal mode: the connector's deterministic number
    posting_date: str | None = None


def posting_problems(books: Books, expected: Mapping[str, ExpectedPosting]) -> list[str]:
    """Every way the books differ from "each expected invoice posted exactly once, balanced, nothing else"."""
    problems: list[str] = []
    gl = books.gl_by_document()
    by_invoice: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for entry in books.vendor_entries:
        if not entry.get("reversed"):
            by_invoice[(str(entry["vendorNumber"]), str(entry["externalDocumentNumber"]).upper())].append(entry)
    claimed: set[tuple[str, str]] = set()
    for key, posting in sorted(expected.items()):
        invoice = (posting.vendor, posting.external_document_number.upper())
        claimed.add(invoice)
        vendor_entries = by_invoice.get(invoice, [])
        if not vendor_entries:
            problems.append(f"{key}: missing (no vendor ledger entry for {posting.vendor} {invoice[1]})")
            continue
        if len(vendor_entries) > 1:
            problems.append(f"{key}: posted {len(vendor_entries)} times (vendor ledger entries)")
        number = str(vendor_entries[0]["documentNumber"])
        if posting.document_number is not None and number != posting.document_number:
            problems.append(f"{key}: posted as {number}, expected document number {posting.document_number}")
        if _money(vendor_entries[0]["amount"]) != -posting.total:
            problems.append(f"{key}: vendor ledger entry {vendor_entries[0]['amount']}, expected {-posting.total}")
        entries = gl.get(number, [])
        transactions = {e.get("transactionNumber") for e in entries}
        if len(transactions) != 1:
            problems.append(f"{key}: document {number} posted in {len(transactions)} transactions")
        debit = sum((_money(e["debitAmount"]) for e in entries), ZERO)
        credit = sum((_money(e["creditAmount"]) for e in entries), ZERO)
        if debit != credit:
            problems.append(f"{key}: document {number} out of balance (debit {debit}, credit {credit})")
        expense = expense_amount(entries, books.payables_account)
        if expense != posting.total:
            problems.append(f"{key}: expense side {expense}, expected {posting.total}")
        dates = {str(e["postingDate"])[:10] for e in entries}
        if posting.posting_date is not None and dates != {posting.posting_date}:
            problems.append(f"{key}: posting date {sorted(dates)}, expected {posting.posting_date}")
    for (vendor, external), entries in sorted(by_invoice.items()):
        if (vendor, external) not in claimed:
            numbers = ", ".join(sorted({str(e["documentNumber"]) for e in entries}))
            problems.append(f"vendor {vendor} invoice {external}: posted ({numbers}) but not expected")
    return problems


def unbalanced_documents(books: Books) -> list[str]:
    """Documents anywhere in the general ledger whose debits differ from their credits."""
    problems = []
    for number, entries in sorted(books.gl_by_document().items()):
        debit = sum((_money(e["debitAmount"]) for e in entries), ZERO)
        credit = sum((_money(e["creditAmount"]) for e in entries), ZERO)
        if debit != credit:
            problems.append(f"{number}: debit {debit} != credit {credit}")
    return problems


def duplicate_problems(books: Books) -> list[str]:
    """Postings made twice, whatever was expected (checked after a failed or killed run, before the next one)."""
    twice = Counter(
        (str(e["vendorNumber"]), str(e["externalDocumentNumber"]).upper())
        for e in books.vendor_entries
        if not e.get("reversed")
    )
    problems = [f"vendor {v} invoice {x}: posted {n} times" for (v, x), n in sorted(twice.items()) if n > 1]
    for number, entries in sorted(books.gl_by_document().items()):
        transactions = {e.get("transactionNumber") for e in entries}
        if len(transactions) > 1:
            problems.append(f"document {number}: posted in {len(transactions)} transactions")
    return problems
