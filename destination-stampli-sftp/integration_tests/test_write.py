"""`write` against the embedded SFTP server: files, atomicity, STATE ordering, echo suppression, refusals."""

from __future__ import annotations

import csv
import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_stampli_sftp import DestinationStampliSftp


def import_files(inbound: Path, stream: str | None = None) -> list[Path]:
    return sorted(p for p in inbound.iterdir() if p.is_file() and (stream is None or p.name.startswith(f"{stream}_")))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def audits(messages: list[AirbyteMessage]) -> list[dict[str, Any]]:
    events = []
    for message in messages:
        if message.type == Type.LOG and message.log.message.startswith("{"):
            payload = json.loads(message.log.message)
            if payload.get("event") == "stampli_nav.audit":
                events.append(payload)
    return events


def run_write(config: dict, catalog: Any, messages: list[AirbyteMessage], on_state: Any = None) -> list[AirbyteMessage]:
    output = []
    for message in DestinationStampliSftp().write(config, catalog, iter(messages)):
        if message.type == Type.STATE and on_state is not None:
            on_state(message)
        output.append(message)
    return output


def test_a_reverse_sync_writes_one_csv_per_stream_with_the_documented_columns(
    h: Any, config: dict, inbound: Path
) -> None:
    files_when_state_was_echoed: list[int] = []
    output = run_write(
        config,
        h.catalog(),
        h.reference_records(),
        on_state=lambda _m: files_when_state_was_echoed.append(len(import_files(inbound))),
    )
    files = import_files(inbound)
    assert [p.name.split("_")[0] for p in files] == ["dimension", "dimensions", "gl", "vendors"]
    vendors = read_csv(import_files(inbound, "vendors")[0])
    assert list(vendors[0]) == ["Vendor ID", "Vendor Name", "Address Line 1", "Address Line 2", "City", "State",
                                "Postal Code", "Country", "Email", "Phone", "Tax ID", "Currency", "Payment Terms",
                                "Status", "Modified Date"]  # fmt: skip
    assert [(v["Vendor ID"], v["Vendor Name"], v["Status"]) for v in vendors] == [
        ("V10000", "Fabrikam, Inc.", "Active"),
        ("V10010", "First Up Consultants", "Inactive"),
    ]
    accounts = read_csv(import_files(inbound, "gl_accounts")[0])
    assert [(a["Account Number"], a["Active"]) for a in accounts] == [("6100", "Yes"), ("2100", "No")]
    values = read_csv(import_files(inbound, "dimension_values")[0])
    assert [(v["Dimension Code"], v["Value Code"], v["Value Name"]) for v in values] == [
        ("DEPARTMENT", "ADM", "Administration"),
        ("DEPARTMENT", "SALES", "Sales"),
    ]
    # Atomic upload: no temporary file is left behind; every STATE came after all four files were in place.
    assert not [p for p in inbound.iterdir() if p.name.endswith(".tmp")]
    states = [m for m in output if m.type == Type.STATE]
    assert [s.state.stream.stream_descriptor.name for s in states] == list(h.REFERENCE_STREAMS)
    assert files_when_state_was_echoed == [4, 4, 4, 4]
    assert {e["action"] for e in audits(output)} == {"file_written"}
    assert len(audits(output)) == 7


def test_a_second_sync_with_no_nav_change_writes_nothing(h: Any, config: dict, inbound: Path) -> None:
    run_write(config, h.catalog(), h.reference_records())
    before = import_files(inbound)
    output = run_write(config, h.catalog(), h.reference_records())  # e.g. a full refresh: every row again
    assert import_files(inbound) == before
    events = audits(output)
    assert {e["action"] for e in events} == {"skipped_duplicate"}
    assert all(e["reason"].startswith("already_sent") for e in events)
    assert len([m for m in output if m.type == Type.STATE]) == 4


def test_a_vendor_changed_in_nav_is_written_once(h: Any, config: dict, inbound: Path) -> None:
    run_write(config, h.catalog(), h.reference_records())
    changed = [h.record("vendors", h.nav_vendor("V10000", "Fabrikam, Inc.", city="Decatur")), h.state("vendors", {})]
    run_write(config, h.catalog(), changed)
    run_write(config, h.catalog(), changed)  # delivered twice (retry, replay): still written once
    vendor_files = import_files(inbound, "vendors")
    assert len(vendor_files) == 2
    assert [(r["Vendor ID"], r["City"]) for r in read_csv(vendor_files[-1])] == [("V10000", "Decatur")]


