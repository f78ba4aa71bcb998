"""Pure validation of a Stampli invoice against NAV's reference data, before anything is written.

In journal mode a batch is posted whole: one bad document fails every document in it. So BC's posting rules are
mirrored here, and an invoice that would fail is rejected with a named reason while the others go through.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.document_numbers import DOCUMENT_NUMBER_MAX, EXTERNAL_DOCUMENT_NUMBER_MAX
from destination_dynamics_nav.mapping import MappedInvoice, map_invoice, nav_currency_code
from destination_dynamics_nav.outcomes import Problem
from destination_dynamics_nav.records import StampliInvoice
from destination_dynamics_nav.reference_data import ReferenceData, code_key

CENT = Decimal("0.01")


def _has_more_than_two_decimals(amount: Decimal) -> bool:
    return amount != amount.quantize(CENT)


def validate_invoice(
    invoice: StampliInvoice,
    settings: DestinationSettings,
    reference: ReferenceData,
    *,
    vendors_to_create: Collection[str] = (),
    local_currency: str | None = None,
) -> list[Problem]:
    """Every reason NAV would refuse to post this invoice; empty when it can be posted."""
    mapped = map_invoice(invoice, settings, local_currency=local_currency)
    return validate_mapped(mapped, settings, reference, vendors_to_create=vendors_to_create)


def validate_mapped(
    mapped: MappedInvoice,
    settings: DestinationSettings,
    reference: ReferenceData,
    *,
    vendors_to_create: Collection[str] = (),
) -> list[Problem]:
    """Every reason NAV would refuse to post this mapped invoice; empty when it can be posted.

    `vendors_to_create` are NAV vendor numbers this flush creates before posting (from the vendors stream or the
    invoice's own vendor fields), so their invoices are not rejected for a vendor that does not exist yet.
    """
    invoice = mapped.invoice
    problems: list[Problem] = []
    for flag in invoice.validation_errors:
        problems.append(Problem(str(flag), "the Stampli export flagged this invoice (see the source's log)"))

    if not invoice.invoice_number:
        problems.append(Problem("missing_invoice_number", "the invoice has no invoice number"))
    elif len(invoice.invoice_number) > EXTERNAL_DOCUMENT_NUMBER_MAX:
        problems.append(
            Problem(
                "invoice_number_too_long",
                f"invoice number has {len(invoice.invoice_number)} characters; NAV's external document number "
                f"holds at most {EXTERNAL_DOCUMENT_NUMBER_MAX}",
            )
        )

    problems.extend(_vendor_problems(mapped, settings, reference, vendors_to_create))

    if mapped.posting_date is None:
        problems.append(
            Problem(
                "missing_posting_date",
                f"{settings.posting_date_field} is empty and posting_date_field uses it as the posting date",
            )
        )

    currency_problems = _currency_problems(mapped, settings)
    problems.extend(currency_problems or _vendor_currency_problems(mapped, settings, reference))
    problems.extend(_line_problems(mapped, settings, reference))
    return problems


def _vendor_problems(
    mapped: MappedInvoice,
    settings: DestinationSettings,
    reference: ReferenceData,
    vendors_to_create: Collection[str],
) -> list[Problem]:
    invoice = mapped.invoice
    if not invoice.vendor_id:
        return [Problem("missing_vendor", "the invoice has no vendor id")]
    number = mapped.vendor_number
    if len(number) > DOCUMENT_NUMBER_MAX:
        return [
            Problem(
                "vendor_number_too_long",
                f"vendor id {invoice.vendor_id!r} has more than {DOCUMENT_NUMBER_MAX} characters; "
                "map it to a NAV vendor number with vendor_number_mapping",
            )
        ]
    vendor = reference.vendor(number)
    if vendor is None:
        if code_key(number) in {code_key(v) for v in vendors_to_create}:
            return []
        hint = (
            "vendor_sync is off: create the vendor in NAV or enable vendor_sync"
            if settings.vendor_sync == "off"
            else "it is not in NAV and neither the vendors stream nor the invoice carries a vendor name to create it"
        )
        return [Problem("unknown_vendor", f"vendor {number} does not exist in NAV ({hint})")]
    if vendor.blocks_invoices:
        return [Problem("vendor_blocked", f"vendor {number} is blocked (All) in NAV")]
    return []


def _currency_problems(mapped: MappedInvoice, settings: DestinationSettings) -> list[Problem]:
    invoice, local_currency = mapped.invoice, mapped.local_currency
    if not invoice.currency:
        return []
    if local_currency is None:
        return [
            Problem(
                "unknown_local_currency",
                f"the invoice is in {code_key(invoice.currency)} but the company's local currency could not be read "
                "from NAV (companyInformation); set local_currency_code",
            )
        ]
    code = mapped.currency_code
    if code and settings.posting_mode == "journal" and not settings.journal_lines_carry_currency:
        # API journal lines carry no currency code: a foreign amount would be booked as local currency.
        return [
            Problem(
                "foreign_currency_in_journal_mode",
                f"currency {code} is not the company's local currency ({local_currency}); journal "
                "lines from the API post in local currency only — use posting_mode purchase_invoice",
            )
        ]
    return []


def _vendor_currency_problems(
    mapped: MappedInvoice, settings: DestinationSettings, reference: ReferenceData
) -> list[Problem]:
    """Journal mode: a vendor journal line takes the vendor card's currency (GenJournalLine GetVendorAccount) and the
    journalLines API has no currency field to change it, so the invoice's currency must be the vendor's. (A purchase
    invoice sends its currency explicitly and may differ from the card.)"""
    if settings.posting_mode != "journal" or not mapped.vendor_number:
        return []
    if settings.journal_lines_carry_currency:
        # Classic NAV: the line sends Currency_Code after Account_No, so it replaces the card's currency that
        # GenJournalLine GetVendorAccount filled in — the card need not match.
        return []
    vendor = reference.vendor(mapped.vendor_number)
    if vendor is None:
        return []  # created by this sync from Stampli's data
    local_currency = mapped.local_currency
    card = code_key(str(vendor.fields.get("currencyCode") or ""))
    card_code = nav_currency_code(card, local_currency) if card else ""
    invoice_code = mapped.currency_code
    if card_code == invoice_code:
        return []
    lcy = local_currency or "the local currency"
    return [
        Problem(
            "vendor_currency_mismatch",
            f"the invoice is in {invoice_code or lcy} but NAV vendor {vendor.number} is set up in {card_code or lcy}; "
            "a journal's vendor line takes the vendor card's currency and the API cannot change it (use posting_mode "
            "purchase_invoice, or correct the vendor's currency)",
        )
    ]


def _line_problems(mapped: MappedInvoice, settings: DestinationSettings, reference: ReferenceData) -> list[Problem]:
    invoice = mapped.invoice
    problems: list[Problem] = []
    if not mapped.lines:
        return [Problem("no_lines", "the invoice has no lines to post")]

    missing_accounts: list[str] = []
    unknown_accounts: list[str] = []
    unusable_accounts: list[str] = []
    unknown_dimensions: set[str] = set()
    unknown_values: list[str] = []
    amount_problem = False
    for line in mapped.lines:
        label = line.label
        if line.amount is None:
            amount_problem = True
            problems.append(Problem("missing_line_amount", f"line {label} has no amount"))
        elif _has_more_than_two_decimals(line.amount):
            amount_problem = True
            problems.append(Problem("amount_precision", f"line {label} amount {line.amount} has more than 2 decimals"))
        if line.account_number is None:
            missing_accounts.append(label)
        else:
            number = line.account_number
            account = reference.account(number)
            if account is None:
                unknown_accounts.append(number)
            elif account.account_type.casefold() != "posting" or not account.direct_posting or account.blocked:
                why = (
                    "is blocked"
                    if account.blocked
                    else f"is a {account.account_type or 'non-posting'} account"
                    if account.account_type.casefold() != "posting"
                    else "does not allow direct posting"
                )
                unusable_accounts.append(f"{number} {why}")
        for _field, dimension_code, value in line.dimension_values:
            dimension = reference.dimension(dimension_code)
            if dimension is None:
                unknown_dimensions.add(dimension_code)
            elif value not in dimension.values:
                unknown_values.append(f"{dimension_code} {value}")

    if missing_accounts:
        problems.append(Problem("missing_gl_account", f"line(s) {', '.join(missing_accounts)} have no G/L account"))
    if unknown_accounts:
        listed = ", ".join(dict.fromkeys(unknown_accounts))
        problems.append(Problem("unknown_gl_account", f"G/L account(s) {listed} do not exist in NAV"))
    if unusable_accounts:
        listed = "; ".join(dict.fromkeys(unusable_accounts))
        problems.append(Problem("gl_account_not_postable", f"G/L account {listed}"))
    if unknown_dimensions:
        problems.append(
            Problem(
                "unknown_dimension",
                f"dimension(s) {', '.join(sorted(unknown_dimensions))} from dimension_mapping do not exist in NAV",
            )
        )
    if unknown_values:
        listed = ", ".join(dict.fromkeys(unknown_values))
        problems.append(Problem("unknown_dimension_value", f"dimension value(s) {listed} do not exist in NAV"))

    if invoice.invoice_total is None:
        problems.append(Problem("missing_total", "the invoice has no total"))
    elif not amount_problem:
        lines_sum = sum((line.amount for line in mapped.lines if line.amount is not None), Decimal("0"))
        if _has_more_than_two_decimals(invoice.invoice_total):
            problems.append(Problem("amount_precision", f"total {invoice.invoice_total} has more than 2 decimals"))
        elif lines_sum != invoice.invoice_total and "lines_do_not_sum_to_total" not in invoice.validation_errors:
            problems.append(
                Problem(
                    "lines_do_not_sum_to_total",
                    f"lines sum to {lines_sum} but the invoice total is {invoice.invoice_total}",
                )
            )
        elif invoice.invoice_total == 0:
            problems.append(Problem("zero_amount", "the invoice total is 0: there is nothing to post"))
        elif invoice.invoice_total < 0 and settings.posting_mode == "purchase_invoice":
            problems.append(
                Problem(
                    "credit_memo_in_purchase_invoice_mode",
                    f"total {invoice.invoice_total} is negative (a credit memo); a purchase invoice cannot have a "
                    "negative total — post credit memos with posting_mode journal",
                )
            )
    return problems
