"""defaultDimensions: the Default Dimension table through APIV2DefaultDimensions.Page.al (page 30054).

Served at company level (every row: a G/L account's defaults show parentType " " and a blank parentId, because
the Default Dimension Parent Type enum has no G/L Account) and under vendors({id}) (the part on APIV2Vendors).
APIV2Accounts has no defaultDimensions part, so accounts({id})/defaultDimensions does not exist.
"""

from __future__ import annotations

from typing import Any

from bc_emulator import entities, errors
from bc_emulator.default_dimensions import TABLE_IDS
from bc_emulator.fields import EMPTY_GUID
from bc_emulator.ids import new_id
from bc_emulator.resources.base import EntitySet, RequestContext, Scope, duplicate_key
from bc_emulator.store import CompanyData, Transaction

_LABELS = {
    # APIV2DefaultDimensions.Page.al ParentNotSpecifiedErr
    "no_parent": "You must get to the parent first to get to the default dimensions.",
    # DefaultDimension.Table.al ParentNotFoundErr / DimensionIdDoesNotMatchADimensionErr / ...
    "parent_not_found": "Parent is not found.",
    "bad_dimension": 'The "dimensionId" does not match to a Dimension.',
    "bad_value": 'The "dimensionValueId" does not match to a Dimension Value.',
    "value_mismatch": 'The "dimensionId" and "dimensionValueId" match to different Dimension records.',
    "rename": "You can't rename a Default Dimension.",
}


class DefaultDimensions(EntitySet):
    name = "defaultDimensions"
    schema = entities.DEFAULT_DIMENSION
    table = "defaultDimensions"
    methods = frozenset({"GET", "POST", "PATCH", "DELETE"})
    parent_links = {"vendors": "parentId"}

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        company = self.company_of(scope)
        values = self.fields_from_body(body)
        record = {**self.schema.defaults(), **values, "id": new_id()}
        if scope.parent is not None:  # the SubPageLink fills Parent Type and ParentId (page OnInsertRecord)
            record["parentType"], record["parentId"] = "Vendor", scope.parent.record["id"]
        if record["parentType"] == " " or record["parentId"] == EMPTY_GUID:
            raise errors.dialog(_LABELS["no_parent"])
        owner = _parent(company, record["parentType"], record["parentId"])
        record["tableId"], record["number"] = TABLE_IDS["Vendor"], owner["number"]
        _apply_dimension(company, record, values, creating=True)
        key = (record["tableId"], record["number"], record["dimensionCode"])
        if company.table(self.table).find_unique(("tableId", "number", "dimensionCode"), *key) is not None:
            raise duplicate_key("Default Dimension", f"Table ID='{key[0]}',No.='{key[1]}',Dimension Code='{key[2]}'")
        return txn.insert(company, self.table, record)

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        company = self.company_of(scope)
        values = self.fields_from_body(body)
        for fixed in ("parentType", "parentId"):
            if fixed in values and values[fixed] != record[fixed]:
                raise errors.dialog(_LABELS["rename"])  # DefaultDimension.Table.al OnRename CannotRenameErr
        updated = {**record, **values}
        _apply_dimension(company, updated, values, creating=False)
        return txn.update(company, self.table, updated)

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        txn.delete(self.company_of(scope), self.table, record["id"])


def _parent(company: CompanyData, parent_type: str, parent_id: str) -> dict[str, Any]:
    """DefaultDimension.Table.al UpdateNo: only Customer, Item, Vendor and Employee parents; this emulator has
    vendors only."""
    vendor = company.table("vendors").get(parent_id) if parent_type == "Vendor" else None
    if vendor is None:
        raise errors.dialog(_LABELS["parent_not_found"])
    return vendor


def _apply_dimension(company: CompanyData, record: dict[str, Any], values: dict[str, Any], *, creating: bool) -> None:
    """DimensionId / DimensionValueId OnValidate and the Value Posting rule on the value (DefaultDimension.Table.al)."""
    if "dimensionId" in values or creating:
        dimension = company.table("dimensions").get(record["dimensionId"])
        if dimension is None:
            raise errors.dialog(_LABELS["bad_dimension"])
        if not creating and dimension["code"] != record["dimensionCode"]:
            raise errors.dialog(_LABELS["rename"])
        record["dimensionCode"] = dimension["code"]
    if "dimensionValueId" in values:
        if values["dimensionValueId"] == EMPTY_GUID:
            record["dimensionValueCode"] = ""
        else:
            value = company.table("dimensionValues").get(values["dimensionValueId"])
            if value is None:
                raise errors.dialog(_LABELS["bad_value"])
            if value["dimensionCode"] != record["dimensionCode"]:
                raise errors.dialog(_LABELS["value_mismatch"])
            record["dimensionValueCode"] = value["code"]
    if record["postingValidation"] == "No Code" and record["dimensionValueCode"]:
        # "Value Posting" OnValidate: TestField("Dimension Value Code", '')
        raise errors.field_validation(
            f"Dimension Value Code must be equal to ''  in Default Dimension: Table ID={record['tableId']}, "
            f"No.={record['number']}, Dimension Code={record['dimensionCode']}. "
            f"Current value is '{record['dimensionValueCode']}'."
        )