def test_what_stampli_already_exports_is_not_sent_back(h: Any, config: dict, sftp_server: Any, inbound: Path) -> None:
    (sftp_server.outbound / "vendors_20261125.csv").write_text(
        "Vendor ID,Vendor Name,Address 1,City,State,Zip,Country,E-mail,Phone Number,Status,Last Modified\n"
        "v10000,Fabrikam Inc.,1 Main Street,SPRINGFIELD,IL,62701,us,ap@v10000.example,217-555-0100,active,11/20/2026\n"
        "V10010,First Up Consultants,1 Main Street,Springfield,IL,62701,US,ap@v10010.example,217-555-0100,Active,11/20/2026\n",
        encoding="utf-8",
    )
    output = run_write(config, h.catalog(["vendors"]), [m for m in h.reference_records() if m.type == Type.STATE or m.record.stream == "vendors"])  # fmt: skip
    events = {e["key"]: e for e in audits(output)}
    # V10000: same content ("Fabrikam, Inc." vs "Fabrikam Inc." differs!) -> sent; V10010: Active vs Inactive -> sent.
    assert events["V10000"]["action"] == "file_written"
    assert events["V10010"]["action"] == "file_written"
    (sftp_server.outbound / "vendors_20261126.csv").write_text(
        "Vendor ID,Vendor Name,Address 1,City,State,Zip,Country,E-mail,Phone Number,Status\n"
        'V10000,"Fabrikam, Inc.",1 Main Street,Springfield,IL,62701,US,ap@v10000.example,217-555-0100,Active\n',
        encoding="utf-8",
    )
    second = run_write(config, h.catalog(["vendors"]), [h.record("vendors", h.nav_vendor("V10000", "Fabrikam, Inc."))])
    (event,) = audits(second)
    assert (event["action"], event["reason"].split(":")[0]) == ("skipped_duplicate", "stampli_has_it")


def test_a_catalog_with_financial_streams_is_refused_before_anything_is_written(
    h: Any, config: dict, inbound: Path
) -> None:
    with pytest.raises(AirbyteTracedException) as error:
        run_write(config, h.catalog(["vendors", "purchase_invoices"]), h.reference_records())
    assert error.value.failure_type.value == "config_error"
    assert "purchase_invoices" in error.value.message and "financial" in error.value.message
    assert import_files(inbound) == []


def test_no_state_is_confirmed_when_the_file_cannot_be_written(h: Any, config: dict, inbound: Path) -> None:
    echoed: list[AirbyteMessage] = []
    with pytest.raises(AirbyteTracedException) as error:
        run_write({**config, "folder": "/does-not-exist"}, h.catalog(), h.reference_records(), on_state=echoed.append)
    assert echoed == []
    assert "no state was confirmed" in error.value.message


def test_bad_records_are_rejected_by_name_and_the_rest_is_written(h: Any, config: dict, inbound: Path) -> None:
    messages = [
        h.record("vendors", h.nav_vendor("", "No Number Ltd")),
        h.record("vendors", h.nav_vendor("V20000", "Good Vendor")),
        h.record("dimension_values", {"code": "X", "displayName": "orphan"}),
    ]
    output = run_write(config, h.catalog(["vendors", "dimension_values"]), messages)
    events = audits(output)
    assert sorted((e["action"], e["reason"].split(":")[0]) for e in events if e["action"] == "rejected") == [
        ("rejected", "missing_dimensionCode"),
        ("rejected", "missing_number"),
    ]
    assert [r["Vendor ID"] for r in read_csv(import_files(inbound, "vendors")[0])] == ["V20000"]
    summary = json.loads(
        next(m.log.message for m in output if m.type == Type.LOG and "stampli_nav.summary" in m.log.message)
    )
    assert summary["counts"] == {"file_written": 1, "skipped_duplicate": 0, "rejected": 2, "ignored": 0}


def run_cli(*args: str, stdin: bytes = b"") -> list[dict[str, Any]]:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "destination-stampli-sftp"), *args],
        input=stdin,
        capture_output=True,
        timeout=60,
    )
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.startswith(b"{")]


