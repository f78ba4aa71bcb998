"""XML exports → RawRows, streamed with defusedxml's iterparse: DTDs and entities are refused, never resolved.

Shape: one element per record (e.g. <Invoice>, found by tag at any depth, or any child of the root that carries
the stream key), fields as leaf child elements or attributes, lines nested either as repeated <Line> elements
or inside a container (<Lines><Line>…</Line></Lines>). Each record element is dropped from the tree once read,
so memory stays flat whatever the file size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from stampli_files.formats import ExportDocument
from stampli_files.headers import HeaderResolver, normalize_header
from stampli_files.rejects import Reject
from stampli_files.rows import Cells, RawRow, ReadReport

MAX_REPORTED_TAGS = 50


def _cells(values: list[str | None]) -> Cells:
    return tuple(value or "" for value in values)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


class _RecordParser:
    def __init__(self, resolver: HeaderResolver) -> None:
        self.resolver = resolver
        self.declaration = resolver.declaration
        self.unused: set[str] = set()

    def has_key(self, element: Element) -> bool:
        key_slot = self.declaration.fields.index(self.declaration.key_field)
        for name in element.attrib:
            slot = self.resolver.resolve_xml_record(name)
            if slot is not None and slot.level == "record" and slot.index == key_slot:
                return True
        for child in element:
            if len(child) == 0:
                slot = self.resolver.resolve_xml_record(_local(child.tag))
                if slot is not None and slot.level == "record" and slot.index == key_slot:
                    return True
        return False

    def parse(self, element: Element, ordinal: int) -> RawRow:
        values: list[str | None] = [None] * len(self.declaration.fields)
        flat_line: list[str | None] = [None] * len(self.declaration.line_fields)
        lines: list[Cells] = []
        for name, text in element.attrib.items():
            self._assign(_local(name), text, values, flat_line)
        for child in element:
            if len(child) == 0:
                self._assign(_local(child.tag), child.text, values, flat_line)
            elif all(len(grandchild) == 0 for grandchild in child):
                lines.append(self._line(child))  # <Line><Amount>…</Amount></Line> directly in the record
            else:
                lines.extend(self._line(item) for item in child if len(item) or item.attrib)  # <Lines><Line>…
        if any(cell is not None and cell.strip() for cell in flat_line):
            lines.insert(0, _cells(flat_line))  # a line-level XML export: one element per line
        return RawRow(ordinal, _cells(values), tuple(lines))

    def _assign(self, tag: str, text: str | None, values: list[str | None], flat_line: list[str | None]) -> None:
        slot = self.resolver.resolve_xml_record(tag)
        if slot is None:
            self._unused(tag)
            return
        target = values if slot.level == "record" else flat_line
        if target[slot.index] is None:
            target[slot.index] = text

    def _line(self, element: Element) -> Cells:
        cells: list[str | None] = [None] * len(self.declaration.line_fields)
        items = [(name, text) for name, text in element.attrib.items()]
        items += [(child.tag, child.text) for child in element if len(child) == 0]
        for name, text in items:
            slot = self.resolver.resolve_xml_line(_local(name))
            if slot is None:
                self._unused(f"{_local(element.tag)}/{_local(name)}")
            elif cells[slot.index] is None:
                cells[slot.index] = text
        return _cells(cells)

    def _unused(self, tag: str) -> None:
        if len(self.unused) < MAX_REPORTED_TAGS:
            self.unused.add(tag)


class XmlRows:
    """RowSource over one XML document; a payload is the RawRow as a plain tuple."""

    def __init__(self, document: ExportDocument, resolver: HeaderResolver, report: ReadReport) -> None:
        self.document = document
        self.resolver = resolver
        self.report = report

    def decode(self, payload: tuple[int, Cells, tuple[Cells, ...]]) -> RawRow:
        return RawRow(*payload)

    def payloads(self) -> Iterator[tuple[str, tuple[int, Cells, tuple[Cells, ...]]]]:
        return _read(self.document, self.resolver, self.report)

    def last_rows(self, max_keys: int, exact: bool = False) -> dict[Any, int] | None:
        return None  # XML records carry their lines; grouping falls back to the bucketed path


def _read(
    document: ExportDocument, resolver: HeaderResolver, report: ReadReport
) -> Iterator[tuple[str, tuple[int, Cells, tuple[Cells, ...]]]]:
    declaration = resolver.declaration
    record_forms = declaration.xml_record_forms
    parser = _RecordParser(resolver)
    stack: list[Element] = []
    record_depth: int | None = None  # depth of the record element being read, if any
    ordinal = 0
    ignored: set[str] = set()
    with document.path.open("r", encoding=document.encoding, newline="") as text:
        try:
            for event, element in iterparse(
                text, events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
            ):
                if event == "start":
                    if record_depth is None and normalize_header(_local(element.tag)) in record_forms:
                        record_depth = len(stack)
                    stack.append(element)
                    continue
                stack.pop()
                depth = len(stack)
                if depth == 0:
                    break  # the root closed
                parent = stack[-1]
                if record_depth is not None:
                    if depth != record_depth:
                        continue  # inside a record: wait for the record element to close
                    record_depth = None
                    candidates = [element]
                elif depth == 1:
                    # An untagged child of the root: a record if it carries the key, else maybe a container.
                    candidates = [element] if parser.has_key(element) else [c for c in element if parser.has_key(c)]
                    if not candidates and (len(element) or (element.text or "").strip()):
                        ignored.add(_local(element.tag))
                else:
                    continue
                for candidate in candidates:
                    ordinal += 1
                    row = parser.parse(candidate, ordinal)
                    key_index = declaration.fields.index(declaration.key_field)
                    key = row.values[key_index].strip()
                    if not key:
                        report.reject(Reject(document.url, "missing_key", f"{declaration.key} is empty", (ordinal,)))
                        continue
                    yield key, tuple(row)
                parent.remove(element)  # read: free it (keeps memory flat)
        except DTDForbidden:
            report.reject(Reject(document.url, "xml_dtd_forbidden", "the document has a DTD; DTDs are refused"))
        except EntitiesForbidden:
            report.reject(
                Reject(document.url, "xml_entities_forbidden", "the document declares entities; they are refused")
            )
        except ExternalReferenceForbidden:
            report.reject(Reject(document.url, "xml_external_reference_forbidden", "external references are refused"))
        except ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            report.reject(
                Reject(
                    document.url,
                    "xml_syntax_error",
                    f"{exc} (line {line}, column {column}); {ordinal} record element(s) before it were read",
                )
            )
    report.rows += ordinal
    if ignored:
        report.notice(f"{document.url}: elements without a {declaration.key} ignored: {', '.join(sorted(ignored))}")
    if parser.unused:
        report.notice(f"{document.url}: elements not used by {declaration.name}: {', '.join(sorted(parser.unused))}")
    if ordinal == 0 and not report.rejected:
        report.notice(f"{document.url}: no {declaration.name} record elements found")
