"""One vendor as the matching rules see it, built from a Stampli vendor record or a Business Central vendor."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from vendor_matching.normalize import (
    email_domain,
    name_tokens,
    normalize_city,
    normalize_phone,
    normalize_postal_code,
    normalize_tax_id,
)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class VendorProfile(BaseModel):
    """The raw fields (for the review file) and their normalised forms (for the rules, computed once)."""

    model_config = ConfigDict(frozen=True)

    key: str  # Stampli vendor_id, or NAV vendor number
    name: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    email: str = ""
    phone: str = ""
    tax_id: str = ""

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        return name_tokens(self.name)

    @cached_property
    def norm_name(self) -> str:
        return " ".join(self.tokens)

    @cached_property
    def norm_tax_id(self) -> str:
        return normalize_tax_id(self.tax_id, self.country)

    @cached_property
    def norm_postal_code(self) -> str:
        return normalize_postal_code(self.postal_code, self.country)

    @cached_property
    def norm_city(self) -> str:
        return normalize_city(self.city)

    @cached_property
    def domain(self) -> str:
        return email_domain(self.email)

    @cached_property
    def norm_phone(self) -> str:
        return normalize_phone(self.phone)

    @classmethod
    def from_stampli(cls, record: Mapping[str, Any]) -> VendorProfile:
        """A `vendors` record of source-stampli-sftp (docs/internal-contracts.md §1)."""
        return cls(
            key=_text(record.get("vendor_id")),
            name=_text(record.get("vendor_name")),
            city=_text(record.get("city")),
            postal_code=_text(record.get("postal_code")),
            country=_text(record.get("country")),
            email=_text(record.get("email")),
            phone=_text(record.get("phone")),
            tax_id=_text(record.get("tax_id")),
        )

    @classmethod
    def from_nav(cls, entity: Mapping[str, Any]) -> VendorProfile:
        """A Business Central API v2.0 vendor (APIV2 - Vendors: number, displayName, postalCode, ...)."""
        return cls(
            key=_text(entity.get("number")),
            name=_text(entity.get("displayName")),
            city=_text(entity.get("city")),
            postal_code=_text(entity.get("postalCode")),
            country=_text(entity.get("country")),
            email=_text(entity.get("email")),
            phone=_text(entity.get("phoneNumber")),
            tax_id=_text(entity.get("taxRegistrationNumber")),
        )
