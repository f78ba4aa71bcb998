"""Posting: general journal batches and purchase invoices become G/L and vendor ledger entries.

Posting is all or nothing: every line is checked first (like Gen. Jnl.-Check Line / Purch.-Post), then the
entries are written. Like BC's posting codeunits, a successful post COMMITs, so an enclosing transactional
$batch cannot roll it back.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from bc_emulator import default_dimensions, errors, rules
from bc_emulator.fields import round_amount
from bc_emulator.ids import new_id
from bc_emulator.resources.base import take_number
from bc_emulator.store import CompanyData, Transaction

ZERO = Decimal(0)


class Ledger:
    """Writes G/L and vendor ledger entries with BC's running entry and transaction numbers."""

    def __init__(self, txn: Transaction, company: CompanyData) -> None:
        self.txn = txn
        self.company = company

    def new_transaction(self) -> int:
        number = self.company.setup["lastTransactionNumber"] + 1
        self.txn.set_setup(self.company, "lastTransactionNumber", number)
        return number

    def gl_entry(
        self,
        *,
        transaction: int,
        posting_date: str,
        document_number: str,
        document_type: str,
        account: dict[str, Any],
        description: str,
        amount: Decimal,
        dimension_set: dict[str, str],
        external_document_number: str = "",
        source_type: str = "",
        source_number: str = "",
    ) -> dict[str, Any]:
        entry_number = self.company.setup["lastEntryNumber"] + 1
        self.txn.set_setup(self.company, "lastEntryNumber", entry_number)
        record = {
            "id": new_id(),
            "entryNumber": entry_number,
            "postingDate": posting_date,
            "documentNumber": document_number,
            "documentType": document_type,
            "accountId": account["id"],
            "accountNumber": account["number"],
            "description": description,
            "debitAmount": amount if amount > 0 else ZERO,
            "creditAmount": -amount if amount < 0 else ZERO,
            "additionalCurrencyDebitAmount": ZERO,
            "additionalCurrencyCreditAmount": ZERO,
            "lastModifiedDateTime": "",
            "dimensionSet": dict(dimension_set),
            "externalDocumentNumber": external_document_number,
            "sourceType": source_type,
            "sourceNumber": source_number,
            "transactionNumber": transaction,
        }
        return self.txn.insert(self.company, "generalLedgerEntries", record)

    def vendor_entry(
        self,
        *,
        vendor_number: str,
        posting_date: str,
        document_type: str,
        document_number: str,
        external_document_number: str,
        description: str,
        amount: Decimal,
        dimension_set: dict[str, str],
        balancing_type: str = "G/L Account",
        balancing_number: str = "",
        currency_code: str = "",
    ) -> dict[str, Any]:
        entry_number = self.company.setup["lastVendorLedgerEntryNumber"] + 1
        self.txn.set_setup(self.company, "lastVendorLedgerEntryNumber", entry_number)
        record = {
            "id": new_id(),
            "entryNumber": entry_number,
            "vendorNumber": vendor_number,
            "postingDate": posting_date,
            "documentType": document_type,
            "documentNumber": document_number,
            "externalDocumentNumber": external_document_number,
            "description": description,
            "currencyCode": currency_code,
            "amount": amount,
            "debitAmount": amount if amount > 0 else ZERO,
            "creditAmount": -amount if amount < 0 else ZERO,
            "open": amount != 0,
            "balancingAccountType": balancing_type,
            "balancingAccountNumber": balancing_number,
            "dimensionSetID": 0,
            "lastModifiedDateTime": "",
            "reversed": False,
            "dimensionSet": dict(dimension_set),
        }
        return self.txn.insert(self.company, "vendorLedgerEntries", record)


def payables_account(company: CompanyData, vendor_number: str) -> dict[str, Any]:
    number = company.setup.get("payablesAccountNumber", "")
    account = company.table("accounts").find_unique(("number",), number) if number else None
    if account is None:
        raise errors.field_validation(
            f"Payables Account must have a value in Vendor Posting Group: Code=DOMESTIC (Vendor {vendor_number}). "
            "It cannot be zero or empty."
        )
    return account


def existing_vendor_document(company: CompanyData, vendor_number: str, document_type: str, external: str) -> bool:
    """BC's duplicate check: a non-reversed vendor ledger entry with the same vendor, type and ext. doc. no."""
    for entry in company.table("vendorLedgerEntries").find(("externalDocumentNumber",), external):
        if entry["vendorNumber"] == vendor_number and entry["documentType"] == document_type and not entry["reversed"]:
            return True
    return False


# -- general journal ---------------------------------------------------------------------------------------


