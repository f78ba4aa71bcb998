"""Parsing of cell values: amounts as Decimal, calendar dates as ISO strings, integers and booleans.

Every parser takes the raw text (None or blank means missing) and returns the typed value or None, or raises
`InvalidValueError` with a short reason. Nothing is ever parsed through float.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache


class InvalidValueError(ValueError):
    """A cell that should hold a typed value holds something else."""


def is_blank(raw: str | None) -> bool:
    return raw is None or not raw.strip()


# -- decimals -------------------------------------------------------------------------------------------------------

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$")
_CURRENCY_NOISE = re.compile(r"[\s$€£¥\u00a0']")


def parse_decimal(raw: str | None) -> Decimal | None:
    """'1234.50', '1,234.50', '$1,234.50', '(12.00)', '-12', '1.234,50', '12,5', 'USD 10' → Decimal."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    if text.isascii() and text.replace(".", "", 1).isdigit():  # the common case '1234.50', without the cleaning
        return Decimal(text)
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting negative
        negative, text = True, text[1:-1]
    text = _CURRENCY_NOISE.sub("", _CURRENCY_CODE.sub("", text))
    if text.endswith("-"):  # trailing minus, as some ERP exports write it
        negative, text = not negative, text[:-1]
    if text.startswith(("-", "+")):
        negative, text = negative ^ (text[0] == "-"), text[1:]
    text = _normalize_separators(text)
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", text):
        raise InvalidValueError(f"not an amount: {raw!r}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidValueError(f"not an amount: {raw!r}") from None
    return -value if negative else value


def _normalize_separators(text: str) -> str:
    """'1,234.50' / '1.234,50' / '12,5' / '1,234' → digits with at most one '.' as the decimal point."""
    if "," in text and "." in text:
        # whichever separator comes last is the decimal one
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        whole, _, fraction = text.rpartition(",")
        if text.count(",") == 1 and len(fraction) in (1, 2):
            return f"{whole}.{fraction}"  # decimal comma: "12,5", "1234,56"
        return text.replace(",", "")  # thousands: "1,234" or "1,234,567"
    return text


_CANONICAL_DECIMAL = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def decimal_text(raw: str | None) -> str | None:
    """An amount as the canonical decimal string of the contract ('1234.50'), or None when blank.

    Already-canonical cells (nearly all of them) are returned as they are, without a Decimal round trip;
    anything else goes through parse_decimal.
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    if _CANONICAL_DECIMAL.fullmatch(text):
        return text
    return format_decimal(parse_decimal(text))


def format_decimal(value: Decimal | None) -> str | None:
    """Plain notation, never exponent notation ('1E+2' → '100'), trailing zeros of the source kept."""
    if value is None:
        return None
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


# -- dates ----------------------------------------------------------------------------------------------------------

# US month-first before day-first for slashes: Stampli is a US product and exports in US format by default.
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y%m%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%d-%b-%y",
    "%m-%d-%Y",
)


@lru_cache(maxsize=8192)  # exports repeat the same few dates on every line
def parse_date(raw: str | None) -> str | None:
    """A calendar date in any of the common export formats → 'YYYY-MM-DD'. Times are dropped (dates only)."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    # ISO timestamps: '2026-11-25T10:00:00Z', '2026-11-25 10:00:00'
    if len(text) > 10 and text[4] == "-" and text[10] in "T ":
        try:
            return datetime.fromisoformat(text.replace(" ", "T", 1)).date().isoformat()
        except ValueError:
            pass
    candidate = text
    # 'MM/DD/YYYY HH:MM[:SS] [AM|PM]': keep the date part
    if " " in candidate and ":" in candidate:
        candidate = candidate.split(" ", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
        if _plausible(parsed):  # '1/2/26' is not year 26 under %Y: try the next format (%y)
            return parsed.isoformat()
    raise InvalidValueError(f"not a date: {raw!r}")


def _plausible(value: date) -> bool:
    return 1900 <= value.year <= 2200


# -- integers and booleans ------------------------------------------------------------------------------------------


def parse_int(raw: str | None) -> int | None:
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise InvalidValueError(f"not a whole number: {raw!r}") from None
    if value.is_finite() and value == value.to_integral_value():
        return int(value)  # '3.0' from spreadsheets
    raise InvalidValueError(f"not a whole number: {raw!r}")


_TRUE = frozenset({"true", "t", "yes", "y", "1", "active", "enabled", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "inactive", "disabled", "off", "blocked"})


def parse_bool(raw: str | None) -> bool | None:
    if raw is None:
        return None
    text = raw.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValueError(f"not a yes/no value: {raw!r}")


def parse_text(raw: str | None) -> str | None:
    """Trimmed text; blank → None."""
    if raw is None:
        return None
    text = raw.strip()
    return text or None
