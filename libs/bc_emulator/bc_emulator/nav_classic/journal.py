"""General Journal (page 39) line validation: what Gen. Journal Line's OnValidate triggers do when a page web
service sets the controls (BaseApp Finance/GeneralLedger/Journal/GenJournalLine.Table.al unless said otherwise).

Lines are stored like API journal lines (journals.py), so the emulator's posting engine posts them unchanged;
NAV-only values live in hidden fields (documentType) or in the line's dimension set (shortcut dimensions 1 and 2).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bc_emulator import entities, errors, rules
from bc_emulator.fields import EMPTY_GUID, round_amount
from bc_emulator.ids import new_id
from bc_emulator.resources.base import duplicate_key, next_line_number, remember_line_number, table_relation
from bc_emulator.resources.journals import _create_dim_from_default_dim, _next_document_number
from bc_emulator.store import CompanyData, Transaction

_TABLE = "Gen. Journal Line"
# Account types whose accounts the emulator stores; the others relate to tables it does not have.
_RELATED = {"Customer": "Customer", "Bank Account": "Bank Account", "Fixed Asset": "Fixed Asset",
            "IC Partner": "IC Partner", "Employee": "Employee"}  # fmt: skip
# NAV control -> stored journal line field, for the plain value controls.
_PLAIN = {
    "Posting_Date": "postingDate",
    "Document_Type": "documentType",
    "Document_No": "documentNumber",
    "External_Document_No": "externalDocumentNumber",
    "Description": "description",
    "Amount": "amount",
    "Comment": "comment",
}


def insert(txn: Transaction, company: CompanyData, values: dict[str, Any]) -> dict[str, Any]:
    template = values.get("Journal_Template_Name", "")
    batch = values.get("Journal_Batch_Name", "")
    journal = _batch(company, template, batch)
    record: dict[str, Any] = {
        **entities.JOURNAL_LINE.defaults(),
        "id": new_id(),
        "journalId": journal["id"],
        "documentType": " ",
        "currencyCode": "",
        "dimensionSet": {},
    }
    lines = company.table("journalLines")
    line_no = values.get("Line_No", 0)
    if line_no == 0:
        # Page 39 AutoSplitKey: the next Line No. after the batch's last line (steps of 10000).
        line_no = next_line_number(company, "journalLines", "journalId", journal["id"], "lineNumber")
    elif lines.find_unique(("journalId", "lineNumber"), journal["id"], line_no) is not None:
        raise duplicate_key(
            _TABLE, f"Journal Template Name='{template}',Journal Batch Name='{batch}',Line No.='{line_no}'"
        )
    record["lineNumber"] = line_no
    # SetUpNewLine: the work date as Posting Date, the batch's next Document No. (kept while out of balance).
    record["postingDate"] = txn.now().astimezone(UTC).date().isoformat()
    _apply(company, record, values, inserting=True)
    if not record["documentNumber"]:
        record["documentNumber"] = _next_document_number(txn, company, journal["id"])
    stored = txn.insert(company, "journalLines", record)
    remember_line_number(company, journal["id"], line_no)
    return stored


def modify(txn: Transaction, company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    updated = {**record, "dimensionSet": dict(record.get("dimensionSet") or {})}
    _apply(company, updated, values, inserting=False)
    return txn.update(company, "journalLines", updated)


def _batch(company: CompanyData, template: str, batch: str) -> dict[str, Any]:
    # Field 1 "Journal Template Name": TableRelation "Gen. Journal Template"; field 51 "Journal Batch Name":
    # TableRelation "Gen. Journal Batch".Name where ("Journal Template Name" = field("Journal Template Name")).
    if template not in {t["name"] for t in company.setup.get("journalTemplates", [])}:
        raise table_relation("Journal Template Name", _TABLE, template, "Gen. Journal Template")
    journal = company.table("journals").find_unique(("templateDisplayName", "code"), template, batch)
    if journal is None:
        raise table_relation("Journal Batch Name", _TABLE, batch, "Gen. Journal Batch")
    return journal


def _apply(company: CompanyData, record: dict[str, Any], values: dict[str, Any], *, inserting: bool) -> None:
    """Validate the given controls in page order, as the page's fields' OnValidate triggers would."""
    for name, field_name in _PLAIN.items():
        if name in values:
            record[field_name] = round_amount(values[name]) if name == "Amount" else values[name]
    names: list[str] = []
    if {"Account_Type", "Account_No"} & values.keys():
        record["accountType"] = values.get("Account_Type", record["accountType"])
        record["accountNumber"] = values.get("Account_No", record["accountNumber"])
        names.append(_account(company, record, "accountType", "accountId", "accountNumber", "Account No."))
    if {"Bal_Account_Type", "Bal_Account_No"} & values.keys():
        record["balanceAccountType"] = values.get("Bal_Account_Type", record["balanceAccountType"])
        record["balancingAccountNumber"] = values.get("Bal_Account_No", record["balancingAccountNumber"])
        names.append(
            _account(
                company,
                record,
                "balanceAccountType",
                "balancingAccountId",
                "balancingAccountNumber",
                "Bal. Account No.",
            )
        )
    if names:
        # Account No. OnValidate -> CreateDimFromDefaultDim (dimension set from the accounts' default dimensions)
        # and GetVendorAccount "Currency Code" := Vend."Currency Code".
        _create_dim_from_default_dim(company, record)
        if "Description" not in values and (inserting or not record["description"]):
            # GetGLAccount SetDescriptionFromGLAcc / GetVendorAccount: Description := the account's name.
            record["description"] = next((n for n in names if n), "")[:50]
    if "Currency_Code" in values:
        code = values["Currency_Code"]
        # Field 12 "Currency Code": TableRelation = Currency.
        if code and company.table("currencies").find_unique(("code",), code) is None:
            raise table_relation("Currency Code", _TABLE, code, "Currency")
        record["currencyCode"] = code
    for number in (1, 2):
        name = f"Shortcut_Dimension_{number}_Code"
        if name in values:
            _shortcut_dimension(company, record, number, values[name])


def _account(company: CompanyData, record: dict[str, Any], type_field: str, id_field: str, number_field: str,
             caption: str) -> str:  # fmt: skip
    """Account No. / Bal. Account No. OnValidate; returns the account's name (for the Description)."""
    account_type, number = record[type_field], record[number_field]
    record[id_field] = EMPTY_GUID
    if not number:
        return ""
    if account_type == "G/L Account":
        # GetGLAccount: GLAcc.Get("Account No."); CheckGLAcc (Account Type = Posting, Blocked = No, Direct Posting).
        account = rules.gl_account(company, number, caption, _TABLE)
        record[id_field] = account["id"]
        return account["displayName"]
    if account_type == "Vendor":
        # GetVendorAccount: Vend.Get; Vend.CheckBlockedVendOnJnls(Vend, "Document Type", false).
        vendor = rules.vendor(company, number, caption, _TABLE)
        rules.check_vendor_not_blocked(vendor, record.get("documentType", " "), "create")
        return vendor["displayName"]
    raise table_relation(caption, _TABLE, number, _RELATED.get(account_type, account_type))


