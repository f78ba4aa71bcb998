"""Versions are ordered (issue 14): over the embedded SFTP server, a record is emitted only when it is newer than
what was emitted for its key — never a superseded version brought back by an old export read again."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteStateMessageSerializer

from embedded_sftp.pytest_plugin import TestSftpServer
from stampli_nav_events import SOURCE_FILE_EVENT, SOURCE_PROBLEM_EVENT, SOURCE_STREAM_EVENT, find_event
from stampli_samples.exports import (
    INVOICE_COLUMNS,
    VENDOR_COLUMNS,
    Invoice,
    invoice_rows,
    make_invoices,
    vendor_rows,
    write_csv,
    write_invoices_csv,
    write_sample_folder,
)

from .conftest import HERE, Reader, final_states

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CHANGED = (0, 5, 12)


def _at(path: Path, when: datetime) -> Path:
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def _export_b(invoices: list[Invoice]) -> list[Invoice]:
    """A later export changing three invoices: new amounts, re-approved a day later."""
    changed = make_invoices(len(invoices), seed=1)
    for index in CHANGED:
        changed[index].lines[0].amount += 1
        changed[index].approved_date += timedelta(days=1)
    return changed


def _emitted(output: Any) -> dict[str, dict[str, Any]]:
    return {m.record.data["invoice_id"]: m.record.data for m in output.records}


def _events(output: Any, name: str) -> list[dict[str, Any]]:
    events = (find_event(m.log.message) for m in output.logs)
    return [e for e in events if e is not None and e["event"] == name]


def _two_polls(sftp_server: TestSftpServer, run_read: Reader) -> tuple[list[Invoice], list[Any]]:
    a = make_invoices(20, seed=1)
    _at(write_invoices_csv(sftp_server.outbound / "invoices_a.csv", a, shuffle_seed=1), T0)
    first = run_read(streams=["invoices"])
    assert len(first.records) == 20
    _at(write_invoices_csv(sftp_server.outbound / "invoices_b.csv", _export_b(a)), T0 + timedelta(hours=1))
    second = run_read(state=final_states(first), streams=["invoices"])
    assert sorted(_emitted(second)) == sorted(a[i].invoice_id for i in CHANGED)
    return a, final_states(second)


def test_an_old_export_touched_emits_nothing(sftp_server: TestSftpServer, run_read: Reader) -> None:
    _, state = _two_polls(sftp_server, run_read)
    _at(sftp_server.outbound / "invoices_a.csv", T0 + timedelta(hours=2))  # a restore, a copy, a touch
    third = run_read(state=state, streams=["invoices"])
    assert third.records == []
    (read,) = _events(third, SOURCE_FILE_EVENT)
    assert read["skipped"] and read["why"] == "same_content_as:/outbound/invoices_a.csv"


def test_an_old_export_uploaded_again_under_a_new_name_emits_nothing(
    sftp_server: TestSftpServer, run_read: Reader
) -> None:
    a, state = _two_polls(sftp_server, run_read)
    copy = shutil.copy(sftp_server.outbound / "invoices_a.csv", sftp_server.outbound / "invoices_a_again.csv")
    _at(Path(copy), T0 + timedelta(hours=2))
    third = run_read(state=state, streams=["invoices"])
    assert third.records == []
    # the same versions in other bytes (compressed): judged record by record, the replaced ones are stale
    rows = [",".join(INVOICE_COLUMNS), *(",".join(f'"{c}"' for c in row) for row in invoice_rows(a))]
    (sftp_server.outbound / "invoices_a_again.csv.gz").write_bytes(gzip.compress("\r\n".join(rows).encode()))
    _at(sftp_server.outbound / "invoices_a_again.csv.gz", T0 + timedelta(hours=3))
    fourth = run_read(state=final_states(third), streams=["invoices"])
    assert fourth.records == []
    (read,) = _events(fourth, SOURCE_FILE_EVENT)
    assert (read["emitted"], read["unchanged"], read["stale"]) == (0, 17, 3)
    stale = _events(fourth, SOURCE_PROBLEM_EVENT)
    assert sorted(e["key"] for e in stale) == sorted(a[i].invoice_id for i in CHANGED)
    assert {(e["kind"], e["code"]) for e in stale} == {("stale", "replaced_version")}


def test_two_exports_in_one_poll_arriving_out_of_order(sftp_server: TestSftpServer, run_read: Reader) -> None:
    a = make_invoices(20, seed=1)
    # the later export (re-approved invoices) arrives first; the earlier one lands after it, with a later mtime
    _at(write_invoices_csv(sftp_server.outbound / "invoices_b.csv", _export_b(a)), T0)
    _at(write_invoices_csv(sftp_server.outbound / "invoices_a.csv", a), T0 + timedelta(minutes=5))
    output = run_read(streams=["invoices"])
    emitted = [m.record.data for m in output.records]
    assert len(emitted) == 20 and {r["_ab_source_file_url"] for r in emitted} == {"/outbound/invoices_b.csv"}
    files = {e["path"]: e for e in _events(output, SOURCE_FILE_EVENT)}
    assert (files["/outbound/invoices_a.csv"]["unchanged"], files["/outbound/invoices_a.csv"]["stale"]) == (17, 3)
    # and the next poll, with the state, still says nothing
    assert run_read(state=final_states(output), streams=["invoices"]).records == []


def test_a_vendor_modified_earlier_in_a_later_file_is_not_emitted(
    sftp_server: TestSftpServer, run_read: Reader
) -> None:
    rows = vendor_rows(3, modified=datetime(2026, 11, 21).date())
    _at(write_csv(sftp_server.outbound / "vendors_1.csv", VENDOR_COLUMNS, rows), T0)
    first = run_read(streams=["vendors"])
    late = vendor_rows(3, modified=datetime(2026, 11, 19).date())
    late[0][1] = "Name Before The Rename"
    _at(write_csv(sftp_server.outbound / "vendors_0.csv", VENDOR_COLUMNS, late), T0 + timedelta(hours=1))
    second = run_read(state=final_states(first), streams=["vendors"])
    assert second.records == []
    (stale,) = _events(second, SOURCE_PROBLEM_EVENT)
    assert (stale["kind"], stale["code"], stale["key"]) == ("stale", "older_version", late[0][0])


def test_the_same_invoice_twice_in_one_file_is_one_record_from_its_last_rows(
    sftp_server: TestSftpServer, run_read: Reader
) -> None:
    first, second = make_invoices(2, seed=3)
    again = make_invoices(1, seed=3)[0]
    again.invoice_number += "-R"
    again.lines[0].amount += 5
    path = sftp_server.outbound / "invoices_twice.csv"
    write_csv(path, INVOICE_COLUMNS, [*invoice_rows([first, second]), *invoice_rows([again])])
    output = run_read(streams=["invoices"])
    records = _emitted(output)
    assert sorted(records) == sorted([first.invoice_id, second.invoice_id])
    latest = records[first.invoice_id]
    assert latest["invoice_number"] == again.invoice_number and latest["balanced"] is True
    (superseded,) = _events(output, SOURCE_PROBLEM_EVENT)
    assert superseded["kind"] == "superseded" and superseded["key"] == first.invoice_id
    assert set(superseded["rows"]).isdisjoint(latest["_stampli_source_rows"])
    (summary,) = _events(output, SOURCE_STREAM_EVENT)
    assert (summary["emitted"], summary["superseded"]) == (2, len(first.lines))


def test_a_state_written_by_the_previous_release_is_upgraded(sftp_server: TestSftpServer, run_read: Reader) -> None:
    """integration_tests/data/state_format1.json was written by the release before state format 2, after reading
    write_sample_folder() with every file dated T0."""
    old = [
        AirbyteStateMessageSerializer.load(m) for m in json.loads((HERE / "data" / "state_format1.json").read_text())
    ]
    files = write_sample_folder(sftp_server.outbound)
    for path in files.values():
        _at(path, T0 + timedelta(days=1))  # touched: every file is read again, record by record
    output = run_read(state=old)
    assert output.errors == [] and output.records == []  # the old hashes were kept: nothing is new
    states = {s.stream.stream_descriptor.name: s.stream.stream_state.__dict__ for s in final_states(output)}
    assert all(state["format"] == 2 for state in states.values())
    assert len(states["invoices"]["records"]) == 20
    # a newer export changes one invoice: it is emitted; the old file touched once more brings nothing back
    invoices = make_invoices(20, seed=7)
    invoices[3].status = "Paid"
    _at(write_invoices_csv(sftp_server.outbound / "invoices_20261126_1000.csv", invoices), T0 + timedelta(days=2))
    newer = run_read(state=final_states(output), streams=["invoices"])
    assert [m.record.data["invoice_id"] for m in newer.records] == [invoices[3].invoice_id]
    _at(files["invoices"], T0 + timedelta(days=3))
    assert run_read(state=final_states(newer), streams=["invoices"]).records == []
