"""Seeds in, dumps out: the JSON format of the emulator's data (dump -> seed round-trips).

A seed may be terse: ids, defaults, cross-references (dimensionCode <-> dimensionId, vendorNumber <->
vendorId, accountNumber <-> accountId, journalCode -> journalId) and timestamps are filled in here, so a
test can seed `{"companies": [{"name": "X", "accounts": [{"number": "6100", "displayName": "Office"}]}]}`.
"""

from __future__ import annotations

import copy
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

from bc_emulator import jsonio
from bc_emulator.clock import format_datetime
from bc_emulator.default_dimensions import TABLE_IDS
from bc_emulator.fields import EMPTY_DATE, EMPTY_GUID, EntitySchema
from bc_emulator.store import COMPANY_TABLES, ROW_VERSION, CompanyData, Store

SeedSource = str | Path | dict[str, Any] | None

_NAMESPACE = uuid.UUID("0c6b6d0e-8f6a-4b53-9d55-3b1f2a6c7e01")

DEFAULT_SETUP: dict[str, Any] = {
    "defaultJournalTemplate": "GENERAL",
    "journalTemplates": [{"name": "GENERAL", "description": "General", "type": "General", "recurring": False}],
    "payablesAccountNumber": "",
    "extDocNoMandatory": True,  # Purchases & Payables Setup "Ext. Doc. No. Mandatory" (not in API v2.0)
    "postWithJobQueue": False,  # General Ledger Setup "Post with Job Queue" (not in API v2.0's generalLedgerSetup)
    "vendorNoSeriesCode": "VEND",  # Purchases & Payables Setup "Vendor Nos."
    "vendorManualNos": True,  # that No. Series' "Manual Nos."
    "globalDimension1Code": "",
    "globalDimension2Code": "",
    "numberSeries": {
        "vendor": "V00000",
        "purchaseInvoice": "PI000000",
        "postedPurchaseInvoice": "PPI000000",
        "postedPurchaseReceipt": "PR000000",
        "journalDocument": "G00000",
    },
}


class SeedError(ValueError):
    """A seed file that cannot be loaded, with the place it went wrong."""


def read_seed(source: SeedSource) -> dict[str, Any]:
    """Resolve a seed argument: "cronus" (built in), "empty", a JSON file path, a dict, or None (empty)."""
    if source is None or source == "empty":
        return {"companies": []}
    if isinstance(source, dict):
        return copy.deepcopy(source)
    if isinstance(source, str) and source == "cronus":
        text = resources.files("bc_emulator.seeds").joinpath("cronus.json").read_bytes()
        return jsonio.loads(text)
    path = Path(source)
    if not path.is_file():
        raise SeedError(f"seed {source!s} is neither 'cronus', 'empty' nor an existing JSON file")
    try:
        return jsonio.loads(path.read_bytes())
    except ValueError as exc:
        raise SeedError(f"seed file {path} is not valid JSON: {exc}") from exc


def apply_seed(store: Store, data: dict[str, Any]) -> None:
    """Replace the store's content with the seed."""
    now = format_datetime(store.clock.now())
    companies = [_company(raw, now, store) for raw in data.get("companies", [])]
    subscriptions = [_subscription(raw, now) for raw in data.get("subscriptions", [])]
    store.replace_all(companies, subscriptions)


def dump(store: Store) -> dict[str, Any]:
    """The whole store as seed-format JSON data (hidden fields included, row versions left out)."""
    with store.lock:
        companies = []
        for company in store.companies.values():
            out: dict[str, Any] = dict(company.record)
            out["setup"] = copy.deepcopy(company.setup)
            for name, table in company.tables.items():
                out[name] = [_without_version(r) for r in table.values()]
            companies.append(out)
        subscriptions = [_without_version(r) for r in store.subscriptions.values()]
    return {"companies": companies, "subscriptions": subscriptions}


def _without_version(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != ROW_VERSION}


