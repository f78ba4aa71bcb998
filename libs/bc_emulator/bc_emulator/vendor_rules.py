"""The Vendor table's field validation that the vendor API page runs on insert and modify.

Each check names the AL it follows (BaseApp Purchases/Vendor/Vendor.Table.al unless said otherwise), so that a
connector meets the same refusals and texts here as against a real tenant.
"""

from __future__ import annotations

import re
from typing import Any

from bc_emulator import errors
from bc_emulator.resources.base import table_relation
from bc_emulator.store import CompanyData

# guess: System Application EmailAccountImpl.ValidateEmailAddress uses a .NET address check that is not in the AL
# source; this pattern accepts what it accepts in practice (one @, no spaces, a dotted domain) and nothing looser.
_EMAIL = re.compile(r"^[^@\s;,<>()\[\]\\\"]+@[^@\s;,<>()\[\]\\\"]+\.[^@\s;,<>()\[\]\\\".]+$")


def validate_vendor(company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> None:
    """Run the OnValidate triggers of the fields given in `values`, updating `record` where BC does."""
    number = record["number"]
    country = record["country"] if "country" in values else ""
    # Vendor.Table.al field 35 "Country/Region Code": TableRelation = "Country/Region".
    if country and company.table("countriesRegions").find_unique(("code",), country) is None:
        raise table_relation("Country/Region Code", "Vendor", country, "Country/Region")
    if "phoneNumber" in values:
        check_phone(record["phoneNumber"], number)
    if "email" in values and record["email"]:
        check_emails(record["email"])
    if "taxRegistrationNumber" in values:
        # Vendor.Table.al field 86 "VAT Registration No." OnValidate: "VAT Registration No." := UpperCase(...).
        record["taxRegistrationNumber"] = record["taxRegistrationNumber"].upper()


def check_phone(phone: str, vendor_number: str) -> None:
    """Vendor.Table.al field 9 "Phone No." OnValidate: any Char.IsLetter -> FieldError(PhoneNoCannotContainLettersErr)."""
    if any(character.isalpha() for character in phone):
        raise errors.field_validation(f"Phone No. must not contain letters in Vendor: No.={vendor_number}")


def check_emails(recipients: str) -> None:
    """Vendor.Table.al field 102 "E-Mail" OnValidate -> Mail Management CheckValidEmailAddresses: a ';'-separated
    list, each address checked by CheckValidEmailAddress (InvalidEmailAddressErr)."""
    for address in recipients.strip(";").split(";"):
        address = address.strip()
        if address.count("@") != 1 or not _EMAIL.match(address):
            raise errors.dialog(f'The email address "{address}" is not valid.')


def check_manual_number(company: CompanyData) -> None:
    """Vendor.Table.al field 1 "No." OnValidate -> NoSeries.TestManual(PurchSetup."Vendor Nos."): a number typed in
    by the caller is refused unless the vendor number series allows Manual Nos."""
    if company.setup.get("vendorManualNos", True):
        return
    series = company.setup.get("vendorNoSeriesCode", "VEND")
    # Label of the No. Series module's TestManual (also quoted as CannotAssignManuallyErr in BC's own tests).
    raise errors.dialog(
        "You may not enter numbers manually. If you want to enter numbers manually, please activate Manual Nos. in "
        f"No. Series {series}."
    )
