"""Airbyte streams over a classic NAV server's published pages (nav_classic.py says which field goes where).

Master data (vendors, accounts, dimensions, dimension values) is read in full each sync and, in incremental
mode, emitted only when a record's content changed (cursors.RecordHashCursor: these pages have no modification
timestamp). G/L entries are read incrementally by `Entry_No` (`Entry_No gt <last>`, ordered), as the API v2.0
mode does by entryNumber. Records have the API v2.0 mode's fields; money is a decimal string.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from airbyte_cdk.models import SyncMode

from bc_client import BCError, NotFoundError
from bc_client.enums import decode_enum
from bc_client.nav import NavPageClient, key_literal
from source_dynamics_nav.cursors import EntryNumberCursor, RecordHashCursor
from source_dynamics_nav.declarations import Kind
from source_dynamics_nav.nav_classic import NavStreamMapping
from source_dynamics_nav.streams import CursorStream, traced

logger = logging.getLogger("airbyte")

NAV_BLANK_DATE = "0001-01-01"  # NAV writes an empty Date field as 0D, which OData V4 sends as 0001-01-01


def record_id(mapping: NavStreamMapping, row: Mapping[str, Any]) -> str:
    """The record's `id`: its single key value as text, or `Field='v',Field2='w'` for a composite key."""
    if len(mapping.key) == 1:
        return str(row.get(mapping.key[0]) if row.get(mapping.key[0]) is not None else "")
    return ",".join(f"{name}={key_literal(row.get(name) or '')}" for name in mapping.key)


def _value(value: Any, kind: Kind, option: bool) -> Any:
    if value is None:
        return None
    if kind is Kind.DECIMAL:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format(Decimal(value), "f")  # NAV writes 0 and 12.5 alike as JSON numbers
        return None
    if kind is Kind.DATE:
        return None if value in ("", NAV_BLANK_DATE) else str(value)
    if kind is Kind.INT:
        return int(value) if isinstance(value, int | Decimal | str) and str(value).lstrip("-").isdigit() else None
    if kind is Kind.BOOL:
        return value if isinstance(value, bool) else None
    if option and isinstance(value, str):
        return decode_enum(value)
    return value if isinstance(value, str) else str(value)


def to_nav_record(mapping: NavStreamMapping, row: Mapping[str, Any]) -> dict[str, Any]:
    """A page row as a record of the API v2.0 stream's schema; fields the page cannot give are null."""
    declaration = mapping.declaration
    kinds = dict((*declaration.fields, *declaration.enriched))
    record: dict[str, Any] = dict.fromkeys(kinds)
    for field, nav_field in mapping.fields:
        record[field] = _value(row.get(nav_field), kinds[field], field in mapping.options)
    record[declaration.primary_key] = record_id(mapping, row)
    return record


class NavEnrichment:
    """What the pages of a record do not carry: the local currency (General Ledger Setup's `LCY_Code`)."""

    def __init__(self, nav: NavPageClient) -> None:
        self._nav = nav
        self._local_currency: str | None = None
        self._read = False

    @property
    def local_currency(self) -> str | None:
        if not self._read:
            self._read = True
            try:
                for setup in self._nav.read("general_ledger_setup"):
                    self._local_currency = str(setup.get("LCY_Code") or "").strip().upper() or None
                    break
            except BCError as error:
                level = logging.INFO if isinstance(error, NotFoundError) else logging.WARNING
                logger.log(
                    level,
                    "Could not read NAV's General Ledger Setup (%s); localCurrencyCode is left empty. Publish page "
                    "118 General Ledger Setup to fill it.",
                    error.message,
                )
        return self._local_currency

    def apply(self, stream: str, record: dict[str, Any]) -> None:
        if stream == "vendors":
            record["localCurrencyCode"] = self.local_currency


class NavPageStream(CursorStream):
    """One published NAV page read as one of the source's streams."""

    def __init__(
        self,
        mapping: NavStreamMapping,
        client: Callable[[], NavPageClient],
        enrichment: Callable[[], NavEnrichment],
    ) -> None:
        self.mapping = mapping
        self._client = client
        self._enrichment = enrichment
        self._cursor: EntryNumberCursor | RecordHashCursor = self._new_cursor(None)

    @property
    def name(self) -> str:
        return self.mapping.name

    @property
    def primary_key(self) -> str:
        return self.mapping.declaration.primary_key

    @property
    def cursor_field(self) -> str:
        # The API v2.0 stream's cursor, so the catalog is the same in both modes. Vendors, accounts and
        # dimensions carry no lastModifiedDateTime here: change detection is by content (RecordHashCursor).
        return self.mapping.declaration.cursor_field

    @property
    def source_defined_cursor(self) -> bool:
        return True

    def get_json_schema(self) -> Mapping[str, Any]:
        return self.mapping.declaration.json_schema()

    def _new_cursor(self, state: Mapping[str, Any] | None) -> EntryNumberCursor | RecordHashCursor:
        if self.mapping.entry_number:
            return EntryNumberCursor.from_state(state, filter_field=self.mapping.entry_number)
        return RecordHashCursor.from_state(state)

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        if sync_mode == SyncMode.full_refresh:
            self._cursor = self._new_cursor(None)  # everything, and a fresh state for later incremental reads
        cursor = self._cursor
        mapping = self.mapping
        emitted = unchanged = 0
        try:
            nav = self._client()
            service = nav.services.service(mapping.role)
            if isinstance(cursor, EntryNumberCursor):
                nav_filter, orderby = cursor.start_read(), cursor.orderby
            else:
                cursor.start_read()
                nav_filter, orderby = None, None
            select = nav.select_existing(mapping.role, mapping.nav_fields)
            if select is not None and len(select) < len(mapping.nav_fields):
                missing = sorted(set(mapping.nav_fields) - set(select))
                logger.info("%s: page %s has no %s; emitted as null", self.name, service, ", ".join(missing))
            logger.info(
                "Reading %s (NAV page %s) %s", self.name, service, f"where {nav_filter}" if nav_filter else "in full"
            )
            enrichment = self._enrichment()
            for row in nav.read(mapping.role, filter=nav_filter, select=select, orderby=orderby):
                record = to_nav_record(mapping, row)
                enrichment.apply(self.name, record)
                if isinstance(cursor, EntryNumberCursor):
                    accepted = cursor.accept(record.get("entryNumber"))
                else:
                    accepted = cursor.accept(str(record[self.primary_key]), record)
                if not accepted:
                    unchanged += 1
                    continue
                emitted += 1
                yield record
        except BCError as error:
            raise traced(error, self.name) from None
        cursor.finish()
        logger.info(
            "Read %d %s record(s) from NAV%s",
            emitted,
            self.name,
            f"; {unchanged} unchanged since the last sync were not emitted" if unchanged else "",
        )

    def get_error_display_message(self, exception: BaseException) -> str | None:
        if isinstance(exception, BCError):
            return f"Reading {self.name} from NAV failed: {exception.message}"
        return None
