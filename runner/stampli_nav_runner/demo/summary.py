"""The demo's closing summary: what a finance user wants to know after the three syncs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import orjson

from stampli_nav_runner.reconciliation import Reconciliation
from stampli_nav_runner.source_notices import SourceReport, read_source_report
from stampli_nav_runner.sync_run import SyncResult
from stampli_nav_runner.workspace import Workspace

MAX_LISTED = 6


@dataclass
class DemoOutcome:
    forward_first: SyncResult
    forward_second: SyncResult
    reverse: SyncResult | None
    reconciliation: Reconciliation
    report_path: str


def source_report(workspace: Workspace, result: SyncResult) -> SourceReport:
    run = workspace.find_run(result.connection, result.run_id)
    return read_source_report(run) if run is not None else SourceReport()


def files_read(workspace: Workspace, result: SyncResult) -> list[str]:
    """Files the run read: from the source's per-file log lines, else from the records' audit fields."""
    files = {read.file for read in source_report(workspace, result).files}
    run = workspace.find_run(result.connection, result.run_id)
    if run is not None and run.records_path.exists():
        for line in run.records_path.read_bytes().splitlines():
            digest = orjson.loads(line)
            if digest.get("_ab_source_file_url"):
                files.add(str(digest["_ab_source_file_url"]))
    return sorted(files)


def reverse_line(reverse: SyncResult) -> str:
    """What the reverse sync wrote, from destination-stampli-sftp's summary line (files with row counts)."""
    if not reverse.succeeded:
        return f"{reverse.status}: {'; '.join(reverse.errors) or 'see the run logs'}"
    summary = reverse.destination_summary or {}
    files = [entry for entry in summary.get("files", []) if isinstance(entry, dict)]
    read = ", ".join(f"{name} {count}" for name, count in sorted(reverse.records_by_stream.items()))
    if not files:
        return f"read {read or 'nothing'} from NAV; no import file needed"
    written = ", ".join(f"{entry.get('stream')} {entry.get('rows')}" for entry in files)
    already = (summary.get("counts") or {}).get("skipped_duplicate", 0)
    folder = str(files[0].get("path", "/")).rsplit("/", 1)[0] or "/"
    return f"{len(files)} import file(s) in {folder}: {written} rows" + (
        f"; {already} rows Stampli already has were not sent back" if already else ""
    )


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" … (+{len(items) - MAX_LISTED})" if len(items) > MAX_LISTED else "")


def summary_lines(workspace: Workspace, outcome: DemoOutcome) -> list[str]:
    first, second, reverse, rec = outcome.forward_first, outcome.forward_second, outcome.reverse, outcome.reconciliation
    actions = Counter(first.actions)
    files = files_read(workspace, first)
    posted = [row for row in rec.invoices if row.nav_documents and row.status in ("posted", "reversed")]
    credit_memos = [row for row in posted if row.stampli_total is not None and row.stampli_total < 0]
    duplicates_in_exports = source_report(workspace, first).unchanged
    lines = [
        "",
        "Summary",
        f"  files read          {len(files)}: {_listed([name.rsplit('/', 1)[-1] for name in files])}",
        f"  invoices posted     {actions.get('posted', 0)} to NAV"
        + (f" (incl. {len(credit_memos)} credit memo)" if credit_memos else "")
        + (f"; {actions.get('reversed', 0)} voided invoice reversed" if actions.get("reversed") else ""),
        f"  duplicates skipped  {duplicates_in_exports} records repeated in later exports (not sent again), "
        f"{actions.get('skipped_duplicate', 0)} already in NAV (looked up, not posted again)",
        f"  not posted          {rec.count('ignored')} invoice(s) not approved yet (ignored)",
        f"  rejects             {len(rec.rejects)}",
    ]
    for reject in rec.rejects[:MAX_LISTED]:
        where = reject.key or (reject.source_file or "").rsplit("/", 1)[-1]
        lines.append(f"      - {where + ': ' if where else ''}{reject.reason}")
        lines.extend(f"          source: {detail}" for detail in reject.details)
    vendor_bits = [f"{name.removeprefix('vendor_')} {count}" for name, count in sorted(rec.vendor_actions.items())]
    lines.append(f"  vendors → NAV       {', '.join(vendor_bits) or 'none'}")
    if reverse is not None:
        lines.append(f"  NAV → Stampli       {reverse_line(reverse)}")
    second_posted = second.actions.get("posted", 0) + second.actions.get("reversed", 0)
    verdict = "✓ nothing new, nothing posted" if second.succeeded and second_posted == 0 else "✗ UNEXPECTED"
    lines.append(f"  second forward run  {second.records} records, {second_posted} posted  {verdict}")
    if rec.ledger_read:
        check = "every invoice matches NAV's ledger" if not rec.mismatches else f"{len(rec.mismatches)} MISMATCH(ES)"
        lines.append(f"  reconciliation      {check}")
    lines.append(f"  report              {outcome.report_path}")
    return lines
