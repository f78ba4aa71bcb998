"""Assembly with bounded memory: streaming for grouped exports, disk buckets when lines are scattered."""

from __future__ import annotations

from pathlib import Path

import pytest

from stampli_files import STREAMS, ExportReader, ReadReport
from stampli_files.grouping import RowGroups
from stampli_samples.exports import make_invoices, write_invoices_csv, write_invoices_xml

from .conftest import MTIME


def _read(path: Path, workdir: Path, max_rows_in_memory: int) -> list[dict]:
    workdir.mkdir()
    reader = ExportReader(STREAMS["invoices"], ReadReport(on_reject=pytest.fail), max_rows_in_memory=max_rows_in_memory)
    return list(reader.read_file(path, "/outbound/" + path.name, MTIME, workdir))


def _canonical(records: list[dict]) -> dict[str, dict]:
    return {r["invoice_id"]: r for r in records}


@pytest.fixture(scope="module")
def invoices():
    return make_invoices(600, seed=3)


@pytest.mark.parametrize("layout", ["grouped", "scattered"])
def test_small_memory_limit_gives_the_same_records(tmp_path: Path, invoices, layout: str) -> None:
    path = write_invoices_csv(tmp_path / "invoices.csv", invoices, shuffle_seed=5 if layout == "scattered" else None)
    unlimited = _canonical(_read(path, tmp_path / "a", max_rows_in_memory=10**9))
    bounded = _canonical(_read(path, tmp_path / "b", max_rows_in_memory=100))
    assert len(unlimited) == len(invoices) == len(bounded)
    assert bounded == unlimited
    for invoice in invoices:
        record = unlimited[invoice.invoice_id]
        assert record["balanced"] is True
        assert [line["amount"] for line in record["lines"]] == [f"{line.amount:.2f}" for line in invoice.lines]


def test_grouped_export_streams_one_invoice_at_a_time(tmp_path: Path, invoices, monkeypatch) -> None:
    path = write_invoices_csv(tmp_path / "invoices.csv", invoices)
    spilled: list[int] = []
    original = RowGroups.add
    monkeypatch.setattr(RowGroups, "add", lambda self, key, row: (spilled.append(1), original(self, key, row)))
    records = _read(path, tmp_path / "w", max_rows_in_memory=20)
    assert len(records) == len(invoices)
    assert spilled == []  # never needed the disk
    assert [r["invoice_id"] for r in records] == [i.invoice_id for i in invoices]  # file order


def test_scattered_export_spills_to_buckets_and_cleans_up(tmp_path: Path, invoices) -> None:
    path = write_invoices_csv(tmp_path / "invoices.csv", invoices, shuffle_seed=9)
    workdir = tmp_path / "w"
    records = _read(path, workdir, max_rows_in_memory=50)
    assert len(records) == len(invoices)
    assert list(workdir.glob("group-bucket-*")) == []


def test_xml_export_uses_buckets_when_large(tmp_path: Path, invoices) -> None:
    path = write_invoices_xml(tmp_path / "invoices.xml", invoices)
    bounded = _canonical(_read(path, tmp_path / "a", max_rows_in_memory=50))
    csv_path = write_invoices_csv(tmp_path / "invoices.csv", invoices)
    from_csv = _canonical(_read(csv_path, tmp_path / "b", max_rows_in_memory=10**9))
    assert set(bounded) == set(from_csv)
    for key, record in bounded.items():  # same business content, so the same hash, whatever the format
        assert record["_stampli_record_hash"] == from_csv[key]["_stampli_record_hash"]


def test_row_groups_keep_file_order_within_a_key(tmp_path: Path) -> None:
    groups = RowGroups(tmp_path, expected_bytes=10 << 20, max_rows_in_memory=3, bucket_bytes=1 << 20)
    for n in range(40):
        groups.add(f"k{n % 7}", (n, f"row {n}"))
    assert groups.spilled and groups.bucket_count == 10
    result = dict(groups.groups())
    assert sorted(result) == [f"k{i}" for i in range(7)]
    for key, payloads in result.items():
        numbers = [p[0] for p in payloads]
        assert numbers == sorted(numbers) and all(f"k{n % 7}" == key for n in numbers)
    assert list(tmp_path.iterdir()) == []


def test_hash_collisions_in_the_index_delay_groups_but_never_split_them(tmp_path: Path, invoices, monkeypatch) -> None:
    import stampli_files.csv_reader
    import stampli_files.reader

    path = write_invoices_csv(tmp_path / "invoices.csv", invoices[:50])
    expected = _canonical(_read(path, tmp_path / "a", max_rows_in_memory=10**9))
    for module in (stampli_files.csv_reader, stampli_files.reader):
        monkeypatch.setattr(module, "hash", lambda _key: 7, raising=False)  # every key collides
    assert _canonical(_read(path, tmp_path / "b", max_rows_in_memory=10**9)) == expected
