"""Stream declarations: what each Stampli export looks like and which record it becomes.

A new stream is one `StreamDeclaration` here. Field names follow docs/internal-contracts.md §1. Each field has a
`column` id (the snake_case form of its reference export header, e.g. `line_amount`) used to match headers and
`column_mapping` targets, and the `name` it gets in the record (for lines: `amount`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stampli_files.headers import normalize_header


class FieldKind(StrEnum):
    TEXT = "text"
    DECIMAL = "decimal"
    DATE = "date"
    INTEGER = "integer"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class FieldSpec:
    name: str  # key in the emitted record (or line)
    kind: FieldKind = FieldKind.TEXT
    column: str = ""  # snake_case column id; defaults to `name`
    aliases: tuple[str, ...] = ()  # other header spellings (matched after normalization)

    @property
    def column_id(self) -> str:
        return self.column or self.name

    def header_forms(self) -> set[str]:
        forms = {normalize_header(self.column_id), normalize_header(self.name)}
        forms.update(normalize_header(alias) for alias in self.aliases)
        return forms


@dataclass(frozen=True)
class StreamDeclaration:
    name: str
    key: str  # a record-level field name
    fields: tuple[FieldSpec, ...]  # record-level fields, in record order
    line_fields: tuple[FieldSpec, ...] = ()  # non-empty: line-level exports, lines nested in `lines`
    default_glob: str = ""
    xml_record_tags: tuple[str, ...] = ()  # element names of one record in XML exports
    hash_excluded: frozenset[str] = frozenset()  # fields left out of the content hash
    # record-level fields that, when missing, take the single value all lines share (e.g. po_number)
    from_lines: tuple[str, ...] = ()
    total_field: str | None = None  # invoices: lines must sum to this field
    line_amount_field: str | None = None
    extra_properties: Mapping[str, Any] = field(default_factory=dict)  # derived record fields → JSON schema
    # A date field that says which of two versions of a record is newer (the source's ordering, before file order)
    version_field: str | None = None

    @property
    def has_lines(self) -> bool:
        return bool(self.line_fields)

    @property
    def key_field(self) -> FieldSpec:
        return next(f for f in self.fields if f.name == self.key)

    @property
    def xml_record_forms(self) -> frozenset[str]:
        return frozenset(normalize_header(tag) for tag in self.xml_record_tags)


_DECIMAL_STRING = {"type": ["null", "string"], "pattern": r"^-?\d+(\.\d+)?$"}
_JSON_TYPES: dict[FieldKind, dict[str, Any]] = {
    FieldKind.TEXT: {"type": ["null", "string"]},
    FieldKind.DECIMAL: _DECIMAL_STRING,
    FieldKind.DATE: {"type": ["null", "string"], "format": "date"},
    FieldKind.INTEGER: {"type": ["null", "integer"]},
    FieldKind.BOOLEAN: {"type": ["null", "boolean"]},
}

AUDIT_PROPERTIES: dict[str, Any] = {
    "_ab_source_file_url": {"type": "string"},
    "_ab_source_file_last_modified": {"type": "string", "format": "date-time"},
    "_stampli_source_rows": {"type": "array", "items": {"type": "integer"}},
    "_stampli_record_hash": {"type": "string"},
}

CURSOR_FIELD = "_ab_source_file_last_modified"


def json_schema(declaration: StreamDeclaration) -> dict[str, Any]:
    properties: dict[str, Any] = {f.name: dict(_JSON_TYPES[f.kind]) for f in declaration.fields}
    properties[declaration.key] = {"type": "string"}
    if declaration.has_lines:
        properties["lines"] = {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": True,
                "properties": {f.name: dict(_JSON_TYPES[f.kind]) for f in declaration.line_fields},
            },
        }
    properties.update(declaration.extra_properties)
    properties.update(AUDIT_PROPERTIES)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "required": [declaration.key, *AUDIT_PROPERTIES],
        "properties": properties,
    }


_T, _D, _DT, _I, _B = FieldKind.TEXT, FieldKind.DECIMAL, FieldKind.DATE, FieldKind.INTEGER, FieldKind.BOOLEAN
_VALIDATION_ERRORS = {"validation_errors": {"type": "array", "items": {"type": "string"}}}

INVOICES = StreamDeclaration(
    name="invoices",
    key="invoice_id",
    fields=(
        FieldSpec("invoice_id", aliases=("Stampli Invoice ID", "Stampli ID", "Invoice Key", "Document ID")),
        FieldSpec(
            "invoice_number", aliases=("Invoice #", "Invoice No", "Invoice Num", "Inv #", "Inv No", "Bill Number")
        ),
        FieldSpec("vendor_id", aliases=("Vendor #", "Vendor No", "Vendor Number", "Vendor Code", "Supplier ID")),
        FieldSpec("vendor_name", aliases=("Vendor", "Supplier", "Supplier Name", "Payee")),
        FieldSpec("invoice_date", _DT, aliases=("Inv Date", "Document Date", "Bill Date")),
        FieldSpec("due_date", _DT, aliases=("Payment Due Date", "Due")),
        FieldSpec("approved_date", _DT, aliases=("Approval Date", "Date Approved", "Approved On", "Approved At")),
        FieldSpec("currency", aliases=("Currency Code", "Invoice Currency", "Curr")),
        FieldSpec(
            "invoice_total", _D, aliases=("Total", "Invoice Amount", "Total Amount", "Amount Due", "Gross Amount")
        ),
        FieldSpec("status", aliases=("Invoice Status", "Approval Status")),
        FieldSpec("po_number"),  # header-level in XML; in line-level CSV the PO column belongs to the line
    ),
    line_fields=(
        FieldSpec("line_number", _I, aliases=("Line #", "Line No", "Line", "Line Num", "Line Item")),
        FieldSpec(
            "description", column="line_description", aliases=("Description", "Line Memo", "Memo", "Item Description")
        ),
        FieldSpec(
            "gl_account",
            aliases=(
                "GL Account Number",
                "GL Acct",
                "GL Code",
                "G/L Account",
                "G/L Account No",
                "Account Number",
                "Account",
            ),
        ),
        FieldSpec("amount", _D, column="line_amount", aliases=("Amount", "Line Total", "Net Amount")),
        FieldSpec("department", aliases=("Dept", "Department Code")),
        FieldSpec("location", aliases=("Location Code", "Site")),
        FieldSpec("po_number", aliases=("PO #", "PO No", "PO", "Purchase Order", "Purchase Order Number")),
    ),
    default_glob="*invoice*",
    xml_record_tags=("Invoice", "InvoiceHeader", "Bill"),
    from_lines=("po_number",),
    total_field="invoice_total",
    line_amount_field="amount",
    version_field="approved_date",  # a changed invoice is approved again: a later approval is the later version
    extra_properties={
        "lines_total": _DECIMAL_STRING,
        "balanced": {"type": "boolean"},
        **_VALIDATION_ERRORS,
    },
)

VENDORS = StreamDeclaration(
    name="vendors",
    key="vendor_id",
    fields=(
        FieldSpec("vendor_id", aliases=("Vendor #", "Vendor No", "Vendor Number", "Vendor Code", "Supplier ID", "ID")),
        FieldSpec("vendor_name", aliases=("Name", "Vendor", "Supplier Name", "Company Name")),
        FieldSpec("address_line_1", aliases=("Address", "Address 1", "Address1", "Street", "Street Address")),
        FieldSpec("address_line_2", aliases=("Address 2", "Address2")),
        FieldSpec("city", aliases=("Town",)),
        FieldSpec("state", aliases=("Province", "Region", "State/Province", "County")),
        FieldSpec("postal_code", aliases=("Zip", "Zip Code", "Postcode", "Post Code", "ZIP/Postal Code")),
        FieldSpec("country", aliases=("Country Code", "Country/Region")),
        FieldSpec("email", aliases=("E-mail", "Email Address")),
        FieldSpec("phone", aliases=("Phone Number", "Telephone", "Phone No")),
        FieldSpec("tax_id", aliases=("Tax ID Number", "TIN", "EIN", "VAT Number", "VAT Registration No", "Tax Number")),
        FieldSpec("currency", aliases=("Currency Code",)),
        FieldSpec("payment_terms", aliases=("Terms", "Payment Terms Code")),
        FieldSpec("status", aliases=("Vendor Status", "Active")),
        FieldSpec(
            "modified_date", _DT, aliases=("Last Modified", "Modified", "Updated", "Last Updated", "Modified At")
        ),
    ),
    default_glob="*vendor*|*supplier*",
    xml_record_tags=("Vendor", "Supplier"),
    # a re-export that only bumps the modification date is not a change worth sending downstream
    hash_excluded=frozenset({"modified_date"}),
    version_field="modified_date",
)

GL_ACCOUNTS = StreamDeclaration(
    name="gl_accounts",
    key="account_number",
    fields=(
        FieldSpec(
            "account_number", aliases=("GL Account", "GL Account Number", "Account #", "Account No", "Account", "No")
        ),
        FieldSpec("account_name", aliases=("Name", "Account Description", "Description", "GL Account Name")),
        FieldSpec("account_type", aliases=("Type", "Account Category", "Category")),
        FieldSpec("active", _B, aliases=("Is Active", "Enabled", "Status")),
    ),
    default_glob="*gl*account*|*account*|*chart*of*",
    xml_record_tags=("GLAccount", "Account", "GL_Account"),
)

PAYMENTS = StreamDeclaration(
    name="payments",
    key="payment_id",
    fields=(
        FieldSpec("payment_id", aliases=("Payment #", "Payment No", "Payment Number", "Payment Key")),
        FieldSpec("invoice_id", aliases=("Stampli Invoice ID", "Invoice")),
        FieldSpec("vendor_id", aliases=("Vendor #", "Vendor No", "Vendor Number", "Vendor Code")),
        FieldSpec("payment_date", _DT, aliases=("Date", "Paid Date", "Date Paid", "Paid On")),
        FieldSpec("amount", _D, aliases=("Payment Amount", "Amount Paid", "Paid Amount")),
        FieldSpec("currency", aliases=("Currency Code",)),
        FieldSpec("method", aliases=("Payment Method", "Payment Type", "Type")),
        FieldSpec(
            "reference", aliases=("Reference Number", "Ref", "Ref #", "Check Number", "Check #", "Transaction ID")
        ),
    ),
    default_glob="*payment*",
    xml_record_tags=("Payment",),
)

PURCHASE_ORDERS = StreamDeclaration(
    name="purchase_orders",
    key="po_number",
    fields=(
        FieldSpec("po_number", aliases=("PO #", "PO No", "PO", "Purchase Order", "Purchase Order Number", "PO ID")),
        FieldSpec("vendor_id", aliases=("Vendor #", "Vendor No", "Vendor Number", "Vendor Code")),
        FieldSpec("po_date", _DT, aliases=("Date", "Order Date", "PO Created Date", "Purchase Order Date")),
        FieldSpec("status", aliases=("PO Status",)),
    ),
    line_fields=(
        FieldSpec("line_number", _I, aliases=("Line #", "Line No", "Line", "Line Num")),
        FieldSpec("description", aliases=("Line Description", "Item", "Item Description", "Memo")),
        FieldSpec("quantity", _D, aliases=("Qty", "Quantity Ordered", "Qty Ordered")),
        FieldSpec("unit_price", _D, aliases=("Price", "Unit Cost", "Rate")),
        FieldSpec("amount", _D, aliases=("Line Amount", "Line Total", "Total", "Extended Amount")),
        FieldSpec("gl_account", aliases=("GL Account Number", "GL Acct", "GL Code", "G/L Account", "Account")),
    ),
    default_glob="*purchase*order*|po_*|po-*|po.*|pos_*|pos.*",
    xml_record_tags=("PurchaseOrder", "PO", "Purchase_Order"),
    extra_properties=_VALIDATION_ERRORS,
)

STREAMS: dict[str, StreamDeclaration] = {d.name: d for d in (INVOICES, VENDORS, GL_ACCOUNTS, PAYMENTS, PURCHASE_ORDERS)}
