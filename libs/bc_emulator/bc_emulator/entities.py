"""The API v2.0 entity shapes the emulator serves (field names, types, lengths, read-only flags).

Lengths follow the BC table fields behind each API page (Code[20] document numbers, Code[35] external
document numbers, Text[100] descriptions, ...). Fields not listed here are rejected on write.
"""

from __future__ import annotations

from bc_emulator.fields import EntitySchema, FieldSpec, Kind

RO = True

ACCOUNT_TYPES = ("Posting", "Heading", "Total", "Begin-Total", "End-Total")
ACCOUNT_CATEGORIES = (" ", "Assets", "Liabilities", "Equity", "Income", "Cost of Goods Sold", "Expense")
VENDOR_BLOCKED = (" ", "Payment", "All")
JOURNAL_ACCOUNT_TYPES = (
    "G/L Account",
    "Customer",
    "Vendor",
    "Bank Account",
    "Fixed Asset",
    "IC Partner",
    "Employee",
)
DOCUMENT_TYPES = (" ", "Payment", "Invoice", "Credit Memo", "Finance Charge Memo", "Reminder", "Refund")
INVOICE_STATUSES = (" ", "Draft", "In Review", "Open", "Paid", "Canceled", "Corrective")
INVOICE_LINE_TYPES = ("Comment", "Account", "Item", "Resource", "Fixed Asset", "Charge")
ADDRESS_FORMATS = (  # BaseApp CountryRegionAddressFormat.Enum.al
    "Post Code+City",
    "City+Post Code",
    "City+County+Post Code",
    "Blank Line+Post Code+City",
    "Custom",
)
DIMENSION_PARENT_TYPES = (" ", "Journal Line", "Purchase Invoice", "Purchase Invoice Line", "General Ledger Entry")
# BaseApp DefaultDimensionParentType.Enum.al: the only parents the API can name (no G/L Account among them).
DEFAULT_DIMENSION_PARENT_TYPES = (" ", "Customer", "Item", "Vendor", "Employee")
# BaseApp DefaultDimensionValuePostingType.Enum.al ("Value Posting").
VALUE_POSTING = (" ", "Code Mandatory", "Same Code", "No Code")


def _f(name: str, kind: Kind, length: int | None = None, read_only: bool = False, options=()) -> FieldSpec:
    return FieldSpec(name, kind, length, read_only, tuple(options))


def _id() -> FieldSpec:
    return _f("id", Kind.GUID, read_only=RO)


def _modified() -> FieldSpec:
    return _f("lastModifiedDateTime", Kind.DATETIME, read_only=RO)


def _address(prefix: str) -> tuple[FieldSpec, ...]:
    return (
        _f(f"{prefix}AddressLine1", Kind.TEXT, 100),
        _f(f"{prefix}AddressLine2", Kind.TEXT, 50),
        _f(f"{prefix}City", Kind.TEXT, 30),
        _f(f"{prefix}Country", Kind.CODE, 10),
        _f(f"{prefix}State", Kind.TEXT, 30),
        _f(f"{prefix}PostCode", Kind.CODE, 20),
    )


COMPANY = EntitySchema(
    "company",
    "Company",
    (
        _id(),
        _f("systemVersion", Kind.TEXT, read_only=RO),
        _f("timestamp", Kind.INT, read_only=RO),
        _f("name", Kind.TEXT, 30, RO),
        _f("displayName", Kind.TEXT, 250, RO),
        _f("businessProfileId", Kind.TEXT, 250, RO),
        _f("systemCreatedAt", Kind.DATETIME, read_only=RO),
        _f("systemCreatedBy", Kind.GUID, read_only=RO),
        _f("systemModifiedAt", Kind.DATETIME, read_only=RO),
        _f("systemModifiedBy", Kind.GUID, read_only=RO),
    ),
    default_order=("name",),
)

# Reference data behind vendor and document fields: currencies (the local currency, LCY, is not one of them: BC
# writes it as a blank currency code), payment terms (date formulas as BC formats them, e.g. "1M", "8D", "CM").
CURRENCY = EntitySchema(
    "currency",
    "Currency",
    (
        _id(),
        _f("code", Kind.CODE, 10),
        _f("displayName", Kind.TEXT, 30),
        _f("symbol", Kind.TEXT, 10),
        _f("amountDecimalPlaces", Kind.TEXT, 5),
        _f("amountRoundingPrecision", Kind.DECIMAL),
        _modified(),
    ),
    default_order=("code",),
)