def stable_id(*parts: str) -> str:
    """Deterministic GUIDs for seed records that come without an id (same seed -> same ids)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _company(raw: dict[str, Any], now: str, store: Store) -> CompanyData:
    if not raw.get("name"):
        raise SeedError("every seeded company needs a name")
    company_id = str(raw.get("id") or stable_id("company", raw["name"]))
    record = {
        "id": company_id,
        "systemVersion": str(raw.get("systemVersion", "26.0.0.0")),
        "timestamp": int(raw.get("timestamp", 0)),
        "name": raw["name"],
        "displayName": raw.get("displayName", raw["name"]),
        "businessProfileId": raw.get("businessProfileId", ""),
        "systemCreatedAt": raw.get("systemCreatedAt", now),
        "systemCreatedBy": raw.get("systemCreatedBy", EMPTY_GUID),
        "systemModifiedAt": raw.get("systemModifiedAt", now),
        "systemModifiedBy": raw.get("systemModifiedBy", EMPTY_GUID),
        ROW_VERSION: next(store.row_versions),
    }
    setup = copy.deepcopy(DEFAULT_SETUP)
    for key, value in (raw.get("setup") or {}).items():
        if key == "numberSeries":
            setup["numberSeries"] = {**setup["numberSeries"], **value}
        else:
            setup[key] = copy.deepcopy(value)
    company = CompanyData(record, setup)
    context = _Context(company, now, store)
    for table_name in COMPANY_TABLES:
        raw_records = raw.get(table_name) or []
        if table_name == "companyInformation":
            raw_records = _single_company_information(raw_records, company)
        for index, raw_record in enumerate(raw_records):
            try:
                record = context.normalise(table_name, raw_record, index)
            except (SeedError, ValueError, KeyError) as exc:
                raise SeedError(f"company {company.name!r}, {table_name}[{index}]: {exc}") from exc
            company.table(table_name)._put(record)
    _fill_counters(company)
    return company


def _single_company_information(raw_records: Any, company: CompanyData) -> list[dict[str, Any]]:
    """BC has exactly one Company Information record per company: a seed may give it (as an object or a list of
    one) or leave it out, and then it carries the company's name and no local currency."""
    if isinstance(raw_records, dict):
        raw_records = [raw_records]
    if len(raw_records) > 1:
        raise SeedError(f"company {company.name!r}: companyInformation holds one record, not {len(raw_records)}")
    return list(raw_records) or [{}]


