"""The published pages as declarative field maps: one NavPage per page role, one NavField per page control.

A page web service shows a page's controls under their names with every character that is not a letter or a digit
replaced by "_" ("No." -> "No", "E-Mail" -> "E_Mail", "G/L Account No." -> "G_L_Account_No"), plus the source
table's primary key fields even where the page does not show them ("OData will only show the fields added to the
Page ... with the table primary key fields added", dynamics.is on NAV 2013 R2-2015 OData). Each page here is a view over the emulator's
store (the same records API v2.0 serves): `source` names the stored field, `compute` derives a value. The control
sets are the NAV 2018 subset of BCApps BaseApp's pages (field(...) lines of the Page.al named per page); a control
whose NAV 2018 existence is not certain is marked guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bc_emulator import entities, rules
from bc_emulator.fields import EntitySchema, FieldSpec, Kind
from bc_emulator.store import CompanyData

Compute = Callable[[CompanyData, dict[str, Any]], Any]
ZERO = Decimal(0)

# BaseApp GenJournalAccountType.Enum.al / NAV 2018 Gen. Journal Line "Account Type" option string.
ACCOUNT_TYPES = ("G/L Account", "Customer", "Vendor", "Bank Account", "Fixed Asset", "IC Partner", "Employee")
# BaseApp GenJournalDocumentType.Enum.al (NAV 2018 option " ,Payment,Invoice,Credit Memo,...").
DOCUMENT_TYPES = entities.DOCUMENT_TYPES
VENDOR_BLOCKED = entities.VENDOR_BLOCKED  # BaseApp VendorBlocked.Enum.al: " ", Payment, All
GL_ACCOUNT_TYPES = entities.ACCOUNT_TYPES  # BaseApp GLAccountType.Enum.al
INCOME_BALANCE = ("Income Statement", "Balance Sheet")  # BaseApp G/L Account "Income/Balance"
# BaseApp DimensionValueType.Enum.al
DIMENSION_VALUE_TYPES = ("Standard", "Heading", "Total", "Begin-Total", "End-Total")
SOURCE_TYPES = (" ", "Customer", "Vendor", "Bank Account", "Fixed Asset", "IC Partner", "Employee")


@dataclass(frozen=True)
class NavField:
    name: str  # OData name (page control name with non-alphanumerics as "_")
    kind: Kind
    source: str | None = None  # stored field; None with `compute`
    length: int | None = None
    options: tuple[str, ...] = ()
    read_only: bool = False
    compute: Compute | None = None
    caption: str | None = None  # for messages ("No.", "Line No.")

    @property
    def label(self) -> str:
        return self.caption or self.name.replace("_", " ")

    def value(self, company: CompanyData, record: dict[str, Any]) -> Any:
        if self.compute is not None:
            return self.compute(company, record)
        assert self.source is not None
        value = record.get(self.source)
        if value is None or (self.kind is Kind.OPTION and value == ""):
            return self.spec().default()  # an option never shows blank: its first caption (" ") stands for it
        return value

    def spec(self) -> FieldSpec:
        return FieldSpec(self.name, self.kind, self.length, self.read_only, self.options)


@dataclass(frozen=True)
class NavPage:
    role: str  # bc_client NavServices field name (vendors, gl_accounts, ...)
    page_id: int
    caption: str  # source table caption, as messages name it
    table: str | None  # store table; None for General Ledger Setup (one record from the company setup)
    fields: tuple[NavField, ...]
    keys: tuple[str, ...]
    verbs: frozenset[str] = frozenset({"GET"})
    by_name: dict[str, NavField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    def view(self, company: CompanyData, record: dict[str, Any]) -> dict[str, Any]:
        return {f.name: f.value(company, record) for f in self.fields}

    def filter_schema(self, service: str) -> EntitySchema:
        """The page's fields for $filter: options are plain strings in NAV 2018 (Edm.String with the caption)."""
        specs = tuple(FieldSpec(f.name, Kind.TEXT if f.kind is Kind.OPTION else f.kind, f.length) for f in self.fields)
        return EntitySchema(service, self.caption, specs, default_order=self.keys)

    def key_text(self, values: dict[str, Any]) -> str:
        """Identification fields and values, as NAV's record-not-found messages list them."""
        return ",".join(f"{self.by_name[k].label}='{values[k]}'" for k in self.keys)


