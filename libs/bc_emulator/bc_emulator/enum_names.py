"""Enum and option values as API v2.0 puts them on the wire: OData enum member names, not captions.

API v2.0 always runs with OData schema version 2.0 (Microsoft Learn, "Transitioning from API v1.0 to API v2.0":
"API v2.0 schema version is always set to 2.0"), where fields based on AL enums/options are EnumTypes whose
member names must be identifiers: every character that cannot stand in one is written `_xHHHH_` (UTF-16 code
unit, 4 upper-case hex digits). Observed on real tenants: blank `" "` -> `"_x0020_"`, `"G/L Account"` ->
`"G_x002F_L_x0020_Account"`, `"Begin-Total"` -> `"Begin_x002D_Total"`, `"Charge (Item)"` ->
`"Charge_x0020__x0028_Item_x0029_"`; plain names such as `"Vendor"` travel unchanged.

The emulator stores plain captions (business rules compare those) and encodes only at the HTTP boundary.
"""

from __future__ import annotations

import functools
import re

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _is_identifier_char(char: str, first: bool) -> bool:
    if char == "_":
        return True
    if first:
        return char.isalpha()
    return char.isalnum()


@functools.lru_cache(maxsize=4096)  # captions are few and repeat on every serialised row
def encode_name(value: str) -> str:
    """The enum member name BC sends for a plain caption."""
    out: list[str] = []
    for index, char in enumerate(value):
        if char == "_" and _ESCAPE.match(value, index):
            # guess: an underscore that would read as the start of an escape is escaped itself (_x005F_), the
            # XmlConvert.EncodeName convention; no BC caption of the entities served here contains one.
            out.append("_x005F_")
        elif _is_identifier_char(char, index == 0):
            out.append(char)
        else:
            # guess for a leading digit (not an identifier start, so escaped like XmlConvert.EncodeName does);
            # every other escaped character is one observed on real tenants (space, '/', '-', '(', ')').
            out.append(f"_x{ord(char):04X}_")
    return "".join(out)


def decode_name(value: str) -> str:
    """The plain caption behind an enum member name (a plain caption comes back unchanged)."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
