"""read against the embedded SFTP server: five streams, incremental dedup, state, skips, rejects, full refresh."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from airbyte_cdk.models import SyncMode

from embedded_sftp.pytest_plugin import TestSftpServer
from stampli_samples.exports import (
    INVOICE_COLUMNS,
    VENDOR_COLUMNS,
    invoice_rows,
    make_invoices,
    vendor_rows,
    write_csv,
    write_invoices_csv,
    write_invoices_xml,
)

from .conftest import Reader, final_states, records_by_stream

STREAMS = ["invoices", "vendors", "gl_accounts", "payments", "purchase_orders"]


def _logs(output, level: str | None = None) -> list[str]:
    return [m.log.message for m in output.logs if level is None or m.log.level.value == level]


def _set_mtime(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_first_read_emits_all_five_streams_with_audit_fields(
    sftp_server: TestSftpServer, exports, run_read: Reader
) -> None:
    output = run_read()
    assert output.errors == []
    records = records_by_stream(output)
    assert sorted(records) == sorted(STREAMS)
    assert len(records["invoices"]) == 20 and len(records["vendors"]) == 10 and len(records["gl_accounts"]) == 8
    invoice = records["invoices"][0]
    assert invoice["_ab_source_file_url"] == "/outbound/invoices_20261125_1000.csv"
    mtime = datetime.fromtimestamp(exports["invoices"].stat().st_mtime, UTC).replace(microsecond=0)
    assert invoice["_ab_source_file_last_modified"] == mtime.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert invoice["_stampli_source_rows"] and all(row >= 2 for row in invoice["_stampli_source_rows"])
    assert len(invoice["_stampli_record_hash"]) == 64
    assert all(inv["balanced"] for inv in records["invoices"])  # lines were scattered over the file
    assert {m.state.stream.stream_descriptor.name for m in output.state_messages} == set(STREAMS)
    reads = [line for line in _logs(output, "INFO") if ": read /outbound/" in line]
    assert len(reads) == 5 and any("invoices: read /outbound/invoices_20261125_1000.csv (" in r for r in reads)


def test_second_read_with_the_state_emits_nothing(sftp_server: TestSftpServer, exports, run_read: Reader) -> None:
    first = run_read()
    second = run_read(state=final_states(first))
    assert second.errors == []
    assert second.records == []
    assert {m.state.stream.stream_descriptor.name for m in second.state_messages} == set(STREAMS)
    assert any("5 already read" in line or "1 already read" in line for line in _logs(second))


def test_new_file_with_3_changed_and_10_repeated_invoices_emits_exactly_3(
    sftp_server: TestSftpServer, run_read: Reader
) -> None:
    invoices = make_invoices(13, seed=1)
    write_invoices_csv(sftp_server.outbound / "invoices_0900.csv", invoices)
    first = run_read(streams=["invoices"])
    assert len(first.records) == 13
    changed = make_invoices(13, seed=1)
    changed[0].lines[0].amount += 1  # an amount (the total follows)
    changed[5].status = "Paid"
    changed[12].lines[0].description = "Toner (corrected)"
    write_invoices_csv(sftp_server.outbound / "invoices_1000.csv", changed, shuffle_seed=3)
    second = run_read(state=final_states(first), streams=["invoices"])
    emitted = [m.record.data for m in second.records]
    assert sorted(r["invoice_id"] for r in emitted) == sorted(changed[i].invoice_id for i in (0, 5, 12))
    assert all(r["_ab_source_file_url"] == "/outbound/invoices_1000.csv" for r in emitted)
    assert any("3 record(s) emitted, 10 unchanged since last emitted" in line for line in _logs(second))


def test_vendor_reexport_that_only_bumps_modified_date_is_not_a_change(
    sftp_server: TestSftpServer, run_read: Reader
) -> None:
    write_csv(sftp_server.outbound / "vendors_1.csv", VENDOR_COLUMNS, vendor_rows(4))
    first = run_read(streams=["vendors"])
    rows = vendor_rows(4, modified=datetime(2026, 11, 30).date())
    rows[2][1] = "Renamed Vendor Ltd"
    write_csv(sftp_server.outbound / "vendors_2.csv", VENDOR_COLUMNS, rows)
    second = run_read(state=final_states(first), streams=["vendors"])
    assert [m.record.data["vendor_id"] for m in second.records] == ["V00002"]


def test_full_refresh_rereads_everything(sftp_server: TestSftpServer, exports, run_read: Reader) -> None:
    first = run_read()
    again = run_read(state=final_states(first), sync_mode=SyncMode.full_refresh)
    assert len(again.records) == len(first.records)


def test_state_stays_compact_and_survives_a_restart(sftp_server: TestSftpServer, exports, run_read: Reader) -> None:
    output = run_read(streams=["invoices"])
    (state,) = final_states(output)
    blob = state.stream.stream_state.__dict__
    assert set(blob) == {"format", "files", "contents", "records", "_ab_source_file_last_modified"}
    assert blob["format"] == 2 and list(blob["files"]) == ["/outbound/invoices_20261125_1000.csv"]
    assert list(blob["contents"].values()) == ["/outbound/invoices_20261125_1000.csv"]
    # per key: 64-bit hash (11 base64url chars), approved date and file mtime as positions; no replaced versions yet
    assert len(blob["records"]) == 20 and all(len(v.split(".")) == 3 for v in blob["records"].values())
    assert all(len(v.split(".")[0]) == 11 for v in blob["records"].values())
    # a fresh process (a new source object) with the state from a file reads nothing again
    assert run_read(state=[state], streams=["invoices"]).records == []


def test_files_still_being_uploaded_are_read_next_run(sftp_server: TestSftpServer, run_read: Reader) -> None:
    invoices = make_invoices(3, seed=2)
    partial = write_invoices_csv(sftp_server.outbound / "invoices_1.csv.filepart", invoices)
    first = run_read(streams=["invoices"])
    assert first.records == []
    assert any("still being uploaded" in line for line in _logs(first))
    partial.rename(sftp_server.outbound / "invoices_1.csv")
    second = run_read(state=final_states(first), streams=["invoices"])
    assert len(second.records) == 3


def test_file_that_changes_while_it_is_read_is_skipped_this_run(sftp_server: TestSftpServer, run_read: Reader) -> None:
    path = write_invoices_csv(sftp_server.outbound / "invoices_1.csv", make_invoices(5, seed=4))
    appended = make_invoices(2, seed=4, start=100)

    def keep_writing(opened: Path) -> None:
        if opened.name == "invoices_1.csv" and not getattr(keep_writing, "done", False):
            keep_writing.done = True  # type: ignore[attr-defined]
            with opened.open("a", newline="") as out:
                out.writelines(",".join(row) + "\r\n" for row in invoice_rows(appended))
            _set_mtime(opened, datetime.now(UTC).replace(microsecond=0))

    sftp_server.on_open_for_read = keep_writing
    first = run_read(streams=["invoices"])
    assert first.records == []
    assert any("is still being written" in line for line in _logs(first))
    second = run_read(state=final_states(first), streams=["invoices"])
    assert len(second.records) == 7
    assert path.stat().st_size > 0


def test_formats_and_archives(sftp_server: TestSftpServer, run_read: Reader) -> None:
    invoices = make_invoices(9, seed=5)
    write_invoices_xml(sftp_server.outbound / "invoices_a.xml", invoices[:3])
    rows = [",".join(INVOICE_COLUMNS)] + [",".join(row) for row in invoice_rows(invoices[3:6])]
    (sftp_server.outbound / "invoices_b.csv.gz").write_bytes(gzip.compress("\r\n".join(rows).encode()))
    with zipfile.ZipFile(sftp_server.outbound / "stampli_export.zip", "w") as archive:
        archive.writestr("invoices_c.csv", "\r\n".join([rows[0]] + [",".join(r) for r in invoice_rows(invoices[6:])]))
        archive.writestr("vendors.csv", "Vendor ID,Vendor Name\r\nV1,Acme\r\n")
    output = run_read(streams=["invoices", "vendors"])
    records = records_by_stream(output)
    assert sorted(r["invoice_id"] for r in records["invoices"]) == [i.invoice_id for i in invoices]
    assert {r["_ab_source_file_url"] for r in records["invoices"]} == {
        "/outbound/invoices_a.xml", "/outbound/invoices_b.csv.gz", "/outbound/stampli_export.zip!/invoices_c.csv"
    }  # fmt: skip
    assert [r["_ab_source_file_url"] for r in records["vendors"]] == ["/outbound/stampli_export.zip!/vendors.csv"]


def test_bad_input_is_logged_by_file_and_row_and_the_run_continues(
    sftp_server: TestSftpServer, run_read: Reader
) -> None:
    good = write_invoices_csv(sftp_server.outbound / "invoices_good.csv", make_invoices(2, seed=6))
    text = good.read_text().splitlines()
    (sftp_server.outbound / "invoices_bad_rows.csv").write_text("\n".join([text[0], "S9,too,few", *text[1:2]]) + "\n")
    (sftp_server.outbound / "invoices_truncated.csv.gz").write_bytes(gzip.compress(os.urandom(4000))[:900])
    (sftp_server.outbound / "invoices_xxe.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoices><Invoice>'
        "<InvoiceID>&e;</InvoiceID></Invoice></Invoices>"
    )
    (sftp_server.outbound / "invoices_latin1.csv").write_bytes(
        "Invoice ID,Vendor Name,Invoice Total,Line Number,Line Amount\nS77,Café Müller,5.00,1,5.00\n".encode("cp1252")
    )
    output = run_read(streams=["invoices"])
    assert output.errors == []
    warnings = _logs(output, "WARN")
    assert any(w.startswith("rejected /outbound/invoices_bad_rows.csv (row 2): wrong_field_count") for w in warnings)
    assert any(
        w.startswith("rejected /outbound/invoices_truncated.csv.gz (whole file): truncated_gzip") for w in warnings
    )
    assert any(w.startswith("rejected /outbound/invoices_xxe.xml (whole file): xml_") for w in warnings)
    assert not any("root:" in w for w in warnings)  # the entity was never resolved
    ids = sorted(m.record.data["invoice_id"] for m in output.records)
    assert "S77" in ids and len(ids) == 2 + 1 + 1  # good file, the good row of the bad file, the cp1252 file
    latin = next(m.record.data for m in output.records if m.record.data["invoice_id"] == "S77")
    assert latin["vendor_name"] == "Café Müller"


def test_start_date_and_file_patterns(sftp_server: TestSftpServer, run_read: Reader) -> None:
    old = write_invoices_csv(sftp_server.outbound / "approved_old.csv", make_invoices(2, seed=7))
    _set_mtime(old, datetime(2025, 6, 1, tzinfo=UTC))
    write_invoices_csv(sftp_server.outbound / "approved_new.csv", make_invoices(3, seed=7, start=50))
    write_invoices_csv(sftp_server.outbound / "invoices_ignored.csv", make_invoices(4, seed=7, start=90))
    config = sftp_server.source_config(start_date="2026-01-01", file_patterns={"invoices": "approved_*.csv"})
    output = run_read(config=config, streams=["invoices"])
    assert {m.record.data["_ab_source_file_url"] for m in output.records} == {"/outbound/approved_new.csv"}
    assert len(output.records) == 3


def test_column_mapping_from_config(sftp_server: TestSftpServer, run_read: Reader) -> None:
    (sftp_server.outbound / "payments.csv").write_text("Remittance No,Paid,Invoice\nR-1,10.50,S1\n")
    config = sftp_server.source_config(column_mapping={"payments": {"Remittance No": "payment_id", "Paid": "amount"}})
    (record,) = [m.record.data for m in run_read(config=config, streams=["payments"]).records]
    assert (record["payment_id"], record["amount"], record["invoice_id"]) == ("R-1", "10.50", "S1")


def test_host_key_mismatch_fails_the_read(sftp_server: TestSftpServer, exports, run_read: Reader) -> None:
    from embedded_sftp import EmbeddedSftpServer

    with EmbeddedSftpServer(sftp_server.root / "other", users={"x": "y"}) as other:
        config = sftp_server.source_config(host_key=other.host_key_fingerprint)
    output = run_read(config=config, streams=["invoices"], expect_failure=True)
    assert output.records == []
    messages = " ".join(m.trace.error.message for m in output.errors)
    assert "host key mismatch" in messages and sftp_server.host_key_fingerprint in messages


def test_no_pin_warns_with_the_fingerprint(sftp_server: TestSftpServer, exports, run_read: Reader) -> None:
    config = sftp_server.source_config()
    del config["host_key"]
    output = run_read(config=config, streams=["gl_accounts"])
    assert len(output.records) == 8
    assert any(sftp_server.host_key_fingerprint in w and "not pinned" in w for w in _logs(output, "WARN"))


def test_crash_mid_run_resumes_without_redoing_or_losing_records(sftp_server: TestSftpServer, run_read: Reader) -> None:
    for n in range(3):
        write_invoices_csv(sftp_server.outbound / f"invoices_{n}.csv", make_invoices(4, seed=8, start=1 + 4 * n))
        _set_mtime(sftp_server.outbound / f"invoices_{n}.csv", datetime(2026, 11, 25, 10 + n, tzinfo=UTC))
    complete = run_read(streams=["invoices"])
    messages = complete.records_and_state_messages
    # The platform keeps the last STATE it got before the crash: here, the one after the first file.
    first_state_index = next(i for i, m in enumerate(messages) if m.type.value == "STATE")
    emitted_before = [m.record.data["invoice_id"] for m in messages[:first_state_index] if m.type.value == "RECORD"]
    checkpoint = messages[first_state_index].state
    assert len(emitted_before) == 4
    resumed = run_read(state=[checkpoint], streams=["invoices"])
    ids_after = [m.record.data["invoice_id"] for m in resumed.records]
    assert sorted(emitted_before + ids_after) == sorted(m.record.data["invoice_id"] for m in complete.records)
    assert not set(emitted_before) & set(ids_after)


def test_abnormal_future_state_emits_nothing(sftp_server: TestSftpServer, exports, run_read: Reader) -> None:
    from airbyte_cdk.models import AirbyteStateMessageSerializer

    states = json.loads((Path(__file__).parent / "abnormal_state.json").read_text())
    output = run_read(state=[AirbyteStateMessageSerializer.load(s) for s in states])
    assert output.errors == [] and output.records == []
    assert {m.state.stream.stream_descriptor.name for m in output.state_messages} == set(STREAMS)


def test_a_dropped_download_is_retried_on_a_new_connection(sftp_server: TestSftpServer, run_read: Reader) -> None:
    invoices = make_invoices(300, seed=9)
    path = write_invoices_csv(sftp_server.outbound / "invoices_big.csv", invoices)
    assert path.stat().st_size > 50_000
    sftp_server.break_next_download(after_bytes=20_000)
    output = run_read(streams=["invoices"])
    assert output.errors == []
    assert len(output.records) == 300
    assert any("downloading /outbound/invoices_big.csv failed" in w and "retrying" in w for w in _logs(output, "WARN"))