def post_journal(
    txn: Transaction, company: CompanyData, journal: dict[str, Any], document_number: str | None = None
) -> list[dict[str, Any]]:
    """Post every line of a journal batch or none; returns the G/L entries written. `document_number` narrows it
    to one document, as the job queue's Gen. Jnl.-Post via Job Queue does (SetRange "Document No.")."""
    if document_number is None:
        lines = company.table("journalLines").find(("journalId",), journal["id"])
    else:
        lines = company.table("journalLines").find(("journalId", "documentNumber"), journal["id"], document_number)
    lines = sorted(lines, key=lambda r: r["lineNumber"])
    lines = [line for line in lines if not _is_empty(line)]
    if not lines:
        raise errors.dialog("There is nothing to post.")
    context = _journal_context(journal)
    for line in lines:
        _check_journal_line(company, line, context)
    _check_balance(company, lines)
    _check_external_documents(company, lines)

    ledger = Ledger(txn, company)
    transactions: dict[tuple[str, str], int] = {}
    written: list[dict[str, Any]] = []
    for line in lines:
        group = (line["postingDate"], line["documentNumber"])
        if group not in transactions:
            transactions[group] = ledger.new_transaction()
        transaction = transactions[group]
        if line["amount"] == 0:
            continue
        amount = amount_lcy(company, line)  # G/L entries are in local currency
        sides = [(line["accountType"], line["accountNumber"], amount)]
        if line["balancingAccountNumber"]:
            sides.append((line["balanceAccountType"], line["balancingAccountNumber"], -amount))
        for account_type, number, side_amount in sides:
            if not number:
                continue
            written.extend(_post_journal_side(ledger, company, line, transaction, account_type, number, side_amount))
    for line in lines:
        txn.delete(company, "journalLines", line["id"])
    if document_number is None:
        for line in company.table("journalLines").find(("journalId",), journal["id"]):
            txn.delete(company, "journalLines", line["id"])  # empty lines go too, as in BC
    return written


def _is_empty(line: dict[str, Any]) -> bool:
    return not line["accountNumber"] and not line["balancingAccountNumber"] and line["amount"] == 0


def _journal_context(journal: dict[str, Any]) -> str:
    return f"Journal Template Name={journal['templateDisplayName']}, Journal Batch Name={journal['code']}"


def _must_have(field_caption: str, line: dict[str, Any], context: str) -> errors.ApiError:
    return errors.field_validation(
        f"{field_caption} must have a value in Gen. Journal Line: {context}, Line No.={line['lineNumber']}. "
        "It cannot be zero or empty."
    )


def _check_journal_line(company: CompanyData, line: dict[str, Any], context: str) -> None:
    if line["postingDate"] == "0001-01-01":
        raise _must_have("Posting Date", line, context)
    if not line["documentNumber"]:
        raise _must_have("Document No.", line, context)
    if not line["accountNumber"] and not line["balancingAccountNumber"]:
        raise _must_have("Account No.", line, context)
    rules.check_dimension_set(company, line["dimensionSet"])
    sources = [
        (t, n)
        for t, n in (
            (line["accountType"], line["accountNumber"]),
            (line["balanceAccountType"], line["balancingAccountNumber"]),
        )
        if n
    ]
    dimension_error = default_dimensions.value_posting_error(company, sources, line["dimensionSet"])
    if dimension_error is not None:
        # GenJnlCheckLine CheckDimensions -> DimMgt.CheckDimValuePosting; Text012 'A dimension used in %1 %2, %3, %4
        # has caused an error. %5' with the line's table caption, template, batch and line number.
        template, batch = _template_and_batch(context)
        raise errors.dialog(
            f"A dimension used in Gen. Journal Line {template}, {batch}, {line['lineNumber']} has caused an error. "
            f"{dimension_error}"
        )
    sides = [(line["accountType"], line["accountNumber"])]
    if line["balancingAccountNumber"]:
        sides.append((line["balanceAccountType"], line["balancingAccountNumber"]))
    for account_type, number in sides:
        if not number:
            continue
        if account_type == "G/L Account":
            account = company.table("accounts").find_unique(("number",), number)
            if account is None:
                raise errors.record_not_found("G/L Account", f"No.='{number}'")
            rules.check_gl_account(account)
        elif account_type == "Vendor":
            vendor = company.table("vendors").find_unique(("number",), number)
            if vendor is None:
                raise errors.record_not_found("Vendor", f"No.='{number}'")
            rules.check_vendor_not_blocked(vendor, " ", "post")
            if company.setup.get("extDocNoMandatory") and not line["externalDocumentNumber"]:
                raise _must_have("External Document No.", line, context)
        else:
            raise errors.dialog(f"Account Type {account_type} is not supported by this Business Central emulator.")


def _template_and_batch(context: str) -> tuple[str, str]:
    template, batch = (part.split("=", 1)[1] for part in context.split(", "))
    return template, batch