PAYMENT_TERM = EntitySchema(
    "paymentTerm",
    "Payment Terms",
    (
        _id(),
        _f("code", Kind.CODE, 10),
        _f("displayName", Kind.TEXT, 100),
        _f("dueDateCalculation", Kind.TEXT, 32),
        _f("discountDateCalculation", Kind.TEXT, 32),
        _f("discountPercent", Kind.DECIMAL),
        _f("calculateDiscountOnCreditMemos", Kind.BOOL),
        _modified(),
    ),
    default_order=("code",),
)

# APIV2CountriesRegions.Page.al (entity countryRegion, set countriesRegions) over BaseApp CountryRegion.Table.al:
# Code[10], Name Text[50]. A vendor's country/region code has a TableRelation to this table (Vendor.Table.al).
COUNTRY_REGION = EntitySchema(
    "countryRegion",
    "Country/Region",
    (
        _id(),
        _f("code", Kind.CODE, 10),
        _f("displayName", Kind.TEXT, 50),
        _f("addressFormat", Kind.OPTION, options=ADDRESS_FORMATS),
        _modified(),
    ),
    default_order=("code",),
)

# One record per company. `currencyCode` is the local currency (General Ledger Setup's LCY Code), read-only.
COMPANY_INFORMATION = EntitySchema(
    "companyInformation",
    "Company Information",
    (
        _id(),
        _f("displayName", Kind.TEXT, 100),
        _f("addressLine1", Kind.TEXT, 100),
        _f("addressLine2", Kind.TEXT, 50),
        _f("city", Kind.TEXT, 30),
        _f("state", Kind.TEXT, 30),
        _f("country", Kind.CODE, 10),
        _f("postalCode", Kind.CODE, 20),
        _f("phoneNumber", Kind.TEXT, 30),
        _f("faxNumber", Kind.TEXT, 30),
        _f("email", Kind.TEXT, 80),
        _f("website", Kind.TEXT, 80),
        _f("taxRegistrationNumber", Kind.TEXT, 20),
        _f("currencyCode", Kind.CODE, 10, RO),
        _f("currentFiscalYearStartDate", Kind.DATE, read_only=RO),
        _f("industry", Kind.TEXT, 30),
        _modified(),
    ),
)

VENDOR = EntitySchema(
    "vendor",
    "Vendor",
    (
        _id(),
        _f("number", Kind.CODE, 20),
        _f("displayName", Kind.TEXT, 100),
        _f("addressLine1", Kind.TEXT, 100),
        _f("addressLine2", Kind.TEXT, 50),
        _f("city", Kind.TEXT, 30),
        _f("state", Kind.TEXT, 30),
        _f("country", Kind.CODE, 10),
        _f("postalCode", Kind.CODE, 20),
        _f("phoneNumber", Kind.TEXT, 30),
        _f("email", Kind.TEXT, 80),
        _f("website", Kind.TEXT, 80),
        _f("taxRegistrationNumber", Kind.TEXT, 20),
        _f("currencyId", Kind.GUID),
        _f("currencyCode", Kind.CODE, 10),
        _f("irs1099Code", Kind.CODE, 10),
        _f("paymentTermsId", Kind.GUID),
        _f("paymentMethodId", Kind.GUID),
        _f("taxLiable", Kind.BOOL),
        _f("blocked", Kind.OPTION, options=VENDOR_BLOCKED),
        _f("balance", Kind.DECIMAL, read_only=RO),
        _modified(),
    ),
    default_order=("number",),
)

ACCOUNT = EntitySchema(
    "account",
    "G/L Account",
    (
        _id(),
        _f("number", Kind.CODE, 20, RO),
        _f("displayName", Kind.TEXT, 100, RO),
        _f("category", Kind.OPTION, read_only=RO, options=ACCOUNT_CATEGORIES),
        _f("subCategory", Kind.TEXT, 80, RO),
        _f("blocked", Kind.BOOL, read_only=RO),
        _f("accountType", Kind.OPTION, read_only=RO, options=ACCOUNT_TYPES),
        _f("directPosting", Kind.BOOL, read_only=RO),
        _f("netChange", Kind.DECIMAL, read_only=RO),
        _f("consolidationTranslationMethod", Kind.TEXT, 30, RO),
        _f("consolidationDebitAccount", Kind.CODE, 20, RO),
        _f("consolidationCreditAccount", Kind.CODE, 20, RO),
        _f("excludeFromConsolidation", Kind.BOOL, read_only=RO),
        _modified(),
    ),
    default_order=("number",),
)

