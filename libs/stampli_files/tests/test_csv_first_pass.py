"""The first pass over a CSV (`CsvRows.last_rows`): each key's last row number, as `payloads` numbers rows."""

from __future__ import annotations

from pathlib import Path

from stampli_files import STREAMS, ReadReport
from stampli_files.csv_reader import CsvRows
from stampli_files.formats import export_documents
from stampli_files.headers import HeaderResolver

HEADER = "Invoice ID,Invoice Number,Vendor ID,Invoice Total,Line Number,Line Amount\n"


def _source(tmp_path: Path, body: str) -> CsvRows:
    path = tmp_path / "invoices_1.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    (document,) = export_documents(path, "/outbound/invoices_1.csv", tmp_path, lambda _name: True)
    return CsvRows(document, HeaderResolver(STREAMS["invoices"]), ReadReport(on_reject=lambda _reject: None))


def _last_rows_from_payloads(source: CsvRows) -> dict[int, int]:
    last: dict[int, int] = {}
    for key, payload in source.payloads():
        last[hash(key)] = payload[0]
    return last


def test_last_rows_match_the_row_numbers_of_payloads(tmp_path: Path) -> None:
    body = (
        "A1,N1,V1,10.00,1,4.00\n"
        " B2 ,N2,V1,5.00,1,5.00\n"  # padded key: the same key as "B2"
        "A1,N1,V1,10.00,2,6.00\n"
        "   ,N9,V1,1.00,1,1.00\n"  # no key: no one's last row
        "B2,N2,V1,5.00,2,0.00\n"
    )
    source = _source(tmp_path, body)
    last = source.last_rows(max_keys=10)
    assert last == {hash("A1"): 4, hash("B2"): 6}
    assert last == _last_rows_from_payloads(source)


def test_short_and_malformed_rows_keep_the_numbering(tmp_path: Path) -> None:
    body = (
        "A1,N1,V1,10.00,1,4.00\n"
        "\n"  # a blank line is a (skipped) row
        'A1,"N1,V1,10.00,2,6.00\n'  # an unclosed quote swallows the rest into one malformed record
    )
    source = _source(tmp_path, body)
    # row 4 starts with A1 but is rejected later (wrong field count): A1's group then completes at the end of
    # the file, which delays it and never splits it
    assert source.last_rows(max_keys=10) == {hash("A1"): 4}
    assert _last_rows_from_payloads(source) == {hash("A1"): 2}
    body = "A1,N1,V1,10.00,1,4.00\n\nC3,N3,V1,1.00,1,1.00\n"
    source = _source(tmp_path, body)
    assert source.last_rows(max_keys=10) == {hash("A1"): 2, hash("C3"): 4} == _last_rows_from_payloads(source)


def test_too_many_keys_gives_no_index(tmp_path: Path) -> None:
    body = "".join(f"K{n},N{n},V1,1.00,1,1.00\n" for n in range(20_000))
    source = _source(tmp_path, body)
    assert source.last_rows(max_keys=19_999) is None
    last = source.last_rows(max_keys=20_000)
    assert last is not None and len(last) == 20_000 and last[hash("K19999")] == 20_001


def test_scattered_keys_are_the_keys_not_in_one_run(tmp_path: Path) -> None:
    body = (
        "A1,N1,V1,10.00,1,4.00\n"
        "A1,N1,V1,10.00,2,6.00\n"  # A1: one run
        "B2,N2,V1,5.00,1,5.00\n"
        "C3,N3,V1,1.00,1,1.00\n"
        "B2,N2,V1,5.00,2,0.00\n"  # B2 comes back: scattered, last row 6
        "D4,N4,V1,1.00,1,1.00\n"
    )
    source = _source(tmp_path, body)
    assert source.scattered_keys(max_keys=10) == {"B2": 6}
    assert source.scattered_keys(max_keys=0) is None
    # a blank line breaks a run (numbered as `payloads` numbers rows: the slow path, same answer)
    source = _source(tmp_path, "A1,N1,V1,10.00,1,4.00\n\nA1,N1,V1,10.00,2,6.00\nB2,N2,V1,5.00,1,5.00\n")
    assert source.scattered_keys(max_keys=10) == {"A1": 4}
    assert {k: v for k, v in _last_rows_from_payloads(source).items() if k == hash("A1")} == {hash("A1"): 4}


def test_a_grouped_export_has_no_scattered_keys(tmp_path: Path) -> None:
    body = "".join(f"K{n},N{n},V1,1.00,{line},1.00\n" for n in range(20_000) for line in (1, 2))
    scattered = _source(tmp_path, body).scattered_keys(max_keys=20_000)
    # only keys that share a bit of the seen-bitmap with an earlier key, each with its true last row
    assert scattered is not None and len(scattered) < 100
    assert all(row == 2 * int(key[1:]) + 3 for key, row in scattered.items())


def test_the_line_pass_and_the_csv_pass_agree(tmp_path: Path) -> None:
    """The key-in-first-column shortcut (no csv parsing) gives what the csv pass gives; a quoted key or a quoted
    line break sends the file to the csv pass."""

    bodies = [
        'A1,N1,V1,10.00,1,"4,00"\r\nA1,N1,V1,10.00,2,6.00\r\n\r\nB2,N2,V1,5.00,1,5.00\r\nA1,N1,V1,1,3,1\r\n',
        '"A1",N1,V1,10.00,1,4.00\nB2,N2,V1,5.00,1,5.00\n"A1",N1,V1,10.00,2,6.00\n',  # quoted keys
        'A1,"N1\nmore",V1,10.00,1,4.00\nB2,N2,V1,5.00,1,5.00\nA1,N1,V1,10.00,2,6.00\n',  # a quoted line break
        "".join(f"K{n % 7},N,V1,1.00,{n},1.00\n" for n in range(30_000)),  # runs across line chunks
        "".join(f"K{n // 9000},N,V1,1.00,{n},1.00\n" for n in range(30_000)),
    ]
    for body in bodies:
        assert _source(tmp_path, body).scattered_keys(max_keys=10**6) == _reference_scattered(body), body[:60]


def _reference_scattered(body: str) -> dict[str, int]:
    """Keys with more than one run of rows (any other row, blank or keyless, ends a run), with their last row."""
    import csv
    import io

    runs: dict[str, int] = {}
    last: dict[str, int] = {}
    previous = None
    for number, row in enumerate(csv.reader(io.StringIO(HEADER + body, newline="")), 1):
        key = row[0].strip() if row and number > 1 else ""
        if key and key != previous:
            runs[key] = runs.get(key, 0) + 1
        if key:
            last[key] = number
        previous = key
    return {key: last[key] for key, count in runs.items() if count > 1}
