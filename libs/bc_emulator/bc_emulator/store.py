"""The in-memory database: companies with tables of records, transactions with rollback, change events.

Records are plain dicts in API shape plus hidden fields (dimension sets, reversal flags, ...). They are never
mutated in place: every change puts a new dict, so a transaction's undo log can restore the old object and
readers never see half-written records.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bc_emulator import entities
from bc_emulator.clock import SimulatedClock, format_datetime
from bc_emulator.fields import EntitySchema

IndexKey = tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    schema: EntitySchema
    unique: tuple[IndexKey, ...] = ()
    indexed: tuple[IndexKey, ...] = ()
    ordered: tuple[str, ...] = ()  # fields kept sorted, for range filters (`entryNumber gt n`)


# One table per entity set, named like the entity set. Unique keys mirror BC's primary keys.
COMPANY_TABLES: dict[str, TableSpec] = {
    # Seeds load in this order: reference data before the records that point at it.
    "companyInformation": TableSpec(entities.COMPANY_INFORMATION),
    "countriesRegions": TableSpec(entities.COUNTRY_REGION, unique=(("code",),)),
    "currencies": TableSpec(entities.CURRENCY, unique=(("code",),)),
    "paymentTerms": TableSpec(entities.PAYMENT_TERM, unique=(("code",),)),
    "vendors": TableSpec(entities.VENDOR, unique=(("number",),)),
    "accounts": TableSpec(entities.ACCOUNT, unique=(("number",),)),
    "dimensions": TableSpec(entities.DIMENSION, unique=(("code",),)),
    "dimensionValues": TableSpec(
        entities.DIMENSION_VALUE, unique=(("dimensionCode", "code"),), indexed=(("dimensionId",),)
    ),
    # Hidden fields tableId (15 G/L Account, 23 Vendor) and number name the owner, as the BC table's key does.
    "defaultDimensions": TableSpec(
        entities.DEFAULT_DIMENSION,
        unique=(("tableId", "number", "dimensionCode"),),
        indexed=(("parentId",), ("tableId", "number")),
    ),
    "journals": TableSpec(entities.JOURNAL, unique=(("templateDisplayName", "code"),)),
    "journalLines": TableSpec(
        entities.JOURNAL_LINE,
        unique=(("journalId", "lineNumber"),),
        indexed=(("journalId",), ("documentNumber",), ("journalId", "documentNumber")),
    ),
    "purchaseInvoices": TableSpec(entities.PURCHASE_INVOICE, indexed=(("number",), ("vendorInvoiceNumber",))),
    "purchaseInvoiceLines": TableSpec(
        entities.PURCHASE_INVOICE_LINE, unique=(("documentId", "sequence"),), indexed=(("documentId",),)
    ),
    "purchaseOrders": TableSpec(entities.PURCHASE_ORDER, unique=(("number",),)),
    "purchaseOrderLines": TableSpec(
        entities.PURCHASE_ORDER_LINE, unique=(("documentId", "sequence"),), indexed=(("documentId",),)
    ),
    "purchaseReceipts": TableSpec(entities.PURCHASE_RECEIPT, unique=(("number",),), indexed=(("orderNumber",),)),
    "purchaseReceiptLines": TableSpec(
        entities.PURCHASE_RECEIPT_LINE, unique=(("documentId", "sequence"),), indexed=(("documentId",),)
    ),
    "generalLedgerEntries": TableSpec(
        entities.GENERAL_LEDGER_ENTRY, indexed=(("documentNumber",), ("accountNumber",)), ordered=("entryNumber",)
    ),
    "vendorLedgerEntries": TableSpec(
        entities.VENDOR_LEDGER_ENTRY, indexed=(("vendorNumber",), ("externalDocumentNumber",))
    ),
}

ROW_VERSION = "systemRowVersion"


def _first(entry: tuple[Any, str]) -> Any:
    return entry[0]  # hidden: bumps on every change, feeds the ETag


class Table:
    """Records by id, with unique and non-unique secondary indexes kept in step on every put/remove."""

    def __init__(
        self,
        name: str,
        unique: Iterable[IndexKey] = (),
        indexed: Iterable[IndexKey] = (),
        ordered: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.rows: dict[str, dict[str, Any]] = {}
        self._unique: dict[IndexKey, dict[tuple[Any, ...], str]] = {key: {} for key in unique}
        self._indexed: dict[IndexKey, dict[tuple[Any, ...], dict[str, None]]] = {key: {} for key in indexed}
        self._ordered: dict[str, list[tuple[Any, str]]] = {name: [] for name in ordered}

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, record_id: str) -> dict[str, Any] | None:
        return self.rows.get(record_id)

    def require(self, record_id: str) -> dict[str, Any]:
        """A record that must exist (e.g. one just written in the same transaction)."""
        return self.rows[record_id]

    def values(self) -> list[dict[str, Any]]:
        return list(self.rows.values())

    def find_unique(self, key: IndexKey, *values: Any) -> dict[str, Any] | None:
        record_id = self._unique[key].get(tuple(values))
        return None if record_id is None else self.rows[record_id]

    def find(self, key: IndexKey, *values: Any) -> list[dict[str, Any]]:
        if key in self._unique:
            found = self.find_unique(key, *values)
            return [] if found is None else [found]
        ids = self._indexed[key].get(tuple(values), {})
        return [self.rows[i] for i in ids]

    def count(self, key: IndexKey, *values: Any) -> int:
        if key in self._unique:
            return int(tuple(values) in self._unique[key])
        return len(self._indexed[key].get(tuple(values), ()))

    def ordered_keys(self) -> set[str]:
        """Fields whose sorted index can answer a range filter."""
        return set(self._ordered)

    def in_range(self, field_name: str, op: str, value: Any) -> list[dict[str, Any]]:
        """Rows whose `field_name` is gt/ge/lt/le `value`, from the sorted index."""
        entries = self._ordered[field_name]
        if op in ("gt", "ge"):
            find = bisect.bisect_right if op == "gt" else bisect.bisect_left
            selected = entries[find(entries, value, key=_first) :]
        else:
            find = bisect.bisect_left if op == "lt" else bisect.bisect_right
            selected = entries[: find(entries, value, key=_first)]
        return [self.rows[record_id] for _, record_id in selected]

    def index_keys(self) -> set[str]:
        """Single-field keys usable to narrow a `field eq value` filter."""
        return {key[0] for key in (*self._unique, *self._indexed) if len(key) == 1}

    def _put(self, record: dict[str, Any]) -> None:
        record_id = record["id"]
        old = self.rows.get(record_id)
        if old is not None:
            self._unindex(old)
        self.rows[record_id] = record
        for key, mapping in self._unique.items():
            mapping[tuple(record.get(f) for f in key)] = record_id
        for key, mapping in self._indexed.items():
            mapping.setdefault(tuple(record.get(f) for f in key), {})[record_id] = None
        for field_name, entries in self._ordered.items():
            bisect.insort(entries, (record.get(field_name), record_id))  # appends when values only grow

    def _remove(self, record_id: str) -> None:
        old = self.rows.pop(record_id, None)
        if old is not None:
            self._unindex(old)

    def _unindex(self, record: dict[str, Any]) -> None:
        record_id = record["id"]
        for key, mapping in self._unique.items():
            value = tuple(record.get(f) for f in key)
            if mapping.get(value) == record_id:
                del mapping[value]
        for key, mapping in self._indexed.items():
            value = tuple(record.get(f) for f in key)
            bucket = mapping.get(value)
            if bucket is not None:
                bucket.pop(record_id, None)
                if not bucket:
                    del mapping[value]
        for field_name, entries in self._ordered.items():
            entry = (record.get(field_name), record_id)
            position = bisect.bisect_left(entries, entry)
            if position < len(entries) and entries[position] == entry:
                del entries[position]


class CompanyData:
    """One company: its entity record, its setup (templates, number series, counters) and its tables."""

    def __init__(self, record: dict[str, Any], setup: dict[str, Any]) -> None:
        self.record = record
        self.setup = setup
        self.tables: dict[str, Table] = {
            name: Table(name, spec.unique, spec.indexed, spec.ordered) for name, spec in COMPANY_TABLES.items()
        }
        # Highest line number handed out per journal / invoice: a cache (rebuilt from the rows when missing)
        # so that adding a line does not scan the batch. Gaps after a rollback are harmless, as in BC.
        self.last_line_numbers: dict[str, int] = {}

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def name(self) -> str:
        return self.record["name"]

    def table(self, name: str) -> Table:
        return self.tables[name]


@dataclass(frozen=True)
class ChangeEvent:
    """One committed change, the raw material of webhook notifications."""

    company_id: str | None
    table: str
    record_id: str
    change_type: str  # created | updated | deleted
    record: dict[str, Any]
    at: datetime


@dataclass
class Transaction:
    """Changes made under the store lock, undone on rollback; events are published after commit."""

    store: Store
    undo: list[Callable[[], None]] = field(default_factory=list)
    events: list[ChangeEvent] = field(default_factory=list)
    committed_events: int = 0

    def now(self) -> datetime:
        return self.store.clock.now()

    def now_text(self) -> str:
        return format_datetime(self.now())

    def insert(self, company: CompanyData | None, table: str, record: dict[str, Any]) -> dict[str, Any]:
        target = self._table(company, table)
        if target.get(record["id"]) is not None:
            raise KeyError(f"{table} {record['id']} exists")
        return self._put(company, target, record, "created")

    def update(self, company: CompanyData | None, table: str, record: dict[str, Any]) -> dict[str, Any]:
        target = self._table(company, table)
        if target.get(record["id"]) is None:
            raise KeyError(f"{table} {record['id']} missing")
        return self._put(company, target, record, "updated")

    def delete(self, company: CompanyData | None, table: str, record_id: str) -> None:
        target = self._table(company, table)
        old = target.get(record_id)
        if old is None:
            return
        target._remove(record_id)
        self.undo.append(lambda: target._put(old))
        self.events.append(ChangeEvent(company and company.id, table, record_id, "deleted", old, self.now()))

    def set_setup(self, company: CompanyData, key: str, value: Any) -> None:
        missing = object()
        old = company.setup.get(key, missing)
        company.setup[key] = value

        def restore() -> None:
            if old is missing:
                company.setup.pop(key, None)
            else:
                company.setup[key] = old

        self.undo.append(restore)

    def commit_point(self) -> None:
        """Make everything so far permanent, like an AL COMMIT inside posting codeunits."""
        self.undo.clear()
        self.committed_events = len(self.events)

    def rollback(self) -> None:
        while self.undo:
            self.undo.pop()()
        del self.events[self.committed_events :]

    def _table(self, company: CompanyData | None, table: str) -> Table:
        return self.store.subscriptions if company is None else company.table(table)

    def _put(self, company: CompanyData | None, target: Table, record: dict[str, Any], change: str) -> dict[str, Any]:
        now = self.now()  # one reading: the record's stamp and its change event must agree (webhook filters)
        stamped = dict(record)
        stamped[ROW_VERSION] = next(self.store.row_versions)
        if "lastModifiedDateTime" in stamped:
            stamped["lastModifiedDateTime"] = format_datetime(now)
        old = target.get(stamped["id"])
        target._put(stamped)
        if old is None:
            self.undo.append(lambda: target._remove(stamped["id"]))
        else:
            self.undo.append(lambda: target._put(old))
        self.events.append(ChangeEvent(company and company.id, target.name, stamped["id"], change, stamped, now))
        return stamped


class Store:
    """All companies plus the environment-wide subscriptions table, behind one re-entrant lock."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.companies: dict[str, CompanyData] = {}
        self.subscriptions = Table("subscriptions")
        self.row_versions = itertools.count(1)
        self._local = threading.local()
        self._listeners: list[Callable[[list[ChangeEvent]], None]] = []

    # -- transactions -----------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Run a unit of work atomically; nested calls on the same thread join the outer transaction."""
        current: Transaction | None = getattr(self._local, "txn", None)
        if current is not None:
            yield current
            return
        with self.lock:
            txn = Transaction(self)
            self._local.txn = txn
            try:
                yield txn
            except BaseException:
                txn.rollback()
                raise
            finally:
                self._local.txn = None
            events = list(txn.events)
        if events:
            for listener in list(self._listeners):
                listener(events)

    def subscribe(self, listener: Callable[[list[ChangeEvent]], None]) -> None:
        self._listeners.append(listener)

    # -- lookups ----------------------------------------------------------------------------------------

    def company(self, company_id: str) -> CompanyData | None:
        return self.companies.get(company_id)

    def company_by_name(self, name: str) -> CompanyData | None:
        for company in self.companies.values():
            if company.name == name:
                return company
        return None

    def seed(self, source: Any) -> dict[str, Any]:
        """Replace all data with a seed ("cronus", "empty", a JSON file path or a dict); returns the seed data."""
        from bc_emulator.seeding import seed_store

        return seed_store(self, source)

    def dump(self) -> dict[str, Any]:
        """All data in seed format (JSON-serialisable with bc_emulator.jsonio)."""
        from bc_emulator.seeding import dump

        return dump(self)

    def modify(self, table: str, match: dict[str, Any], company: str | None = None, **changes: Any) -> dict[str, Any]:
        """Change one stored record directly (a test hook, e.g. block an account after lines were entered).

        `match` selects the record by field values; `company` is a company name or id (default: the first).
        """
        with self.transaction() as txn:
            target = self._company_for(company)
            found = [r for r in target.table(table).values() if all(r.get(k) == v for k, v in match.items())]
            if len(found) != 1:
                raise LookupError(f"{len(found)} {table} records match {match}")
            return txn.update(target, table, {**found[0], **changes})

    def _company_for(self, company: str | None) -> CompanyData:
        if company is None:
            return next(iter(self.companies.values()))
        found = self.company(company) or self.company_by_name(company)
        if found is None:
            raise LookupError(f"no company {company!r}")
        return found

    def replace_all(self, companies: list[CompanyData], subscriptions: list[dict[str, Any]]) -> None:
        """Swap in freshly seeded data (seed/reset); not transactional, callers hold no transaction."""
        with self.lock:
            self.companies = {c.id: c for c in companies}
            self.subscriptions = Table("subscriptions")
            for record in subscriptions:
                self.subscriptions._put(record)