DIMENSION = EntitySchema(
    "dimension",
    "Dimension",
    (
        _id(),
        _f("code", Kind.CODE, 20, RO),
        _f("displayName", Kind.TEXT, 30, RO),
        _f("consolidationCode", Kind.CODE, 20, RO),
        _modified(),
    ),
    default_order=("code",),
)

DIMENSION_VALUE = EntitySchema(
    "dimensionValue",
    "Dimension Value",
    (
        _id(),
        _f("code", Kind.CODE, 20, RO),
        _f("dimensionId", Kind.GUID, read_only=RO),
        _f("displayName", Kind.TEXT, 50, RO),
        _f("consolidationCode", Kind.CODE, 20, RO),
        _modified(),
    ),
    default_order=("dimensionCode", "code"),
)

DIMENSION_SET_LINE = EntitySchema(
    "dimensionSetLine",
    "Dimension Set Line",
    (
        _f("id", Kind.GUID),  # the DIMENSION's id: one line per dimension and parent
        _f("code", Kind.CODE, 20),
        _f("consolidationCode", Kind.CODE, 20, RO),
        _f("parentId", Kind.GUID, read_only=RO),
        _f("parentType", Kind.OPTION, read_only=RO, options=DIMENSION_PARENT_TYPES),
        _f("displayName", Kind.TEXT, 30),
        _f("valueId", Kind.GUID),
        _f("valueCode", Kind.CODE, 20),
        _f("valueConsolidationCode", Kind.CODE, 20, RO),
        _f("valueDisplayName", Kind.TEXT, 50),
    ),
    default_order=("code",),
)

# APIV2DefaultDimensions.Page.al (page 30054): dimensionCode and dimensionValueCode are not editable; the parent
# comes from the navigation (vendors({id})/defaultDimensions) or from parentType + parentId.
DEFAULT_DIMENSION = EntitySchema(
    "defaultDimension",
    "Default Dimension",
    (
        _id(),
        _f("parentType", Kind.OPTION, options=DEFAULT_DIMENSION_PARENT_TYPES),
        _f("parentId", Kind.GUID),
        _f("dimensionId", Kind.GUID),
        _f("dimensionCode", Kind.CODE, 20, RO),
        _f("dimensionValueId", Kind.GUID),
        _f("dimensionValueCode", Kind.CODE, 20, RO),
        _f("postingValidation", Kind.OPTION, options=VALUE_POSTING),
        _modified(),
    ),
    default_order=("tableId", "number", "dimensionCode"),
)

JOURNAL = EntitySchema(
    "journal",
    "Gen. Journal Batch",
    (
        _id(),
        _f("code", Kind.CODE, 10),
        _f("displayName", Kind.TEXT, 100),
        _f("templateDisplayName", Kind.CODE, 10, RO),
        _modified(),
        _f("balancingAccountId", Kind.GUID),
        _f("balancingAccountNumber", Kind.CODE, 20, RO),
    ),
    default_order=("templateDisplayName", "code"),
)

JOURNAL_LINE = EntitySchema(
    "journalLine",
    "Gen. Journal Line",
    (
        _id(),
        _f("journalId", Kind.GUID),
        _f("journalDisplayName", Kind.CODE, 10, RO),
        _f("lineNumber", Kind.INT),
        _f("accountType", Kind.OPTION, options=JOURNAL_ACCOUNT_TYPES),
        _f("accountId", Kind.GUID),
        _f("accountNumber", Kind.CODE, 20),
        _f("postingDate", Kind.DATE),
        _f("documentNumber", Kind.CODE, 20),
        _f("externalDocumentNumber", Kind.CODE, 35),
        _f("amount", Kind.DECIMAL),
        _f("description", Kind.TEXT, 100),
        _f("comment", Kind.TEXT, 250),
        _f("taxCode", Kind.CODE, 20),
        _f("balanceAccountType", Kind.OPTION, options=JOURNAL_ACCOUNT_TYPES),
        _f("balancingAccountId", Kind.GUID),
        _f("balancingAccountNumber", Kind.CODE, 20),
        _modified(),
    ),
    default_order=("journalId", "lineNumber"),
)

