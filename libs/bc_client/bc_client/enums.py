"""Enum values between the wire and the connectors: the one place they are decoded and encoded.

API v2.0 always uses OData schema version 2.0 (Microsoft Learn, "Transitioning from API v1.0 to API v2.0"), so
fields based on AL enums travel as EnumType member names, which cannot hold spaces or punctuation: every such
character is written `_xHHHH_` (blank `" "` -> `"_x0020_"`, `"G/L Account"` -> `"G_x002F_L_x0020_Account"`,
`"In Review"` -> `"In_x0020_Review"`, `"Begin-Total"` -> `"Begin_x002D_Total"`). The client decodes every entity
it returns (collections, single reads, create/update answers, `$batch` answers, `$expand`ed children) so the
connectors only ever see and compare plain captions, and encodes the enum fields of every body it sends, so BC
receives member names, which its `$metadata` defines as the only names of the values.

The enum fields are known by name (`ENUM_FIELDS`): every enum-typed property of the API v2.0 and
reportsFinance entities the connectors use. Only string values are touched (`accounts.blocked` is a Boolean).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Enum-typed properties of the entities the connectors read and write (APIV2 pages in microsoft/BCApps):
#   vendors.blocked; accounts.category, accounts.accountType; journalLines.accountType, .balanceAccountType;
#   purchaseInvoices.status; purchaseInvoiceLines.lineType; dimensionSetLines.parentType;
#   generalLedgerEntries.documentType; vendorLedgerEntries.documentType, .balancingAccountType.
ENUM_FIELDS: frozenset[str] = frozenset(
    {
        "blocked",
        "category",
        "accountType",
        "balanceAccountType",
        "balancingAccountType",
        "status",
        "lineType",
        "parentType",
        "documentType",
    }
)

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def decode_enum(value: str) -> str:
    """`"G_x002F_L_x0020_Account"` -> `"G/L Account"`; a plain caption comes back unchanged."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)


def encode_enum(value: str) -> str:
    """`"G/L Account"` -> `"G_x002F_L_x0020_Account"`, `" "` -> `"_x0020_"`.

    A value that already holds an escape is taken as encoded and sent as it is (no caption contains one), so
    a body built from a raw wire value does not get encoded twice."""
    if _ESCAPE.search(value):
        return value
    out: list[str] = []
    for index, char in enumerate(value):
        keep = char == "_" or (char.isalpha() if index == 0 else char.isalnum())
        out.append(char if keep else f"_x{ord(char):04X}_")
    return "".join(out)


def same_enum(left: str | None, right: str | None) -> bool:
    """Equal as enum values: encoding, surrounding blanks and case do not make a difference (" " == "_x0020_")."""
    if left is None or right is None:
        return left is right
    return decode_enum(left).strip().casefold() == decode_enum(right).strip().casefold()


def decode_entity(entity: Any) -> Any:
    """A response entity (dict) with its enum fields decoded, nested `$expand` arrays included."""
    if isinstance(entity, list):
        return [decode_entity(item) for item in entity]
    if not isinstance(entity, Mapping):
        return entity
    decoded: dict[str, Any] = {}
    for key, value in entity.items():
        if isinstance(value, str) and key in ENUM_FIELDS:
            decoded[key] = decode_enum(value)
        elif isinstance(value, list):
            decoded[key] = [decode_entity(item) if isinstance(item, Mapping) else item for item in value]
        else:
            decoded[key] = value
    return decoded


def encode_body(body: Any) -> Any:
    """A request body with its enum fields encoded, deep-insert arrays included."""
    if isinstance(body, list):
        return [encode_body(item) for item in body]
    if not isinstance(body, Mapping):
        return body
    encoded: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, str) and key in ENUM_FIELDS:
            encoded[key] = encode_enum(value)
        elif isinstance(value, list):
            encoded[key] = [encode_body(item) if isinstance(item, Mapping) else item for item in value]
        else:
            encoded[key] = value
    return encoded


def decode_payload(payload: Any) -> Any:
    """A response body: a collection (`{"value": [...]}`) or one entity, decoded."""
    if isinstance(payload, Mapping) and isinstance(payload.get("value"), list):
        return {**payload, "value": decode_entity(payload["value"])}
    return decode_entity(payload)
