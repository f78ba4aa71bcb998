"""CSV exports → rows, streamed with the csv module. Malformed rows become named rejects.

A row's payload is (row number, the csv module's list of cells); splitting it into record fields and line
fields waits until `decode`, once the row's group is complete. `scattered_keys` is a cheap first pass that finds
the keys whose rows are not all in one run, so that line-level exports can be assembled while streaming with
memory that does not grow with the number of keys (see reader.py); `last_rows` indexes every key's last row
(flat streams and XML).
"""

from __future__ import annotations

import csv
import itertools
import operator
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter, methodcaller
from typing import Any, TextIO

from stampli_files.formats import ExportDocument
from stampli_files.headers import ColumnPlan, HeaderResolver, plan_csv_columns
from stampli_files.rejects import Reject
from stampli_files.rows import Cells, RawRow, ReadReport

# Long descriptions are legitimate; a runaway quote swallowing the file is not. 1 MiB per field.
FIELD_SIZE_LIMIT = 1 << 20
csv.field_size_limit(min(FIELD_SIZE_LIMIT, sys.maxsize))

_DELIMITERS = (",", ";", "\t", "|")
_MISSING = -1  # index of the "" cell appended to every decoded row, read for columns the file lacks

CsvPayload = tuple[int, list[str]]


