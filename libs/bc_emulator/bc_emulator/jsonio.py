"""JSON in and out with exact money: numbers parse to Decimal and Decimal serialises as a JSON number."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """Parse JSON; every non-integer number becomes a Decimal (never a float)."""
    return json.loads(data, parse_float=Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"cannot serialise {value} as JSON")
        # Fixed-point text (never 1E+2): BC writes money as plain JSON numbers.
        text = format(value, "f")
        return orjson.Fragment(text.encode())
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


def dumps(value: Any, *, indent: bool = False) -> bytes:
    """Serialise to UTF-8 JSON bytes; Decimal stays an exact JSON number."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(value, default=_default, option=option)
