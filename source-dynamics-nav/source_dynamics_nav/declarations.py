"""What each stream reads: the BC entity set, the fields selected (BC's names), their JSON types, key and cursor.

A new stream is one `StreamDeclaration` here. Record fields keep Business Central's names; the only additions are
enrichments Stampli needs that BC keeps elsewhere (`dimensionCode` on dimension values, `paymentTermsCode` and
`localCurrencyCode` on vendors), named the way BC would name them.

Left out on purpose: FlowFields such as the vendor `balance` and the account `netChange`. BC computes them from
ledger entries without touching `lastModifiedDateTime`, so an incremental copy of them would be silently stale.
`irs1099Code` is left out too: recent BC versions moved it into a separate app, and `$select` of a field the
server does not have fails the whole request. Fields that older releases lack (accounts.consolidation* and
dimensions' consolidationCode before BC 23, excludeFromConsolidation before 24, purchaseInvoices.purchaser
before 23.1, G/L entries' additionalCurrency* before 23) stay declared: streams.py selects only what the tenant's
$metadata lists, and the record carries null for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    GUID = "guid"
    TEXT = "text"
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"  # emitted as a decimal string ("1234.50"): money never goes through a float
    DATE = "date"
    DATETIME = "datetime"


class CursorKind(StrEnum):
    MODIFIED = "lastModifiedDateTime"  # mutable entities: SystemModifiedAt
    ENTRY_NUMBER = "entryNumber"  # immutable ledger entries: ever-increasing entry numbers


_JSON_TYPES: dict[Kind, dict[str, Any]] = {
    Kind.GUID: {"type": ["null", "string"]},
    Kind.TEXT: {"type": ["null", "string"]},
    Kind.BOOL: {"type": ["null", "boolean"]},
    Kind.INT: {"type": ["null", "integer"]},
    Kind.DECIMAL: {"type": ["null", "string"], "pattern": r"^-?\d+(\.\d+)?$"},
    Kind.DATE: {"type": ["null", "string"], "format": "date"},
    Kind.DATETIME: {"type": ["null", "string"], "format": "date-time"},
}


@dataclass(frozen=True)
class StreamDeclaration:
    name: str  # Airbyte stream name (issue 7)
    entity_set: str  # BC API v2.0 entity set, company-relative
    fields: tuple[tuple[str, Kind], ...]  # selected from BC, in schema order
    enriched: tuple[tuple[str, Kind], ...] = ()  # added by the connector, never selected
    primary_key: str = "id"
    cursor: CursorKind = CursorKind.MODIFIED
    description: str = ""

    @property
    def select(self) -> list[str]:
        return [name for name, _ in self.fields]

    @property
    def decimal_fields(self) -> frozenset[str]:
        return frozenset(name for name, kind in (*self.fields, *self.enriched) if kind is Kind.DECIMAL)

    @property
    def cursor_field(self) -> str:
        return self.cursor.value

    def json_schema(self) -> dict[str, Any]:
        properties = {name: dict(_JSON_TYPES[kind]) for name, kind in (*self.fields, *self.enriched)}
        properties[self.primary_key] = {"type": "string"} if self.primary_key == "id" else {"type": "integer"}
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "required": [self.primary_key],
            "properties": properties,
        }


G, T, B, INT, D, DT, TS = Kind.GUID, Kind.TEXT, Kind.BOOL, Kind.INT, Kind.DECIMAL, Kind.DATE, Kind.DATETIME
MODIFIED = ("lastModifiedDateTime", TS)


def _address(prefix: str) -> tuple[tuple[str, Kind], ...]:
    return tuple(
        (f"{prefix}{suffix}", T) for suffix in ("AddressLine1", "AddressLine2", "City", "Country", "State", "PostCode")
    )


VENDORS = StreamDeclaration(
    name="vendors",
    entity_set="vendors",
    fields=(
        ("id", G),
        ("number", T),
        ("displayName", T),
        ("addressLine1", T),
        ("addressLine2", T),
        ("city", T),
        ("state", T),
        ("country", T),
        ("postalCode", T),
        ("phoneNumber", T),
        ("email", T),
        ("website", T),
        ("taxRegistrationNumber", T),
        ("currencyId", G),
        ("currencyCode", T),
        ("paymentTermsId", G),
        ("paymentMethodId", G),
        ("taxLiable", B),
        ("blocked", T),
        MODIFIED,
    ),
    # paymentTermsCode: the code of paymentTermsId (Stampli knows terms by code).
    # localCurrencyCode: the company's local currency, which BC writes as a blank currencyCode.
    enriched=(("paymentTermsCode", T), ("localCurrencyCode", T)),
    description="Vendor master (BC vendors).",
)

GL_ACCOUNTS = StreamDeclaration(
    name="gl_accounts",
    entity_set="accounts",
    fields=(
        ("id", G),
        ("number", T),
        ("displayName", T),
        ("category", T),
        ("subCategory", T),
        ("blocked", B),
        ("accountType", T),
        ("directPosting", B),
        ("consolidationTranslationMethod", T),
        ("consolidationDebitAccount", T),
        ("consolidationCreditAccount", T),
        ("excludeFromConsolidation", B),
        MODIFIED,
    ),
    description="Chart of accounts (BC accounts).",
)

DIMENSIONS = StreamDeclaration(
    name="dimensions",
    entity_set="dimensions",
    fields=(("id", G), ("code", T), ("displayName", T), ("consolidationCode", T), MODIFIED),
    description="Dimensions (DEPARTMENT, LOCATION, ...).",
)

DIMENSION_VALUES = StreamDeclaration(
    name="dimension_values",
    entity_set="dimensionValues",
    fields=(("id", G), ("code", T), ("dimensionId", G), ("displayName", T), ("consolidationCode", T), MODIFIED),
    enriched=(("dimensionCode", T),),  # the code of dimensionId: a value means nothing to Stampli without it
    description="Dimension values of every dimension, each with its dimension's code.",
)

PURCHASE_INVOICES = StreamDeclaration(
    name="purchase_invoices",
    entity_set="purchaseInvoices",
    fields=(
        ("id", G),
        ("number", T),
        ("invoiceDate", DT),
        ("postingDate", DT),
        ("dueDate", DT),
        ("vendorInvoiceNumber", T),
        ("vendorId", G),
        ("vendorNumber", T),
        ("vendorName", T),
        ("payToName", T),
        ("payToContact", T),
        ("payToVendorId", G),
        ("payToVendorNumber", T),
        ("shipToName", T),
        ("shipToContact", T),
        *_address("buyFrom"),
        *_address("payTo"),
        *_address("shipTo"),
        ("shortcutDimension1Code", T),
        ("shortcutDimension2Code", T),
        ("currencyId", G),
        ("currencyCode", T),
        ("orderId", G),
        ("orderNumber", T),
        ("purchaser", T),
        ("pricesIncludeTax", B),
        ("discountAmount", D),
        ("discountAppliedBeforeTax", B),
        ("totalAmountExcludingTax", D),
        ("totalTaxAmount", D),
        ("totalAmountIncludingTax", D),
        ("status", T),
        MODIFIED,
    ),
    description="Purchase invoices, drafts and posted (read-only, for reconciliation).",
)

GENERAL_LEDGER_ENTRIES = StreamDeclaration(
    name="general_ledger_entries",
    entity_set="generalLedgerEntries",
    fields=(
        ("id", G),
        ("entryNumber", INT),
        ("postingDate", DT),
        ("documentNumber", T),
        ("documentType", T),
        ("accountId", G),
        ("accountNumber", T),
        ("description", T),
        ("debitAmount", D),
        ("creditAmount", D),
        ("additionalCurrencyDebitAmount", D),
        ("additionalCurrencyCreditAmount", D),
        MODIFIED,
    ),
    cursor=CursorKind.ENTRY_NUMBER,
    description="G/L entries (read-only, for reconciliation); incremental on the entry number.",
)

STREAMS: tuple[StreamDeclaration, ...] = (
    VENDORS,
    GL_ACCOUNTS,
    DIMENSIONS,
    DIMENSION_VALUES,
    PURCHASE_INVOICES,
    GENERAL_LEDGER_ENTRIES,
)
