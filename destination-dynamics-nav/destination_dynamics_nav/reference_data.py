"""What NAV already has that validation needs: vendors, G/L accounts, dimensions and their values.

Read once per sync (not once per invoice), then kept current by the connector's own writes (a vendor it creates
is added here). The snapshot is plain data so that validation and mapping stay pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bc_client.enums import decode_enum, same_enum
from stampli_nav_rules import nav_code

# The entity fields each read selects: less to transfer, and the names double as documentation.
VENDOR_FIELDS = (
    "id",
    "number",
    "displayName",
    "addressLine1",
    "addressLine2",
    "city",
    "state",
    "country",
    "postalCode",
    "phoneNumber",
    "email",
    "taxRegistrationNumber",
    "currencyCode",
    "paymentTermsId",
    "blocked",
)
ACCOUNT_FIELDS = ("id", "number", "displayName", "category", "accountType", "directPosting", "blocked")
DIMENSION_FIELDS = ("id", "code", "displayName")
DIMENSION_VALUE_FIELDS = ("id", "dimensionId", "code", "displayName")
DEFAULT_DIMENSION_FIELDS = ("parentType", "parentId", "dimensionCode", "dimensionValueCode", "postingValidation")


# NAV Code fields are upper-case; compare what the user typed the way NAV stores it (the shared rule).
code_key = nav_code


@dataclass(frozen=True)
class NavVendor:
    id: str
    number: str
    display_name: str
    blocked: str  # " ", "Payment" or "All"
    etag: str | None
    fields: Mapping[str, Any]

    @property
    def blocks_invoices(self) -> bool:
        # "Payment" blocks payments only; invoices may still be posted. "All" blocks everything.
        return same_enum(self.blocked, "All")

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> NavVendor:
        return cls(
            id=str(entity.get("id", "")),
            number=str(entity.get("number", "")),
            display_name=str(entity.get("displayName") or ""),
            blocked=decode_enum(str(entity.get("blocked") or " ")),
            etag=entity.get("@odata.etag"),
            fields={name: entity.get(name) for name in VENDOR_FIELDS},
        )


@dataclass(frozen=True)
class NavAccount:
    id: str
    number: str
    display_name: str
    account_type: str  # "Posting", "Heading", "Total", "Begin-Total", "End-Total"
    direct_posting: bool
    blocked: bool

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> NavAccount:
        return cls(
            id=str(entity.get("id", "")),
            number=str(entity.get("number", "")),
            display_name=str(entity.get("displayName") or ""),
            account_type=decode_enum(str(entity.get("accountType") or "")),
            direct_posting=bool(entity.get("directPosting")),
            blocked=bool(entity.get("blocked")),
        )


@dataclass(frozen=True)
class NavDimension:
    id: str
    code: str
    values: frozenset[str]  # value codes, upper-case


@dataclass
class ReferenceData:
    """A snapshot of NAV's master data, keyed by upper-cased code."""

    vendors: dict[str, NavVendor] = field(default_factory=dict)
    accounts: dict[str, NavAccount] = field(default_factory=dict)
    dimensions: dict[str, NavDimension] = field(default_factory=dict)
    currencies: frozenset[str] | None = None  # None: not read (only the vendors stream needs it)
    payment_terms: dict[str, str] | None = None  # code → id; None: not read
    countries: frozenset[str] | None = None  # countriesRegions codes; None: not read (or not readable)
    # APIV2 defaultDimensions rows (company level), parsed by default_dimensions.parse_default_dimensions
    default_dimension_rows: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def build(
        cls,
        *,
        vendors: Iterable[Mapping[str, Any]] = (),
        accounts: Iterable[Mapping[str, Any]] = (),
        dimensions: Iterable[Mapping[str, Any]] = (),
        dimension_values: Iterable[Mapping[str, Any]] = (),
    ) -> ReferenceData:
        """From API entities (as returned by `GET vendors`, `accounts`, `dimensions`, `dimensionValues`)."""
        values_by_dimension: dict[str, set[str]] = {}
        for value in dimension_values:
            values_by_dimension.setdefault(str(value.get("dimensionId", "")), set()).add(code_key(str(value["code"])))
        return cls(
            vendors={code_key(v["number"]): NavVendor.from_entity(v) for v in vendors},
            accounts={code_key(a["number"]): NavAccount.from_entity(a) for a in accounts},
            dimensions={
                code_key(d["code"]): NavDimension(
                    id=str(d.get("id", "")),
                    code=code_key(d["code"]),
                    values=frozenset(values_by_dimension.get(str(d.get("id", "")), set())),
                )
                for d in dimensions
            },
        )

    def vendor(self, number: str) -> NavVendor | None:
        return self.vendors.get(code_key(number))

    def account(self, number: str) -> NavAccount | None:
        return self.accounts.get(code_key(number))

    def dimension(self, code: str) -> NavDimension | None:
        return self.dimensions.get(code_key(code))

    def remember_vendor(self, entity: Mapping[str, Any]) -> NavVendor:
        """Record a vendor the connector just created or updated (its new ETag included)."""
        vendor = NavVendor.from_entity(entity)
        self.vendors[code_key(vendor.number)] = vendor
        return vendor


def read_reference_data(bc: Any) -> ReferenceData:
    """Vendors, G/L accounts, dimensions, dimension values and default dimensions: five paged reads, side by side."""
    reads = [
        lambda: bc.list_entities("vendors", select=list(VENDOR_FIELDS)),
        lambda: bc.list_entities("accounts", select=list(ACCOUNT_FIELDS)),
        lambda: bc.list_entities("dimensions", select=list(DIMENSION_FIELDS)),
        lambda: bc.list_entities("dimensionValues", select=list(DIMENSION_VALUE_FIELDS)),
        lambda: bc.list_entities("defaultDimensions", select=list(DEFAULT_DIMENSION_FIELDS)),
    ]
    vendors, accounts, dimensions, values, defaults = bc.map_concurrently(lambda read: read(), reads)
    reference = ReferenceData.build(vendors=vendors, accounts=accounts, dimensions=dimensions, dimension_values=values)
    reference.default_dimension_rows = tuple(defaults)
    return reference


def read_local_currency(bc: Any) -> str | None:
    """The company's local currency code (LCY), which NAV writes as a blank currency code on documents."""
    for info in bc.iter_entities("companyInformation", select=["currencyCode"]):
        code = str(info.get("currencyCode") or "").strip()
        return code_key(code) if code else None
    return None
