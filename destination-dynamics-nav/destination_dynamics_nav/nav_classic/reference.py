"""NAV's master data read through page web services, into the same `ReferenceData` the API mode validates against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from destination_dynamics_nav.nav_classic.lines import GlobalDimensions
from destination_dynamics_nav.nav_classic.pages import PageClient, account_entity, vendor_entity
from destination_dynamics_nav.reference_data import ReferenceData, code_key


@dataclass
class ClassicReference:
    reference: ReferenceData
    dimensions: GlobalDimensions
    lcy_code: str | None  # General Ledger Setup LCY_Code; None when page 118 is not published or it is blank
    blocked_values: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (dimension, value)


def read_setup(client: PageClient) -> Mapping[str, Any] | None:
    """General Ledger Setup (page 118) has a single record."""
    for row in client.read("general_ledger_setup"):
        return row
    return None


def read_classic_reference(client: PageClient, *, with_setup: bool = True) -> ClassicReference:
    vendors = [vendor_entity(card) for card in client.read("vendors")]
    accounts = [account_entity(row) for row in client.read("gl_accounts")]
    dimensions = [{"id": code_key(str(d["Code"])), "code": d["Code"]} for d in client.read("dimensions")]
    values: list[dict[str, Any]] = []
    blocked: set[tuple[str, str]] = set()
    for row in client.read("dimension_values"):
        dimension, code = code_key(str(row.get("Dimension_Code") or "")), code_key(str(row.get("Code") or ""))
        # BaseApp DimensionManagement.Codeunit.al CheckDimValue: only Standard values can be posted to; a blocked
        # value is refused at posting ("Dimension Value ... is blocked").
        value_type = str(row.get("Dimension_Value_Type") or "Standard").strip()
        if value_type and value_type.casefold() != "standard":
            continue
        if row.get("Blocked"):
            blocked.add((dimension, code))
        values.append({"dimensionId": dimension, "code": code})
    reference = ReferenceData.build(vendors=vendors, accounts=accounts, dimensions=dimensions, dimension_values=values)
    setup = read_setup(client) if with_setup else None
    lcy = code_key(str(setup.get("LCY_Code") or "")) if setup else ""
    return ClassicReference(
        reference=reference,
        dimensions=GlobalDimensions.from_setup(setup) if setup else GlobalDimensions(),
        lcy_code=lcy or None,
        blocked_values=frozenset(blocked),
    )
