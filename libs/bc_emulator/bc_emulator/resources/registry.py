"""Which entity sets exist, and where: at the API root, or under companies({id})."""

from __future__ import annotations

from bc_emulator.resources.base import EntitySet
from bc_emulator.resources.default_dimensions import DefaultDimensions
from bc_emulator.resources.dimension_sets import DimensionSetLines
from bc_emulator.resources.journals import JournalLines, Journals
from bc_emulator.resources.ledger import GeneralLedgerEntries, VendorLedgerEntries
from bc_emulator.resources.master_data import Accounts, Companies, Dimensions, DimensionValues, Vendors
from bc_emulator.resources.purchase_invoices import PurchaseInvoiceLines, PurchaseInvoices
from bc_emulator.resources.purchase_orders import (
    PurchaseOrderLines,
    PurchaseOrders,
    PurchaseReceiptLines,
    PurchaseReceipts,
)
from bc_emulator.resources.reference_data import CompanyInformation, CountriesRegions, Currencies, PaymentTerms
from bc_emulator.resources.subscriptions import Subscriptions

_ALL: tuple[type[EntitySet], ...] = (
    Companies,
    Subscriptions,
    CompanyInformation,
    CountriesRegions,
    Currencies,
    PaymentTerms,
    Vendors,
    Accounts,
    Dimensions,
    DimensionValues,
    DimensionSetLines,
    DefaultDimensions,
    Journals,
    JournalLines,
    PurchaseInvoices,
    PurchaseInvoiceLines,
    PurchaseOrders,
    PurchaseOrderLines,
    PurchaseReceipts,
    PurchaseReceiptLines,
    GeneralLedgerEntries,
    VendorLedgerEntries,
)


class ApiDefinition:
    """One API route (api/v2.0, api/microsoft/reportsFinance/beta): its root and company-level sets."""

    def __init__(self, name: str, root_sets: frozenset[str], company_sets: frozenset[str]) -> None:
        self.name = name
        self.root_sets = root_sets
        self.company_sets = company_sets


V2 = ApiDefinition(
    "v2.0",
    frozenset({"companies", "subscriptions"}),
    frozenset(
        {
            "companyInformation",
            "countriesRegions",
            "currencies",
            "paymentTerms",
            "vendors",
            "accounts",
            "dimensions",
            "dimensionValues",
            "defaultDimensions",
            "journals",
            "journalLines",
            "purchaseInvoices",
            "purchaseInvoiceLines",
            "purchaseOrders",
            "purchaseOrderLines",
            "purchaseReceipts",
            "purchaseReceiptLines",
            "generalLedgerEntries",
        }
    ),
)
REPORTS_FINANCE = ApiDefinition(
    "microsoft/reportsFinance/beta", frozenset({"companies"}), frozenset({"vendorLedgerEntries"})
)
APIS = {"v2.0": V2, "microsoft/reportsFinance/beta": REPORTS_FINANCE}


class Registry:
    def __init__(self) -> None:
        self._sets: dict[str, EntitySet] = {cls.name: cls(self) for cls in _ALL}

    def get(self, name: str) -> EntitySet:
        return self._sets[name]

    def dimension_sets(self) -> DimensionSetLines:
        """The dimensionSetLines set, which parents use for nested (deep insert) dimension lines."""
        found = self._sets["dimensionSetLines"]
        assert isinstance(found, DimensionSetLines)
        return found

    def purchase_invoice_lines(self) -> PurchaseInvoiceLines:
        found = self._sets["purchaseInvoiceLines"]
        assert isinstance(found, PurchaseInvoiceLines)
        return found