def amount_lcy(company: CompanyData, line: dict[str, Any]) -> Decimal:
    """GenJournalLine Amount (LCY): a line in a foreign currency (a vendor line takes the vendor card's currency)
    is converted at the exchange rate of its posting date (Currency Exchange Rate ExchangeAmtFCYToLCY)."""
    currency = line.get("currencyCode", "")
    if not currency:
        return line["amount"]
    rate = company.setup.get("exchangeRates", {}).get(currency)
    if rate is None:
        # Currency Exchange Rate FindCurrency: FindLast() on an empty filter -> the platform's "no record" error
        raise errors.dialog(
            "There is no Currency Exchange Rate within the filter. Filters: Currency Code: "
            f"{currency}, Starting Date: ''..{line['postingDate']}"
        )
    return round_amount(line["amount"] * Decimal(str(rate)))


def _check_balance(company: CompanyData, lines: list[dict[str, Any]]) -> None:
    """Each document (posting date + document no.) must balance to zero in local currency (Gen. Jnl.-Check Line /
    Gen. Jnl.-Post Batch CheckBalance work on Balance (LCY))."""
    balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        if not line["balancingAccountNumber"] and line["accountNumber"]:
            balances[(line["postingDate"], line["documentNumber"])] += amount_lcy(company, line)
        elif line["balancingAccountNumber"] and not line["accountNumber"]:
            balances[(line["postingDate"], line["documentNumber"])] -= amount_lcy(company, line)
    for (posting_date, document_number), balance in balances.items():
        if balance != 0:
            raise errors.dialog(
                f"Document No. {document_number} is out of balance by {balance:,.2f}. Please check that Posting "
                f"Date ({posting_date}), Document Type, Document No. and Currency Code are correct for each line."
            )


def _check_external_documents(company: CompanyData, lines: list[dict[str, Any]]) -> None:
    """Gen. Jnl.-Post Line CheckPurchExtDocNo for vendor lines (the API's document type is always blank)."""
    seen: set[tuple[str, str]] = set()
    for line in lines:
        for account_type, number in (
            (line["accountType"], line["accountNumber"]),
            (line["balanceAccountType"], line["balancingAccountNumber"]),
        ):
            external = line["externalDocumentNumber"]
            if account_type != "Vendor" or not number or not external or line["amount"] == 0:
                continue
            # API journal lines have no document type (blank); NAV page lines carry one (hidden documentType).
            document_type = line.get("documentType", " ")
            if (number, document_type, external) in seen or existing_vendor_document(
                company, number, document_type, external
            ):
                # 'Purchase %1 %2 already exists for this vendor.' (a blank document type leaves two spaces)
                raise errors.dialog(f"Purchase {document_type.strip()} {external} already exists for this vendor.")
            seen.add((number, document_type, external))


def _post_journal_side(
    ledger: Ledger,
    company: CompanyData,
    line: dict[str, Any],
    transaction: int,
    account_type: str,
    number: str,
    amount: Decimal,
) -> list[dict[str, Any]]:
    common = {
        "transaction": transaction,
        "posting_date": line["postingDate"],
        "document_number": line["documentNumber"],
        "document_type": line.get("documentType", " "),
        "description": line["description"],
        "amount": amount,
        "dimension_set": line["dimensionSet"],
        "external_document_number": line["externalDocumentNumber"],
    }
    if account_type == "G/L Account":
        account = company.table("accounts").find_unique(("number",), number)
        assert account is not None  # checked before anything was written
        return [ledger.gl_entry(account=account, **common)]
    payables = payables_account(company, number)
    ledger.vendor_entry(
        vendor_number=number,
        posting_date=line["postingDate"],
        document_type=line.get("documentType", " "),
        document_number=line["documentNumber"],
        external_document_number=line["externalDocumentNumber"],
        description=line["description"],
        # the vendor ledger keeps the line's currency and amount in it (sign of this side)
        amount=line["amount"] if amount * line["amount"] >= 0 else -line["amount"],
        dimension_set=line["dimensionSet"],
        currency_code=line.get("currencyCode", ""),
    )
    return [ledger.gl_entry(account=payables, source_type="Vendor", source_number=number, **common)]


# -- purchase invoices -------------------------------------------------------------------------------------


