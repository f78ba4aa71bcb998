"""OData `$filter` as Business Central understands it.

Supported: eq ne gt ge lt le, and, or, not, parentheses, startswith/endswith/contains; string literals in single
quotes ('' escapes a quote), dates and datetimes unquoted, GUIDs unquoted, numbers, true/false, null.
Like BC (which turns a filter into per-field AL filters), `or` may only combine conditions on one field:
"The 'OR' operator is not supported on distinct fields on an OData filter."
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bc_emulator import errors
from bc_emulator.clock import format_datetime, parse_datetime
from bc_emulator.enum_names import encode_name
from bc_emulator.fields import EntitySchema, FieldSpec, Kind

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
    """,
    re.VERBOSE,
)

_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith", "contains"}

Row = Mapping[str, Any]


@dataclass(frozen=True)
class OneOf:
    """The value of an equality that any of several values satisfies (`f eq a or f eq b ...`): an index can
    answer it with one lookup per value instead of a scan."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Bound:
    """The value of a `field gt|ge|lt|le value` condition that must hold: a sorted index answers it with a slice."""

    op: str
    value: Any


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


class FilterExpr:
    """A parsed, schema-bound filter: call `matches(row)`."""

    def matches(self, row: Row) -> bool:
        raise NotImplementedError

    def fields(self) -> set[str]:
        raise NotImplementedError

    def equalities(self) -> list[tuple[str, Any]]:
        """`field eq value` conditions that must all hold (top-level AND): usable to pick an index. The value is
        a OneOf for an OR of equalities on one field."""
        return []

    def bounds(self) -> list[tuple[str, Bound]]:
        """`field gt|ge|lt|le value` conditions that must all hold (top-level AND): usable on a sorted index."""
        return []


@dataclass(frozen=True)
class _Compare(FilterExpr):
    field: str
    op: str
    value: Any

    def matches(self, row: Row) -> bool:
        actual = row[self.field]
        match self.op:
            case "eq":
                return actual == self.value
            case "ne":
                return actual != self.value
            case "gt":
                return actual > self.value
            case "ge":
                return actual >= self.value
            case "lt":
                return actual < self.value
            case _:
                return actual <= self.value

    def fields(self) -> set[str]:
        return {self.field}

    def equalities(self) -> list[tuple[str, Any]]:
        return [(self.field, self.value)] if self.op == "eq" else []

    def bounds(self) -> list[tuple[str, Bound]]:
        return [(self.field, Bound(self.op, self.value))] if self.op in ("gt", "ge", "lt", "le") else []


@dataclass(frozen=True)
class _Function(FilterExpr):
    name: str
    field: str
    value: str

    def matches(self, row: Row) -> bool:
        actual = row[self.field]
        if self.name == "startswith":
            return actual.startswith(self.value)
        if self.name == "endswith":
            return actual.endswith(self.value)
        return self.value in actual

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class _And(FilterExpr):
    parts: tuple[FilterExpr, ...]

    def matches(self, row: Row) -> bool:
        return all(p.matches(row) for p in self.parts)

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))

    def equalities(self) -> list[tuple[str, Any]]:
        return [eq for p in self.parts for eq in p.equalities()]

    def bounds(self) -> list[tuple[str, Bound]]:
        return [bound for p in self.parts for bound in p.bounds()]


@dataclass(frozen=True)
class _Or(FilterExpr):
    parts: tuple[FilterExpr, ...]

    def matches(self, row: Row) -> bool:
        return any(p.matches(row) for p in self.parts)

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))

    def equalities(self) -> list[tuple[str, Any]]:
        values: list[Any] = []
        for part in self.parts:
            found = part.equalities()
            if len(found) != 1:  # a part that is not a plain equality (or an AND of several): no index
                return []
            value = found[0][1]
            values.extend(value.values if isinstance(value, OneOf) else (value,))
        return [(next(iter(self.fields())), OneOf(tuple(values)))]


@dataclass(frozen=True)
class _Not(FilterExpr):
    part: FilterExpr

    def matches(self, row: Row) -> bool:
        return not self.part.matches(row)

    def fields(self) -> set[str]:
        return self.part.fields()


def parse_filter(text: str, schema: EntitySchema, lacks: frozenset[str] = frozenset()) -> FilterExpr:
    """Parse `text` against `schema` (less the fields in `lacks`, which the emulated release does not have),
    raising BC-shaped 400 errors for syntax and type problems."""
    tokens = _tokenize(text)
    parser = _Parser(tokens, schema, text, lacks)
    expr = parser.parse_or()
    if parser.peek() is not None:
        token = parser.peek()
        raise errors.query_syntax(f"Syntax error at position {token.position} in '{text}'.")
    return expr


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise errors.query_syntax(f"Syntax error at position {position} in '{text}'.")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], schema: EntitySchema, text: str, lacks: frozenset[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.schema = schema
        self.text = text
        self.lacks = lacks

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise errors.query_syntax(f"Expression expected at position {len(self.text)} in '{self.text}'.")
        self.index += 1
        return token

    def expect(self, kind: str) -> _Token:
        token = self.take()
        if token.kind != kind:
            raise errors.query_syntax(f"'{kind}' expected at position {token.position} in '{self.text}'.")
        return token

    def _keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "name" and token.text == word:
            self.index += 1
            return True
        return False

    def parse_or(self) -> FilterExpr:
        parts = [self.parse_and()]
        while self._keyword("or"):
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        expr = _Or(tuple(parts))
        if len(expr.fields()) > 1:
            raise errors.bad_request(
                "The 'OR' operator is not supported on distinct fields on an OData filter.", "BadRequest_NotSupported"
            )
        return expr

    def parse_and(self) -> FilterExpr:
        parts = [self.parse_unary()]
        while self._keyword("and"):
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else _And(tuple(parts))

    def parse_unary(self) -> FilterExpr:
        if self._keyword("not"):
            return _Not(self.parse_unary())
        token = self.peek()
        if token is not None and token.kind == "lparen":
            self.take()
            expr = self.parse_or()
            self.expect("rparen")
            return expr
        if token is not None and token.kind == "name" and token.text in _FUNCTIONS:
            return self.parse_function()
        return self.parse_comparison()

    def parse_function(self) -> FilterExpr:
        name = self.take().text
        self.expect("lparen")
        spec = self._field(self.expect("name"))
        self.expect("comma")
        literal = self.take()
        self.expect("rparen")
        if spec.kind not in (Kind.TEXT, Kind.CODE):
            raise errors.bad_request(f"The function '{name}' needs a string property, not '{spec.name}'.")
        value = _literal(literal, spec, self.text)
        return _Function(name, spec.name, value)

    def parse_comparison(self) -> FilterExpr:
        spec = self._field(self.expect("name"))
        op_token = self.take()
        if op_token.kind != "name" or op_token.text not in _COMPARISONS:
            raise errors.query_syntax(f"Comparison operator expected at position {op_token.position} in '{self.text}'.")
        value = _literal(self.take(), spec, self.text)
        return _Compare(spec.name, op_token.text, value)

    def _field(self, token: _Token) -> FieldSpec:
        spec = None if token.text in self.lacks else self.schema.by_name.get(token.text)
        if spec is None:
            raise errors.bad_request(
                f"Could not find a property named '{token.text}' on type 'Microsoft.NAV.{self.schema.entity_name}'.",
                "BadRequest_NotFound",
            )
        return spec


def _literal(token: _Token, spec: FieldSpec, text: str) -> Any:
    """Turn a literal token into the stored representation of `spec`'s values."""
    kind = token.kind
    if kind == "name" and token.text == "null":
        return spec.default()
    try:
        match spec.kind:
            case Kind.TEXT | Kind.CODE | Kind.OPTION:
                if kind != "string":
                    raise _mismatch(spec, token)
                value = token.text[1:-1].replace("''", "'")
                if spec.kind is Kind.CODE:
                    if spec.length is not None and len(value) > spec.length:
                        raise errors.ApiError(
                            400,
                            "Application_FilterErrorException",
                            f"The filter \"'{value}'\" is not valid for the {spec.name} field. The length of the "
                            f"string is {len(value)}, but it must be less than or equal to {spec.length} characters.",
                        )
                    return value.upper()
                if spec.kind is Kind.OPTION:
                    return _enum_literal(value, spec)
                return value
            case Kind.GUID:
                if kind == "guid":
                    return token.text.lower()
                if kind == "string":
                    return spec.coerce(token.text[1:-1], "filter")
                raise _mismatch(spec, token)
            case Kind.DECIMAL:
                if kind != "number":
                    raise _mismatch(spec, token)
                return Decimal(token.text.rstrip("mMdDfF"))
            case Kind.INT:
                if kind != "number" or not token.text.lstrip("-").rstrip("lL").isdigit():
                    raise _mismatch(spec, token)
                return int(token.text.rstrip("lL"))
            case Kind.BOOL:
                if kind != "name" or token.text not in ("true", "false"):
                    raise _mismatch(spec, token)
                return token.text == "true"
            case Kind.DATE:
                if kind != "date":
                    raise _mismatch(spec, token)
                return token.text
            case Kind.DATETIME:
                if kind == "date":
                    return format_datetime(parse_datetime(token.text + "T00:00:00Z"))
                if kind != "datetime":
                    raise _mismatch(spec, token)
                return format_datetime(parse_datetime(token.text))
    except (ValueError, InvalidOperation):
        raise _mismatch(spec, token) from None
    raise AssertionError(spec.kind)


def _enum_literal(value: str, spec: FieldSpec) -> str:
    """An enum literal names a member of the field's EnumType: its encoded name ('G_x002F_L_x0020_Account',
    '_x0020_'), matched as stored (the plain caption). Compared against the encoded name like BC's OData layer."""
    wanted = value.casefold()  # case-insensitive, as the emulator always compared options
    for option in spec.options:
        if encode_name(option).casefold() == wanted:
            return option
    # guess: a plain caption that is not a member name ('G/L Account', ' ') is refused like any string that names
    # no member of the EnumType; the text is ODL's "not a valid enumeration type constant" message.
    raise errors.bad_request(
        f"The string '{value}' is not a valid enumeration type constant for property '{spec.name}'.",
        "BadRequest_InvalidFilter",
    )


def _mismatch(spec: FieldSpec, token: _Token) -> errors.ApiError:
    edm = "Edm.String" if spec.kind in (Kind.CODE, Kind.OPTION) else spec.kind.value
    return errors.bad_request(
        f"A binary operator with incompatible types was detected. Found operand types '{edm}' and the literal "
        f"{token.text} for property '{spec.name}'."
    )