PURCHASE_INVOICE = EntitySchema(
    "purchaseInvoice",
    "Purchase Header",
    (
        _id(),
        _f("number", Kind.CODE, 20),
        _f("invoiceDate", Kind.DATE),
        _f("postingDate", Kind.DATE),
        _f("dueDate", Kind.DATE),
        _f("vendorInvoiceNumber", Kind.CODE, 35),
        _f("vendorId", Kind.GUID),
        _f("vendorNumber", Kind.CODE, 20),
        _f("vendorName", Kind.TEXT, 100),
        _f("payToName", Kind.TEXT, 100, RO),
        _f("payToContact", Kind.TEXT, 100),
        _f("payToVendorId", Kind.GUID),
        _f("payToVendorNumber", Kind.CODE, 20),
        _f("shipToName", Kind.TEXT, 100),
        _f("shipToContact", Kind.TEXT, 100),
        *_address("buyFrom"),
        *_address("payTo"),
        *_address("shipTo"),
        _f("shortcutDimension1Code", Kind.CODE, 20),
        _f("shortcutDimension2Code", Kind.CODE, 20),
        _f("currencyId", Kind.GUID),
        _f("currencyCode", Kind.CODE, 10),
        _f("orderId", Kind.GUID, read_only=RO),
        _f("orderNumber", Kind.CODE, 20, RO),
        _f("purchaser", Kind.CODE, 20),
        _f("pricesIncludeTax", Kind.BOOL),
        _f("discountAmount", Kind.DECIMAL),
        _f("discountAppliedBeforeTax", Kind.BOOL, read_only=RO),
        _f("totalAmountExcludingTax", Kind.DECIMAL, read_only=RO),
        _f("totalTaxAmount", Kind.DECIMAL, read_only=RO),
        _f("totalAmountIncludingTax", Kind.DECIMAL, read_only=RO),
        _f("status", Kind.OPTION, read_only=RO, options=INVOICE_STATUSES),
        _modified(),
    ),
    default_order=("number",),
)

PURCHASE_INVOICE_LINE = EntitySchema(
    "purchaseInvoiceLine",
    "Purchase Line",
    (
        _id(),
        _f("documentId", Kind.GUID),
        _f("sequence", Kind.INT),
        _f("itemId", Kind.GUID),
        _f("accountId", Kind.GUID),
        _f("lineType", Kind.OPTION, options=INVOICE_LINE_TYPES),
        _f("lineObjectNumber", Kind.CODE, 20),
        _f("description", Kind.TEXT, 100),
        _f("description2", Kind.TEXT, 50),
        _f("unitOfMeasureId", Kind.GUID),
        _f("unitOfMeasureCode", Kind.CODE, 10),
        _f("unitCost", Kind.DECIMAL),
        _f("quantity", Kind.DECIMAL),
        _f("discountAmount", Kind.DECIMAL),
        _f("discountPercent", Kind.DECIMAL),
        _f("discountAppliedBeforeTax", Kind.BOOL, read_only=RO),
        _f("amountExcludingTax", Kind.DECIMAL, read_only=RO),
        _f("taxCode", Kind.CODE, 20),
        _f("taxPercent", Kind.DECIMAL, read_only=RO),
        _f("totalTaxAmount", Kind.DECIMAL, read_only=RO),
        _f("amountIncludingTax", Kind.DECIMAL, read_only=RO),
        _f("invoiceDiscountAllocation", Kind.DECIMAL, read_only=RO),
        _f("netAmount", Kind.DECIMAL, read_only=RO),
        _f("netTaxAmount", Kind.DECIMAL, read_only=RO),
        _f("netAmountIncludingTax", Kind.DECIMAL, read_only=RO),
        _f("expectedReceiptDate", Kind.DATE),
        _f("itemVariantId", Kind.GUID),
        _f("locationId", Kind.GUID),
    ),
    default_order=("documentId", "sequence"),
)

GENERAL_LEDGER_ENTRY = EntitySchema(
    "generalLedgerEntry",
    "G/L Entry",
    (
        _id(),
        _f("entryNumber", Kind.INT, read_only=RO),
        _f("postingDate", Kind.DATE, read_only=RO),
        _f("documentNumber", Kind.CODE, 20, RO),
        _f("documentType", Kind.OPTION, read_only=RO, options=DOCUMENT_TYPES),
        _f("accountId", Kind.GUID, read_only=RO),
        _f("accountNumber", Kind.CODE, 20, RO),
        _f("description", Kind.TEXT, 100, RO),
        _f("debitAmount", Kind.DECIMAL, read_only=RO),
        _f("creditAmount", Kind.DECIMAL, read_only=RO),
        _f("additionalCurrencyDebitAmount", Kind.DECIMAL, read_only=RO),
        _f("additionalCurrencyCreditAmount", Kind.DECIMAL, read_only=RO),
        _modified(),
    ),
    default_order=("entryNumber",),
)