def _f(name: str, kind: Kind, source: str | None = None, length: int | None = None, **kw: Any) -> NavField:
    return NavField(name, kind, source, length, **kw)


def _ro(name: str, kind: Kind, compute: Compute, length: int | None = None, **kw: Any) -> NavField:
    return NavField(name, kind, None, length, read_only=True, compute=compute, **kw)


def _global_dimension(number: int) -> Compute:
    def value(company: CompanyData, record: dict[str, Any]) -> str:
        code = company.setup.get(f"globalDimension{number}Code", "")
        return (record.get("dimensionSet") or {}).get(code, "") if code else ""

    return value


def _vendor_balance(company: CompanyData, record: dict[str, Any]) -> Decimal:
    # Vendor "Balance (LCY)": FlowField Sum of Detailed Vendor Ledg. Entry amounts, negated (what is owed).
    entries = company.table("vendorLedgerEntries").find(("vendorNumber",), record["number"])
    return -sum((e["amount"] for e in entries), ZERO)


def _payment_terms_code(company: CompanyData, record: dict[str, Any]) -> str:
    terms = company.table("paymentTerms").get(record.get("paymentTermsId") or "")
    return terms["code"] if terms else ""


def _account_net_change(company: CompanyData, record: dict[str, Any]) -> Decimal:
    entries = company.table("generalLedgerEntries").find(("accountNumber",), record["number"])
    return sum((e["debitAmount"] - e["creditAmount"] for e in entries), ZERO)


def _income_balance(company: CompanyData, record: dict[str, Any]) -> str:
    # guess: derived from the account category (the store keeps no Income/Balance): balance sheet categories.
    return "Balance Sheet" if record.get("category") in ("Assets", "Liabilities", "Equity") else "Income Statement"


def _date_of(source: str) -> Compute:
    def value(company: CompanyData, record: dict[str, Any]) -> str:
        stamp = record.get(source) or ""
        return stamp[:10] if stamp and not stamp.startswith("0001") else "0001-01-01"

    return value


def _amount(company: CompanyData, record: dict[str, Any]) -> Decimal:
    return record["debitAmount"] - record["creditAmount"]


def _journal_debit(company: CompanyData, record: dict[str, Any]) -> Decimal:
    return record["amount"] if record["amount"] > 0 else ZERO


def _journal_credit(company: CompanyData, record: dict[str, Any]) -> Decimal:
    return -record["amount"] if record["amount"] < 0 else ZERO


def _journal_template(company: CompanyData, record: dict[str, Any]) -> str:
    journal = company.table("journals").get(record["journalId"])
    return journal["templateDisplayName"] if journal else ""


def _journal_batch(company: CompanyData, record: dict[str, Any]) -> str:
    journal = company.table("journals").get(record["journalId"])
    return journal["code"] if journal else ""


def _gl_account_name(company: CompanyData, record: dict[str, Any]) -> str:
    account = company.table("accounts").find_unique(("number",), record["accountNumber"])
    return account["displayName"] if account else ""


def _vendor_name(company: CompanyData, record: dict[str, Any]) -> str:
    vendor = company.table("vendors").find_unique(("number",), record["vendorNumber"])
    return vendor["displayName"] if vendor else ""


def _remaining(company: CompanyData, record: dict[str, Any]) -> Decimal:
    return record["amount"] if record.get("open") else ZERO


def _setup(key: str) -> Compute:
    def value(company: CompanyData, record: dict[str, Any]) -> str:
        return company.setup.get(key, "")

    return value


def _lcy_code(company: CompanyData, record: dict[str, Any]) -> str:
    return rules.local_currency(company)


def _constant(value: Any) -> Compute:
    return lambda company, record: value


C, T, D, INT, B, DT, OPT = Kind.CODE, Kind.TEXT, Kind.DECIMAL, Kind.INT, Kind.BOOL, Kind.DATE, Kind.OPTION

