"""Countries/regions, currencies, payment terms and company information: read-only reference data that vendors point at.

BC lets these be written through the API as well; the connectors only read them, so the emulator serves GET and
tests change them with `emu.store.modify(...)`.
"""

from __future__ import annotations

from bc_emulator import entities
from bc_emulator.resources.base import EntitySet


class CountriesRegions(EntitySet):
    """APIV2CountriesRegions.Page.al: the Country/Region table vendors' country codes must exist in."""

    name = "countriesRegions"
    schema = entities.COUNTRY_REGION
    table = "countriesRegions"


class Currencies(EntitySet):
    name = "currencies"
    schema = entities.CURRENCY
    table = "currencies"


class PaymentTerms(EntitySet):
    name = "paymentTerms"
    schema = entities.PAYMENT_TERM
    table = "paymentTerms"


class CompanyInformation(EntitySet):
    """Exactly one record per company: GET companyInformation answers a collection of one, like BC."""

    name = "companyInformation"
    schema = entities.COMPANY_INFORMATION
    table = "companyInformation"
