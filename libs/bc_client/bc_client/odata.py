"""OData v4 literals and `$filter` building, the way Business Central parses them.

Strings are single-quoted with embedded quotes doubled; dates, datetimes, numbers, booleans and GUIDs are
unquoted. BC cannot `or` across different fields, so `any_of` only ever ORs one field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID

ODataValue = str | int | Decimal | bool | date | datetime | UUID | Enum | None


def odata_datetime(value: datetime) -> str:
    """`2026-01-01T10:00:00Z` (UTC, unquoted). Naive datetimes are refused: BC compares in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} in an OData filter: give it a time zone")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def odata_literal(value: ODataValue) -> str:
    """The OData literal for a Python value."""
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no OData literal")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("use Decimal, not float, for numbers in filters (money must stay exact)")
    if isinstance(value, datetime):  # before date: datetime is a date
        return odata_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"no OData literal for {type(value).__name__}")


def compare(field: str, operator: str, value: ODataValue) -> str:
    if operator not in ("eq", "ne", "gt", "ge", "lt", "le"):
        raise ValueError(f"unknown OData comparison operator {operator!r}")
    return f"{field} {operator} {odata_literal(value)}"


def eq(field: str, value: ODataValue) -> str:
    return compare(field, "eq", value)


def any_of(field: str, values: Iterable[ODataValue]) -> str:
    """`(f eq 'a' or f eq 'b')` — one field only, which BC supports (it refuses OR across fields)."""
    clauses = [eq(field, value) for value in values]
    if not clauses:
        raise ValueError(f"any_of({field!r}) needs at least one value")
    return clauses[0] if len(clauses) == 1 else "(" + " or ".join(clauses) + ")"


def all_of(*clauses: str | None) -> str:
    """AND the non-empty clauses together, parenthesising compound ones."""
    parts = [c if " or " not in c or c.startswith("(") else f"({c})" for c in clauses if c]
    if not parts:
        raise ValueError("all_of needs at least one clause")
    return " and ".join(parts)


def modified_since(watermark: datetime, *, field: str = "lastModifiedDateTime", inclusive: bool = False) -> str:
    """`lastModifiedDateTime gt <watermark>` for incremental reads.

    `inclusive=True` (ge) re-reads rows stamped exactly at the watermark: safer when several rows share a
    timestamp and the previous read stopped between them; de-duplicate by id afterwards.
    """
    return compare(field, "ge" if inclusive else "gt", watermark)


def key_segment(entity_set: str, key: str | UUID | int, *, string_key: bool = False) -> str:
    """`vendors(<guid>)` for GUID keys (unquoted, as BC wants); `subscriptions('<id>')` with `string_key=True`."""
    if string_key:
        return f"{entity_set}({odata_literal(str(key))})"
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{entity_set}({key})"
    try:
        guid = key if isinstance(key, UUID) else UUID(str(key))
    except ValueError:
        raise ValueError(f"{entity_set} key {key!r} is not a GUID (pass string_key=True for string keys)") from None
    return f"{entity_set}({guid})"