# Page 26 "Vendor Card" (BaseApp Purchases/Vendor/VendorCard.Page.al; table 23 Vendor, Vendor.Table.al lengths
# as NAV 2018 had them: Name Text[50], Address Text[50] - guess: BC widened Name/Address to 100 in 2019).
VENDOR_CARD = NavPage(
    "vendors",
    26,
    "Vendor",
    "vendors",
    (
        _f("No", C, "number", 20, caption="No."),
        _f("Name", T, "displayName", 50),
        _f("Address", T, "addressLine1", 50),
        _f("Address_2", T, "addressLine2", 50, caption="Address 2"),
        _f("City", T, "city", 30),
        _f("County", T, "state", 30),  # the US localization captions it "State"
        _f("Post_Code", C, "postalCode", 20, caption="Post Code"),
        _f("Country_Region_Code", C, "country", 10, caption="Country/Region Code"),
        _f("Phone_No", T, "phoneNumber", 30, caption="Phone No."),
        _f("E_Mail", T, "email", 80, caption="E-Mail"),
        _f("Home_Page", T, "website", 80, caption="Home Page"),
        _f("VAT_Registration_No", T, "taxRegistrationNumber", 20, caption="VAT Registration No."),
        _f("Currency_Code", C, "currencyCode", 10, caption="Currency Code"),
        _f("Payment_Terms_Code", C, None, 10, compute=_payment_terms_code, caption="Payment Terms Code"),
        _f("Blocked", OPT, "blocked", options=VENDOR_BLOCKED),
        _ro("Balance_LCY", D, _vendor_balance, caption="Balance (LCY)"),
        _ro("Last_Date_Modified", DT, _date_of("lastModifiedDateTime"), caption="Last Date Modified"),
    ),
    ("No",),
    frozenset({"GET", "POST", "PATCH", "DELETE"}),
)

# Page 16 "Chart of Accounts" (BaseApp Finance/GeneralLedger/Account/ChartofAccounts.Page.al; table 15 G/L Account).
CHART_OF_ACCOUNTS = NavPage(
    "gl_accounts",
    16,
    "G/L Account",
    "accounts",
    (
        _f("No", C, "number", 20, read_only=True, caption="No."),
        _f("Name", T, "displayName", 50, read_only=True),
        _ro("Net_Change", D, _account_net_change, caption="Net Change"),
        _ro("Income_Balance", OPT, _income_balance, options=INCOME_BALANCE, caption="Income/Balance"),
        _f("Account_Category", OPT, "category", options=entities.ACCOUNT_CATEGORIES, read_only=True),
        _f("Account_Type", OPT, "accountType", options=GL_ACCOUNT_TYPES, read_only=True, caption="Account Type"),
        _f("Direct_Posting", B, "directPosting", read_only=True, caption="Direct Posting"),
        # guess: BC's page 16 no longer shows Blocked; NAV 2018's list did (hidden by default, published with it).
        _f("Blocked", B, "blocked", read_only=True),
    ),
    ("No",),
)

# Page 536 "Dimensions" (BaseApp Finance/Dimension/Dimensions.Page.al; table 348 Dimension).
DIMENSIONS = NavPage(
    "dimensions",
    536,
    "Dimension",
    "dimensions",
    (
        _f("Code", C, "code", 20),
        _f("Name", T, "displayName", 30),
        _ro("Code_Caption", T, lambda c, r: r["displayName"], 80, caption="Code Caption"),  # Dimension OnInsert
        _ro("Filter_Caption", T, lambda c, r: f"{r['displayName']} Filter", 80, caption="Filter Caption"),
        _f("Blocked", B, "blocked"),
    ),
    ("Code",),
)

# Page 537 "Dimension Values" (BaseApp Finance/Dimension/DimensionValues.Page.al; table 349 Dimension Value).
DIMENSION_VALUES = NavPage(
    "dimension_values",
    537,
    "Dimension Value",
    "dimensionValues",
    (
        _f("Dimension_Code", C, "dimensionCode", 20, caption="Dimension Code"),
        _f("Code", C, "code", 20),
        _f("Name", T, "displayName", 50),
        _f("Dimension_Value_Type", OPT, "dimensionValueType", options=DIMENSION_VALUE_TYPES),
        _f("Blocked", B, "blocked"),
    ),
    ("Dimension_Code", "Code"),
)

