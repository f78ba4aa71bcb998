"""Companies, vendors, G/L accounts, dimensions and dimension values."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from bc_emulator import entities, errors, rules, vendor_rules
from bc_emulator.ids import new_id
from bc_emulator.resources.base import EntitySet, RequestContext, Scope, duplicate_key, take_number
from bc_emulator.store import CompanyData, Transaction
from bc_emulator.versions import profile


class Companies(EntitySet):
    name = "companies"
    schema = entities.COMPANY
    computed = frozenset({"systemVersion"})

    def candidates(self, ctx: RequestContext, scope: Scope, equalities: list[tuple[str, Any]]) -> Iterable[dict]:
        return [c.record for c in ctx.store.companies.values()]

    def find(self, ctx: RequestContext, scope: Scope, key: str) -> dict[str, Any] | None:
        company = ctx.store.company(key)
        return None if company is None else company.record

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        # The platform's Company entity reports the application version the tenant runs (versions.py profile).
        return {**record, "systemVersion": profile(ctx.settings.bc_version).system_version}


class Vendors(EntitySet):
    name = "vendors"
    schema = entities.VENDOR
    table = "vendors"
    methods = frozenset({"GET", "POST", "PATCH", "DELETE"})
    computed = frozenset({"balance", "currencyCode"})
    navigation = {"defaultDimensions": "defaultDimensions"}  # APIV2Vendors.Page.al part(defaultDimensions)

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        company = self.company_of(scope)
        entries = company.table("vendorLedgerEntries").find(("vendorNumber",), record["number"])
        # Balance is what the company owes: invoices are negative vendor ledger amounts.
        balance = -sum((e["amount"] for e in entries), Decimal(0))
        # The API page shows the local currency's code where the stored one is blank
        # (Graph Mgt - General Tools.TranslateNAVCurrencyCodeToCurrencyCode); writing it stores blank again.
        currency = record["currencyCode"] or rules.local_currency(company)
        return {**record, "balance": balance, "currencyCode": currency}

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        company = self.company_of(scope)
        values = self.fields_from_body(body)
        record = {**self.schema.defaults(), **values, "id": new_id()}
        self._apply_references(company, record, values)
        if record["number"]:
            vendor_rules.check_manual_number(company)
        else:
            record["number"] = take_number(txn, company, "vendor")
        vendor_rules.validate_vendor(company, record, values)
        self._check_unique(scope, record["number"])
        return txn.insert(company, self.table, record)

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        company = self.company_of(scope)
        values = self.fields_from_body(body)
        updated = {**record, **values}
        self._apply_references(company, updated, values)
        vendor_rules.validate_vendor(company, updated, values)
        if updated["number"] != record["number"]:
            if not updated["number"]:
                raise errors.field_validation("No. must have a value in Vendor: No.=. It cannot be zero or empty.")
            vendor_rules.check_manual_number(company)
            self._check_unique(scope, updated["number"])
            self._rename_references(txn, scope, record["number"], updated["number"])
        return txn.update(company, self.table, updated)

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        company = self.company_of(scope)
        number = record["number"]
        if company.table("vendorLedgerEntries").find(("vendorNumber",), number):
            raise errors.dialog(
                f"You cannot delete Vendor {number} because it has ledger entries in a fiscal year that has not "
                "been closed yet."
            )
        for invoice in company.table("purchaseInvoices").values():
            if invoice["status"] == "Draft" and number in (invoice["vendorNumber"], invoice["payToVendorNumber"]):
                raise errors.dialog(
                    f"You cannot delete Vendor {number} because there is at least one outstanding Purchase "
                    "Invoice for this vendor."
                )
        txn.delete(company, self.table, record["id"])

    @staticmethod
    def _apply_references(company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> None:
        """Currency and payment terms must exist (BC's vendor API page checks them when they are set)."""
        rules.apply_currency(company, record, values)
        rules.check_payment_terms(company, values)

    def _check_unique(self, scope: Scope, number: str) -> None:
        if self.company_of(scope).table("vendors").find_unique(("number",), number) is not None:
            raise duplicate_key("Vendor", f"No.='{number}'")

    def _rename_references(self, txn: Transaction, scope: Scope, old: str, new: str) -> None:
        """A BC rename cascades to every table related to the primary key."""
        company = self.company_of(scope)
        for entry in company.table("vendorLedgerEntries").find(("vendorNumber",), old):
            txn.update(company, "vendorLedgerEntries", {**entry, "vendorNumber": new})
        for invoice in company.table("purchaseInvoices").values():
            changes = {f: new for f in ("vendorNumber", "payToVendorNumber") if invoice[f] == old}
            if changes:
                txn.update(company, "purchaseInvoices", {**invoice, **changes})
        for default in company.table("defaultDimensions").find(("tableId", "number"), 23, old):
            txn.update(company, "defaultDimensions", {**default, "number": new})


class Accounts(EntitySet):
    name = "accounts"
    schema = entities.ACCOUNT
    table = "accounts"
    computed = frozenset({"netChange"})

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        entries = self.company_of(scope).table("generalLedgerEntries").find(("accountNumber",), record["number"])
        net = sum((e["debitAmount"] - e["creditAmount"] for e in entries), Decimal(0))
        return {**record, "netChange": net}


class Dimensions(EntitySet):
    name = "dimensions"
    schema = entities.DIMENSION
    table = "dimensions"
    navigation = {"dimensionValues": "dimensionValues"}


class DimensionValues(EntitySet):
    name = "dimensionValues"
    schema = entities.DIMENSION_VALUE
    table = "dimensionValues"
    parent_links = {"dimensions": "dimensionId"}
