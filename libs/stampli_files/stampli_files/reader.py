"""One downloaded export file → the stream's records (with audit fields), rejects to the report.

The pipeline: documents in the file (formats) → rows (csv_reader / xml_reader) → grouping by key for line-level
streams (grouping) → typed records with lines, checks, hash and audit fields (records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from stampli_files.csv_reader import CsvRows
from stampli_files.declarations import StreamDeclaration
from stampli_files.formats import ExportDocument, export_documents
from stampli_files.grouping import DEFAULT_MAX_ROWS_IN_MEMORY, RowGroups
from stampli_files.headers import HeaderResolver
from stampli_files.records import RecordBuilder, finish_record, format_timestamp
from stampli_files.rejects import Reject, Superseded
from stampli_files.rows import Payload, RawRow, ReadReport, RowSource
from stampli_files.xml_reader import XmlRows

# Above this many distinct keys in one file, the first-pass index would cost more memory than it saves.
MAX_INDEXED_KEYS = 200_000


class ExportReader:
    """Reads export files of one stream."""

    def __init__(
        self,
        declaration: StreamDeclaration,
        report: ReadReport,
        column_mapping: Mapping[str, str] | None = None,
        max_rows_in_memory: int = DEFAULT_MAX_ROWS_IN_MEMORY,
    ) -> None:
        self.declaration = declaration
        self.report = report
        self.resolver = HeaderResolver(declaration, column_mapping)
        self.builder = RecordBuilder(declaration, report)
        self.max_rows_in_memory = max_rows_in_memory
        self._key_index = declaration.fields.index(declaration.key_field)
        names = [spec.name for spec in declaration.line_fields]
        self._line_number_index = names.index("line_number") if "line_number" in names else None

    def read_file(
        self,
        local_path: Path,
        remote_path: str,
        last_modified: datetime,
        workdir: Path,
        member_filter: Callable[[str], bool] = lambda _name: True,
    ) -> Iterator[dict[str, Any]]:
        """Records of every document in the file. `workdir` receives temporary files; the caller removes it."""
        stamp = format_timestamp(last_modified)
        for item in export_documents(local_path, remote_path, workdir, member_filter):
            if isinstance(item, Reject):
                self.report.reject(item)
                continue
            yield from self.read_document(item, stamp, workdir)

    def read_document(self, document: ExportDocument, last_modified: str, workdir: Path) -> Iterator[dict[str, Any]]:
        source: RowSource = (
            CsvRows(document, self.resolver, self.report)
            if document.kind == "csv"
            else XmlRows(document, self.resolver, self.report)
        )
        declaration, url, decode, builder = self.declaration, document.url, source.decode, self.builder
        if not declaration.has_lines:
            yield from self._flat_records(source, document, last_modified, workdir)
            return
        groups: Iterator[tuple[str, list[Payload]]] | None = None
        if isinstance(source, CsvRows):
            scattered = source.scattered_keys(MAX_INDEXED_KEYS)
            if scattered is not None:
                groups = self._run_groups(source, scattered, workdir, document)
        else:
            last_rows = source.last_rows(MAX_INDEXED_KEYS)
            if last_rows is not None:
                groups = self._stream_groups(source, last_rows, workdir, document)
        if groups is None:
            groups = self._bucketed_groups(source, workdir, document)
        for key, payloads in groups:
            rows = self._last_version(url, key, [decode(payload) for payload in payloads])
            record = builder.assembled(url, key, rows)
            yield finish_record(record, declaration, url, last_modified, [row.source_row for row in rows])

    def _flat_records(
        self, source: RowSource, document: ExportDocument, last_modified: str, workdir: Path
    ) -> Iterator[dict[str, Any]]:
        """One record per key and file: a key's last row wins, earlier rows are reported as superseded."""
        declaration, url, decode, builder, report = (
            self.declaration,
            document.url,
            source.decode,
            self.builder,
            self.report,
        )
        last = source.last_rows(MAX_INDEXED_KEYS, exact=True)
        if last is not None:
            for key, payload in source.payloads():
                row_number = payload[0]
                final = last.get(key, row_number)
                if final != row_number:
                    report.supersede(Superseded(url, key, (row_number,), (final,)))
                    continue
                row = decode(payload)
                record = builder.flat(url, row)
                if record is not None:
                    yield finish_record(record, declaration, url, last_modified, (row.source_row,))
            return
        for key, payloads in self._bucketed_groups(source, workdir, document):
            if len(payloads) > 1:
                report.supersede(Superseded(url, key, tuple(p[0] for p in payloads[:-1]), (payloads[-1][0],)))
            row = decode(payloads[-1])
            record = builder.flat(url, row)
            if record is not None:
                yield finish_record(record, declaration, url, last_modified, (row.source_row,))

    def _last_version(self, url: str, key: str, rows: list[RawRow]) -> list[RawRow]:
        """A line-level document exported twice in one file (a line number repeats on a row whose header values
        differ from the version being read): the last version wins. Only when each version's rows agree on the
        header among themselves; anything less clear stays one document, flagged by the record builder."""
        if len(rows) < 2 or self._line_number_index is None:
            return rows
        number_at = self._line_number_index
        numbers_in_order = [cells[number_at] for row in rows for cells in row.lines]
        if len(set(numbers_in_order)) == len(numbers_in_order):
            return rows  # no line number repeats: one version (the common case, decided without a per-row step)
        starts: list[int] = [0]
        numbers: set[str] = set()
        header = rows[0].values
        for index, row in enumerate(rows):
            row_numbers = {n for cells in row.lines if (n := cells[number_at].strip())}
            if index and row.values != header and not numbers.isdisjoint(row_numbers):
                starts.append(index)
                numbers, header = set(), row.values
            numbers |= row_numbers
        if len(starts) == 1:
            return rows
        bounds = [*starts, len(rows)]
        versions = [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        if any(row.values != version[0].values for version in versions for row in version):
            return rows  # interleaved or inconsistent: not two clean versions
        last = versions[-1]
        self.report.supersede(
            Superseded(url, key, tuple(r.source_row for r in rows[: starts[-1]]), tuple(r.source_row for r in last))
        )
        return last

    def _stream_groups(
        self, source: RowSource, last_rows: dict[int, int], workdir: Path, document: ExportDocument
    ) -> Iterator[tuple[str, list[Payload]]]:
        """Groups complete as soon as their last row (known from the first pass) is read: an export that keeps
        each invoice's lines together holds one group at a time. If too many rows wait for later lines (an export
        sorted by something else), the waiting groups and the rest of the file go to the bucketed path."""
        waiting: dict[str, list[Payload]] = {}
        held = 0
        payloads = source.payloads()
        for key, payload in payloads:
            group = waiting.get(key)
            if group is None:
                group = waiting[key] = [payload]
            else:
                group.append(payload)
            if payload[0] == last_rows.get(key_hash := hash(key)):
                del last_rows[key_hash]  # done with: the index shrinks as the state (in the caller) grows
                del waiting[key]
                held -= len(group) - 1
                yield key, group
                continue
            held += 1
            if held > self.max_rows_in_memory:
                yield from self._spilled_groups(waiting, payloads, workdir, document)
                return
        yield from waiting.items()  # only if a last row was not usable after all (e.g. rejected on the way)

    def _spilled_groups(
        self,
        waiting: dict[str, list[Payload]],
        payloads: Iterator[tuple[str, Payload]],
        workdir: Path,
        document: ExportDocument,
    ) -> Iterator[tuple[str, list[Payload]]]:
        """Too many rows held: the waiting groups and every row still to come go to disk buckets, read back by key."""
        spill = RowGroups(workdir, document.path.stat().st_size, self.max_rows_in_memory)
        for waiting_key, waiting_group in waiting.items():
            for waiting_payload in waiting_group:
                spill.add(waiting_key, waiting_payload)
        waiting.clear()
        for key, payload in payloads:
            spill.add(key, payload)
        yield from spill.groups()

    def _run_groups(
        self, source: CsvRows, scattered: dict[str, int], workdir: Path, document: ExportDocument
    ) -> Iterator[tuple[str, list[Payload]]]:
        """Groups in the order `_stream_groups` completes them, with memory for one run of rows plus the scattered
        keys: a key with all its rows in one run (nearly every key of an export that keeps each invoice's lines
        together) is complete when a row of another key comes; a scattered key waits for its last row (from the
        first pass). A group whose last row was rejected completes at the end of the file, as with a full index."""
        waiting: dict[str, list[Payload]] = {}
        held = 0
        unusable = source.unusable_rows
        run_key: str | None = None
        run: list[Payload] = []
        payloads = source.payloads()
        for key, payload in payloads:
            if key == run_key:
                run.append(payload)
                continue
            if run_key is not None:
                if unusable.get(run_key, 0) > run[-1][0]:
                    waiting[run_key] = run  # its last row was rejected: complete at the end, as ever
                    held += len(run)
                else:
                    yield run_key, run
                run_key, run = None, []
            last = scattered.get(key)
            if last is None:
                run_key, run = key, [payload]
                continue
            group = waiting.get(key)
            if group is None:
                group = waiting[key] = [payload]
            else:
                group.append(payload)
            if payload[0] == last:
                del waiting[key]
                held -= len(group) - 1
                yield key, group
                continue
            held += 1
            if held > self.max_rows_in_memory:
                yield from self._spilled_groups(waiting, payloads, workdir, document)
                return
        if run_key is not None:
            if unusable.get(run_key, 0) > run[-1][0]:
                waiting[run_key] = run
            else:
                yield run_key, run
        # only groups whose last row was not usable after all, in the order of their first rows
        yield from sorted(waiting.items(), key=lambda item: item[1][0][0])

    def _bucketed_groups(
        self, source: RowSource, workdir: Path, document: ExportDocument
    ) -> Iterator[tuple[str, list[Payload]]]:
        groups = RowGroups(workdir, document.path.stat().st_size, self.max_rows_in_memory)
        try:
            add = groups.add
            for key, payload in source.payloads():
                add(key, payload)
            yield from groups.groups()
        finally:
            groups.close()