def _pick_delimiter(header_line: str) -> str:
    """Comma unless the header line clearly uses another separator (European Excel uses ';')."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _getter(indices: tuple[int | None, ...]) -> Callable[[list[str]], Cells]:
    """Picks the declared fields out of a row in one C call; absent columns read the "" cell."""
    positions = [index if index is not None else _MISSING for index in indices]
    if len(positions) == 1:  # itemgetter with one index returns a scalar, not a tuple
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions)


_UNSURE: Any = object()
_FAST_PASS_CHUNK_ROWS = 8_192


def _last_rows_fast(reader: csv._reader, key_column: int, max_keys: int, exact: bool) -> dict[Any, int] | None | Any:
    """`last_rows` without a Python-level step per row: key cells, stripped and hashed, zipped with row numbers
    into dict.update (later rows overwrite earlier ones: the last row wins), a chunk at a time so that `max_keys`
    is checked as the index grows. _UNSURE when a row is too short for the key column or the csv module raises:
    the caller then counts row by row, which numbers malformed rows exactly as `payloads` does."""
    last: dict[Any, int] = {}
    stripped = map(str.strip, map(itemgetter(key_column), reader))
    key_hashes = stripped if exact else map(hash, stripped)
    row_numbers = itertools.count(2)  # the header is row 1
    try:
        while chunk := list(itertools.islice(key_hashes, _FAST_PASS_CHUNK_ROWS)):
            last.update(zip(chunk, row_numbers, strict=False))  # row_numbers is endless
            if len(last) > max_keys + 1:  # +1: the hash of "" (rows without a key) is not a key
                return None
    except (IndexError, csv.Error):
        return _UNSURE
    last.pop("" if exact else _EMPTY_KEY_HASH, None)  # rows without a key (blank lines included) are no key's last row
    if len(last) > max_keys:
        return None
    return last


_EMPTY_KEY_HASH = hash("")

# A bitmap of keys already seen in the first pass: 1 MiB whatever the file. A key that shares a bit with an earlier
# one counts as scattered: it only costs an index entry, never a wrong group.
_SEEN_BITS = 1 << 23


_LINE_CHUNK = 8_192
_starts_quoted = methodcaller("startswith", '"')
_count_quotes = methodcaller("count", '"')


def _scattered_by_lines(text: TextIO, delimiter: str, max_keys: int) -> dict[str, int] | None | Any:
    """`scattered_keys` without the csv module, for the common file whose key is its first column: each line is
        one record and its key is the text before the first delimiter, as long as no line starts with a quote (a
        quoted key), has an odd number of quotes (a quoted field running over a line end), holds a NUL or is longer
    than the csv module's field limit; each chunk of
        lines is checked for those in C, and any of them gives _UNSURE (the csv pass then decides). About half the
        cost of parsing every field of every row."""
    seen = bytearray(_SEEN_BITS >> 3)
    mask = _SEEN_BITS - 1
    scattered: dict[str, int] = {}
    before_delimiter = methodcaller("partition", delimiter)
    row_number = 1  # the header
    run_key: str | None = None
    while lines := list(itertools.islice(text, _LINE_CHUNK)):
        if (
            any(map(_starts_quoted, lines))
            or any(map(operator.mod, map(_count_quotes, lines), itertools.repeat(2)))
            or any(map(operator.contains, lines, itertools.repeat("\x00")))
            or max(map(len, lines)) > FIELD_SIZE_LIMIT  # the csv module refuses such a row (malformed)
        ):
            return _UNSURE
        for key, run in groupby(map(str.strip, map(itemgetter(0), map(before_delimiter, lines)))):
            row_number += len(list(run))  # the run's last row
            if key == run_key:  # a run going on from the previous chunk
                if key in scattered:
                    scattered[key] = row_number
                continue
            run_key = key
            if not key:
                continue
            bit = hash(key) & mask
            if seen[bit >> 3] & (1 << (bit & 7)):
                scattered[key] = row_number
                if len(scattered) > max_keys:
                    return None
            else:
                seen[bit >> 3] |= 1 << (bit & 7)
    return scattered


def _scattered_fast(reader: csv._reader, key_column: int, max_keys: int) -> dict[str, int] | None | Any:
    """`scattered_keys` over runs of equal keys (itertools.groupby, in C) rather than rows: Python-level work per
    run, not per row. _UNSURE as in `_last_rows_fast`."""
    seen = bytearray(_SEEN_BITS >> 3)
    mask = _SEEN_BITS - 1
    scattered: dict[str, int] = {}
    row_number = 1  # the header
    try:
        for key, run in groupby(map(str.strip, map(itemgetter(key_column), reader))):
            row_number += len(list(run))  # the run's last row
            if not key:
                continue
            bit = hash(key) & mask
            if seen[bit >> 3] & (1 << (bit & 7)):
                scattered[key] = row_number
                if len(scattered) > max_keys:
                    return None
            else:
                seen[bit >> 3] |= 1 << (bit & 7)
    except (IndexError, csv.Error):
        return _UNSURE
    return scattered


@dataclass(frozen=True)
class _Layout:
    reader: csv._reader
    headers: list[str]
    plan: ColumnPlan
    key_column: int
    text: TextIO  # positioned after the header record
    delimiter: str


class CsvRows:
    """RowSource over one CSV document."""

    def __init__(self, document: ExportDocument, resolver: HeaderResolver, report: ReadReport) -> None:
        self.document = document
        self.resolver = resolver
        self.report = report
        self._values: Callable[[list[str]], Cells] = lambda _row: ()
        self._line: Callable[[list[str]], Cells] | None = None
        # key -> number of the last row with that key that `payloads` rejected (rare: wrong field count)
        self.unusable_rows: dict[str, int] = {}

    def decode(self, payload: CsvPayload) -> RawRow:
        row_number, cells = payload
        cells.append("")
        lines: tuple[Cells, ...] = ()
        if self._line is not None:
            line = self._line(cells)
            if any(line):  # a row whose line cells are all empty carries no line
                lines = (line,)
        return RawRow(row_number, self._values(cells), lines)

    def payloads(self) -> Iterator[tuple[str, CsvPayload]]:
        with self._open(report_problems=True) as layout:
            if layout is None:
                return
            plan, declaration = layout.plan, self.resolver.declaration
            if plan.ignored_headers:
                self.report.notice(
                    f"{self.document.url}: columns not used by {declaration.name}: {', '.join(plan.ignored_headers)}"
                )
            if plan.duplicate_headers:
                self.report.notice(
                    f"{self.document.url}: duplicate columns ignored (first wins): {', '.join(plan.duplicate_headers)}"
                )
            self._values = _getter(plan.record_columns)
            self._line = _getter(plan.line_columns) if plan.has_line_columns else None
            yield from self._rows(layout)

    def last_rows(self, max_keys: int, exact: bool = False) -> dict[Any, int] | None:
        """hash(key) → number of the key's last row, from a first pass (same row numbering as `payloads`).

        Hashes instead of keys keep the index small. Two keys with one hash share the later last row, so the
        earlier key's group waits for it and completes at the end of the file: a collision delays, never splits.
        None when the file has more than `max_keys` distinct keys or cannot be read; callers then group
        without it. `exact`: the keys themselves instead of their hashes (flat streams drop all but a key's last
        row, so a collision must not be possible).
        """
        last: dict[Any, int] = {}
        with self._open(report_problems=False) as layout:
            if layout is None:
                return None
            reader, key_column = layout.reader, layout.key_column
            fast = _last_rows_fast(reader, key_column, max_keys, exact)
            if fast is not _UNSURE:
                return fast
        with self._open(report_problems=False) as layout:  # a short or malformed row: count row by row
            if layout is None:
                return None
            reader, key_column = layout.reader, layout.key_column
            row_number = 1  # counted exactly as in _rows: one per csv record, malformed ones included
            while True:
                try:
                    for row in reader:
                        row_number += 1
                        if len(row) > key_column and (key := row[key_column].strip()):
                            last[key if exact else hash(key)] = row_number
                            if len(last) > max_keys:
                                return None
                    return last
                except csv.Error:
                    row_number += 1

    def scattered_keys(self, max_keys: int) -> dict[str, int] | None:
        """key -> number of its last row, for the keys whose rows are not all in one run of consecutive rows (and
        a few others, see _SEEN_BITS); the first pass of streamed grouping. A key not in it has all its rows
        together: its group is complete when a row of another key comes. Rows are numbered as in `payloads`;
        rows without a key (blank lines included) are nobody's but break runs. None when more than `max_keys`
        keys are scattered or the file cannot be read."""
        with self._open(report_problems=False) as layout:
            if layout is None:
                return None
            fast = _scattered_by_lines(layout.text, layout.delimiter, max_keys) if layout.key_column == 0 else _UNSURE
        if fast is not _UNSURE:
            return fast  # type: ignore[no-any-return]
        with self._open(report_problems=False) as layout:
            if layout is None:
                return None
            fast = _scattered_fast(layout.reader, layout.key_column, max_keys)
            if fast is not _UNSURE:
                return fast  # type: ignore[no-any-return]
        with self._open(report_problems=False) as layout:  # a short or malformed row: count row by row
            if layout is None:
                return None
            reader, key_column = layout.reader, layout.key_column
            seen: set[str] = set()
            scattered: dict[str, int] = {}
            previous = ""
            row_number = 1  # counted exactly as in _rows: one per csv record, malformed ones included
            while True:
                try:
                    for row in reader:
                        row_number += 1
                        key = row[key_column].strip() if len(row) > key_column else ""
                        if key and (key in scattered or (key != previous and key in seen)):
                            scattered[key] = row_number
                            if len(scattered) > max_keys:
                                return None
                        seen.add(key)
                        previous = key
                    return scattered
                except csv.Error:
                    row_number += 1
                    previous = ""

    @contextmanager
    def _open(self, report_problems: bool) -> Iterator[_Layout | None]:
        document = self.document
        report = self.report if report_problems else None
        with document.path.open("r", encoding=document.encoding, newline="") as text:
            yield self._layout(text, report)

    def _layout(self, text: TextIO, report: ReadReport | None) -> _Layout | None:
        document, declaration = self.document, self.resolver.declaration
        first_line = text.readline()
        if not first_line.strip():
            if report:
                report.notice(f"{document.url}: empty file, nothing to read")
            return None
        text.seek(0)
        delimiter = _pick_delimiter(first_line)
        reader = csv.reader(text, delimiter=delimiter)
        try:
            headers = next(reader)
        except csv.Error as exc:
            if report:
                report.reject(Reject(document.url, "malformed_csv_header", str(exc), (1,)))
            return None
        plan = plan_csv_columns(headers, self.resolver)
        key_column = plan.record_columns[declaration.fields.index(declaration.key_field)]
        if key_column is None:
            if report:
                report.reject(
                    Reject(
                        document.url,
                        "missing_key_column",
                        f"no column for {declaration.key} (stream {declaration.name}); headers: {', '.join(headers)}",
                    )
                )
            return None
        return _Layout(reader, headers, plan, key_column, text, delimiter)

    def _rows(self, layout: _Layout) -> Iterator[tuple[str, CsvPayload]]:
        """(key, (row number, cells)) of usable rows; the header is row 1. Problem rows are rejected by name."""
        reader, width, key_column = layout.reader, len(layout.headers), layout.key_column
        row_number = 1
        while True:
            try:
                for row in reader:  # the hot loop: well-formed rows take the first branch only
                    row_number += 1
                    if len(row) == width and (key := row[key_column].strip()):
                        yield key, (row_number, row)
                    elif (usable := self._problem_row(row, row_number, width, key_column)) is not None:
                        yield usable
                self.report.rows += row_number - 1
                return
            except csv.Error as exc:
                row_number += 1
                self.report.reject(
                    Reject(self.document.url, "malformed_csv_row", f"{exc} (line {reader.line_num})", (row_number,))
                )

    def _problem_row(
        self, row: list[str], row_number: int, width: int, key_column: int
    ) -> tuple[str, CsvPayload] | None:
        """A row with the wrong number of cells or no key: usable after trimming, skipped when blank, or rejected."""
        url = self.document.url
        if not any(cell.strip() for cell in row):
            return None  # a blank line carries no data
        if len(row) != width:
            if len(row) > width and not any(cell.strip() for cell in row[width:]):
                del row[width:]  # trailing empty columns (spreadsheet exports)
            else:
                message = f"expected {width} fields as in the header, found {len(row)}"
                self.report.reject(Reject(url, "wrong_field_count", message, (row_number,)))
                if len(row) > key_column and (key := row[key_column].strip()):
                    self.unusable_rows[key] = row_number  # the first pass counted it as the key's
                return None
        key = row[key_column].strip()
        if not key:
            self.report.reject(Reject(url, "missing_key", f"{self.resolver.declaration.key} is empty", (row_number,)))
            return None
        return key, (row_number, row)
