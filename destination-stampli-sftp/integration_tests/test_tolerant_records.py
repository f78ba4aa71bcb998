"""Records as real clients deliver them (the destination as a real process over the embedded SFTP server).

PyAirbyte's default DuckDB cache lower-cases field names (`displayName` → `displayname`), adds `_airbyte_*` columns
and may hand arrays back as JSON text. Under PyAirbyte 0.71 this once produced vendor rows with blank names and
addresses that the manifest then kept from ever being corrected (issue 16). Such records must give the same import
files as the source's own records; a record lacking a needed field is rejected by name and never remembered as sent.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer, Type

DESTINATION = Path(sys.executable).parent / "destination-stampli-sftp"
AIRBYTE_COLUMNS = {
    "_airbyte_raw_id": "0192c0de-0000-7000-8000-000000000001",
    "_airbyte_extracted_at": "2026-11-25T10:00:00+00:00",
    "_airbyte_meta": {"changes": []},
    "_airbyte_generation_id": 0,
}


def as_cached(data: dict[str, Any]) -> dict[str, Any]:
    """A record as PyAirbyte's DuckDB cache hands it to a destination: lower-cased names, its own columns."""
    return {**{key.lower(): value for key, value in data.items()}, **AIRBYTE_COLUMNS}


def write(config_path: Path, catalog_path: Path, messages: list[AirbyteMessage]) -> list[dict[str, Any]]:
    stdin = b"".join(orjson.dumps(AirbyteMessageSerializer.dump(m)) + b"\n" for m in messages)
    result = subprocess.run(
        [str(DESTINATION), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.startswith(b"{")]


def audits(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events = []
    for message in output:
        if message["type"] == "LOG" and message["log"]["message"].startswith("{"):
            payload = json.loads(message["log"]["message"])
            if payload.get("event") == "stampli_nav.audit":
                events.append(payload)
    return events


def files_by_stream(inbound: Path) -> dict[str, list[dict[str, str]]]:
    rows: dict[str, list[dict[str, str]]] = {}
    for path in sorted(p for p in inbound.iterdir() if p.is_file()):
        stream = path.name.rsplit("_", 2)[0]
        rows.setdefault(stream, []).extend(csv.DictReader(io.StringIO(path.read_text("utf-8"), newline="")))
    return rows


def setup(tmp_path: Path, config: dict[str, Any], h: Any, streams: tuple[str, ...]) -> tuple[Path, Path]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(h.catalog(streams))))
    return config_path, catalog_path


def test_cached_records_give_the_same_import_files_as_the_sources_own(
    h: Any, config: dict[str, Any], inbound: Path, sftp_server: Any, tmp_path: Path
) -> None:
    records = [m for m in h.reference_records() if m.type == Type.RECORD]
    config_path, catalog_path = setup(tmp_path, config, h, h.REFERENCE_STREAMS)
    write(config_path, catalog_path, records)
    direct = files_by_stream(inbound)

    # The same records through the cache, into a fresh folder (its own manifest): identical files.
    (sftp_server.root / "inbound2").mkdir()
    cached_dir = tmp_path / "cached"
    cached_dir.mkdir()
    config2, catalog2 = setup(cached_dir, {**config, "folder": "/inbound2"}, h, h.REFERENCE_STREAMS)
    cached = [h.record(m.record.stream, as_cached(m.record.data)) for m in records]
    output = write(config2, catalog2, cached)
    assert files_by_stream(sftp_server.root / "inbound2") == direct
    assert direct["vendors"][0]["Vendor Name"] == "Fabrikam, Inc." and direct["vendors"][0]["City"] == "Springfield"
    assert {e["action"] for e in audits(output)} == {"file_written"}


def test_a_record_lacking_a_needed_field_is_rejected_and_a_later_good_record_is_still_written(
    h: Any, config: dict[str, Any], inbound: Path, tmp_path: Path
) -> None:
    config_path, catalog_path = setup(tmp_path, config, h, ("vendors", "gl_accounts"))
    vendor = h.nav_vendor("V10000", "Fabrikam, Inc.")
    lossy = {key: value for key, value in vendor.items() if key not in ("displayName", "city")}
    account = {
        "number": "6100",
        "displayName": "Office Supplies",
        "category": "Expense",
        "accountType": "Posting",
        "blocked": False,
    }  # directPosting lost: writing "Active: No" would close a postable account in Stampli
    output = write(config_path, catalog_path, [h.record("vendors", lossy), h.record("gl_accounts", account)])
    rejected = {e["key"]: e["reason"] for e in audits(output) if e["action"] == "rejected"}
    assert rejected["V10000"].startswith("missing_field: displayName, city: the vendors record arrived without")
    assert rejected["6100"].startswith("missing_field: directPosting:")
    assert list(inbound.iterdir()) == [], "nothing written, not even a manifest entry"

    output = write(
        config_path,
        catalog_path,
        [h.record("vendors", vendor), h.record("gl_accounts", {**account, "directPosting": True})],
    )
    assert sorted(e["action"] for e in audits(output)) == ["file_written", "file_written"]
    rows = files_by_stream(inbound)
    assert rows["vendors"][0]["Vendor Name"] == "Fabrikam, Inc." and rows["gl_accounts"][0]["Active"] == "Yes"
