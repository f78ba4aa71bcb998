"""Pure mapping: a validated Stampli invoice → a posting document → Business Central API payloads.

No I/O here. `map_invoice` maps an invoice to NAV's values once; `validation` judges those values and
`document_of` (or `posting_document`, both in one) builds the document from them once they validated. The payload
builders turn a document into exactly what the API receives, for either posting mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import stampli_nav_rules as rules
from bc_client.enums import decode_enum
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.document_numbers import (
    document_number,
    reversal_document_number,
    reversal_external_document_number,
)
from destination_dynamics_nav.records import InvoiceLine, StampliInvoice
from destination_dynamics_nav.reference_data import code_key

if TYPE_CHECKING:
    from destination_dynamics_nav.default_dimensions import DimensionPlan

DESCRIPTION_MAX = 100  # Text[100] on journal lines, purchase lines and G/L entries


@dataclass(frozen=True)
class DimensionAssignment:
    code: str  # NAV dimension code, e.g. DEPARTMENT
    value: str  # NAV dimension value code, e.g. SALES


@dataclass(frozen=True)
class PostingLine:
    """One expense line: debit `amount` (credit when negative) to a G/L account, with its dimensions."""

    account_number: str
    amount: Decimal
    description: str
    dimensions: tuple[DimensionAssignment, ...]
    source_line_number: int | None = None


@dataclass(frozen=True)
class PostingDocument:
    """One balanced NAV document for one Stampli invoice (or for its reversal)."""

    invoice_id: str
    invoice_number: str
    document_number: str
    external_document_number: str
    vendor_number: str
    posting_date: dt.date
    document_date: dt.date | None
    due_date: dt.date | None
    currency_code: str  # "" is NAV's local currency
    lines: tuple[PostingLine, ...]
    is_reversal: bool = False
    # Where each dimension goes given NAV's default dimensions (default_dimensions.plan_dimensions); None: every
    # mapped dimension is inserted with its line.
    dimension_plan: DimensionPlan | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def vendor_description(self) -> str:
        kind = "Reversal of invoice" if self.is_reversal else "Invoice"
        return truncate(f"{kind} {self.invoice_number}")


def truncate(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """NAV cuts nothing itself: it refuses values longer than the field. Descriptions are cut, with a marker."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nav_vendor_number(vendor_id: str, settings: DestinationSettings) -> str:
    """The NAV vendor number for a Stampli vendor id: `vendor_number_mapping` first, else the id itself."""
    return rules.nav_vendor_number(vendor_id, settings.vendor_number_mapping)


def nav_account_number(gl_code: str, settings: DestinationSettings) -> str:
    """The NAV G/L account for a Stampli G/L code (the rule the runner's reconciliation applies too)."""
    return rules.nav_account_number(gl_code, settings.gl_account_mapping)


def dimension_source_value(line: InvoiceLine, invoice: StampliInvoice, field: str) -> str | None:
    """A dimension field is read from the line first (Stampli codes lines), then from the invoice header."""
    for holder in (line, invoice):
        value = holder.field(field)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def posting_date_of(invoice: StampliInvoice, settings: DestinationSettings) -> dt.date | None:
    return getattr(invoice, settings.posting_date_field)


@dataclass(frozen=True)
class MappedLine:
    """One Stampli line in NAV's terms, computed once: what validation checks and the document books."""

    label: str  # the line's number as Stampli shows it (its position when it has none)
    account_number: str | None  # None: the line has no G/L account
    amount: Decimal | None
    description: str
    # (Stampli field, NAV dimension code, NAV value code) for every mapped dimension the line (or header) carries
    dimension_values: tuple[tuple[str, str, str], ...]

    @property
    def dimensions(self) -> tuple[DimensionAssignment, ...]:
        return tuple(DimensionAssignment(code=code, value=value) for _, code, value in self.dimension_values)


@dataclass(frozen=True)
class MappedInvoice:
    """A Stampli invoice mapped to NAV once (vendor number, currency, posting date, accounts, dimensions), before
    it is validated: validation judges these values and the posting document is built from them, so neither
    recomputes a mapping the other made."""

    invoice: StampliInvoice
    vendor_number: str  # "" when the invoice has no vendor id
    currency_code: str  # "" is NAV's local currency (also when the invoice names none)
    local_currency: str | None
    posting_date: dt.date | None
    lines: tuple[MappedLine, ...]


def map_invoice(invoice: StampliInvoice, settings: DestinationSettings, *, local_currency: str | None) -> MappedInvoice:
    lines = []
    for index, line in enumerate(invoice.lines, start=1):
        label = str(line.line_number or index)
        values = []
        for field, code in settings.dimension_mapping.items():
            value = dimension_source_value(line, invoice, field)
            if value is not None:
                values.append((field, code, code_key(value)))
        lines.append(
            MappedLine(
                label=label,
                account_number=nav_account_number(line.gl_account, settings) if line.gl_account else None,
                amount=line.amount,
                description=truncate(line.description or f"{invoice.invoice_number} line {label}"),
                dimension_values=tuple(values),
            )
        )
    return MappedInvoice(
        invoice=invoice,
        vendor_number=nav_vendor_number(invoice.vendor_id, settings) if invoice.vendor_id else "",
        currency_code=nav_currency_code(invoice.currency, local_currency),
        local_currency=local_currency,
        posting_date=posting_date_of(invoice, settings),
        lines=tuple(lines),
    )


