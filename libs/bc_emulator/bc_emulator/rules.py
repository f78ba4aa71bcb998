"""BC's master-data checks, shared by line entry (table relation / OnValidate) and posting.

Messages follow BC's TestField and error labels so a connector's error handling meets the real texts.
"""

from __future__ import annotations

from typing import Any

from bc_emulator import errors
from bc_emulator.fields import EMPTY_GUID
from bc_emulator.resources.base import table_relation
from bc_emulator.store import CompanyData


def gl_account(company: CompanyData, number: str, field_caption: str, table_caption: str) -> dict[str, Any]:
    """A G/L account that may be posted to directly, or BC's error for why not."""
    account = company.table("accounts").find_unique(("number",), number)
    if account is None:
        raise table_relation(field_caption, table_caption, number, "G/L Account")
    check_gl_account(account)
    return account


def check_gl_account(account: dict[str, Any]) -> None:
    number = account["number"]
    if account["accountType"] != "Posting":
        raise errors.field_validation(
            f"Account Type must be equal to 'Posting'  in G/L Account: No.={number}. "
            f"Current value is '{account['accountType']}'."
        )
    if account["blocked"]:
        raise errors.field_validation(
            f"Blocked must be equal to 'No'  in G/L Account: No.={number}. Current value is 'Yes'."
        )
    if not account["directPosting"]:
        raise errors.field_validation(
            f"Direct Posting must be equal to 'Yes'  in G/L Account: No.={number}. Current value is 'No'."
        )


def vendor(company: CompanyData, number: str, field_caption: str, table_caption: str) -> dict[str, Any]:
    found = company.table("vendors").find_unique(("number",), number)
    if found is None:
        raise table_relation(field_caption, table_caption, number, "Vendor")
    return found


def check_vendor_not_blocked(vendor_record: dict[str, Any], document_type: str, verb: str) -> None:
    """Vendor."CheckBlockedVendOnJnls"/"CheckBlockedVendOnDocs": "All" blocks everything, "Payment" blocks
    only payments and refunds (so a blank-document-type journal line or an invoice still passes)."""
    blocked = vendor_record["blocked"]
    if blocked == "All" or (blocked == "Payment" and document_type in ("Payment", "Refund")):
        raise errors.dialog(
            f"You cannot {verb} this type of document when Vendor {vendor_record['number']} is blocked with "
            f"type {blocked}"
        )


def dimension_value(company: CompanyData, dimension_code: str, value_code: str) -> dict[str, Any]:
    """A dimension value usable on a posting (exists and is not blocked)."""
    dimension = company.table("dimensions").find_unique(("code",), dimension_code)
    if dimension is None:
        raise errors.dialog(f"Dimension {dimension_code} can't be found.")
    value = company.table("dimensionValues").find_unique(("dimensionCode", "code"), dimension_code, value_code)
    if value is None:
        raise errors.dialog(f"Dimension Value {dimension_code} - {value_code} can't be found.")
    if value.get("blocked"):
        raise errors.dialog(f"Dimension Value {dimension_code} - {value_code} is blocked.")
    return value


def check_dimension_set(company: CompanyData, dimension_set: dict[str, str]) -> None:
    for dimension_code, value_code in dimension_set.items():
        dimension_value(company, dimension_code, value_code)


def local_currency(company: CompanyData) -> str:
    """The company's local currency code (LCY), "" when the company has none set up."""
    return next((info["currencyCode"] for info in company.table("companyInformation").values()), "")


def apply_currency(company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> None:
    """The vendor API page's currencyId / currencyCode OnValidate: the local currency's code is stored blank, a
    code or id must name a currency, and both together must agree."""
    currencies = company.table("currencies")
    currency: dict[str, Any] | None = None
    if "currencyId" in values:
        if values["currencyId"] == EMPTY_GUID:
            record["currencyCode"] = ""
        else:
            currency = currencies.get(values["currencyId"])
            if currency is None:
                raise errors.dialog('The "currencyId" does not match to a Currency.')
            record["currencyCode"] = currency["code"]
    if "currencyCode" in values:
        code = values["currencyCode"]
        if code and code == local_currency(company):
            code = ""  # Graph Mgt - General Tools.TranslateCurrencyCodeToNAVCurrencyCode
        if currency is not None:
            if currency["code"] != code:
                raise errors.dialog("The currency values do not match to a specific Currency.")
            return
        if code:
            currency = currencies.find_unique(("code",), code)
            if currency is None:
                raise errors.dialog('The "currencyCode" does not match to a Currency.')
        record["currencyCode"] = code
        record["currencyId"] = currency["id"] if currency is not None else EMPTY_GUID


def check_payment_terms(company: CompanyData, values: dict[str, Any]) -> None:
    terms_id = values.get("paymentTermsId", EMPTY_GUID)
    if terms_id != EMPTY_GUID and company.table("paymentTerms").get(terms_id) is None:
        raise errors.dialog('The "paymentTermsId" does not match to a Payment Terms.')
