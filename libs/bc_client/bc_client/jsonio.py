"""JSON for money: numbers are parsed as Decimal and Decimals are written as JSON numbers, never floats."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel

_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to Business Central: JSON has no NaN/Infinity")
        # Plain notation: BC's parser expects 1234.50, not 1.2345E+3.
        return orjson.Fragment(format(value, "f"))
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to send a naive datetime ({value.isoformat()}): give it a time zone")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, str):  # str subclasses (enums) pass through OPT_PASSTHROUGH_SUBCLASS
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def dumps(value: Any) -> bytes:
    """Serialise a request body; datetimes must be timezone-aware (BC stores UTC)."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        # orjson wraps our own explanation; surface it instead of "Type is not JSON serializable".
        cause = exc.__cause__
        raise (cause if isinstance(cause, ValueError) else exc) from None


def loads(data: bytes | str) -> Any:
    """Parse a response body with every non-integer number as Decimal (exact cents)."""
    return json.loads(data, parse_float=Decimal)
