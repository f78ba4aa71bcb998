"""dimensionSetLines: a virtual child view of the dimension set stored on its parent record.

BC keys a dimension set line by the DIMENSION's id, so a parent has at most one value per dimension. Changing
a line rewrites the parent's dimension set, which (as in BC) also changes the parent's ETag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bc_emulator import entities, errors
from bc_emulator.fields import EMPTY_GUID
from bc_emulator.odata.etag import etag_for
from bc_emulator.resources.base import EntitySet, RequestContext, Scope
from bc_emulator.store import ROW_VERSION, CompanyData, Transaction

PARENT_TYPES = {
    "journalLines": "Journal Line",
    "purchaseInvoices": "Purchase Invoice",
    "purchaseInvoiceLines": "Purchase Invoice Line",
    "generalLedgerEntries": "General Ledger Entry",
}

_DIALOG = {
    "id_or_code": 'The "id" or "code" field must be filled in.',
    "value_or_code": 'The "valueId" or "valueCode" field must be filled in.',
    "id_code_fixed": 'The "id" and "code" fields cannot be modified.',
    "dimension_mismatch": "The dimension field values do not match to a specific Dimension.",
    "bad_id": 'The "id" does not match to a Dimension.',
    "bad_code": 'The "code" does not match to a Dimension.',
    "value_mismatch": (
        'The values of the "dimensionCode" field and the "dimensionId" field do not refer to the same Dimension Value.'
    ),
    "bad_value_id": 'The "valueId" does not match to a Dimension Value.',
    "bad_value_code": 'The "valueCode" does not match to a Dimension Value.',
    "exists": (
        "The dimension set line already exists. Check existing dimension set lines and the default dimension set "
        "lines on the parent."
    ),
}


class DimensionSetLines(EntitySet):
    name = "dimensionSetLines"
    schema = entities.DIMENSION_SET_LINE
    methods = frozenset({"GET", "POST", "PATCH", "DELETE"})
    parent_links = dict.fromkeys(PARENT_TYPES, "parentId")

    def candidates(self, ctx: RequestContext, scope: Scope, equalities: list[tuple[str, Any]]) -> Iterable[dict]:
        if scope.parent is None:
            raise errors.dialog("You must get to the parent first to get to the dimension set line.")
        company = self.company_of(scope)
        parent = self._fresh_parent(scope)
        return [self._row(company, scope, parent, code, value) for code, value in parent["dimensionSet"].items()]

    def find(self, ctx: RequestContext, scope: Scope, key: str) -> dict[str, Any] | None:
        for row in self.candidates(ctx, scope, []):
            if row["id"] == key:
                return row
        return None

    def _require(self, ctx: RequestContext, scope: Scope, key: str) -> dict[str, Any]:
        found = self.find(ctx, scope, key)
        assert found is not None, "a dimension set line that was just written"
        return found

    def etag(self, record: dict[str, Any]) -> str | None:
        return etag_for(record, salt=record["valueCode"])

    def key_text(self, key: str) -> str:
        return f"Dimension Id='{key}'"

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        company, parent = self._writable_parent(scope)
        values = self.fields_from_body(body)
        dimension = self._dimension(company, values)
        value = self._value(company, dimension, values)
        if dimension["code"] in parent["dimensionSet"]:
            raise errors.dialog(_DIALOG["exists"])
        self.add_to_parent(txn, company, _parent_table(scope), parent, dimension["code"], value["code"])
        return self._require(ctx, scope, dimension["id"])

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        company, parent = self._writable_parent(scope)
        values = self.fields_from_body(body)
        if values.get("id", record["id"]) != record["id"] or values.get("code", record["code"]) != record["code"]:
            raise errors.dialog(_DIALOG["id_code_fixed"])
        if "valueId" in values or "valueCode" in values:
            dimension = company.table("dimensions").require(record["id"])
            value = self._value(company, dimension, values)
            new_set = {**parent["dimensionSet"], record["code"]: value["code"]}
            txn.update(company, _parent_table(scope), {**parent, "dimensionSet": new_set})
        return self._require(ctx, scope, record["id"])

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        company, parent = self._writable_parent(scope)
        new_set = {k: v for k, v in parent["dimensionSet"].items() if k != record["code"]}
        txn.update(company, _parent_table(scope), {**parent, "dimensionSet": new_set})

    # -- used by deep insert of the parents -------------------------------------------------------------

    def nested_set(
        self, company: CompanyData, dimension_set: dict[str, str], bodies: list[dict[str, Any]]
    ) -> dict[str, str]:
        """The parent's dimension set after a deep insert's `dimensionSetLines`, each checked like a POST of its
        own; the parent is then stored once with it (BC inserts the document in one go, too)."""
        result = dict(dimension_set)
        for body in bodies:
            values = self.fields_from_body(body)
            dimension = self._dimension(company, values)
            value = self._value(company, dimension, values)
            if dimension["code"] in result:
                raise errors.dialog(_DIALOG["exists"])
            result[dimension["code"]] = value["code"]
        return result

    @staticmethod
    def add_to_parent(
        txn: Transaction, company: CompanyData, table: str, parent: dict[str, Any], code: str, value_code: str
    ) -> dict[str, Any]:
        return txn.update(company, table, {**parent, "dimensionSet": {**parent["dimensionSet"], code: value_code}})

    # -- internals --------------------------------------------------------------------------------------

    def _fresh_parent(self, scope: Scope) -> dict[str, Any]:
        assert scope.parent is not None
        fresh = self.company_of(scope).table(_parent_table(scope)).get(scope.parent.record["id"])
        return fresh if fresh is not None else scope.parent.record

    def _writable_parent(self, scope: Scope) -> tuple[CompanyData, dict[str, Any]]:
        if scope.parent is None:
            raise errors.dialog("You must get to the parent first to create a dimension set line.")
        company = self.company_of(scope)
        parent = self._fresh_parent(scope)
        if not _parent_is_writable(company, scope.parent.entity_set.name, parent):
            raise errors.dialog(
                f"Parent with ID {parent['id']} does not exist or dimension set lines are read only for parent "
                f"type {PARENT_TYPES[scope.parent.entity_set.name]}."
            )
        return company, parent

    def _dimension(self, company: CompanyData, values: dict[str, Any]) -> dict[str, Any]:
        dimensions = company.table("dimensions")
        by_id = None
        if values.get("id", EMPTY_GUID) != EMPTY_GUID:
            by_id = dimensions.get(values["id"])
            if by_id is None:
                raise errors.dialog(_DIALOG["bad_id"])
        if values.get("code"):
            if by_id is not None:
                if by_id["code"] != values["code"]:
                    raise errors.dialog(_DIALOG["dimension_mismatch"])
                return by_id
            by_code = dimensions.find_unique(("code",), values["code"])
            if by_code is None:
                raise errors.dialog(_DIALOG["bad_code"])
            return by_code
        if by_id is None:
            raise errors.dialog(_DIALOG["id_or_code"])
        return by_id

    def _value(self, company: CompanyData, dimension: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        table = company.table("dimensionValues")
        by_id = None
        if values.get("valueId", EMPTY_GUID) != EMPTY_GUID:
            by_id = table.get(values["valueId"])
            if by_id is None or by_id["dimensionId"] != dimension["id"]:
                raise errors.dialog(_DIALOG["bad_value_id"])
        if values.get("valueCode"):
            if by_id is not None:
                if by_id["code"] != values["valueCode"]:
                    raise errors.dialog(_DIALOG["value_mismatch"])
                return by_id
            by_code = table.find_unique(("dimensionCode", "code"), dimension["code"], values["valueCode"])
            if by_code is None:
                raise errors.dialog(_DIALOG["bad_value_code"])
            return by_code
        if by_id is None:
            raise errors.dialog(_DIALOG["value_or_code"])
        return by_id

    def _row(
        self, company: CompanyData, scope: Scope, parent: dict[str, Any], code: str, value_code: str
    ) -> dict[str, Any]:
        dimension = company.table("dimensions").find_unique(("code",), code) or {}
        value = company.table("dimensionValues").find_unique(("dimensionCode", "code"), code, value_code) or {}
        return {
            "id": dimension.get("id", EMPTY_GUID),
            "code": code,
            "consolidationCode": dimension.get("consolidationCode", ""),
            "parentId": parent["id"],
            "parentType": PARENT_TYPES[_parent_set(scope)],
            "displayName": dimension.get("displayName", ""),
            "valueId": value.get("id", EMPTY_GUID),
            "valueCode": value_code,
            "valueConsolidationCode": value.get("consolidationCode", ""),
            "valueDisplayName": value.get("displayName", ""),
            ROW_VERSION: parent.get(ROW_VERSION),
        }


def _parent_set(scope: Scope) -> str:
    assert scope.parent is not None, "dimension set lines live under a parent"
    return scope.parent.entity_set.name


def _parent_table(scope: Scope) -> str:
    assert scope.parent is not None and scope.parent.entity_set.table is not None
    return scope.parent.entity_set.table


def _parent_is_writable(company: CompanyData, parent_set: str, parent: dict[str, Any]) -> bool:
    if parent_set == "generalLedgerEntries":
        return False
    if parent_set == "purchaseInvoices":
        return parent["status"] == "Draft"
    if parent_set == "purchaseInvoiceLines":
        header = company.table("purchaseInvoices").get(parent["documentId"])
        return header is not None and header["status"] == "Draft"
    return True
