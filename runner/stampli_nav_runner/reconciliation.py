"""What the reconciliation report says, computed from the kept runs and (optionally) NAV's ledger.

Per invoice: the Stampli total (last version read), what the destination did with it, the NAV document number(s),
and the amount NAV's general ledger holds for those documents on the invoice's G/L accounts. Totals by vendor and by
G/L account compare the two sides; rejects are listed with their reasons. All money is Decimal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import orjson

from stampli_nav_events import SOURCE_PROBLEM_EVENT
from stampli_nav_rules import clean_mapping, nav_account_number, nav_code
from stampli_nav_runner.source_notices import FileRead, read_source_report
from stampli_nav_runner.workspace import RunDirectory, Workspace

ZERO = Decimal("0")
INVOICES = "invoices"

# The destination's last word on an invoice, from its audit actions (contract §2).
STATUS_BY_ACTION = {
    "posted": "posted",
    "skipped_duplicate": "posted",
    "reversed": "reversed",
    "rejected": "rejected",
    "ignored": "ignored",
    "dry_run": "dry run",
}
VENDOR_ACTIONS = ("vendor_created", "vendor_updated", "vendor_unchanged")


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass
class LedgerEntry:
    entry_number: int | None
    document_number: str
    account_number: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


class LedgerReader(Protocol):
    def entries_for_documents(self, document_numbers: Iterable[str]) -> list[LedgerEntry]: ...


@dataclass
class InvoiceRow:
    invoice_id: str
    invoice_number: str | None = None
    vendor_id: str | None = None
    vendor_name: str | None = None
    invoice_date: str | None = None
    currency: str | None = None
    stampli_total: Decimal | None = None
    stampli_status: str | None = None
    source_file: str | None = None
    source_rows: list[Any] = field(default_factory=list)
    record_hash: str | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    status: str = "not processed"
    reason: str | None = None
    nav_documents: list[str] = field(default_factory=list)
    nav_entry_numbers: list[int] = field(default_factory=list)
    nav_amount: Decimal | None = None
    last_run: str | None = None
    source_flags: list[str] = field(default_factory=list)

    @property
    def expected_nav_amount(self) -> Decimal:
        """What NAV should hold net: the total while posted, nothing once reversed or never posted."""
        return (self.stampli_total or ZERO) if self.status == "posted" else ZERO

    @property
    def reconciled(self) -> bool | None:
        if self.nav_amount is None:
            return None
        return self.nav_amount == self.expected_nav_amount


@dataclass
class TotalRow:
    name: str
    label: str | None
    stampli: Decimal
    nav: Decimal | None
    count: int = 0  # invoices (vendor totals) or lines (account totals)

    @property
    def difference(self) -> Decimal | None:
        return None if self.nav is None else self.nav - self.stampli


@dataclass
class RejectRow:
    origin: str  # "source" (a bad row or file) or "destination" (failed validation or posting)
    key: str | None
    reason: str
    source_file: str | None
    source_rows: list[Any]
    run_id: str
    details: list[str] = field(default_factory=list)


@dataclass
class FileRow:
    run_id: str
    read: FileRead


@dataclass
class Reconciliation:
    connections: list[str]
    invoices: list[InvoiceRow]
    by_vendor: list[TotalRow]
    by_account: list[TotalRow]
    rejects: list[RejectRow]
    vendor_actions: dict[str, int]
    runs: int
    ledger_read: bool
    ledger_error: str | None = None
    files: list[FileRow] = field(default_factory=list)
    source_warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.invoices if row.status == status)

    @property
    def mismatches(self) -> list[InvoiceRow]:
        return [row for row in self.invoices if row.reconciled is False]

    def summary_lines(self) -> list[str]:
        statuses = defaultdict(int)
        for row in self.invoices:
            statuses[row.status] += 1
        lines = [
            f"reconciliation: {len(self.invoices)} invoices ("
            + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
            + f"), {len(self.rejects)} reject(s)",
        ]
        if self.ledger_read:
            lines.append(
                "  NAV ledger read back: "
                + ("every invoice reconciles" if not self.mismatches else f"{len(self.mismatches)} MISMATCH(ES)")
            )
        else:
            lines.append(f"  NAV ledger not read back{': ' + self.ledger_error if self.ledger_error else ''}")
        return lines


def _read_jsonl(path: Any) -> Iterable[dict[str, Any]]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(value, dict):
                yield value


def forward_runs(workspace: Workspace, connection: str | None) -> list[RunDirectory]:
    """Runs of connections that carry invoices (the forward direction)."""
    runs = workspace.runs(connection)
    if connection:
        return runs
    carrying = {
        run.connection for run in runs if any(entry["stream"]["name"] == INVOICES for entry in _catalog_streams(run))
    }
    return [run for run in runs if run.connection in carrying]


def _catalog_streams(run: RunDirectory) -> list[dict[str, Any]]:
    try:
        return list(orjson.loads(run.catalog_path.read_bytes()).get("streams", []))
    except (FileNotFoundError, orjson.JSONDecodeError):
        return []


def collect(
    workspace: Workspace,
    connection: str | None = None,
    ledger: LedgerReader | None = None,
    account_mapping: Mapping[str, str] | None = None,
) -> Reconciliation:
    runs = forward_runs(workspace, connection)
    invoices: dict[str, InvoiceRow] = {}
    rejects: list[RejectRow] = []
    vendor_actions: dict[str, int] = defaultdict(int)
    files: list[FileRow] = []
    source_warnings: list[str] = []
    flags_by_key: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        for digest in _read_jsonl(run.records_path):
            if digest.get("stream") != INVOICES or not digest.get("key"):
                continue
            row = invoices.setdefault(str(digest["key"]), InvoiceRow(invoice_id=str(digest["key"])))
            row.invoice_number = digest.get("invoice_number")
            row.vendor_id = digest.get("vendor_id")
            row.vendor_name = digest.get("vendor_name")
            row.invoice_date = digest.get("invoice_date")
            row.currency = digest.get("currency")
            row.stampli_total = to_decimal(digest.get("invoice_total"))
            row.stampli_status = digest.get("status")
            row.source_file = digest.get("_ab_source_file_url")
            row.source_rows = list(digest.get("_stampli_source_rows") or [])
            row.record_hash = digest.get("_stampli_record_hash")
            row.lines = list(digest.get("lines") or [])
            row.last_run = run.run_id
        for event in _read_jsonl(run.audit_path):
            action = str(event.get("action"))
            if event.get("role") == "source":
                if event.get("event") == SOURCE_PROBLEM_EVENT:
                    continue  # read below from the source's own report (read_source_report), once
                rejects.append(
                    RejectRow(
                        origin="source",
                        key=event.get("key"),
                        reason=str(event.get("reason") or action),
                        source_file=event.get("source_file"),
                        source_rows=list(event.get("source_rows") or []),
                        run_id=run.run_id,
                    )
                )
                continue
            if action in VENDOR_ACTIONS:
                vendor_actions[action] += 1
                continue
            if event.get("stream") != INVOICES or not event.get("key"):
                continue
            row = invoices.setdefault(str(event["key"]), InvoiceRow(invoice_id=str(event["key"])))
            if action in STATUS_BY_ACTION:
                if not (action == "skipped_duplicate" and row.status == "reversed"):
                    row.status = STATUS_BY_ACTION[action]
                row.reason = event.get("reason") if action in ("rejected", "ignored") else None
            document = event.get("nav_document_number")
            if document and document not in row.nav_documents:
                row.nav_documents.append(str(document))
            for entry in event.get("nav_entry_numbers") or []:
                if entry not in row.nav_entry_numbers:
                    row.nav_entry_numbers.append(entry)
            if action == "rejected":
                rejects.append(
                    RejectRow(
                        origin="destination",
                        key=str(event["key"]),
                        reason=str(event.get("reason") or "rejected"),
                        source_file=event.get("source_file"),
                        source_rows=list(event.get("source_rows") or []),
                        run_id=run.run_id,
                    )
                )
        source_report = read_source_report(run)
        files.extend(FileRow(run.run_id, read) for read in source_report.files)
        for notice in source_report.notices:
            if notice.kind == "rejected":
                rejects.append(
                    RejectRow("source", None, notice.reason or notice.text, notice.file, list(notice.rows), run.run_id)
                )
            elif notice.kind == "flagged" and notice.key:
                where = f"row {', '.join(map(str, notice.rows))}: " if notice.rows else ""
                flag = f"{where}{notice.reason}"
                if flag not in flags_by_key[notice.key]:
                    flags_by_key[notice.key].append(flag)
            elif notice.text not in source_warnings:
                source_warnings.append(notice.text)
    # A reject that a later run fixed (the invoice is now posted) is history, not an open reject; the same reject
    # logged by several runs (a replay) is listed once, from its first run.
    unique: dict[tuple[Any, ...], RejectRow] = {}
    for reject in rejects:
        still_open = (
            reject.origin == "source" or not reject.key or invoices.get(reject.key, InvoiceRow("")).status == "rejected"
        )
        identity = (reject.origin, reject.key, reject.reason, reject.source_file, tuple(reject.source_rows))
        if still_open and identity not in unique:
            unique[identity] = reject
    rejects = list(unique.values())
    for key, flags in flags_by_key.items():
        if key in invoices:
            invoices[key].source_flags = flags
    for reject in rejects:
        if reject.key and reject.key in flags_by_key:
            reject.details = flags_by_key[reject.key]

    rows = sorted(invoices.values(), key=lambda row: row.invoice_id)
    # The destination's rule (strip, upper-case, gl_account_mapping): a line coded "6100a" posted to 6100A.
    mapping = clean_mapping(account_mapping)
    ledger_read, ledger_error = False, None
    nav_by_account: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if ledger is not None:
        documents = sorted({doc for row in rows for doc in row.nav_documents})
        try:
            entries = ledger.entries_for_documents(documents) if documents else []
        except Exception as exc:  # an unreachable NAV must not lose the rest of the report
            ledger_error = f"{type(exc).__name__}: {exc}"
        else:
            ledger_read = True
            by_document: dict[str, list[LedgerEntry]] = defaultdict(list)
            for entry in entries:
                by_document[entry.document_number].append(entry)
                nav_by_account[nav_code(entry.account_number)] += entry.net
            for row in rows:
                coded = {_nav_account(line, mapping) for line in row.lines}
                row.nav_amount = sum(
                    (
                        e.net
                        for doc in row.nav_documents
                        for e in by_document.get(doc, [])
                        if nav_code(e.account_number) in coded
                    ),
                    ZERO,
                )
    return Reconciliation(
        connections=sorted({run.connection for run in runs}),
        invoices=rows,
        by_vendor=_vendor_totals(rows, ledger_read),
        by_account=_account_totals(rows, mapping, nav_by_account if ledger_read else None),
        rejects=rejects,
        vendor_actions=dict(vendor_actions),
        runs=len(runs),
        ledger_read=ledger_read,
        ledger_error=ledger_error,
        files=files,
        source_warnings=source_warnings,
    )


def _nav_account(line: Mapping[str, Any], mapping: Mapping[str, str]) -> str:
    """The NAV account a Stampli line was posted to, by the rule destination-dynamics-nav posts with."""
    return nav_account_number(str(line.get("gl_account") or ""), mapping)


def _vendor_totals(rows: list[InvoiceRow], ledger_read: bool) -> list[TotalRow]:
    totals: dict[str, TotalRow] = {}
    for row in rows:
        if row.status not in ("posted", "reversed"):
            continue
        key = row.vendor_id or "?"
        total = totals.setdefault(key, TotalRow(key, row.vendor_name, ZERO, ZERO if ledger_read else None))
        total.stampli += row.expected_nav_amount
        total.count += 1
        if total.nav is not None:
            total.nav += row.nav_amount or ZERO
    return sorted(totals.values(), key=lambda total: total.name)


def _account_totals(
    rows: list[InvoiceRow], mapping: Mapping[str, str], nav_by_account: Mapping[str, Decimal] | None
) -> list[TotalRow]:
    totals: dict[str, TotalRow] = {}
    for row in rows:
        if row.status != "posted":
            continue
        for line in row.lines:
            account = _nav_account(line, mapping)
            total = totals.setdefault(account, TotalRow(account, None, ZERO, None))
            total.stampli += to_decimal(line.get("amount")) or ZERO
            total.count += 1
    if nav_by_account is not None:
        for account, amount in nav_by_account.items():
            label = None if account in totals else "not coded on a posted Stampli line (e.g. vendor payables)"
            total = totals.setdefault(account, TotalRow(account, label, ZERO, ZERO))
            total.nav = amount
        for total in totals.values():
            if total.nav is None:
                total.nav = ZERO
    return sorted(totals.values(), key=lambda total: total.name)
