"""`purchase_orders` and `purchase_receipts` (issue 15): NAV's commitments, for Stampli's 2- and 3-way matching.

Each record is a document header with its lines nested under `lines` (`$expand` of purchaseOrderLines /
purchaseReceiptLines: one request per page of documents, not one per document). Incremental on the header's
lastModifiedDateTime with the same look-back cursor as the other streams (posting a receipt or an invoice modifies
the order header, so line quantities travel with it).

Which orders are sent (`purchase_order_scope`):
- `open` (default): orders not completely invoiced, with at least one line;
- `all`: every order, drafts and completely invoiced ones included.
Either way an order that was sent as open and is then completely invoiced is sent once more with `closed: true`,
so that Stampli closes it. In Business Central a completely invoiced order is deleted by posting (Purch.-Post
DeleteAfterPosting), so "closed" is usually "gone": the state keeps the open orders sent (id → number, vendor,
status) and each sync lists the ids of NAV's orders (one `$select=id` read) to notice the ones that disappeared.
These are commitments, not ledger entries: G/L entries, payments and posted invoices still never go to Stampli.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bc_client import BCError, BusinessCentralClient
from source_dynamics_nav.cursors import ModifiedCursor
from source_dynamics_nav.declarations import _JSON_TYPES, Kind, StreamDeclaration
from source_dynamics_nav.enrichment import Enrichment
from source_dynamics_nav.streams import BusinessCentralStream, traced

logger = logging.getLogger("airbyte")

G, T, B, INT, D, DT, TS = Kind.GUID, Kind.TEXT, Kind.BOOL, Kind.INT, Kind.DECIMAL, Kind.DATE, Kind.DATETIME
OPEN_ORDERS = "open_orders"
# OData encodes characters that are not valid in enum member names (`In Review` -> `In_x0020_Review`).
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def decode_enum(value: Any) -> Any:
    """`Partially_x0020_Received` -> `Partially Received`; anything else unchanged. (bc_client decodes enum
    names itself once its `$metadata` support lands; this keeps the comparison right either way.)"""
    if not isinstance(value, str) or "_x" not in value:
        return value
    return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


class PurchaseOrderSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    purchase_order_scope: Literal["open", "all"] = "open"

    @field_validator("purchase_order_scope", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return "open" if value is None or (isinstance(value, str) and not value.strip()) else value

    @classmethod
    def parse(cls, config: Mapping[str, Any]) -> PurchaseOrderSettings:
        try:
            return cls.model_validate(dict(config))
        except ValidationError:
            raise AirbyteTracedException(
                message="purchase_order_scope must be 'open' (orders not completely invoiced) or 'all'",
                failure_type=FailureType.config_error,
            ) from None


@dataclass(frozen=True)
class PurchaseDocumentDeclaration(StreamDeclaration):
    """A header entity set plus its lines navigation (fields in schema order, cited from the APIV2 pages)."""

    lines_navigation: str = ""
    line_fields: tuple[tuple[str, Kind], ...] = ()

    def json_schema(self) -> dict[str, Any]:
        schema = super().json_schema()
        schema["properties"]["lines"] = {
            "type": ["null", "array"],
            "items": {
                "type": "object",
                "additionalProperties": True,
                "properties": {name: dict(_JSON_TYPES[kind]) for name, kind in self.line_fields},
            },
        }
        return schema


# APIV2 - Purchase Orders (page 30066) and APIV2 - Purchase Order Lines.
PURCHASE_ORDERS = PurchaseDocumentDeclaration(
    name="purchase_orders",
    entity_set="purchaseOrders",
    fields=(
        ("id", G),
        ("number", T),
        ("orderDate", DT),
        ("postingDate", DT),
        ("vendorId", G),
        ("vendorNumber", T),
        ("vendorName", T),
        ("payToVendorNumber", T),
        ("currencyCode", T),
        ("shortcutDimension1Code", T),
        ("shortcutDimension2Code", T),
        ("purchaser", T),
        ("requestedReceiptDate", DT),
        ("discountAmount", D),
        ("totalAmountExcludingTax", D),
        ("totalTaxAmount", D),
        ("totalAmountIncludingTax", D),
        ("fullyReceived", B),
        ("status", T),
        ("lastModifiedDateTime", TS),
    ),
    # fullyInvoiced: every line's invoicedQuantity reached its quantity; closed: fully invoiced or deleted in NAV.
    enriched=(("fullyInvoiced", B), ("closed", B)),
    lines_navigation="purchaseOrderLines",
    line_fields=(
        ("id", G),
        ("sequence", INT),
        ("lineType", T),
        ("lineObjectNumber", T),
        ("description", T),
        ("unitOfMeasureCode", T),
        ("quantity", D),
        ("directUnitCost", D),
        ("discountAmount", D),
        ("amountExcludingTax", D),
        ("amountIncludingTax", D),
        ("receivedQuantity", D),
        ("invoicedQuantity", D),
        ("expectedReceiptDate", DT),
    ),
    description="Purchase orders with their lines nested; open ones by default (purchase_order_scope).",
)

# APIV2 - Purchase Receipts and APIV2 - Purch Receipt Lines (posted receipts: read-only).
PURCHASE_RECEIPTS = PurchaseDocumentDeclaration(
    name="purchase_receipts",
    entity_set="purchaseReceipts",
    fields=(
        ("id", G),
        ("number", T),
        ("invoiceDate", DT),
        ("postingDate", DT),
        ("vendorNumber", T),
        ("vendorName", T),
        ("payToVendorNumber", T),
        ("currencyCode", T),
        ("orderNumber", T),
        ("lastModifiedDateTime", TS),
    ),
    lines_navigation="purchaseReceiptLines",
    line_fields=(
        ("id", G),
        ("sequence", INT),
        ("lineType", T),
        ("lineObjectNumber", T),
        ("description", T),
        ("unitOfMeasureCode", T),
        ("unitCost", D),
        ("quantity", D),
        ("expectedReceiptDate", DT),
    ),
    description="Posted purchase receipts with their lines nested (for 3-way matching).",
)


def _values(row: Mapping[str, Any], fields: Iterable[tuple[str, Kind]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, kind in fields:
        value = row.get(name)
        if kind is Kind.DECIMAL and isinstance(value, Decimal | int) and not isinstance(value, bool):
            value = format(Decimal(value), "f")
        elif kind is Kind.TEXT:
            value = decode_enum(value)
        record[name] = value
    return record


def document_record(row: Mapping[str, Any], declaration: PurchaseDocumentDeclaration) -> dict[str, Any]:
    record = _values(row, declaration.fields)
    lines = sorted(row.get(declaration.lines_navigation) or [], key=lambda line: line.get("sequence") or 0)
    record["lines"] = [_values(line, declaration.line_fields) for line in lines]
    return record


def fully_invoiced(row: Mapping[str, Any]) -> bool:
    """Purch.-Post's EverythingInvoiced: every line's Quantity Invoiced equals its Quantity (no lines: not)."""
    lines = row.get("purchaseOrderLines") or []
    return bool(lines) and all(
        Decimal(str(line.get("invoicedQuantity") or 0)) >= Decimal(str(line.get("quantity") or 0)) for line in lines
    )


class PurchaseDocumentStream(BusinessCentralStream):
    """purchase_receipts as is; purchase_orders adds the open/closed bookkeeping (see the module doc)."""

    def __init__(
        self,
        declaration: PurchaseDocumentDeclaration,
        client: Callable[[], BusinessCentralClient],
        enrichment: Callable[[], Enrichment],
        scope: Literal["open", "all"] = "open",
    ) -> None:
        self._open: dict[str, dict[str, Any]] = {}
        super().__init__(declaration, client, enrichment)
        self.scope = scope

    @property
    def is_orders(self) -> bool:
        return self.declaration.name == PURCHASE_ORDERS.name

    @property
    def state(self) -> MutableMapping[str, Any]:
        state = dict(self._cursor.state())
        if self.is_orders:
            state[OPEN_ORDERS] = dict(sorted(self._open.items()))
        return state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        BusinessCentralStream.state.fset(self, value)  # type: ignore[attr-defined]
        raw = (value or {}).get(OPEN_ORDERS) or {}
        self._open = {str(k): dict(v) for k, v in raw.items() if isinstance(v, Mapping)}

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        declaration = self.declaration
        assert isinstance(declaration, PurchaseDocumentDeclaration)
        if sync_mode == SyncMode.full_refresh:
            self._cursor = self._new_cursor(None)
        cursor = self._cursor
        assert isinstance(cursor, ModifiedCursor)
        bc_filter = cursor.start_read()
        emitted = skipped = 0
        logger.info(
            "Reading %s (%s with %s) %s",
            declaration.name,
            declaration.entity_set,
            declaration.lines_navigation,
            f"where {bc_filter}" if bc_filter else "in full",
        )
        try:
            bc = self._client()
            rows = bc.iter_entities(
                declaration.entity_set,
                select=declaration.select,
                expand=[declaration.lines_navigation],
                filter=bc_filter,
                orderby=cursor.orderby,
            )
            for row in rows:
                if not self._accept(cursor, row):
                    continue
                record = document_record(row, declaration)
                if self.is_orders and not self._order_wanted(row, record):
                    skipped += 1
                    continue
                emitted += 1
                yield record
            cursor.finish()
            if self.is_orders and self._open:
                for record in self._closed_by_deletion(bc):
                    emitted += 1
                    yield record
        except BCError as error:
            raise traced(error, declaration.name) from None
        logger.info(
            "Read %d %s record(s)%s",
            emitted,
            declaration.name,
            f"; {skipped} not open (purchase_order_scope is open)" if skipped else "",
        )

    def _order_wanted(self, row: Mapping[str, Any], record: dict[str, Any]) -> bool:
        done = fully_invoiced(row)
        record["fullyInvoiced"] = done
        record["closed"] = done
        order_id = str(row.get("id"))
        was_open = order_id in self._open
        if done or not record["lines"]:
            self._open.pop(order_id, None)
            # A closed order goes once more only if Stampli had it as open; `all` sends every order.
            return was_open or self.scope == "all"
        self._open[order_id] = {
            "number": record.get("number"),
            "vendorNumber": record.get("vendorNumber"),
            "status": record.get("status"),
        }
        return True

    def _closed_by_deletion(self, bc: BusinessCentralClient) -> Iterable[dict[str, Any]]:
        present = {str(row.get("id")) for row in bc.iter_entities(self.declaration.entity_set, select=["id"])}
        for order_id in sorted(set(self._open) - present):
            known = self._open.pop(order_id)
            logger.info("Purchase order %s is no longer in NAV (completely invoiced): sent as closed", known["number"])
            yield {
                "id": order_id,
                "number": known.get("number"),
                "vendorNumber": known.get("vendorNumber"),
                "status": known.get("status"),
                "fullyInvoiced": True,
                "closed": True,
                "lines": [],
            }


def purchase_document_streams(
    config: Mapping[str, Any], client: Callable[[], BusinessCentralClient], enrichment: Callable[[], Enrichment]
) -> list[PurchaseDocumentStream]:
    scope = PurchaseOrderSettings.parse(config).purchase_order_scope
    return [
        PurchaseDocumentStream(PURCHASE_ORDERS, client, enrichment, scope),
        PurchaseDocumentStream(PURCHASE_RECEIPTS, client, enrichment),
    ]