class _Context:
    """Resolves cross-references while one company is being seeded (tables load in dependency order)."""

    def __init__(self, company: CompanyData, now: str, store: Store) -> None:
        self.company = company
        self.now = now
        self.store = store

    def normalise(self, table: str, raw: dict[str, Any], index: int) -> dict[str, Any]:
        schema = COMPANY_TABLES[table].schema
        record = _coerce(schema, raw)
        resolve = getattr(self, f"_resolve_{table}", None)
        if resolve is not None:
            resolve(record, raw)
        if not raw.get("id"):
            record["id"] = stable_id(self.company.id, table, _natural_key(table, record, index))
        else:
            record["id"] = str(uuid.UUID(str(raw["id"])))
        if "lastModifiedDateTime" in schema.by_name and not raw.get("lastModifiedDateTime"):
            record["lastModifiedDateTime"] = self.now
        record[ROW_VERSION] = next(self.store.row_versions)
        return record

    def _find(self, table: str, key: tuple[str, ...], *values: Any) -> dict[str, Any] | None:
        return self.company.table(table).find_unique(key, *values)

    def _resolve_companyInformation(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        if not record["displayName"]:
            record["displayName"] = self.company.record["displayName"]
        if record["currentFiscalYearStartDate"] == EMPTY_DATE:
            record["currentFiscalYearStartDate"] = f"{self.now[:4]}-01-01"

    def _resolve_vendors(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        """Seeds may name a vendor's currency and payment terms by code; the ids are filled in."""
        code = record["currencyCode"]
        if code and record["currencyId"] == EMPTY_GUID:
            currency = self._find("currencies", ("code",), code)
            if currency is None:
                raise SeedError(f"unknown currency {code!r} (the local currency is written as a blank code)")
            record["currencyId"] = currency["id"]
        terms_code = str(record.pop("paymentTermsCode", "") or "").upper()
        if terms_code:
            terms = self._find("paymentTerms", ("code",), terms_code)
            if terms is None:
                raise SeedError(f"unknown payment terms {terms_code!r}")
            record["paymentTermsId"] = terms["id"]

    def _resolve_dimensionValues(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        code = raw.get("dimensionCode")
        if code:
            dimension = self._find("dimensions", ("code",), str(code).upper())
            if dimension is None:
                raise SeedError(f"unknown dimension {code!r}")
            record["dimensionId"] = dimension["id"]
        else:
            dimension = self.company.table("dimensions").get(record["dimensionId"])
            if dimension is None:
                raise SeedError("dimension value needs dimensionCode or a known dimensionId")
        record["dimensionCode"] = dimension["code"]
        record["blocked"] = bool(raw.get("blocked", False))

    def _resolve_defaultDimensions(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        """Seeds name the owner as `table` ("G/L Account" or "Vendor") + `number` and the dimension and value by
        code; ids, parentType and parentId follow (blank for G/L accounts: DefaultDimension.Table.al
        UpdateParentType/UpdateParentId know Customer, Item, Vendor and Employee only)."""
        table = str(record.pop("table", "") or "")
        if not table and record.get("tableId"):  # a dump names the owner by table id
            table = {v: k for k, v in TABLE_IDS.items()}.get(int(record["tableId"]), "")
        if table not in TABLE_IDS:
            raise SeedError(f"default dimension table must be one of {sorted(TABLE_IDS)}, not {table!r}")
        record["tableId"] = TABLE_IDS[table]
        record["number"] = str(record.get("number", "")).upper()
        owner = self._find("accounts" if table == "G/L Account" else "vendors", ("number",), record["number"])
        if owner is None:
            raise SeedError(f"unknown {table} {record['number']!r}")
        record["parentType"], record["parentId"] = ("Vendor", owner["id"]) if table == "Vendor" else (" ", EMPTY_GUID)
        dimension = self._find("dimensions", ("code",), record["dimensionCode"])
        if dimension is None:
            raise SeedError(f"unknown dimension {record['dimensionCode']!r}")
        record["dimensionId"] = dimension["id"]
        if record["dimensionValueCode"]:
            value = self._find(
                "dimensionValues", ("dimensionCode", "code"), dimension["code"], record["dimensionValueCode"]
            )
            if value is None:
                raise SeedError(f"unknown dimension value {record['dimensionValueCode']!r}")
            record["dimensionValueId"] = value["id"]

    def _resolve_journals(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        if not record["templateDisplayName"]:
            record["templateDisplayName"] = self.company.setup["defaultJournalTemplate"]
        if record["balancingAccountId"] != EMPTY_GUID:
            account = self.company.table("accounts").get(record["balancingAccountId"])
            record["balancingAccountNumber"] = account["number"] if account else ""

    def _resolve_journalLines(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        if raw.get("journalCode"):
            template = raw.get("templateName") or self.company.setup["defaultJournalTemplate"]
            journal = self._find("journals", ("templateDisplayName", "code"), template, raw["journalCode"].upper())
            if journal is None:
                raise SeedError(f"unknown journal {raw['journalCode']!r}")
            record["journalId"] = journal["id"]
        record["dimensionSet"] = _dimension_set(raw)

    def _resolve_purchaseInvoices(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        for id_field, number_field in (("vendorId", "vendorNumber"), ("payToVendorId", "payToVendorNumber")):
            self._link(record, "vendors", id_field, number_field)
        if record["status"] == " ":
            record["status"] = "Draft"
        record["dimensionSet"] = _dimension_set(raw)
        record["draftNumber"] = raw.get("draftNumber", record["number"])

    def _resolve_purchaseInvoiceLines(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        if record["lineType"] == "Account":
            self._link(record, "accounts", "accountId", "lineObjectNumber")
        record["dimensionSet"] = _dimension_set(raw)

    def _resolve_purchaseOrders(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        self._link(record, "vendors", "vendorId", "vendorNumber")
        vendor = self._find("vendors", ("number",), record["vendorNumber"])
        if vendor is not None and not record["vendorName"]:
            record["vendorName"] = vendor["displayName"]
        if record["status"] == " " or not record["status"]:
            record["status"] = "Open"

    def _resolve_purchaseOrderLines(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        # Seeds name the order by its number ("documentNumber"); the API links lines by the order's id.
        if raw.get("documentNumber"):
            order = self._find("purchaseOrders", ("number",), str(raw["documentNumber"]))
            if order is None:
                raise SeedError(f"purchase order {raw['documentNumber']} is not seeded before its lines")
            record["documentId"] = order["id"]
        record.pop("documentNumber", None)

    def _resolve_purchaseReceiptLines(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        if raw.get("documentNumber"):
            receipt = self._find("purchaseReceipts", ("number",), str(raw["documentNumber"]))
            if receipt is None:
                raise SeedError(f"purchase receipt {raw['documentNumber']} is not seeded before its lines")
            record["documentId"] = receipt["id"]
        record.pop("documentNumber", None)

    def _resolve_generalLedgerEntries(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        self._link(record, "accounts", "accountId", "accountNumber")
        record["dimensionSet"] = _dimension_set(raw)
        for hidden in ("externalDocumentNumber", "sourceType", "sourceNumber"):
            record[hidden] = str(raw.get(hidden, ""))
        record["transactionNumber"] = int(raw.get("transactionNumber", 0))

    def _resolve_vendorLedgerEntries(self, record: dict[str, Any], raw: dict[str, Any]) -> None:
        record["reversed"] = bool(raw.get("reversed", False))
        record["dimensionSet"] = _dimension_set(raw)

    def _link(self, record: dict[str, Any], table: str, id_field: str, number_field: str) -> None:
        """Fill whichever of (guid, number) is missing from the other."""
        if record.get(id_field, EMPTY_GUID) != EMPTY_GUID:
            found = self.company.table(table).get(record[id_field])
            if found is not None and not record.get(number_field):
                record[number_field] = found["number"]
        elif record.get(number_field):
            found = self._find(table, ("number",), record[number_field])
            if found is not None:
                record[id_field] = found["id"]


def _coerce(schema: EntitySchema, raw: dict[str, Any]) -> dict[str, Any]:
    record = schema.defaults()
    for key, value in raw.items():
        spec = schema.by_name.get(key)
        if spec is None:
            record[key] = copy.deepcopy(value)  # hidden field, kept as given
        else:
            try:
                record[key] = spec.coerce_seed(value, schema.entity_name)
            except Exception as exc:  # ApiError from coercion: report it as a seed problem
                raise SeedError(f"field {key!r}: {getattr(exc, 'message', exc)}") from exc
    for name in ("journalCode", "templateName"):
        record.pop(name, None)
    return record


def _dimension_set(raw: dict[str, Any]) -> dict[str, str]:
    value = raw.get("dimensionSet") or {}
    if not isinstance(value, dict):
        raise SeedError("dimensionSet must map dimension codes to value codes")
    return {str(k).upper(): str(v).upper() for k, v in value.items()}


def _natural_key(table: str, record: dict[str, Any], index: int) -> str:
    if table in ("countriesRegions", "currencies", "paymentTerms") and record.get("code"):
        return str(record["code"])
    if table == "defaultDimensions":
        return f"{record['tableId']}:{record['number']}:{record['dimensionCode']}"
    for candidates in (("number",), ("dimensionCode", "code"), ("templateDisplayName", "code"), ("entryNumber",)):
        if all(record.get(c) not in (None, "", 0) for c in candidates):
            return ":".join(str(record[c]) for c in candidates)
    return f"#{index}"


def _fill_counters(company: CompanyData) -> None:
    setup = company.setup
    setup.setdefault(
        "lastEntryNumber", max((r["entryNumber"] for r in company.table("generalLedgerEntries").values()), default=0)
    )
    setup.setdefault(
        "lastVendorLedgerEntryNumber",
        max((r["entryNumber"] for r in company.table("vendorLedgerEntries").values()), default=0),
    )
    setup.setdefault(
        "lastTransactionNumber",
        max((r.get("transactionNumber", 0) for r in company.table("generalLedgerEntries").values()), default=0),
    )


def _subscription(raw: dict[str, Any], now: str) -> dict[str, Any]:
    record = dict(raw)
    record["id"] = record.get("subscriptionId") or record.get("id")
    if not record["id"]:
        raise SeedError("subscriptions need a subscriptionId")
    record["subscriptionId"] = record["id"]
    return record


def seed_store(store: Store, source: SeedSource) -> dict[str, Any]:
    """Read and apply a seed; returns the seed data so callers can re-apply it on reset."""
    data = read_seed(source)
    apply_seed(store, data)
    return data
