"""The page web service seam: what this mode needs from `bc_client.nav.NavPageClient`, and NAV's field names.

Roles are `NavServices` field names (issue 13's `services` block plus `general_ledger_setup`); the client maps them
to the service names the NAV administrator published. Field names are the page control names with every character
other than a letter or digit replaced by `_` (BaseApp VendorCard.Page.al, ChartofAccounts.Page.al, ...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from bc_client.odata import all_of, eq


class PageClient(Protocol):
    """The subset of `bc_client.nav.NavPageClient` this destination uses."""

    def read(
        self,
        role: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def get(self, role: str, key: Mapping[str, str | int]) -> dict[str, Any] | None: ...

    def insert(self, role: str, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def modify(
        self, role: str, key: Mapping[str, str | int], changes: Mapping[str, Any], etag: str
    ) -> dict[str, Any]: ...

    def delete(self, role: str, key: Mapping[str, str | int], etag: str) -> None: ...


# API v2.0 vendor field (as VendorSync and vendor_validation know them) → Vendor Card page 26 control name.
# BaseApp VendorCard.Page.al: "No.", Name, Address, "Address 2", City, County, "Post Code", "Country/Region Code",
# "Phone No.", "E-Mail", "VAT Registration No.", "Currency Code", "Payment Terms Code", Blocked.
VENDOR_CARD_FIELDS: dict[str, str] = {
    "number": "No",
    "displayName": "Name",
    "addressLine1": "Address",
    "addressLine2": "Address_2",
    "city": "City",
    "state": "County",
    "postalCode": "Post_Code",
    "country": "Country_Region_Code",
    "phoneNumber": "Phone_No",
    "email": "E_Mail",
    "taxRegistrationNumber": "VAT_Registration_No",
    "currencyCode": "Currency_Code",
    "paymentTermsId": "Payment_Terms_Code",  # a code on the card; the API's id field is reused to carry it
    "blocked": "Blocked",
}


def vendor_entity(card: Mapping[str, Any]) -> dict[str, Any]:
    """A Vendor Card record in the API v2.0 shape ReferenceData/VendorSync use (the vendor number doubles as id)."""
    entity = {api: card.get(nav) for api, nav in VENDOR_CARD_FIELDS.items()}
    entity["id"] = str(card.get("No") or "")
    entity["blocked"] = str(card.get("Blocked") or " ")
    entity["@odata.etag"] = card.get("@odata.etag")
    return entity


def vendor_card_body(api_fields: Mapping[str, Any]) -> dict[str, Any]:
    """API-shaped vendor fields → Vendor Card page fields (unknown names are a programming error)."""
    return {VENDOR_CARD_FIELDS[name]: value for name, value in api_fields.items()}


def account_entity(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Chart of Accounts (page 16) row in the API accounts shape. Account_Type is the option caption
    ("Posting", "Heading", ...), Direct_Posting and Blocked are booleans (BaseApp GLAccount.Table.al)."""
    return {
        "id": str(row.get("No") or ""),
        "number": str(row.get("No") or ""),
        "displayName": row.get("Name") or "",
        "accountType": row.get("Account_Type") or "",
        "directPosting": bool(row.get("Direct_Posting")),
        "blocked": bool(row.get("Blocked")),
    }


def batch_filter(template: str, batch: str) -> str:
    return all_of(eq("Journal_Template_Name", template), eq("Journal_Batch_Name", batch))


def line_key(line: Mapping[str, Any]) -> dict[str, str | int]:
    """General_Journal(Journal_Template_Name='GENERAL',Journal_Batch_Name='STAMPLI',Line_No=10000)."""
    return {
        "Journal_Template_Name": str(line["Journal_Template_Name"]),
        "Journal_Batch_Name": str(line["Journal_Batch_Name"]),
        "Line_No": int(line["Line_No"]),
    }
