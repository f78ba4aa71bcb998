"""NAV's OData V4 key syntax: `Vendor_Card('10000')`, `General_Ledger_Entries(1234)`,
`General_Journal(Journal_Template_Name='GENERAL',Journal_Batch_Name='STAMPLI',Line_No=10000)`.

A page's OData key is its source table's primary key, field names as NAV serves them. String values are quoted
with `'` doubled (OData V4 ABNF, `SQUOTE-in-string`); integers are bare. A single-field key may omit the field
name (NAV accepts both forms; `Vendor_Card('10000')` is what NAV itself writes in `@odata.id`), composite keys
always name each field. Values are percent-encoded for the URL path: a vendor number may contain `/`, `#`, `%`
or spaces, which would otherwise change the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from bc_client.odata import odata_literal

KeyValue = str | int


def _encoded(value: Any) -> str:
    # Only the quotes stay readable: a comma, '=' or ')' inside a value must not look like key syntax.
    return quote(key_literal(value), safe="'")


def key_literal(value: Any) -> str:
    """The OData literal of one key value, not yet URL-encoded (`'O''Brien'`, `10000`)."""
    if isinstance(value, bool):
        raise TypeError("a NAV key value is text or an integer, not a boolean")
    if isinstance(value, float):
        raise TypeError("a NAV key value is text or an integer, not a float")
    if isinstance(value, str | int | Decimal | date | datetime):
        return odata_literal(value)
    raise TypeError(f"no NAV key literal for {type(value).__name__}")


def key_predicate(key: Mapping[str, Any] | KeyValue) -> str:
    """`('10000')` or `(Name='x',Line_No=1)`, URL-encoded for a path segment."""
    if isinstance(key, Mapping):
        if not key:
            raise ValueError("a NAV key needs at least one field")
        parts = []
        for name, value in key.items():
            if not name or not name.replace("_", "a").isalnum():
                raise ValueError(f"{name!r} is not a NAV OData field name")
            parts.append(f"{name}={_encoded(value)}")
        return "(" + ",".join(parts) + ")"
    return "(" + _encoded(key) + ")"


def key_segment(service: str, key: Mapping[str, Any] | KeyValue) -> str:
    """`Service(Name='x',Line_No=1)`: the path segment addressing one entity of a published service.

    A one-field mapping is written with its field name too (`Vendor_Card(No='10000')`): unambiguous, and NAV
    accepts it; pass the bare value (`key_segment("Vendor_Card", "10000")`) for the short form."""
    return service + key_predicate(key)


def company_segment(company: str) -> str:
    """`Company('CRONUS%20USA%2C%20Inc.')`: NAV's company entity addressed by its Name."""
    return "Company" + key_predicate(company)
