"""Reading a record's fields the way an Airbyte destination must tolerate them (docs/internal-contracts.md §1d).

A record does not always reach a destination exactly as its source emitted it. PyAirbyte's default DuckDB cache
(`destination.write(source)`) lower-cases column names (`displayName` arrives as `displayname`), adds its own
`_airbyte_raw_id`, `_airbyte_extracted_at`, `_airbyte_meta`, `_airbyte_generation_id` columns, and may hand back a
JSON array or object as JSON text. Destinations therefore look fields up by name case-insensitively (an exact match
wins), ignore `_airbyte_*` metadata, and decode the JSON text of the fields they know to be structured.

`RecordFields(data)` is that view as a read-only mapping (nested objects and arrays of objects are views too);
`canonical_fields(data, names)` is a plain dict whose keys carry the given canonical names, for pydantic models.
`missing_fields(record, names)` names the needed fields a record lacks (absent or null): a destination rejects such
a record with `missing_field` instead of writing a blank where the value was lost on the way.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

AIRBYTE_META_PREFIX = "_airbyte_"
MISSING_FIELD = "missing_field"


def is_airbyte_meta(name: str) -> bool:
    """`_airbyte_raw_id`, `_AIRBYTE_META`, ...: columns a client adds, never part of the record."""
    return name.casefold().startswith(AIRBYTE_META_PREFIX)


def decode_json_text(value: Any) -> Any:
    """A JSON array or object given as text (`'[{"amount": "10.00"}]'`) as the value it encodes; anything else
    unchanged. Decimal numbers inside stay exact: they are parsed as `Decimal` text, never through a float."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text or text[0] not in "[{":
        return value
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return value


class RecordFields(Mapping[str, Any]):
    """A record looked up by field name case-insensitively (an exact match wins), `_airbyte_*` columns hidden, and
    the values of `structured` fields decoded from JSON text. Nested objects (also inside arrays) are views too."""

    __slots__ = ("_data", "_folded", "_structured")

    def __init__(self, data: Mapping[str, Any], structured: Collection[str] = ()) -> None:
        self._data = {key: value for key, value in data.items() if not is_airbyte_meta(str(key))}
        self._folded: dict[str, str] = {}
        for key in self._data:
            self._folded.setdefault(str(key).casefold(), key)
        self._structured = frozenset(name.casefold() for name in structured)

    def key_of(self, name: str) -> str | None:
        """The record's own spelling of field `name`, or None when it has no such field."""
        if name in self._data:
            return name
        return self._folded.get(name.casefold())

    def __getitem__(self, name: str) -> Any:
        key = self.key_of(name)
        if key is None:
            raise KeyError(name)
        return self._view(name, self._data[key])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.key_of(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def items_as_given(self) -> Iterator[tuple[str, Any]]:
        """The fields (metadata left out) under the record's own names, values as they came."""
        return iter(self._data.items())

    def _view(self, name: str, value: Any) -> Any:
        if name.casefold() in self._structured:
            value = decode_json_text(value)
        if isinstance(value, Mapping):
            return RecordFields(value, self._structured)
        if isinstance(value, list):
            return [RecordFields(item, self._structured) if isinstance(item, Mapping) else item for item in value]
        return value


def canonical_fields(data: Any, names: Iterable[str], structured: Collection[str] = ()) -> Any:
    """A plain dict of `data` whose fields matching one of `names` case-insensitively are keyed by that name (an
    exact match wins over another spelling), `_airbyte_*` columns dropped, `structured` fields decoded from JSON
    text. Other fields are kept as they came. Anything that is not a mapping is returned unchanged (for the model
    to reject)."""
    if not isinstance(data, Mapping):
        return data
    view = RecordFields(data, structured)
    result = dict(view.items_as_given())
    for name in names:
        key = view.key_of(name)
        if key is None:
            continue
        value = result.pop(key)
        result[name] = decode_json_text(value) if name.casefold() in view._structured else value
    return result


def missing_fields(record: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The fields of `names` that `record` lacks or holds as null. An empty string is a value (a source's own
    blank); a missing or null field means the value was lost on the way, and must not be written as a blank."""
    view = record if isinstance(record, RecordFields) else RecordFields(record)
    return [name for name in names if view.get(name) is None]
