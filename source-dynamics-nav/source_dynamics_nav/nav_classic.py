"""Classic NAV 2015-2018 (deployment_type nav_web_services, issue 13): which page field fills which record field.

The streams keep the API v2.0 mode's names, schemas and primary keys (declarations.py), so consumers see one
record shape whatever the server. One mapping per stream: record field <- the page's OData field (the page
control name with every character other than a letter or digit written "_", e.g. "Country/Region Code" ->
Country_Region_Code). The pages are BaseApp's (BCApps src/Layers/W1/BaseApp/...): VendorCard.Page.al (26),
ChartofAccounts.Page.al (16), Dimensions.Page.al (536), DimensionValues.Page.al (537),
GeneralLedgerEntries.Page.al (20); NAV 2018 has the fields used here unless marked.

What a page cannot give stays null: the GUID ids of API v2.0 (`currencyId`, `paymentTermsId`, ...; the pages do
not show the tables' `Id`), `lastModifiedDateTime` (no such field on these pages), BC-24-only fields. `id` carries
the record's NAV key instead of a GUID: `No` for vendors and accounts, `Code` for dimensions, `Entry_No` for G/L
entries, and for dimension values the key in NAV's own syntax, `Dimension_Code='DEPARTMENT',Code='SALES'`
(codes may contain any separator, quoted values cannot be mistaken).

Option fields travel as captions ("G/L Account", " ", "Payment"), the same values API v2.0 mode emits after
decoding BC's `_x0020_` member names; they pass through `bc_client.enums.decode_enum` all the same, in case a
server sends member names.
"""

from __future__ import annotations

from dataclasses import dataclass

from source_dynamics_nav.declarations import (
    DIMENSION_VALUES,
    DIMENSIONS,
    GENERAL_LEDGER_ENTRIES,
    GL_ACCOUNTS,
    VENDORS,
    StreamDeclaration,
)


@dataclass(frozen=True)
class NavStreamMapping:
    declaration: StreamDeclaration  # the API v2.0 stream: name, schema, primary key
    role: str  # the NavServices role whose published page is read
    fields: tuple[tuple[str, str], ...]  # (record field, NAV field)
    key: tuple[str, ...]  # NAV key fields, in key order: they make the record's id
    options: frozenset[str] = frozenset()  # record fields holding option captions
    entry_number: str | None = None  # NAV field of an immutable, increasing entry number (incremental reads)

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def nav_fields(self) -> list[str]:
        """Every NAV field read: the mapped ones and the key, each once, in order."""
        return list(dict.fromkeys([*self.key, *(nav for _, nav in self.fields)]))


NAV_VENDORS = NavStreamMapping(
    declaration=VENDORS,
    role="vendors",
    fields=(
        ("number", "No"),
        ("displayName", "Name"),
        ("addressLine1", "Address"),
        ("addressLine2", "Address_2"),
        ("city", "City"),
        ("state", "County"),  # APIV2Vendors: state <- County
        ("country", "Country_Region_Code"),
        ("postalCode", "Post_Code"),
        ("phoneNumber", "Phone_No"),
        ("email", "E_Mail"),
        ("website", "Home_Page"),
        ("taxRegistrationNumber", "VAT_Registration_No"),  # APIV2Vendors: taxRegistrationNumber <- VAT Registration No.
        ("currencyCode", "Currency_Code"),
        ("taxLiable", "Tax_Liable"),  # guess: on the North American Vendor Card only; null elsewhere
        ("blocked", "Blocked"),  # option " ", "Payment", "All"
        (
            "paymentTermsCode",
            "Payment_Terms_Code",
        ),  # API mode looks the code up by paymentTermsId; here it is on the page
    ),
    key=("No",),
    options=frozenset({"blocked"}),
)

NAV_GL_ACCOUNTS = NavStreamMapping(
    declaration=GL_ACCOUNTS,
    role="gl_accounts",
    fields=(
        ("number", "No"),
        ("displayName", "Name"),
        (
            "category",
            "Account_Category",
        ),  # option " ", Assets, Liabilities, Equity, Income, Cost of Goods Sold, Expense
        ("subCategory", "Account_Subcategory_Descript"),
        ("blocked", "Blocked"),  # guess: the G/L Account Card has Blocked, page 16 may not: null when absent
        ("accountType", "Account_Type"),  # option Posting, Heading, Total, Begin-Total, End-Total
        ("directPosting", "Direct_Posting"),
        ("consolidationTranslationMethod", "Consol_Translation_Method"),
        ("consolidationDebitAccount", "Consol_Debit_Acc"),
        ("consolidationCreditAccount", "Consol_Credit_Acc"),
    ),
    key=("No",),
    options=frozenset({"category", "accountType", "consolidationTranslationMethod"}),
)

NAV_DIMENSIONS = NavStreamMapping(
    declaration=DIMENSIONS,
    role="dimensions",
    fields=(("code", "Code"), ("displayName", "Name"), ("consolidationCode", "Consolidation_Code")),
    key=("Code",),
)

NAV_DIMENSION_VALUES = NavStreamMapping(
    declaration=DIMENSION_VALUES,
    role="dimension_values",
    fields=(
        ("code", "Code"),
        ("displayName", "Name"),
        ("consolidationCode", "Consolidation_Code"),
        ("dimensionCode", "Dimension_Code"),  # API mode looks it up by dimensionId; here it is the key's first field
    ),
    key=("Dimension_Code", "Code"),
)

NAV_GENERAL_LEDGER_ENTRIES = NavStreamMapping(
    declaration=GENERAL_LEDGER_ENTRIES,
    role="gl_entries",
    fields=(
        ("entryNumber", "Entry_No"),
        ("postingDate", "Posting_Date"),
        ("documentNumber", "Document_No"),
        ("documentType", "Document_Type"),  # option " ", Payment, Invoice, Credit Memo, ...
        ("accountNumber", "G_L_Account_No"),
        ("description", "Description"),
        ("debitAmount", "Debit_Amount"),
        ("creditAmount", "Credit_Amount"),
    ),
    key=("Entry_No",),
    options=frozenset({"documentType"}),
    entry_number="Entry_No",
)

NAV_MAPPINGS: tuple[NavStreamMapping, ...] = (
    NAV_VENDORS,
    NAV_GL_ACCOUNTS,
    NAV_DIMENSIONS,
    NAV_DIMENSION_VALUES,
    NAV_GENERAL_LEDGER_ENTRIES,
)
NAV_STREAM_NAMES: tuple[str, ...] = tuple(mapping.name for mapping in NAV_MAPPINGS)
NAV_ROLES: tuple[str, ...] = tuple(mapping.role for mapping in NAV_MAPPINGS)
