"""How Stampli's codes, vendor fields and statuses correspond to NAV's — one definition for every package.

destination-dynamics-nav posts with these rules, destination-stampli-sftp applies them backwards (and compares
Stampli's export with NAV's data through them), and the runner's reconciliation looks NAV's ledger up with them:
if two packages disagreed, an invoice would post correctly and still reconcile as a mismatch, or a vendor row
would ping-pong between the two systems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Stampli vendor statuses that mean "do not use this vendor": NAV blocks it (Blocked = All).
INACTIVE_STATUSES = frozenset({"inactive", "blocked", "disabled", "archived", "deleted", "suspended"})


def nav_code(value: str) -> str:
    """A code as NAV stores it: NAV upper-cases Code fields (No., Country/Region Code, ...) and trims them."""
    return value.strip().upper()


def is_inactive_status(status: str | None) -> bool:
    """True for a Stampli status that means the vendor is not to be used (whatever its case or padding)."""
    return status is not None and status.strip().casefold() in INACTIVE_STATUSES


def clean_mapping(mapping: Mapping[object, object] | None) -> dict[str, str]:
    """A `gl_account_mapping` / `vendor_number_mapping` as the lookups below expect it: Stampli codes trimmed,
    NAV numbers as NAV stores them. What destination-dynamics-nav's config validation produces; the runner reads
    the same mapping straight from a connection file."""
    return {str(stampli).strip(): nav_code(str(nav)) for stampli, nav in (mapping or {}).items()}


def _mapped(stampli_code: str, mapping: Mapping[str, str]) -> str:
    # The mapping is looked up by the trimmed code as typed (it is keyed by what Stampli exports); an unmapped
    # code is the NAV number itself, as NAV stores it.
    mapped = mapping.get(stampli_code.strip())
    return nav_code(mapped) if mapped is not None else nav_code(stampli_code)


def nav_account_number(gl_code: str, gl_account_mapping: Mapping[str, str]) -> str:
    """The NAV G/L account number a Stampli G/L code posts to: `gl_account_mapping` first, else the code itself."""
    return _mapped(gl_code, gl_account_mapping)


def nav_vendor_number(vendor_id: str, vendor_number_mapping: Mapping[str, str]) -> str:
    """The NAV vendor number of a Stampli vendor id: `vendor_number_mapping` first, else the id itself."""
    return _mapped(vendor_id, vendor_number_mapping)


@dataclass(frozen=True)
class VendorField:
    """One vendor field as both systems name it, and how much of it NAV can hold."""

    stampli: str  # field of Stampli's vendor export record (stampli_files, snake_case)
    nav: str  # field of Business Central's API v2.0 vendors page
    nav_length: int  # length of the underlying Vendor table field: a longer value is refused by NAV


# BaseApp Purchases/Vendor/Vendor.Table.al: Name Text[100], Address Text[100], "Address 2" Text[50], City Text[30],
# County Text[30], "Post Code" Code[20], "Country/Region Code" Code[10], "Phone No." Text[30], "E-Mail" Text[80],
# "VAT Registration No." Text[20].
VENDOR_FIELDS: tuple[VendorField, ...] = (
    VendorField("vendor_name", "displayName", 100),
    VendorField("address_line_1", "addressLine1", 100),
    VendorField("address_line_2", "addressLine2", 50),
    VendorField("city", "city", 30),
    VendorField("state", "state", 30),
    VendorField("postal_code", "postalCode", 20),
    VendorField("country", "country", 10),
    VendorField("phone", "phoneNumber", 30),
    VendorField("email", "email", 80),
    VendorField("tax_id", "taxRegistrationNumber", 20),
)
_BY_STAMPLI = {f.stampli: f for f in VENDOR_FIELDS}

# BaseApp Finance/GeneralLedger/Account/GLAccount.Table.al: Name Text[100].
GL_ACCOUNT_NAME_LENGTH = 100


def nav_length(stampli_vendor_field: str) -> int:
    """NAV's length for a Stampli vendor field (KeyError for a field that does not go to NAV's vendor card)."""
    return _BY_STAMPLI[stampli_vendor_field].nav_length
