"""purchaseInvoices (drafts and posted, like BC's aggregate) and purchaseInvoiceLines, with deep insert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from decimal import Decimal
from typing import Any

from bc_emulator import default_dimensions, entities, errors, posting, rules
from bc_emulator.fields import EMPTY_DATE, EMPTY_GUID, round_amount
from bc_emulator.ids import new_id
from bc_emulator.odata.filter import Bound
from bc_emulator.resources.base import (
    EntitySet,
    RequestContext,
    Scope,
    duplicate_key,
    next_line_number,
    remember_line_number,
    table_relation,
    take_number,
)
from bc_emulator.store import CompanyData, Transaction

POST_ACTION = "Microsoft.NAV.post"
ZERO = Decimal(0)


class PurchaseInvoices(EntitySet):
    name = "purchaseInvoices"
    schema = entities.PURCHASE_INVOICE
    table = "purchaseInvoices"
    methods = frozenset({"GET", "POST", "PATCH", "DELETE"})
    navigation = {"purchaseInvoiceLines": "purchaseInvoiceLines", "dimensionSetLines": "dimensionSetLines"}
    actions = frozenset({POST_ACTION})
    computed = frozenset({"shortcutDimension1Code", "shortcutDimension2Code"})
    deep_insert = frozenset({"purchaseInvoiceLines", "dimensionSetLines"})

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        setup = self.company_of(scope).setup
        dims = record["dimensionSet"]
        return {
            **record,
            "shortcutDimension1Code": dims.get(setup.get("globalDimension1Code", ""), ""),
            "shortcutDimension2Code": dims.get(setup.get("globalDimension2Code", ""), ""),
        }

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        company = self.company_of(scope)
        values = self.fields_from_body(body)
        if values.get("vendorId", EMPTY_GUID) == EMPTY_GUID and not values.get("vendorNumber"):
            raise errors.dialog('A "vendorNumber" or a "vendorId" must be provided.')
        _no_invoice_discount(values)
        record = {**self.schema.defaults(), **values, "id": new_id(), "status": "Draft"}
        record["dimensionSet"] = {}
        today = txn.now().astimezone(UTC).date().isoformat()
        for date_field in ("invoiceDate", "postingDate"):
            if record[date_field] == EMPTY_DATE:
                record[date_field] = today  # BC: the work date
        if record["dueDate"] == EMPTY_DATE:
            record["dueDate"] = record["invoiceDate"]  # no payment terms: due on the document date
        if not record["number"]:
            record["number"] = take_number(txn, company, "purchaseInvoice")
        elif any(i["status"] == "Draft" for i in company.table(self.table).find(("number",), record["number"])):
            raise duplicate_key("Purchase Header", f"Document Type='Invoice',No.='{record['number']}'")
        record["draftNumber"] = record["number"]
        self._apply_vendor(company, record, values, creating=True)
        _apply_document_currency(company, record, values)
        self._apply_shortcut_dimensions(company, record, values)
        record["dimensionSet"] = self.registry.dimension_sets().nested_set(
            company, record["dimensionSet"], self.nested(body, "dimensionSetLines")
        )
        stored = txn.insert(company, self.table, record)
        lines = self.registry.purchase_invoice_lines()
        for line_body in self.nested(body, "purchaseInvoiceLines"):
            lines.insert_line(txn, company, company.table("purchaseInvoices").require(stored["id"]), line_body)
        return recalculate_totals(txn, company, stored["id"])

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        company = self.company_of(scope)
        _require_draft(record)
        values = self.fields_from_body(body)
        _no_invoice_discount(values)
        updated = {**record, **values}
        if "number" in values and values["number"] != record["number"]:
            if any(i["status"] == "Draft" for i in company.table(self.table).find(("number",), values["number"])):
                raise duplicate_key("Purchase Header", f"Document Type='Invoice',No.='{values['number']}'")
            updated["draftNumber"] = values["number"]
        self._apply_vendor(company, updated, values, creating=False)
        _apply_document_currency(company, updated, values)
        self._apply_shortcut_dimensions(company, updated, values)
        return txn.update(company, self.table, updated)

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        company = self.company_of(scope)
        _require_draft(record)
        for line in company.table("purchaseInvoiceLines").find(("documentId",), record["id"]):
            txn.delete(company, "purchaseInvoiceLines", line["id"])
        txn.delete(company, self.table, record["id"])

    def invoke(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], action: str) -> None:
        if action != POST_ACTION:
            super().invoke(txn, ctx, scope, record, action)
        posting.post_purchase_invoice(txn, self.company_of(scope), record)
        txn.commit_point()

    def _apply_vendor(
        self, company: CompanyData, record: dict[str, Any], values: dict[str, Any], *, creating: bool
    ) -> None:
        vendors = company.table("vendors")
        if "vendorId" in values or "vendorNumber" in values:
            vendor = _vendor_from(vendors, values.get("vendorId", EMPTY_GUID), values.get("vendorNumber", ""), "")
            rules.check_vendor_not_blocked(vendor, "Invoice", "create")
            record["vendorId"], record["vendorNumber"] = vendor["id"], vendor["number"]
            if "vendorName" not in values:
                record["vendorName"] = vendor["displayName"]
            for suffix, source in (
                ("AddressLine1", "addressLine1"),
                ("AddressLine2", "addressLine2"),
                ("City", "city"),
                ("Country", "country"),
                ("State", "state"),
                ("PostCode", "postalCode"),
            ):
                if f"buyFrom{suffix}" not in values:
                    record[f"buyFrom{suffix}"] = vendor[source]
            if "payToVendorId" not in values and "payToVendorNumber" not in values:
                values = {**values, "payToVendorId": vendor["id"]}
        if "payToVendorId" in values or "payToVendorNumber" in values:
            pay_to = _vendor_from(
                vendors, values.get("payToVendorId", EMPTY_GUID), values.get("payToVendorNumber", ""), "payTo"
            )
            rules.check_vendor_not_blocked(pay_to, "Invoice", "create")
            changed = creating or record["payToVendorNumber"] != pay_to["number"]
            record["payToVendorId"], record["payToVendorNumber"] = pay_to["id"], pay_to["number"]
            if changed:
                # PurchaseHeader "Pay-to Vendor No." OnValidate: "Prices Including VAT" := Vend."Prices Including
                # VAT"; "Currency Code" := Vend."Currency Code"; then CreateDimFromDefaultDim(Pay-to Vendor No.)
                # replaces the header's dimension set with the vendor's defaults (source code PURCHASES).
                record["pricesIncludeTax"] = bool(pay_to.get("pricesIncludingVat", False))
                record["currencyCode"] = pay_to["currencyCode"]
                record["currencyId"] = pay_to["currencyId"]
                record["dimensionSet"] = default_dimensions.default_dimension_set(
                    company, [("Vendor", pay_to["number"])], "PURCHASES"
                )
            record["payToName"] = pay_to["displayName"]
            for suffix, source in (
                ("AddressLine1", "addressLine1"),
                ("AddressLine2", "addressLine2"),
                ("City", "city"),
                ("Country", "country"),
                ("State", "state"),
                ("PostCode", "postalCode"),
            ):
                if f"payTo{suffix}" not in values:
                    record[f"payTo{suffix}"] = pay_to[source]

    def _apply_shortcut_dimensions(self, company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> None:
        for number in (1, 2):
            field = f"shortcutDimension{number}Code"
            if field not in values:
                continue
            dimension_code = company.setup.get(f"globalDimension{number}Code", "")
            if not dimension_code:
                raise errors.dialog(f"Global Dimension {number} Code must have a value in General Ledger Setup.")
            dims = dict(record["dimensionSet"])
            if values[field]:
                rules.dimension_value(company, dimension_code, values[field])
                dims[dimension_code] = values[field]
            else:
                dims.pop(dimension_code, None)
            record["dimensionSet"] = dims
        record.pop("shortcutDimension1Code", None)
        record.pop("shortcutDimension2Code", None)


class PurchaseInvoiceLines(EntitySet):
    name = "purchaseInvoiceLines"
    schema = entities.PURCHASE_INVOICE_LINE
    table = "purchaseInvoiceLines"
    methods = frozenset({"GET", "POST", "PATCH", "DELETE"})
    navigation = {"dimensionSetLines": "dimensionSetLines"}
    parent_links = {"purchaseInvoices": "documentId"}
    deep_insert = frozenset({"dimensionSetLines"})

    def collection(
        self, ctx: RequestContext, scope: Scope, filter_fields: set[str], equalities: list[tuple[str, Any]]
    ) -> Iterable[dict]:
        if scope.parent is None and not any(
            name in ("documentId", "id") and not isinstance(value, Bound) for name, value in equalities
        ):
            raise errors.dialog("You must specify an Id or a Document Id to get the lines.")
        return self.candidates(ctx, scope, equalities)

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        company = self.company_of(scope)
        if scope.parent is not None:
            header = company.table("purchaseInvoices").get(scope.parent.record["id"])
        else:
            document_id = body.get("documentId")
            header = company.table("purchaseInvoices").get(str(document_id)) if document_id else None
            if header is None:
                raise errors.dialog("You must specify an Id or a Document Id to get the lines.")
        line = self.insert_line(txn, company, header, body)
        recalculate_totals(txn, company, line["documentId"])
        return company.table("purchaseInvoiceLines").require(line["id"])

    def insert_line(
        self, txn: Transaction, company: CompanyData, header: dict[str, Any] | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        header = _require_draft(header)
        values = self.fields_from_body(body)
        if values.get("documentId", header["id"]) != header["id"]:
            raise errors.dialog("The documentId of a line can't be changed.")
        record = {**self.schema.defaults(), **values, "id": new_id(), "documentId": header["id"]}
        record["dimensionSet"] = {}
        if record["sequence"] == 0:
            record["sequence"] = next_line_number(company, self.table, "documentId", header["id"], "sequence")
        elif company.table(self.table).find_unique(("documentId", "sequence"), header["id"], record["sequence"]):
            raise duplicate_key(
                "Purchase Line",
                f"Document Type='Invoice',Document No.='{header['number']}',Line No.='{record['sequence']}'",
            )
        if "lineType" not in values:
            given = values.get("accountId", EMPTY_GUID) != EMPTY_GUID or values.get("lineObjectNumber")
            record["lineType"] = "Account" if given else "Comment"
        name = _resolve_line_object(company, record, values)
        if "description" not in values and name:
            record["description"] = name
        _calculate_line(record)
        if record["lineType"] == "Account":
            # PurchaseLine CreateDim: the G/L account's defaults merged into the header's set (InheritFromDimSetID =
            # the header's Dimension Set ID, InheritFromTableNo = Vendor) by Default Dimension Priority (PURCHASES).
            record["dimensionSet"] = default_dimensions.default_dimension_set(
                company, [("G/L Account", record["lineObjectNumber"])], "PURCHASES", header["dimensionSet"], "Vendor"
            )
        else:
            record["dimensionSet"] = dict(header["dimensionSet"])
        record["dimensionSet"] = self.registry.dimension_sets().nested_set(
            company, record["dimensionSet"], self.nested(body, "dimensionSetLines")
        )
        stored = txn.insert(company, self.table, record)
        remember_line_number(company, header["id"], record["sequence"])
        return stored

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        company = self.company_of(scope)
        header = company.table("purchaseInvoices").get(record["documentId"])
        _require_draft(header)
        values = self.fields_from_body(body)
        if values.get("documentId", record["documentId"]) != record["documentId"]:
            raise errors.dialog("The documentId of a line can't be changed.")
        updated = {**record, **values}
        if {"lineType", "accountId", "lineObjectNumber"} & values.keys():
            _resolve_line_object(company, updated, values)
        _calculate_line(updated)
        txn.update(company, self.table, updated)
        recalculate_totals(txn, company, record["documentId"])
        return company.table("purchaseInvoiceLines").require(record["id"])

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        company = self.company_of(scope)
        header = company.table("purchaseInvoices").get(record["documentId"])
        _require_draft(header)
        txn.delete(company, self.table, record["id"])
        recalculate_totals(txn, company, record["documentId"])


def _apply_document_currency(company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> None:
    """APIV2PurchaseInvoices currencyCode/currencyId OnValidate (TranslateCurrencyCodeToNAVCurrencyCode: the local
    currency's code is stored blank; an unknown code is refused). Applied after the vendor's, so a value sent in
    the request wins over the one copied from the vendor card."""
    if "currencyCode" in values or "currencyId" in values:
        rules.apply_currency(company, record, values)
    if "pricesIncludeTax" in values:
        record["pricesIncludeTax"] = values["pricesIncludeTax"]


def _no_invoice_discount(values: dict[str, Any]) -> None:
    if values.get("discountAmount"):
        raise errors.dialog("Invoice discounts on the header are not supported by this Business Central emulator.")


def _require_draft(header: dict[str, Any] | None) -> dict[str, Any]:
    if header is None:
        raise errors.record_not_found("Purchase Header", "Document Type='Invoice'")
    if header["status"] != "Draft":
        raise errors.dialog(f"You cannot change posted purchase invoice {header['number']}.")
    return header


def _vendor_from(vendors: Any, vendor_id: str, number: str, prefix: str) -> dict[str, Any]:
    id_field = f"{prefix}VendorId" if prefix else "vendorId"
    number_field = f"{prefix}VendorNumber" if prefix else "vendorNumber"
    by_id = vendors.get(vendor_id) if vendor_id != EMPTY_GUID else None
    by_number = vendors.find_unique(("number",), number) if number else None
    if (vendor_id != EMPTY_GUID and by_id is None) or (number and by_number is None):
        raise errors.dialog("The vendor cannot be found.")
    if by_id is not None and by_number is not None and by_id["id"] != by_number["id"]:
        raise errors.dialog(f'The "{id_field}" and "{number_field}" do not refer to the same vendor.')
    found = by_id or by_number
    assert found is not None  # the caller passes an id or a number
    return found


def _resolve_line_object(company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> str:
    """Validate the line's No. like Purchase Line's OnValidate; returns the object's name."""
    line_type = record["lineType"]
    if line_type == "Comment":
        record["accountId"] = EMPTY_GUID
        return ""
    if line_type == "Account":
        given_id = values.get("accountId", EMPTY_GUID)
        if given_id != EMPTY_GUID:
            account = company.table("accounts").get(given_id)
            if account is None:
                raise errors.dialog('The "accountId" does not match to a G/L Account.')
            if values.get("lineObjectNumber") and values["lineObjectNumber"] != account["number"]:
                raise errors.dialog('The "accountId" and "lineObjectNumber" do not refer to the same G/L Account.')
            rules.check_gl_account(account)
        elif record["lineObjectNumber"]:
            account = rules.gl_account(company, record["lineObjectNumber"], "No.", "Purchase Line")
        else:
            raise errors.dialog('A "lineObjectNumber" or an "accountId" must be provided for an Account line.')
        record["accountId"], record["lineObjectNumber"] = account["id"], account["number"]
        return account["displayName"]
    related = {"Item": "Item", "Resource": "Resource", "Fixed Asset": "Fixed Asset", "Charge": "Item Charge"}[line_type]
    raise table_relation("No.", "Purchase Line", record["lineObjectNumber"] or "''", related)


def _calculate_line(record: dict[str, Any]) -> None:
    """Line amounts: quantity x unit cost less discount, rounded to cents; no sales tax in this emulator."""
    gross = round_amount(record["quantity"] * record["unitCost"])
    if record["discountPercent"]:
        record["discountAmount"] = round_amount(gross * record["discountPercent"] / 100)
    amount = gross - record["discountAmount"]
    record.update(
        {
            "amountExcludingTax": amount,
            "taxPercent": ZERO,
            "totalTaxAmount": ZERO,
            "amountIncludingTax": amount,
            "invoiceDiscountAllocation": ZERO,
            "netAmount": amount,
            "netTaxAmount": ZERO,
            "netAmountIncludingTax": amount,
        }
    )


def recalculate_totals(txn: Transaction, company: CompanyData, invoice_id: str) -> dict[str, Any]:
    header = company.table("purchaseInvoices").get(invoice_id)
    assert header is not None
    lines = company.table("purchaseInvoiceLines").find(("documentId",), invoice_id)
    excluding = sum((line["amountExcludingTax"] for line in lines), ZERO)
    tax = sum((line["totalTaxAmount"] for line in lines), ZERO)
    totals = {
        "totalAmountExcludingTax": excluding,
        "totalTaxAmount": tax,
        "totalAmountIncludingTax": excluding + tax,
    }
    if all(header[k] == v for k, v in totals.items()):
        return header
    return txn.update(company, "purchaseInvoices", {**header, **totals})
