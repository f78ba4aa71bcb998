"""Go-live without duplicate vendors (issue 15), end to end over the real servers and connector processes.

Stampli knows two of NAV's vendors under its own ids (S-3050 = NAV's Contoso Office Supply V10050 by tax id,
S-3060 = NAV's Litware V10060 by name + postal code) and one vendor NAV does not have (S-3099).
"""

from __future__ import annotations

import csv

import orjson
import yaml

from stampli_nav_runner.demo.environment import golive_exports
from stampli_nav_runner.workspace import Workspace


def test_duplicate_vendors_are_not_created_and_match_vendors_maps_them(make_environment, e2e) -> None:
    env = make_environment()
    for export in golive_exports():  # the demo's go-live exports: vendors_20261127_0800.csv, invoices_…0900.csv
        env.add_export(export)

    sync = e2e.stampli_nav(env, "sync", str(env.forward_path))
    assert sync.returncode == 0, sync.stdout + sync.stderr
    nav_vendors = e2e.nav_vendors(env)
    assert "S-3050" not in nav_vendors and "S-3060" not in nav_vendors, "no second Contoso or Litware"
    assert nav_vendors["S-3099"]["displayName"] == "Blue Yonder Airlines", "a really new vendor is still created"
    (run,) = Workspace(env.paths.runs).runs("forward")
    audit = {(e["stream"], e["key"]): e for e in map(orjson.loads, run.audit_path.read_bytes().splitlines())}
    contoso = audit[("vendors", "S-3050")]
    assert contoso["action"] == "rejected"
    assert contoso["reason"].startswith("possible_duplicate_vendor: Stampli vendor S-3050 looks like NAV vendor V10050")
    assert "same tax id 756612099" in contoso["reason"] and "match-vendors" in contoso["reason"]
    assert audit[("vendors", "S-3060")]["reason"].startswith("possible_duplicate_vendor")
    assert "V10060" in audit[("vendors", "S-3060")]["reason"]
    invoice = audit[("invoices", "INV-3050")]
    assert invoice["action"] == "rejected" and invoice["reason"].startswith("possible_duplicate_vendor:")
    assert "match-vendors" in invoice["reason"]
    ledger = e2e.ledger_by_document(env)
    assert "STP-INV-3050" not in ledger, "nothing posted to a duplicate"
    assert e2e.posted_amount(ledger["STP-INV-3099"]) == 1290

    # The review file proposes both pairs at high confidence; vendors keyed by NAV numbers are already mapped.
    review = e2e.stampli_nav(env, "match-vendors", str(env.forward_path))
    assert review.returncode == 0, review.stdout + review.stderr
    csv_path = next(env.paths.runs.glob("vendor-matching/vendor-review-forward-*.csv"))
    assert csv_path.with_suffix(".html").is_file()
    rows = {row["stampli_vendor_id"]: row for row in csv.DictReader(csv_path.open(encoding="utf-8-sig"))}
    assert (rows["S-3050"]["nav_number"], rows["S-3050"]["confidence"], rows["S-3050"]["accept"]) == (
        "V10050",
        "high",
        "yes",
    )
    assert (rows["S-3060"]["nav_number"], rows["S-3060"]["confidence"]) == ("V10060", "high")
    # S-3099 was created under its Stampli id by the sync, V10000 is keyed by its NAV number in Stampli too.
    assert rows["S-3099"]["status"] == rows["V10000"]["status"] == "already_mapped"
    assert yaml.safe_load(env.forward_path.read_text())["destination"]["config"].get("vendor_number_mapping") is None

    accepted = e2e.stampli_nav(env, "match-vendors", str(env.forward_path), "--accept", "high")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    text = env.forward_path.read_text()
    config = yaml.safe_load(text)
    assert config["destination"]["config"]["vendor_number_mapping"] == {"S-3050": "V10050", "S-3060": "V10060"}
    assert "${env:STAMPLI_DEMO_SFTP_PASSWORD}" in text and "${secret:nav_client_secret}" in text
    assert env.emulator.client_secret not in text, "references are kept, never resolved into the file"

    # Running again adds nothing; an edited review file with a pair already there changes nothing either.
    again = e2e.stampli_nav(env, "match-vendors", str(env.forward_path), "--apply", str(csv_path))
    assert again.returncode == 0, again.stderr
    assert "0 pair(s) added" in again.stdout
