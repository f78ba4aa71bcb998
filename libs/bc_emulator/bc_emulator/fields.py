"""Typed entity fields and BC's rules for values written to them (lengths, Code upper-casing, options)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from bc_emulator import errors
from bc_emulator.clock import format_datetime, parse_datetime
from bc_emulator.enum_names import decode_name, encode_name

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01"  # BC returns a blank Date as 0001-01-01
EMPTY_DATETIME = "0001-01-01T00:00:00Z"


class Kind(StrEnum):
    GUID = "Edm.Guid"
    CODE = "Code"  # Edm.String, upper-cased by BC
    TEXT = "Edm.String"
    DECIMAL = "Edm.Decimal"
    INT = "Edm.Int32"
    BOOL = "Edm.Boolean"
    DATE = "Edm.Date"
    DATETIME = "Edm.DateTimeOffset"
    OPTION = "Option"  # Edm.String restricted to a fixed list (BC enum)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    length: int | None = None
    read_only: bool = False
    options: tuple[str, ...] = ()

    def default(self) -> Any:
        match self.kind:
            case Kind.GUID:
                return EMPTY_GUID
            case Kind.CODE | Kind.TEXT:
                return ""
            case Kind.DECIMAL:
                return Decimal(0)
            case Kind.INT:
                return 0
            case Kind.BOOL:
                return False
            case Kind.DATE:
                return EMPTY_DATE
            case Kind.DATETIME:
                return EMPTY_DATETIME
            case Kind.OPTION:
                return self.options[0]

    def coerce(self, value: Any, entity: str) -> Any:
        """Validate and normalise a value sent by a client, raising BC's error for a bad one."""
        if value is None:
            raise errors.ApiError(
                400, "BadRequest_RequiredParamNotProvided", f"Field '{self.name}' must not be blank or empty."
            )
        match self.kind:
            case Kind.CODE | Kind.TEXT:
                if not isinstance(value, str):
                    raise _type_error(value, self.kind)
                text = value.upper() if self.kind is Kind.CODE else value
                if self.length is not None and len(text) > self.length:
                    raise errors.string_too_long(text, self.length)
                return text
            case Kind.GUID:
                return parse_guid(value)
            case Kind.DECIMAL:
                if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                    # IEEE754Compatible=false: money must be a JSON number, never a string or float text.
                    raise _type_error(value, self.kind)
                return Decimal(value)
            case Kind.INT:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise _type_error(value, self.kind)
                return value
            case Kind.BOOL:
                if not isinstance(value, bool):
                    raise _type_error(value, self.kind)
                return value
            case Kind.DATE:
                if not isinstance(value, str):
                    raise _type_error(value, self.kind)
                try:
                    if len(value) != 10:  # a datetime is not a date in OData
                        raise ValueError(value)
                    return date.fromisoformat(value).isoformat()
                except ValueError:
                    raise errors.bad_request("Unable to convert value to Date") from None
            case Kind.DATETIME:
                if not isinstance(value, str):
                    raise _type_error(value, self.kind)
                try:
                    return format_datetime(parse_datetime(value))
                except ValueError:
                    raise errors.bad_request("Unable to convert value to DateTime") from None
            case Kind.OPTION:
                if not isinstance(value, str):
                    raise _type_error(value, self.kind)
                # The enum member name ("G_x002F_L_x0020_Account") is what OData schema 2.0 defines; the plain
                # caption is accepted too (Microsoft Learn's "Create journalLines" example posts
                # "accountType": "G/L Account"). Stored as the plain caption.
                option = self.option_for(value)
                if option is not None:
                    return option
                raise errors.ApiError(
                    400,
                    "Application_EvaluateException",
                    f"'{value}' is not an option. The existing options are: "
                    f"{','.join(encode_name(o) for o in self.options)}",
                )
        raise AssertionError(self.kind)

    def option_for(self, value: str) -> str | None:
        """The stored option (plain caption) named by `value`, given as member name or caption."""
        for wanted in (decode_name(value).strip().casefold(), value.strip().casefold()):
            for option in self.options:
                if option.strip().casefold() == wanted:
                    return option
        return None

    def coerce_seed(self, value: Any, entity: str) -> Any:
        """Lenient conversion for seed files: same rules, but JSON floats/ints become Decimal silently."""
        if value is None:
            return self.default()
        if self.kind is Kind.DECIMAL and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return Decimal(str(value))
        if self.kind is Kind.DATETIME and isinstance(value, str):
            return format_datetime(parse_datetime(value))
        return self.coerce(value, entity)


def _type_error(value: Any, kind: Kind) -> errors.ApiError:
    edm = "Edm.String" if kind in (Kind.CODE, Kind.OPTION) else kind.value
    return errors.bad_request(f"Cannot convert the literal '{value}' to the expected type '{edm}'.")


def parse_guid(value: Any) -> str:
    if not isinstance(value, str):
        raise errors.ApiError(400, "Application_InvalidGUID", _GUID_FORMAT)
    try:
        return str(uuid.UUID(value.strip("{}")))
    except ValueError:
        raise errors.ApiError(400, "Application_InvalidGUID", _GUID_FORMAT) from None


_GUID_FORMAT = (
    "Invalid format of GUID string. The correct format of the GUID string is: "
    "CDEF7890-ABCD-0123-1234-567890ABCDEF where 0-9, A-F symbolizes hexadecimal digits."
)


def round_amount(value: Decimal) -> Decimal:
    """BC rounds amounts to the currency's amount rounding precision (0.01), half away from zero."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EntitySchema:
    """The API shape of one entity type: its fields, how BC orders it by default, what messages call it."""

    entity_name: str  # OData type name (Microsoft.NAV.<entity_name>)
    caption: str  # table caption used in BC messages ("Vendor", "G/L Account", ...)
    fields: tuple[FieldSpec, ...]
    default_order: tuple[str, ...] = ("id",)
    has_etag: bool = True
    by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    _blank: dict[str, Any] = field(init=False, repr=False, compare=False)
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    option_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "option_names", frozenset(f.name for f in self.fields if f.kind is Kind.OPTION))
        object.__setattr__(self, "_blank", {f.name: f.default() for f in self.fields})
        object.__setattr__(self, "_names", tuple(f.name for f in self.fields))

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def defaults(self) -> dict[str, Any]:
        """A fresh dict of every field's blank value (values are immutable, so a shallow copy suffices)."""
        return dict(self._blank)
