"""The go-live part of the demo (issue 15): vendor lists keyed differently in Stampli and NAV, the duplicate
guard at work, `match-vendors` with its review file, and the open purchase orders the reverse sync delivered.

Runs after the classic demo (its summary and reconciliation are already printed), so that part stays as it was.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.demo.environment import DemoEnvironment, golive_exports
from stampli_nav_runner.sync_run import SyncResult, SyncRunner
from stampli_nav_runner.vendor_matching_cli import command
from stampli_nav_runner.workspace import Workspace


@dataclass
class GoLiveOutcome:
    forward: SyncResult
    duplicates_held: list[str] = field(default_factory=list)
    duplicates_created: list[str] = field(default_factory=list)
    pairs_mapped: dict[str, str] = field(default_factory=dict)
    open_pos: dict[str, int] = field(default_factory=dict)  # PO number -> lines sent to Stampli

    @property
    def healthy(self) -> bool:
        return self.forward.succeeded and not self.duplicates_created and bool(self.duplicates_held)


def run_golive(
    env: DemoEnvironment, runner: SyncRunner, workspace: Workspace, say: Callable[[str], None]
) -> GoLiveOutcome:
    nav_before = set(_nav_vendor_names(env))
    say("\n[go-live] Stampli knows vendors by its own ids, NAV by V-numbers:")
    for export in golive_exports():
        env.add_export(export)
        with export.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if "Vendor Name" in rows[0] and "Invoice ID" not in rows[0]:
            say(f"  Stampli {export.name}: " + ", ".join(f"{r['Vendor ID']} {r['Vendor Name']}" for r in rows))
    names = _nav_vendor_names(env)
    say("  NAV vendors:  " + ", ".join(f"{n} {names[n]}" for n in ("V10050", "V10060") if n in names) + ", …")

    say("\n[go-live 1/2] forward sync with that export: the duplicate guard (vendor_duplicate_check: block)")
    forward = runner.run(load_connection(str(env.forward_path)))
    outcome = GoLiveOutcome(forward)
    run = workspace.find_run(forward.connection, forward.run_id)
    if run is not None and run.audit_path.exists():
        for event in map(orjson.loads, run.audit_path.read_bytes().splitlines()):
            reason = str(event.get("reason") or "")
            if event.get("action") == "rejected" and reason.startswith("possible_duplicate_vendor"):
                outcome.duplicates_held.append(f"{event.get('stream')} {event.get('key')}")
    outcome.duplicates_created = sorted(set(_nav_vendor_names(env)) - nav_before - {"S-3099"})

    say("\n[go-live 2/2] stampli-nav match-vendors forward --accept high")
    forward_connection = load_connection(str(env.forward_path))
    matching = command.run_matching(forward_connection, env.paths.runs / "vendor-matching")
    counts = ", ".join(f"{label.replace('_', ' ')} {n}" for label, n in matching.report.counts().items())
    say(f"  {matching.stampli_count} Stampli vendors, {matching.nav_count} NAV vendors: {counts}")
    say(f"  review file  {matching.csv_path}")
    say(f"  review page  {matching.html_path}")
    merged = command.accept_high(forward_connection, matching)
    outcome.pairs_mapped = merged.added
    say(
        "  vendor_number_mapping in forward.yaml now: "
        + (", ".join(f"{s} → {n}" for s, n in sorted(merged.added.items())) or "unchanged")
    )
    outcome.open_pos = _purchase_orders_sent(env)
    return outcome


def golive_summary(outcome: GoLiveOutcome) -> list[str]:
    held = ", ".join(outcome.duplicates_held) or "none"
    created = ", ".join(outcome.duplicates_created) or "none ✓"
    pos = ", ".join(f"{number} ({lines} line{'s' if lines != 1 else ''})" for number, lines in outcome.open_pos.items())
    return [
        "",
        "Go-live",
        f"  duplicate guard     held back {held}; duplicate vendors created in NAV: {created}",
        f"  match-vendors       mapped {len(outcome.pairs_mapped)} pair(s) at high confidence into vendor_number_mapping",
        f"  open POs → Stampli  {pos or 'none'}",
    ]


def _nav_vendor_names(env: DemoEnvironment) -> dict[str, str]:
    company = env.emulator.dump()["companies"][0]
    return {vendor["number"]: vendor["displayName"] for vendor in company["vendors"]}


def _purchase_orders_sent(env: DemoEnvironment) -> dict[str, int]:
    lines: dict[str, int] = defaultdict(int)
    for path in env.inbound_files():
        if path.name.startswith("purchase_orders_20") and path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    if row["PO Status"] != "Closed":
                        lines[row["PO Number"]] += 1
    return dict(sorted(lines.items()))
