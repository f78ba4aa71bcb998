"""Records as real clients deliver them, through the console script against the emulator (issue 16).

PyAirbyte's default DuckDB cache hands records to a destination with its own `_airbyte_*` columns, may lower-case
or otherwise change field names, return arrays as JSON text, dates as timestamps and decimals as numbers. Such an
invoice must post exactly like the source's own record; one lacking a field NAV needs is rejected by name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer

SCRIPT = Path(sys.executable).with_name("destination-dynamics-nav")
CATALOG = Path(__file__).with_name("configured_catalog.json")


def run_script(config: dict[str, Any], tmp_path: Path, messages: list[AirbyteMessage]) -> list[dict[str, Any]]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    stdin = b"".join(orjson.dumps(AirbyteMessageSerializer.dump(m)) + b"\n" for m in messages)
    done = subprocess.run(
        [str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(CATALOG)],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    lines = [orjson.loads(line) for line in done.stdout.splitlines() if line.startswith(b"{")]
    return [
        json.loads(line["log"]["message"])
        for line in lines
        if line["type"] == "LOG" and '"stampli_nav.audit"' in line["log"]["message"]
    ]


def as_cached(data: dict[str, Any]) -> dict[str, Any]:
    """What a cache may make of a source record: other case, JSON text arrays, timestamps, numbers, own columns."""
    lines = [
        {key.upper(): float(value) if key == "amount" else value for key, value in line.items()}
        for line in data["lines"]
    ]
    return {
        "INVOICE_ID": data["invoice_id"],
        "Invoice_Number": data["invoice_number"],
        "vendor_id": data["vendor_id"],
        "VENDOR_NAME": data["vendor_name"],
        "invoice_date": f"{data['invoice_date']}T00:00:00",
        "due_date": f"{data['due_date']}T00:00:00+00:00",
        "approved_date": data["approved_date"],
        "currency": data["currency"],
        "invoice_total": float(data["invoice_total"]),
        "status": data["status"],
        "lines": json.dumps(lines),
        "lines_total": data["lines_total"],
        "validation_errors": "[]",
        "_ab_source_file_url": data["_ab_source_file_url"],
        "_stampli_source_rows": json.dumps(data["_stampli_source_rows"]),
        "_stampli_record_hash": data["_stampli_record_hash"],
        "_airbyte_raw_id": "0192c0de-0000-7000-8000-000000000001",
        "_airbyte_extracted_at": "2026-11-25T10:00:00+00:00",
        "_airbyte_meta": {"changes": []},
        "_airbyte_generation_id": 0,
    }


def test_an_invoice_as_a_cache_delivers_it_posts_like_the_sources_own(nav, build, tmp_path: Path) -> None:
    audit = run_script(
        nav.config(),
        tmp_path,
        [
            build.record("invoices", build.invoice("DIRECT-1")),
            build.record("invoices", as_cached(build.invoice("CACHED-1"))),
            build.state(1),
        ],
    )
    assert [(a["key"], a["action"]) for a in audit] == [("DIRECT-1", "posted"), ("CACHED-1", "posted")]
    cached = next(a for a in audit if a["key"] == "CACHED-1")
    # A float keeps no trailing zero (150.5), but the amount is the same exact decimal.
    assert cached["source_rows"] == [2, 3] and Decimal(cached["amount"]) == Decimal("150.50")

    def entries(document: str) -> list[tuple[str, str, str, str]]:
        return sorted(
            (e["accountNumber"], str(e["debitAmount"]), str(e["creditAmount"]), e["postingDate"])
            for e in nav.gl_entries(document)
        )

    assert entries("STP-CACHED-1") == entries("STP-DIRECT-1") and entries("STP-DIRECT-1")
    assert nav.document_numbers_posted()["STP-CACHED-1"] == Decimal("150.50")


def test_invoices_lacking_a_field_nav_needs_are_rejected_by_name_and_not_posted(nav, build, tmp_path: Path) -> None:
    no_number = {k: v for k, v in build.invoice("LOST-1").items() if k != "invoice_number"}
    line_without_amount = build.one_line("LOST-2")
    line_without_amount["lines"] = [{k: v for k, v in line_without_amount["lines"][0].items() if k != "amount"}]
    no_vendor = as_cached(build.invoice("LOST-3"))
    del no_vendor["vendor_id"]
    audit = run_script(
        nav.config(),
        tmp_path,
        [
            build.record("invoices", no_number),
            build.record("invoices", line_without_amount),
            build.record("invoices", no_vendor),
            build.state(1),
        ],
    )
    reasons = {a["key"]: a["reason"].split(":")[0] for a in audit if a["action"] == "rejected"}
    assert reasons == {"LOST-1": "missing_invoice_number", "LOST-2": "missing_line_amount", "LOST-3": "missing_vendor"}
    assert not any(number.startswith("STP-LOST") for number in nav.document_numbers_posted())
