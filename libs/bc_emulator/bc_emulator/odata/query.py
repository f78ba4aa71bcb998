"""OData system query options ($select, $expand, $orderby, $top, $skip, $count, $skiptoken) and paging tokens."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from bc_emulator import errors, jsonio


@dataclass
class ExpandItem:
    name: str
    options: QueryOptions


@dataclass
class QueryOptions:
    filter: str | None = None
    select: list[str] | None = None
    expand: list[ExpandItem] = field(default_factory=list)
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    top: int | None = None
    skip: int | None = None
    count: bool = False
    skiptoken: str | None = None


def parse_options(params: list[tuple[str, str]]) -> QueryOptions:
    """Build QueryOptions from decoded query parameters; unknown `$` options are errors like in BC."""
    options = QueryOptions()
    for name, value in params:
        if not name.startswith("$"):
            continue  # company=, tenant=, ... are handled by the router
        _apply(options, name, value)
    return options


def _apply(options: QueryOptions, name: str, value: str) -> None:
    match name:
        case "$filter":
            options.filter = value
        case "$select":
            options.select = [s.strip() for s in split_top_level(value, ",") if s.strip()]
        case "$expand":
            options.expand = [_expand_item(item) for item in split_top_level(value, ",") if item.strip()]
        case "$orderby":
            options.orderby = [_order_item(item) for item in split_top_level(value, ",") if item.strip()]
        case "$top":
            options.top = _non_negative(name, value)
        case "$skip":
            options.skip = _non_negative(name, value)
        case "$count":
            if value not in ("true", "false"):
                raise errors.query_syntax(f"'{value}' is not a valid value for $count.")
            options.count = value == "true"
        case "$skiptoken":
            options.skiptoken = value
        case "$format" | "$schemaversion":
            pass
        case _:
            raise errors.query_syntax(f"The query parameter '{name}' is not supported.")


def _non_negative(name: str, value: str) -> int:
    if not value.isdigit():
        raise errors.query_syntax(f"Invalid value '{value}' for {name} query option found.")
    return int(value)


def _order_item(text: str) -> tuple[str, bool]:
    parts = text.split()
    if len(parts) == 1:
        return parts[0], False
    if len(parts) == 2 and parts[1] in ("asc", "desc"):
        return parts[0], parts[1] == "desc"
    raise errors.query_syntax(f"Invalid $orderby item '{text}'.")


def _expand_item(text: str) -> ExpandItem:
    text = text.strip()
    if "(" not in text:
        return ExpandItem(text, QueryOptions())
    if not text.endswith(")"):
        raise errors.query_syntax(f"Invalid $expand item '{text}'.")
    name, inner = text.split("(", 1)
    nested = QueryOptions()
    for part in split_top_level(inner[:-1], ";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise errors.query_syntax(f"Invalid nested option '{part}'.")
        key, value = part.split("=", 1)
        _apply(nested, key.strip(), value.strip())
    return ExpandItem(name.strip(), nested)


def split_top_level(text: str, separator: str) -> list[str]:
    """Split on `separator` outside parentheses and single-quoted strings."""
    if "'" not in text and ("(" not in text or separator == "/"):
        return text.split(separator)  # fast path: keys in parentheses are GUIDs, which hold no "/"
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


@dataclass(frozen=True)
class PageToken:
    """Where the next page starts, as BC's skip tokens say it: the sort key of the last row served.

    `position` holds the last row's values for every sort field (the $orderby fields, then the entity's default
    order, then its id), so the next page resumes strictly after that place in the order. A row changed or
    deleted mid-read cannot shift the pages the way an offset would (a row moving from behind the cursor to
    ahead of it can show up twice, which BC also does). `order` is the $orderby the token was made for.
    """

    position: tuple[Any, ...]
    order: tuple[tuple[str, bool], ...]
    page_size: int
    remaining_top: int | None

    def encode(self) -> str:
        raw = jsonio.dumps(
            {
                "k": list(self.position),
                "o": [list(item) for item in self.order],
                "p": self.page_size,
                "t": self.remaining_top,
            }
        )
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> PageToken:
        try:
            raw: dict[str, Any] = jsonio.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            order = tuple((str(name), bool(descending)) for name, descending in raw["o"])
            remaining = raw["t"]
            if not isinstance(raw["k"], list) or not (remaining is None or isinstance(remaining, int)):
                raise TypeError("malformed skip token")
            return cls(tuple(raw["k"]), order, int(raw["p"]), remaining)
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise errors.query_syntax("The skip token is not valid.") from None