# Page 39 "General Journal" (BaseApp Finance/GeneralLedger/Journal/GeneralJournal.Page.al; table 81 Gen. Journal
# Line, its key Journal Template Name, Journal Batch Name, Line No.). Description is Text[50] in NAV 2018.
GENERAL_JOURNAL = NavPage(
    "general_journal",
    39,
    "Gen. Journal Line",
    "journalLines",
    (
        _f("Journal_Template_Name", C, None, 10, compute=_journal_template, caption="Journal Template Name"),
        _f("Journal_Batch_Name", C, None, 10, compute=_journal_batch, caption="Journal Batch Name"),
        _f("Line_No", INT, "lineNumber", caption="Line No."),
        _f("Posting_Date", DT, "postingDate", caption="Posting Date"),
        _f("Document_Type", OPT, "documentType", options=DOCUMENT_TYPES, caption="Document Type"),
        _f("Document_No", C, "documentNumber", 20, caption="Document No."),
        _f("External_Document_No", C, "externalDocumentNumber", 35, caption="External Document No."),
        _f("Account_Type", OPT, "accountType", options=ACCOUNT_TYPES, caption="Account Type"),
        _f("Account_No", C, "accountNumber", 20, caption="Account No."),
        _f("Description", T, "description", 50),
        _f("Currency_Code", C, "currencyCode", 10, caption="Currency Code"),
        _f("Amount", D, "amount"),
        # guess: Debit/Credit Amount are editable on the real page; here they only show the Amount's sides.
        _ro("Debit_Amount", D, _journal_debit, caption="Debit Amount"),
        _ro("Credit_Amount", D, _journal_credit, caption="Credit Amount"),
        _f("Bal_Account_Type", OPT, "balanceAccountType", options=ACCOUNT_TYPES, caption="Bal. Account Type"),
        _f("Bal_Account_No", C, "balancingAccountNumber", 20, caption="Bal. Account No."),
        _f("Shortcut_Dimension_1_Code", C, None, 20, compute=_global_dimension(1), caption="Shortcut Dimension 1 Code"),
        _f("Shortcut_Dimension_2_Code", C, None, 20, compute=_global_dimension(2), caption="Shortcut Dimension 2 Code"),
        _f("Comment", T, "comment", 250),
    ),
    ("Journal_Template_Name", "Journal_Batch_Name", "Line_No"),
    frozenset({"GET", "POST", "PATCH", "DELETE"}),
)

# Page 251 "General Journal Batches" (BaseApp Finance/GeneralLedger/Journal/GeneralJournalBatches.Page.al; table 232).
JOURNAL_BATCHES = NavPage(
    "journal_batches",
    251,
    "Gen. Journal Batch",
    "journals",
    (
        _f("Journal_Template_Name", C, "templateDisplayName", 10, caption="Journal Template Name"),
        _f("Name", C, "code", 10),
        _f("Description", T, "displayName", 50),
        _ro("Bal_Account_Type", OPT, _constant("G/L Account"), options=ACCOUNT_TYPES, caption="Bal. Account Type"),
        _f("Bal_Account_No", C, "balancingAccountNumber", 20, caption="Bal. Account No."),
        _ro("No_Series", C, _constant(""), 20, caption="No. Series"),
    ),
    ("Journal_Template_Name", "Name"),
    frozenset({"GET", "POST", "PATCH", "DELETE"}),
)

# Page 20 "General Ledger Entries" (BaseApp Finance/GeneralLedger/Ledger/GeneralLedgerEntries.Page.al; table 17).
GENERAL_LEDGER_ENTRIES = NavPage(
    "gl_entries",
    20,
    "G/L Entry",
    "generalLedgerEntries",
    (
        _f("Entry_No", INT, "entryNumber", caption="Entry No."),
        _f("Posting_Date", DT, "postingDate", caption="Posting Date"),
        _f("Document_Type", OPT, "documentType", options=DOCUMENT_TYPES, caption="Document Type"),
        _f("Document_No", C, "documentNumber", 20, caption="Document No."),
        _f("G_L_Account_No", C, "accountNumber", 20, caption="G/L Account No."),
        _ro("G_L_Account_Name", T, _gl_account_name, 50, caption="G/L Account Name"),
        _f("Description", T, "description", 50),
        _ro("Global_Dimension_1_Code", C, _global_dimension(1), 20, caption="Global Dimension 1 Code"),
        _ro("Global_Dimension_2_Code", C, _global_dimension(2), 20, caption="Global Dimension 2 Code"),
        _ro("Amount", D, _amount),
        _f("Debit_Amount", D, "debitAmount", caption="Debit Amount"),
        _f("Credit_Amount", D, "creditAmount", caption="Credit Amount"),
        _f("Source_Type", OPT, "sourceType", options=SOURCE_TYPES, caption="Source Type"),
        _f("Source_No", C, "sourceNumber", 20, caption="Source No."),
        _f("External_Document_No", C, "externalDocumentNumber", 35, caption="External Document No."),
        _f("Transaction_No", INT, "transactionNumber", caption="Transaction No."),
        _f("Reversed", B, "reversed"),
    ),
    ("Entry_No",),
)