def post_purchase_invoice(txn: Transaction, company: CompanyData, invoice: dict[str, Any]) -> dict[str, Any]:
    """Post a draft purchase invoice; returns the updated (posted, status Open) invoice record."""
    if invoice["status"] != "Draft":
        raise errors.dialog("The action can be applied to a draft invoice only.")
    lines = sorted(company.table("purchaseInvoiceLines").find(("documentId",), invoice["id"]), key=_sequence)
    number = invoice["number"]
    header_context = f"Purchase Header: Document Type=Invoice, No.={number}"
    if invoice["postingDate"] == "0001-01-01":
        raise errors.field_validation(
            f"Posting Date must have a value in {header_context}. It cannot be zero or empty."
        )
    vendor = company.table("vendors").find_unique(("number",), invoice["vendorNumber"])
    pay_to = company.table("vendors").find_unique(("number",), invoice["payToVendorNumber"])
    if vendor is None or pay_to is None:
        raise errors.dialog("The vendor cannot be found.")
    rules.check_vendor_not_blocked(vendor, "Invoice", "post")
    rules.check_vendor_not_blocked(pay_to, "Invoice", "post")
    external = invoice["vendorInvoiceNumber"]
    if company.setup.get("extDocNoMandatory") and not external:
        raise errors.field_validation(
            f"Vendor Invoice No. must have a value in {header_context}. It cannot be zero or empty."
        )
    rules.check_dimension_set(company, invoice["dimensionSet"])
    # Check Dimensions CheckPurchDimValuePostingHeader: the pay-to vendor's rules against the header's set;
    # ErrorMessageMgt.ThrowError joins context and detail with JoinedErr '%1 %2.' (hence the doubled period).
    header_error = default_dimensions.value_posting_error(
        company, [("Vendor", pay_to["number"])], invoice["dimensionSet"]
    )
    if header_error is not None:
        raise errors.dialog(f"The dimensions used in Invoice {number} are invalid {header_error}.")
    posting_lines = [line for line in lines if line["lineType"] != "Comment"]
    if not posting_lines:
        raise errors.dialog("There is nothing to post.")
    for line in posting_lines:
        if line["quantity"] == 0:
            raise errors.dialog(
                "One or more document lines with a value in the No. field do not have a quantity specified."
            )
        if line["lineType"] != "Account":
            raise errors.dialog(f"Line type {line['lineType']} is not supported by this Business Central emulator.")
        account = company.table("accounts").find_unique(("number",), line["lineObjectNumber"])
        if account is None:
            raise errors.record_not_found("G/L Account", f"No.='{line['lineObjectNumber']}'")
        rules.check_gl_account(account)
        line_set = {**invoice["dimensionSet"], **line["dimensionSet"]}
        rules.check_dimension_set(company, line_set)
        # CheckPurchDimValuePostingLine: the line's G/L account rules against the line's set (LineInvalidDimensionsErr)
        line_error = default_dimensions.value_posting_error(company, [("G/L Account", account["number"])], line_set)
        if line_error is not None:
            raise errors.dialog(
                f"The dimensions used in Invoice {number}, line no. {line['sequence']} are invalid {line_error}."
            )
    if external and existing_vendor_document(company, pay_to["number"], "Invoice", external):
        raise errors.dialog(f"Purchase Invoice {external} already exists for this vendor.")

    posted_number = take_number(txn, company, "postedPurchaseInvoice")
    description = f"Invoice {posted_number}"
    ledger = Ledger(txn, company)
    transaction = ledger.new_transaction()
    total = ZERO
    for line in posting_lines:
        amount = line["amountExcludingTax"]
        total += line["amountIncludingTax"]
        account = company.table("accounts").find_unique(("number",), line["lineObjectNumber"])
        assert account is not None  # checked before anything was written
        ledger.gl_entry(
            transaction=transaction,
            posting_date=invoice["postingDate"],
            document_number=posted_number,
            document_type="Invoice",
            account=account,
            description=description,
            amount=amount,
            dimension_set={**invoice["dimensionSet"], **line["dimensionSet"]},
            external_document_number=external,
            source_type="Vendor",
            source_number=pay_to["number"],
        )
    ledger.gl_entry(
        transaction=transaction,
        posting_date=invoice["postingDate"],
        document_number=posted_number,
        document_type="Invoice",
        account=payables_account(company, pay_to["number"]),
        description=description,
        amount=-total,
        dimension_set=invoice["dimensionSet"],
        external_document_number=external,
        source_type="Vendor",
        source_number=pay_to["number"],
    )
    ledger.vendor_entry(
        vendor_number=pay_to["number"],
        posting_date=invoice["postingDate"],
        document_type="Invoice",
        document_number=posted_number,
        external_document_number=external,
        description=description,
        amount=round_amount(-total),
        dimension_set=invoice["dimensionSet"],
    )
    posted = {**invoice, "number": posted_number, "status": "Open", "draftNumber": number}
    # PurchInvAggregator OnAfterInsertPurchaseInvoiceHeader modifies the aggregate: lastModifiedDateTime (its
    # SystemModifiedAt, APIV2PurchaseInvoices.Page.al) moves to the posting time; txn.update stamps it.
    return txn.update(company, "purchaseInvoices", posted)


def _sequence(line: dict[str, Any]) -> int:
    return line["sequence"]
