"""The bad-input corpus (tests/data/bad_inputs): its manifest, and the accounting of one case's run.

Accounting, per file (zip: per member): every data unit the manifest counts — CSV data records, XML record
elements — is covered by an emitted record's `_stampli_source_rows`, by a reject the source logged (a whole-file
reject covers all of them) or by a later version of its key in the same file (the source's `superseded` event). Per invoice: each id ends exactly as the manifest says, and
invoices in = posted + rejected + ignored + rejected by the source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from reliability_harness.inprocess import SyncOutcome
from reliability_harness.ledger import ExpectedPosting
from stampli_nav_events import SOURCE_PROBLEM_EVENT, find_event

CORPUS = Path(__file__).resolve().parents[2] / "data" / "bad_inputs"
MANIFEST = CORPUS / "manifest.yaml"
OUTCOMES = ("posted", "rejected", "ignored", "source_rejected")
# A named reason: a stable lower-case code (optionally `code:field`), then a human explanation.
NAMED_REASON = re.compile(r"^[a-z][a-z0-9_]*(:[a-z0-9_.]+)?: \S")


@dataclass(frozen=True)
class Expectation:
    invoice_id: str
    outcome: str  # one of OUTCOMES
    value: str  # the amount (posted) or the reason code
    vendor: str | None = None
    date: str | None = None
    invoice_number: str | None = None
    descriptions: tuple[str, ...] = ()

    def posting(self) -> ExpectedPosting:
        assert self.outcome == "posted" and self.vendor is not None
        return ExpectedPosting(
            vendor=self.vendor,
            external_document_number=self.invoice_number or f"VI-{self.invoice_id}",
            total=Decimal(self.value),
            posting_date=self.date,
        )


@dataclass(frozen=True)
class Case:
    name: str
    why: str
    units: dict[str, int]  # file name (zip: "archive.zip!/member") -> data units
    invoices: dict[str, Expectation]
    source_rejects: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return CORPUS / self.name

    def files(self) -> list[Path]:
        return sorted(path for path in self.folder.iterdir() if path.is_file())


def load_cases() -> list[Case]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    cases = []
    for name, spec in manifest["cases"].items():
        units: dict[str, int] = {}
        for file_name, file_spec in spec["files"].items():
            if "members" in file_spec:
                units.update({f"{file_name}!/{m}": s["units"] for m, s in file_spec["members"].items()})
            else:
                units[file_name] = file_spec["units"]
        invoices = {}
        for invoice_id, outcome in (spec.get("invoices") or {}).items():
            (kind,) = [k for k in outcome if k in OUTCOMES]
            invoices[str(invoice_id)] = Expectation(
                invoice_id=str(invoice_id),
                outcome=kind,
                value=str(outcome[kind]),
                vendor=outcome.get("vendor"),
                date=outcome.get("date"),
                invoice_number=outcome.get("invoice_number"),
                descriptions=tuple(outcome.get("descriptions", ())),
            )
        cases.append(Case(name, spec["why"], units, invoices, tuple(spec.get("source_rejects", ()))))
    return cases


@dataclass(frozen=True)
class SourceReject:
    file: str  # remote path (zip: "/folder/archive.zip!/member")
    reason: str  # the code
    rows: tuple[int, ...]  # empty: the whole file
    kind: str = "rejected"  # or "superseded": rows replaced by a later version of the key in the same file

    @classmethod
    def parse(cls, text: str) -> SourceReject | None:
        """From the source's structured problem event (stampli_nav_events), as the runner reads it."""
        event = find_event(text)
        if event is None or event.get("event") != SOURCE_PROBLEM_EVENT:
            return None
        if event.get("kind") not in ("rejected", "superseded"):
            return None
        return cls(str(event["file"]), str(event["code"]), tuple(event.get("rows") or ()), str(event["kind"]))


def reason_codes(reason: str | None) -> list[str]:
    """'code: text; code2: text' -> ['code', 'code2'] (the destination lists every problem of a record)."""
    return [part.split(": ", 1)[0].strip() for part in (reason or "").split("; ") if part.strip()]


@dataclass
class Accounting:
    """What happened to one case's records, and every discrepancy with the manifest."""

    case: Case
    folder: str
    problems: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def summary(self) -> str:
        return (
            f"{self.case.name}: {sum(self.case.units.values())} unit(s), {len(self.case.invoices)} invoice(s) in = "
            f"{self.counts['posted']} posted + {self.counts['rejected']} rejected + {self.counts['ignored']} ignored "
            f"+ {self.counts['source_rejected']} rejected by the source ({self.counts['flagged']} flagged by it)"
        )