def test_console_script_write_and_check_with_a_catalog(h: Any, config: dict, inbound: Path, tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    good = tmp_path / "catalog.json"
    good.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(h.catalog())))
    bad = tmp_path / "bad_catalog.json"
    bad.write_text(
        json.dumps(ConfiguredAirbyteCatalogSerializer.dump(h.catalog(["vendors", "general_ledger_entries"])))
    )

    stdin = b"\n".join(orjson.dumps(AirbyteMessageSerializer.dump(m)) for m in h.reference_records()) + b"\n"
    out = run_cli("write", "--config", str(config_path), "--catalog", str(good), stdin=stdin)
    assert [m["state"]["stream"]["stream_descriptor"]["name"] for m in out if m["type"] == "STATE"] == list(
        h.REFERENCE_STREAMS
    )
    assert len(import_files(inbound)) == 4

    (status,) = [
        m["connectionStatus"]
        for m in run_cli("check", "--config", str(config_path))
        if m["type"] == "CONNECTION_STATUS"
    ]
    assert status["status"] == "SUCCEEDED"
    (refused,) = [
        m["connectionStatus"]
        for m in run_cli("check", "--config", str(config_path), "--catalog", str(bad))
        if m["type"] == "CONNECTION_STATUS"
    ]
    assert refused["status"] == "FAILED" and "general_ledger_entries" in refused["message"]


def test_check_refuses_a_server_with_another_host_key_and_a_missing_inbound_folder(
    config: dict, sftp_server: Any
) -> None:
    destination = DestinationStampliSftp()
    logger = logging.getLogger("test")
    assert destination.check(logger, config).status.value == "SUCCEEDED"
    other_key = "SHA256:" + "A" * 43
    mismatch = destination.check(logger, {**config, "host_key": other_key})
    assert mismatch.status.value == "FAILED" and "host key mismatch" in mismatch.message
    missing = destination.check(logger, {**config, "folder": "/nowhere"})
    assert missing.status.value == "FAILED" and "/nowhere" in missing.message
    assert config["credentials"]["password"] not in mismatch.message + missing.message


def test_nav_numbers_the_forward_connection_maps_go_back_under_their_stampli_codes(
    h: Any, config: dict, inbound: Path
) -> None:
    mapped = {**config, "vendor_number_mapping": {"acme-001": "V10000"}, "gl_account_mapping": {"60-100": "6100"}}
    run_write(mapped, h.catalog(["vendors", "gl_accounts"]), [m for m in h.reference_records() if m.type == Type.RECORD and m.record.stream in ("vendors", "gl_accounts")])  # fmt: skip
    assert [r["Vendor ID"] for r in read_csv(import_files(inbound, "vendors")[0])] == ["acme-001", "V10010"]
    assert [r["Account Number"] for r in read_csv(import_files(inbound, "gl_accounts")[0])] == ["60-100", "2100"]


def test_a_nav_number_that_is_a_stampli_code_mapped_elsewhere_is_rejected_not_merged(
    h: Any, config: dict, inbound: Path
) -> None:
    # Stampli's vendor V10010 is NAV's V20000: NAV's own V10010 (another vendor) must not land on it.
    mapped = {**config, "vendor_number_mapping": {"V10010": "V20000"}, "gl_account_mapping": {"2100": "6100"}}
    output = run_write(mapped, h.catalog(["vendors", "gl_accounts"]), [m for m in h.reference_records() if m.type == Type.RECORD and m.record.stream in ("vendors", "gl_accounts")])  # fmt: skip
    rejected = {(e["stream"], e["key"]): e["reason"] for e in audits(output) if e["action"] == "rejected"}
    assert set(rejected) == {("vendors", "V10010"), ("gl_accounts", "2100")}
    assert rejected["vendors", "V10010"].startswith("key_mapped_elsewhere: NAV vendor V10010 is not written")
    assert "vendor_number_mapping" in rejected["vendors", "V10010"]
    assert [r["Vendor ID"] for r in read_csv(import_files(inbound, "vendors")[0])] == ["V10000"]
    # NAV 6100 goes back as Stampli's 2100; NAV's own 2100 is rejected instead of overwriting that row.
    accounts = read_csv(import_files(inbound, "gl_accounts")[0])
    assert [(a["Account Number"], a["Account Name"]) for a in accounts] == [("2100", "Office Supplies")]