def _shortcut_dimension(company: CompanyData, record: dict[str, Any], number: int, code: str) -> None:
    """ValidateShortcutDimCode -> DimensionManagement ValidateShortcutDimValues: ValidateDimValueCode (the value
    must be one of global dimension N's values; a unique prefix completes it), CheckDimValue (not blocked; type
    Standard or Begin-Total), then the line's dimension set takes the value (blank removes the dimension)."""
    dimension = company.setup.get(f"globalDimension{number}Code", "")
    dimension_set: dict[str, str] = record.setdefault("dimensionSet", {})
    if not dimension:
        if code:
            # ShortcutDimensionNotDefinedErr 'Shortcut Dimension %2 is not defined in the %1.'
            raise errors.dialog(f"Shortcut Dimension {number} is not defined in the General Ledger Setup.")
        return
    if not code:
        dimension_set.pop(dimension, None)
        return
    values = company.table("dimensionValues")
    value = values.find_unique(("dimensionCode", "code"), dimension, code)
    if value is None:
        matches = sorted(
            (v for v in values.values() if v["dimensionCode"] == dimension and v["code"].startswith(code)),
            key=lambda v: v["code"],
        )
        if not matches:
            # Text003 '%1 is not an available %2 for that dimension.' with DimVal.FieldCaption(Code)
            raise errors.dialog(f"{code} is not an available Code for that dimension.")
        value = matches[0]
    if value.get("blocked"):
        # DimValueBlockedErr '%1 %2 - %3 is blocked.'
        raise errors.dialog(f"Dimension Value {dimension} - {value['code']} is blocked.")
    value_type = value.get("dimensionValueType") or "Standard"
    if value_type not in ("Standard", "Begin-Total"):
        # CheckDimValueAllowed: DimValueMustNotBeErr 'Dimension Value Type for %1 %2 - %3 must not be %4.'
        raise errors.dialog(
            f"Dimension Value Type for Dimension Value {dimension} - {value['code']} must not be {value_type}."
        )
    dimension_set[dimension] = value["code"]