# An API query (reportsFinance/beta), not an API page: no id, no ETag, read-only.
VENDOR_LEDGER_ENTRY = EntitySchema(
    "vendorLedgerEntry",
    "Vendor Ledger Entry",
    (
        _f("entryNumber", Kind.INT, read_only=RO),
        _f("vendorNumber", Kind.CODE, 20, RO),
        _f("postingDate", Kind.DATE, read_only=RO),
        _f("documentType", Kind.OPTION, read_only=RO, options=DOCUMENT_TYPES),
        _f("documentNumber", Kind.CODE, 20, RO),
        _f("externalDocumentNumber", Kind.CODE, 35, RO),
        _f("description", Kind.TEXT, 100, RO),
        _f("currencyCode", Kind.CODE, 10, RO),
        _f("amount", Kind.DECIMAL, read_only=RO),
        _f("debitAmount", Kind.DECIMAL, read_only=RO),
        _f("creditAmount", Kind.DECIMAL, read_only=RO),
        _f("open", Kind.BOOL, read_only=RO),
        _f("balancingAccountType", Kind.OPTION, read_only=RO, options=JOURNAL_ACCOUNT_TYPES),
        _f("balancingAccountNumber", Kind.CODE, 20, RO),
        _f("dimensionSetID", Kind.INT, read_only=RO),
        _modified(),
    ),
    default_order=("entryNumber",),
    has_etag=False,
)

SUBSCRIPTION = EntitySchema(
    "subscription",
    "API Webhook Subscription",
    (
        _f("subscriptionId", Kind.TEXT, 150, RO),
        _f("notificationUrl", Kind.TEXT, 2048),
        _f("resource", Kind.TEXT, 2048),
        _f("timestamp", Kind.INT, read_only=RO),
        _f("userId", Kind.GUID, read_only=RO),
        _modified(),
        _f("clientState", Kind.TEXT, 2048),
        _f("expirationDateTime", Kind.DATETIME, read_only=RO),
        _f("systemCreatedAt", Kind.DATETIME, read_only=RO),
        _f("systemCreatedBy", Kind.GUID, read_only=RO),
        _f("systemModifiedAt", Kind.DATETIME, read_only=RO),
        _f("systemModifiedBy", Kind.GUID, read_only=RO),
    ),
    default_order=("subscriptionId",),
)


# Purchase orders and receipts (issue 15): commitments Stampli matches invoices against, read-only here.
# APIV2 - Purchase Orders (page 30066, SourceTable "Purchase Order Entity Buffer"); status is enum
# "Purchase Order Entity Buffer Status" (GraphMgtPurchOrderBuffer.SetStatusOptionFromPurchaseHeader: Pending Approval
# -> In Review, Released / Pending Prepayment -> Open, else Draft).
PURCHASE_ORDER_STATUSES = ("Draft", "In Review", "Open")
# BaseApp PurchaseLineType.Enum.al: the Type of a Purch. Rcpt. Line, shown as-is by APIV2 - Purch Receipt Lines.
PURCHASE_LINE_TYPES = (" ", "G/L Account", "Item", "Resource", "Fixed Asset", "Charge (Item)", "Allocation Account")

PURCHASE_ORDER = EntitySchema(
    "purchaseOrder",
    "Purchase Header",
    (
        _id(),
        _f("number", Kind.CODE, 20, RO),  # Rec."No."
        _f("orderDate", Kind.DATE),  # Rec."Document Date"
        _f("postingDate", Kind.DATE),
        _f("vendorId", Kind.GUID),
        _f("vendorNumber", Kind.CODE, 20),  # Rec."Buy-from Vendor No."
        _f("vendorName", Kind.TEXT, 100, RO),
        _f("payToVendorNumber", Kind.CODE, 20),
        _f("shortcutDimension1Code", Kind.CODE, 20),
        _f("shortcutDimension2Code", Kind.CODE, 20),
        _f("currencyCode", Kind.CODE, 10),
        _f("purchaser", Kind.CODE, 20),
        _f("requestedReceiptDate", Kind.DATE),
        _f("discountAmount", Kind.DECIMAL),
        _f("totalAmountExcludingTax", Kind.DECIMAL, read_only=RO),  # Rec.Amount
        _f("totalTaxAmount", Kind.DECIMAL, read_only=RO),
        _f("totalAmountIncludingTax", Kind.DECIMAL, read_only=RO),  # Rec."Amount Including VAT"
        _f("fullyReceived", Kind.BOOL, read_only=RO),  # Rec."Completely Received"
        _f("status", Kind.OPTION, read_only=RO, options=PURCHASE_ORDER_STATUSES),
        _modified(),  # Rec.SystemModifiedAt
    ),
    default_order=("number",),
)