def account(case: Case, folder: str, outcome: SyncOutcome) -> Accounting:
    """Check the run of one case against its manifest entry (ledger checks are separate)."""
    result = Accounting(case, folder)
    notices = [r for r in (SourceReject.parse(text) for _level, text in outcome.source_logs) if r is not None]
    rejects = [r for r in notices if r.kind == "rejected"]
    superseded = {(r.file, row) for r in notices if r.kind == "superseded" for row in r.rows}
    records = [data for stream, data in outcome.records if stream == "invoices"]

    # 1. Every data unit of every file is in an emitted record or a source reject.
    for file_name, count in case.units.items():
        url = f"{folder}/{file_name}"
        covered: Counter[int] = Counter()
        for data in records:
            if data.get("_ab_source_file_url") == url:
                covered.update(set(data.get("_stampli_source_rows") or []))
        whole_file = any(r.file == url and not r.rows for r in rejects)
        rejected_rows = {row for r in rejects if r.file == url for row in r.rows}
        first = 2 if file_name.lower().split("!/")[-1].endswith((".csv", ".csv.gz")) else 1  # CSV rows: header is 1
        units = range(first, first + count)
        for unit in units:
            if covered[unit] > 1:
                result.add(f"{url} unit {unit} is in {covered[unit]} records")
            if unit in covered and unit in rejected_rows:
                result.add(f"{url} unit {unit} is both emitted and rejected")
            if unit not in covered and unit not in rejected_rows and (url, unit) not in superseded and not whole_file:
                result.add(f"{url} unit {unit} silently lost: neither emitted nor rejected")
        stray = sorted(set(covered) - set(units))
        if stray:
            result.add(f"{url}: records name rows {stray}, beyond the file's {count} data unit(s)")

    # 2. Every invoice ends as the manifest says, with a named reason.
    audit: dict[str, list[dict[str, Any]]] = {}
    for event in outcome.audit("invoices"):
        audit.setdefault(str(event["key"]), []).append(event)
    emitted = {str(data["invoice_id"]) for data in records}
    unexpected = sorted((emitted | set(audit)) - set(case.invoices))
    if unexpected:
        result.add(f"invoices not in the manifest reached the destination: {unexpected}")
    flagged = {str(d["invoice_id"]) for d in records if d.get("validation_errors")}
    result.counts["flagged"] = len(flagged)
    reject_codes = {r.reason for r in rejects}
    for invoice_id, expected in case.invoices.items():
        events = audit.get(invoice_id, [])
        if expected.outcome == "source_rejected":
            if invoice_id in emitted or events:
                result.add(f"{invoice_id}: expected rejected by the source, but it reached the destination")
            elif expected.value not in reject_codes:
                result.add(f"{invoice_id}: no source reject {expected.value} (source rejects: {sorted(reject_codes)})")
            else:
                result.counts["source_rejected"] += 1
            continue
        if len(events) != 1:
            result.add(
                f"{invoice_id}: {len(events)} audit line(s), expected exactly 1 ({[e['action'] for e in events]})"
            )
            continue
        event = events[0]
        if event["action"] != expected.outcome:
            result.add(f"{invoice_id}: {event['action']} ({event.get('reason')}), expected {expected.outcome}")
            continue
        result.counts[expected.outcome] += 1
        if expected.outcome == "posted":
            if Decimal(str(event["amount"])) != Decimal(expected.value):
                result.add(f"{invoice_id}: audit amount {event['amount']}, expected {expected.value}")
            continue
        reason = event.get("reason") or ""
        if not NAMED_REASON.match(reason):
            result.add(f"{invoice_id}: reason {reason!r} does not start with a named code")
        if expected.value not in reason_codes(reason):
            result.add(f"{invoice_id}: reason {reason!r} does not name {expected.value}")
    for code in case.source_rejects:
        if code not in reject_codes:
            result.add(f"the source reported no {code} reject (it reported {sorted(reject_codes)})")
    accounted = sum(result.counts[k] for k in OUTCOMES)
    if accounted != len(case.invoices) and not result.problems:
        result.add(f"{len(case.invoices)} invoices in, {accounted} accounted for")
    return result