# Page 29 "Vendor Ledger Entries" (BaseApp Purchases/Payables/VendorLedgerEntries.Page.al; table 25).
VENDOR_LEDGER_ENTRIES = NavPage(
    "vendor_ledger_entries",
    29,
    "Vendor Ledger Entry",
    "vendorLedgerEntries",
    (
        _f("Entry_No", INT, "entryNumber", caption="Entry No."),
        _f("Posting_Date", DT, "postingDate", caption="Posting Date"),
        _f("Document_Type", OPT, "documentType", options=DOCUMENT_TYPES, caption="Document Type"),
        _f("Document_No", C, "documentNumber", 20, caption="Document No."),
        _f("External_Document_No", C, "externalDocumentNumber", 35, caption="External Document No."),
        _f("Vendor_No", C, "vendorNumber", 20, caption="Vendor No."),
        _ro("Vendor_Name", T, _vendor_name, 50, caption="Vendor Name"),
        _f("Description", T, "description", 50),
        _ro("Global_Dimension_1_Code", C, _global_dimension(1), 20, caption="Global Dimension 1 Code"),
        _ro("Global_Dimension_2_Code", C, _global_dimension(2), 20, caption="Global Dimension 2 Code"),
        _f("Currency_Code", C, "currencyCode", 10, caption="Currency Code"),
        _f("Amount", D, "amount"),
        _f("Debit_Amount", D, "debitAmount", caption="Debit Amount"),
        _f("Credit_Amount", D, "creditAmount", caption="Credit Amount"),
        _ro("Remaining_Amount", D, _remaining, caption="Remaining Amount"),
        _f("Open", B, "open"),
        _f("Reversed", B, "reversed"),
    ),
    ("Entry_No",),
)

# Page 118 "General Ledger Setup" (BaseApp Finance/GeneralLedger/Setup/GeneralLedgerSetup.Page.al; table 98, one
# record with an empty Primary Key). The store keeps these in the company setup.
GENERAL_LEDGER_SETUP = NavPage(
    "general_ledger_setup",
    118,
    "General Ledger Setup",
    None,
    (
        _ro("Primary_Key", C, _constant(""), 10, caption="Primary Key"),
        _ro("LCY_Code", C, _lcy_code, 10, caption="LCY Code"),
        _ro("Global_Dimension_1_Code", C, _setup("globalDimension1Code"), 20, caption="Global Dimension 1 Code"),
        _ro("Global_Dimension_2_Code", C, _setup("globalDimension2Code"), 20, caption="Global Dimension 2 Code"),
        # Shortcut dimensions 1 and 2 are always the global ones (GeneralLedgerSetup.Table.al OnValidate).
        _ro("Shortcut_Dimension_1_Code", C, _setup("globalDimension1Code"), 20, caption="Shortcut Dimension 1 Code"),
        _ro("Shortcut_Dimension_2_Code", C, _setup("globalDimension2Code"), 20, caption="Shortcut Dimension 2 Code"),
    ),
    ("Primary_Key",),
)

PAGES: dict[str, NavPage] = {
    page.role: page
    for page in (
        VENDOR_CARD,
        CHART_OF_ACCOUNTS,
        DIMENSIONS,
        DIMENSION_VALUES,
        GENERAL_JOURNAL,
        JOURNAL_BATCHES,
        GENERAL_LEDGER_ENTRIES,
        VENDOR_LEDGER_ENTRIES,
        GENERAL_LEDGER_SETUP,
    )
}

# The Company entity set every NAV OData V4 endpoint has (system table 2000000006 Company).
COMPANY_FIELDS = (("Name", 30), ("Display_Name", 250), ("Id", None), ("Business_Profile_Id", 250))