def document_of(mapped: MappedInvoice, settings: DestinationSettings) -> PostingDocument:
    """The document that books a mapped invoice that validated (every value used here is present and valid)."""
    invoice = mapped.invoice
    assert invoice.invoice_number and mapped.vendor_number and mapped.posting_date is not None
    lines = []
    for line in mapped.lines:
        assert line.amount is not None and line.account_number
        if line.amount == 0:
            continue  # BC posts nothing for a zero line; leaving it out keeps the document clean
        lines.append(
            PostingLine(
                account_number=line.account_number,
                amount=line.amount,
                description=line.description,
                dimensions=line.dimensions,
                source_line_number=int(line.label),
            )
        )
    return PostingDocument(
        invoice_id=invoice.invoice_id,
        invoice_number=invoice.invoice_number,
        document_number=document_number(settings.document_number_prefix, invoice.invoice_id),
        external_document_number=invoice.invoice_number,
        vendor_number=mapped.vendor_number,
        posting_date=mapped.posting_date,
        document_date=invoice.invoice_date,
        due_date=invoice.due_date,
        currency_code=mapped.currency_code,
        lines=tuple(lines),
    )


def posting_document(
    invoice: StampliInvoice, settings: DestinationSettings, *, local_currency: str | None
) -> PostingDocument:
    """The document that books `invoice` (already validated: every field used here is present and valid)."""
    return document_of(map_invoice(invoice, settings, local_currency=local_currency), settings)


def nav_currency_code(currency: str | None, local_currency: str | None) -> str:
    """NAV writes its local currency as blank; only foreign currencies carry a code."""
    if not currency:
        return ""
    code = code_key(currency)
    return "" if local_currency is not None and code == code_key(local_currency) else code


def reversing_document(
    original: PostingDocument, prefix: str, *, posting_date: dt.date | None = None
) -> PostingDocument:
    """The document that cancels `original`: every amount negated, reversal-suffixed numbers.

    BC's own Reverse Transaction posts on the original posting date; so does this unless told otherwise.
    """
    return replace(
        original,
        document_number=reversal_document_number(prefix, original.invoice_id),
        external_document_number=reversal_external_document_number(original.invoice_number),
        posting_date=posting_date or original.posting_date,
        lines=tuple(replace(line, amount=-line.amount) for line in original.lines),
        is_reversal=True,
    )


# --- Business Central payloads ------------------------------------------------------------------------------


def dimension_set_lines(dimensions: tuple[DimensionAssignment, ...]) -> list[dict[str, str]]:
    return [{"code": d.code, "valueCode": d.value} for d in dimensions]


def journal_line_payloads(document: PostingDocument) -> list[dict[str, Any]]:
    """One G/L line per expense line (debit) and one vendor line for the total (credit), in one document.

    Amount signs follow NAV: positive debits, negative credits. A credit memo (negative total) therefore
    credits the expense accounts and debits the vendor without any special case.
    """
    common = {
        "postingDate": document.posting_date,
        "documentNumber": document.document_number,
        "externalDocumentNumber": document.external_document_number,
    }
    plan = document.dimension_plan
    payloads: list[dict[str, Any]] = [
        {
            **common,
            "accountType": "G/L Account",
            "accountNumber": line.account_number,
            "amount": line.amount,
            "description": line.description,
            "dimensionSetLines": dimension_set_lines(plan.nested[index] if plan else line.dimensions),
        }
        for index, line in enumerate(document.lines)
    ]
    vendor_line: dict[str, Any] = {
        **common,
        "accountType": "Vendor",
        "accountNumber": document.vendor_number,
        "amount": -document.total,
        "description": document.vendor_description,
    }
    if plan and plan.vendor_side:
        vendor_line["dimensionSetLines"] = dimension_set_lines(plan.vendor_side)
    payloads.append(vendor_line)
    return payloads


def purchase_invoice_payload(document: PostingDocument) -> dict[str, Any]:
    """A draft purchase invoice with its lines and their dimensions, for one deep-insert POST."""
    header: dict[str, Any] = {
        "vendorNumber": document.vendor_number,
        "vendorInvoiceNumber": document.external_document_number,
        "postingDate": document.posting_date,
    }
    if document.document_date is not None:
        header["invoiceDate"] = document.document_date
    if document.due_date is not None:
        header["dueDate"] = document.due_date
    # Sent explicitly: BC copies the pay-to vendor's currency and Prices Including VAT onto a new header
    # (PurchaseHeader "Pay-to Vendor No." OnValidate); "" is the local currency. Stampli amounts exclude tax.
    header["currencyCode"] = document.currency_code
    header["pricesIncludeTax"] = False
    plan = document.dimension_plan
    if plan and plan.vendor_side:
        header["dimensionSetLines"] = dimension_set_lines(plan.vendor_side)
    header["purchaseInvoiceLines"] = [
        {
            "lineType": "Account",
            "lineObjectNumber": line.account_number,
            "description": line.description,
            "quantity": Decimal("1"),
            "unitCost": line.amount,
            "dimensionSetLines": dimension_set_lines(plan.nested[index] if plan else line.dimensions),
        }
        for index, line in enumerate(document.lines)
    ]
    return header


def journal_line_signature(line: Mapping[str, Any]) -> tuple[str, str, Decimal, str]:
    """What identifies a written journal line when comparing NAV's batch with what should be there."""
    return (
        decode_enum(str(line.get("accountType", ""))),  # an enum: compared as the plain caption
        code_key(str(line.get("accountNumber", ""))),
        Decimal(str(line.get("amount", "0"))),
        str(line.get("externalDocumentNumber", "")),
    )


def expected_journal_signatures(document: PostingDocument) -> list[tuple[str, str, Decimal, str]]:
    return sorted(journal_line_signature(payload) for payload in journal_line_payloads(document))
