"""Header normalisation: "Invoice #", "invoice_number", "InvoiceNumber" and "INVOICE NUMBER" are one column.

Matching is case-, space-, underscore- and punctuation-insensitive; '#' reads as "number". Aliases are declared per
field (declarations.py) and a `column_mapping` from the config overrides everything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stampli_files.declarations import StreamDeclaration

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=4096)
def normalize_header(text: str) -> str:
    """Lower-case ASCII letters and digits only; '#' → 'number', '&' → 'and', accents dropped, BOM dropped."""
    folded = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("#", "number").replace("&", "and").replace("%", "percent")
    return _NOT_ALNUM.sub("", folded)


class ColumnMappingError(ValueError):
    """A `column_mapping` entry targets a field that the stream does not have."""


@dataclass(frozen=True)
class Slot:
    """Where a column's value goes: a record-level field or a line field, by index in the declaration."""

    level: str  # "record" or "line"
    index: int


class HeaderResolver:
    """Resolves export header names to declaration slots for one stream and one `column_mapping`."""

    def __init__(self, declaration: StreamDeclaration, column_mapping: Mapping[str, str] | None = None) -> None:
        self.declaration = declaration
        record_forms: dict[str, Slot] = {}
        line_forms: dict[str, Slot] = {}
        for index, spec in enumerate(declaration.fields):
            for form in spec.header_forms():
                record_forms.setdefault(form, Slot("record", index))
        for index, spec in enumerate(declaration.line_fields):
            for form in spec.header_forms():
                line_forms.setdefault(form, Slot("line", index))
        self._record_forms = record_forms
        self._line_forms = line_forms
        # Line-level CSV: a column both levels know (po_number) describes the line; header values come from lines.
        self._flat_forms = {**record_forms, **line_forms}
        # XML: leaf elements of the record element are record fields first.
        self._xml_record_forms = {**line_forms, **record_forms}
        self._overrides: dict[str, Slot] = {}
        for source_header, target in (column_mapping or {}).items():
            slot = self.target_slot(target)
            if slot is None:
                raise ColumnMappingError(
                    f"column_mapping: {source_header!r} → {target!r}: stream {declaration.name} has no field {target!r}"
                )
            self._overrides[normalize_header(source_header)] = slot

    def target_slot(self, target: str) -> Slot | None:
        """A column_mapping target: a column id ('line_amount'), a record field name, or 'lines.<name>'."""
        if target.startswith("lines."):
            return self._line_forms.get(normalize_header(target[len("lines.") :]))
        return self._flat_forms.get(normalize_header(target))

    def resolve_flat(self, header: str) -> Slot | None:
        """A CSV column."""
        form = normalize_header(header)
        return self._overrides.get(form) or self._flat_forms.get(form)

    def resolve_xml_record(self, tag: str) -> Slot | None:
        form = normalize_header(tag)
        return self._overrides.get(form) or self._xml_record_forms.get(form)

    def resolve_xml_line(self, tag: str) -> Slot | None:
        form = normalize_header(tag)
        override = self._overrides.get(form)
        if override is not None and override.level == "line":
            return override
        return self._line_forms.get(form)


@dataclass(frozen=True)
class ColumnPlan:
    """For each declaration field, the CSV column index holding it (None: not in this file)."""

    record_columns: tuple[int | None, ...]
    line_columns: tuple[int | None, ...]
    ignored_headers: tuple[str, ...]  # columns no field wants (reported, not silently dropped)
    duplicate_headers: tuple[str, ...]  # second columns for a field already taken (first one wins)

    @property
    def has_line_columns(self) -> bool:
        return any(index is not None for index in self.line_columns)


def plan_csv_columns(headers: Sequence[str], resolver: HeaderResolver) -> ColumnPlan:
    declaration = resolver.declaration
    record_columns: list[int | None] = [None] * len(declaration.fields)
    line_columns: list[int | None] = [None] * len(declaration.line_fields)
    ignored: list[str] = []
    duplicates: list[str] = []
    for position, header in enumerate(headers):
        slot = resolver.resolve_flat(header)
        if slot is None:
            if header.strip():
                ignored.append(header)
            continue
        target = record_columns if slot.level == "record" else line_columns
        if target[slot.index] is None:
            target[slot.index] = position
        else:
            duplicates.append(header)
    return ColumnPlan(tuple(record_columns), tuple(line_columns), tuple(ignored), tuple(duplicates))