# APIV2 - Purchase Order Lines (SourceTable "Purch. Inv. Line Aggregate"; lineType is "API Type", enum
# "Invoice Line Agg. Line Type": Comment, Account, Item, Resource, Fixed Asset, Charge, Allocation Account).
PURCHASE_ORDER_LINE = EntitySchema(
    "purchaseOrderLine",
    "Purchase Line",
    (
        _id(),
        _f("documentId", Kind.GUID),
        _f("sequence", Kind.INT),  # Rec."Line No."
        _f("lineType", Kind.OPTION, options=INVOICE_LINE_TYPES),
        _f("lineObjectNumber", Kind.CODE, 20),  # Rec."No."
        _f("description", Kind.TEXT, 100),
        _f("unitOfMeasureCode", Kind.CODE, 10),
        _f("quantity", Kind.DECIMAL),
        _f("directUnitCost", Kind.DECIMAL),
        _f("discountAmount", Kind.DECIMAL),
        _f("discountPercent", Kind.DECIMAL),
        _f("amountExcludingTax", Kind.DECIMAL, read_only=RO),  # Rec."Line Amount Excluding Tax"
        _f("taxPercent", Kind.DECIMAL, read_only=RO),
        _f("totalTaxAmount", Kind.DECIMAL, read_only=RO),
        _f("amountIncludingTax", Kind.DECIMAL, read_only=RO),
        _f("netAmount", Kind.DECIMAL, read_only=RO),
        _f("expectedReceiptDate", Kind.DATE),
        _f("receivedQuantity", Kind.DECIMAL, read_only=RO),  # Rec."Quantity Received"
        _f("invoicedQuantity", Kind.DECIMAL, read_only=RO),  # Rec."Quantity Invoiced"
        _f("invoiceQuantity", Kind.DECIMAL),  # Rec."Qty. to Invoice"
        _f("receiveQuantity", Kind.DECIMAL),  # Rec."Qty. to Receive"
    ),
    has_etag=False,
    default_order=("documentId", "sequence"),
)

# APIV2 - Purchase Receipts (SourceTable "Purch. Rcpt. Header": posted, read-only).
PURCHASE_RECEIPT = EntitySchema(
    "purchaseReceipt",
    "Purch. Rcpt. Header",
    (
        _id(),
        _f("number", Kind.CODE, 20, RO),
        _f("invoiceDate", Kind.DATE, read_only=RO),  # Rec."Document Date"
        _f("postingDate", Kind.DATE, read_only=RO),
        _f("dueDate", Kind.DATE, read_only=RO),
        _f("vendorNumber", Kind.CODE, 20, RO),
        _f("vendorName", Kind.TEXT, 100, RO),
        _f("payToVendorNumber", Kind.CODE, 20, RO),
        _f("currencyCode", Kind.CODE, 10, RO),
        _f("orderNumber", Kind.CODE, 20, RO),  # Rec."Order No."
        _modified(),
    ),
    default_order=("number",),
)

# APIV2 - Purch Receipt Lines (SourceTable "Purch. Rcpt. Line").
PURCHASE_RECEIPT_LINE = EntitySchema(
    "purchaseReceiptLine",
    "Purch. Rcpt. Line",
    (
        _id(),
        _f("documentId", Kind.GUID, read_only=RO),
        _f("sequence", Kind.INT, read_only=RO),
        _f("lineType", Kind.OPTION, read_only=RO, options=PURCHASE_LINE_TYPES),  # Rec.Type
        _f("lineObjectNumber", Kind.CODE, 20, RO),
        _f("description", Kind.TEXT, 100, RO),
        _f("unitOfMeasureCode", Kind.CODE, 10, RO),
        _f("unitCost", Kind.DECIMAL, read_only=RO),  # Rec."Direct Unit Cost"
        _f("quantity", Kind.DECIMAL, read_only=RO),
        _f("discountPercent", Kind.DECIMAL, read_only=RO),
        _f("taxPercent", Kind.DECIMAL, read_only=RO),
        _f("expectedReceiptDate", Kind.DATE, read_only=RO),
    ),
    has_etag=False,
    default_order=("documentId", "sequence"),
)
