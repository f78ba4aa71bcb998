"""Stampli vendor fields checked the way Business Central's Vendor table will check them, before anything is sent.

A vendor BC would refuse is rejected with a named reason (and so are the invoices that needed it created), instead
of a failed request or, worse, a bare vendor created later from an invoice under the same number. The rules follow
BaseApp Vendor.Table.al: Country/Region Code has a TableRelation to Countries/Regions, Phone No. refuses letters,
E-Mail goes through Mail Management's CheckValidEmailAddresses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from destination_dynamics_nav.outcomes import Problem
from destination_dynamics_nav.reference_data import code_key

# One address: one @, no spaces or list separators, a dotted domain (what BC's address check accepts in practice).
_EMAIL = re.compile(r"^[^@\s;,<>()\[\]\\\"]+@[^@\s;,<>()\[\]\\\"]+\.[^@\s;,<>()\[\]\\\".]+$")


def vendor_field_problems(fields: Mapping[str, Any], countries: frozenset[str] | None) -> list[Problem]:
    """Why BC would refuse these vendor field values (only the fields present are checked, as BC validates only
    the fields a request sets). `countries` is None when NAV's countries/regions could not be read."""
    problems: list[Problem] = []
    country = str(fields.get("country") or "").strip()
    if country and countries is not None and code_key(country) not in countries:
        problems.append(
            Problem(
                "unknown_vendor_country",
                f"country {code_key(country)} is not a country/region code in NAV (Countries/Regions); use the "
                "NAV code (e.g. US, GB, DE) in Stampli or create the country/region in NAV",
            )
        )
    phone = str(fields.get("phoneNumber") or "")
    if any(character.isalpha() for character in phone):
        problems.append(
            Problem("invalid_vendor_phone", f"phone number {phone!r} contains letters, which NAV's Phone No. refuses")
        )
    email = str(fields.get("email") or "").strip()
    if email:
        bad = [
            a.strip() for a in email.strip(";").split(";") if a.strip().count("@") != 1 or not _EMAIL.match(a.strip())
        ]
        if bad:
            problems.append(Problem("invalid_vendor_email", f"e-mail address {bad[0]!r} is not valid for NAV"))
    return problems
