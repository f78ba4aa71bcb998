"""Version profiles: which API v2.0 fields a Business Central release has.

API v2.0 exists from BC 17 (2020 release wave 2) and gained fields release by release. A field the tenant's
release lacks is not in its `$metadata`, and naming it in `$select`, `$filter`, `$orderby` or a request body fails
the whole request with 400. The entity schemas in `entities.py` describe the current release; a profile lists
what older releases lack, read from the page history in microsoft/ALAppExtensions `Apps/W1/APIV2/app/src/pages`
(c10763963 "Update all to 18.3", 875132e23 "Uptake 21.6 version change", ca77e86a3 23.0 uptake, 09f248840
"Update to version 24") and microsoft/BCApps `src/Apps/W1/APIV2/app/src/pages` at HEAD for the current release.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Fields added after BC 18, per OData entity type name (entities.py `entity_name`).
_SINCE_19 = {
    # APIV2Accounts.Page.al: netChange added in 0c64dd52d (19.0)
    "account": frozenset({"netChange"}),
    # APIV2Journals.Page.al: templateDisplayName added in 0c64dd52d (19.0)
    "journal": frozenset({"templateDisplayName"}),
    # APIV2PurchaseInvoices.Page.al: shortcutDimension1Code/2Code added in 0c64dd52d (19.0)
    "purchaseInvoice": frozenset({"shortcutDimension1Code", "shortcutDimension2Code"}),
}
_SINCE_22 = {
    # APIV2PurchaseInvoiceLines.Page.al: description2 added in the 22.x uptakes (present at cbbeef92e, 22.5)
    "purchaseInvoiceLine": frozenset({"description2"}),
}
_SINCE_23 = {
    # APIV2Accounts.Page.al: consolidationTranslationMethod/DebitAccount/CreditAccount added in ca77e86a3 (23.0)
    "account": frozenset({"consolidationTranslationMethod", "consolidationDebitAccount", "consolidationCreditAccount"}),
    # APIV2Dimensions.Page.al, APIV2DimensionValuesEntity.Page.al: consolidationCode added in ca77e86a3 (23.0)
    "dimension": frozenset({"consolidationCode"}),
    "dimensionValue": frozenset({"consolidationCode"}),
    # APIV2DimensionSetLines.Page.al: consolidationCode, valueConsolidationCode added in ca77e86a3 (23.0)
    "dimensionSetLine": frozenset({"consolidationCode", "valueConsolidationCode"}),
    # APIV2GLEntries.Page.al: additionalCurrencyDebitAmount/CreditAmount added in ca77e86a3 (23.0)
    "generalLedgerEntry": frozenset({"additionalCurrencyDebitAmount", "additionalCurrencyCreditAmount"}),
    # APIV2PurchaseInvoices.Page.al: purchaser added in 11c183f66 (23.1)
    "purchaseInvoice": frozenset({"purchaser"}),
}
_SINCE_24 = {
    # APIV2Accounts.Page.al: excludeFromConsolidation added in 09f248840 (24.0)
    "account": frozenset({"excludeFromConsolidation"}),
}


def _union(*parts: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    merged: dict[str, frozenset[str]] = {}
    for part in parts:
        for entity, names in part.items():
            merged[entity] = merged.get(entity, frozenset()) | names
    return merged


@dataclass(frozen=True)
class VersionProfile:
    name: str
    system_version: str  # company systemVersion (major.minor.build.revision)
    missing: dict[str, frozenset[str]] = field(default_factory=dict)  # entity type -> fields this release lacks

    def lacks(self, entity_name: str) -> frozenset[str]:
        return self.missing.get(entity_name, frozenset())


# guess: the build and revision parts of systemVersion are placeholders; only major.minor follow the releases
# whose page history the profile reproduces.
PROFILES: dict[str, VersionProfile] = {
    "18": VersionProfile("18", "18.3.0.0", _union(_SINCE_19, _SINCE_22, _SINCE_23, _SINCE_24)),
    "21": VersionProfile("21", "21.6.0.0", _union(_SINCE_22, _SINCE_23, _SINCE_24)),
    # BCApps HEAD (app.json 29.0, the release in development) has the same field sets for these pages as the
    # 28.x uptakes in ALAppExtensions (82df5d54f, 28.0.46297.0); the profile reports the shipped release.
    "current": VersionProfile("current", "28.0.0.0"),
    # NAV 2018 (11.0) has no API v2.0 at all: its profile only names the application version (nav_classic serves it).
    "nav2018": VersionProfile("nav2018", "11.0.0.0"),
}


def profile(name: str) -> VersionProfile:
    return PROFILES[name]
