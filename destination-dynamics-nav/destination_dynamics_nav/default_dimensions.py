"""NAV's default dimensions and how they combine with the mapped Stampli dimensions (pure functions).

Business Central copies the default dimensions of a document's vendor (and of each line's G/L account) onto a new
journal line or purchase invoice, and enforces their value posting rules when posting (DimensionManagement
CheckDimValuePosting): *Code Mandatory* needs a value, *Same Code* needs exactly the default's value (or none when
the default has none), *No Code* allows none. The API (APIV2 defaultDimensions) names the vendor a default belongs
to; a G/L account's defaults come back with a blank parentType and parentId (the Default Dimension Parent Type enum
has no G/L Account), so for accounts only the dimension codes they may pre-fill are known before writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from destination_dynamics_nav.mapping import DimensionAssignment, PostingDocument
from destination_dynamics_nav.outcomes import Problem
from destination_dynamics_nav.reference_data import code_key

CODE_MANDATORY = "Code Mandatory"
SAME_CODE = "Same Code"
NO_CODE = "No Code"
_ENCODED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def caption(value: Any) -> str:
    """An enum value as its caption: API v2.0 may send `Code_x0020_Mandatory` for `Code Mandatory`."""
    return _ENCODED.sub(lambda m: chr(int(m.group(1), 16)), str(value or "")).strip()


@dataclass(frozen=True)
class DefaultDimension:
    dimension: str  # dimension code, upper-case
    value: str  # default dimension value code; "" when none
    rule: str  # "", "Code Mandatory", "Same Code" or "No Code"

    def describe(self, owner: str) -> str:
        rule = self.rule or "no rule"
        value = f" {self.value}" if self.value else ""
        return f"{owner} default {self.dimension}{value} ({rule})"


@dataclass(frozen=True)
class DimensionDefaults:
    """Default dimensions read once per sync: by vendor number, plus those the API cannot attribute."""

    vendors: Mapping[str, tuple[DefaultDimension, ...]] = field(default_factory=dict)
    unattributed: tuple[DefaultDimension, ...] = ()

    def of_vendor(self, number: str) -> tuple[DefaultDimension, ...]:
        return self.vendors.get(code_key(number), ())

    @property
    def account_prefill_codes(self) -> frozenset[str]:
        """Dimensions a G/L account may pre-fill on a line (an unattributed default with a value)."""
        return frozenset(d.dimension for d in self.unattributed if d.value)

    @property
    def mandatory_unattributed(self) -> tuple[DefaultDimension, ...]:
        return tuple(d for d in self.unattributed if d.rule == CODE_MANDATORY)


def parse_default_dimensions(rows: Iterable[Mapping[str, Any]], vendor_numbers: Mapping[str, str]) -> DimensionDefaults:
    """From `GET defaultDimensions` (company level) and the vendors' id (lower-case) → number map."""
    vendors: dict[str, list[DefaultDimension]] = {}
    unattributed: list[DefaultDimension] = []
    for row in rows:
        default = DefaultDimension(
            dimension=code_key(str(row.get("dimensionCode") or "")),
            value=code_key(str(row.get("dimensionValueCode") or "")),
            rule=caption(row.get("postingValidation")),
        )
        parent_type = caption(row.get("parentType"))
        number = vendor_numbers.get(str(row.get("parentId") or "").lower())
        if parent_type == "Vendor" and number is not None:
            vendors.setdefault(code_key(number), []).append(default)
        elif not parent_type:
            unattributed.append(default)
        # customers', items' and employees' defaults never apply to a purchase posting
    return DimensionDefaults(
        vendors={number: tuple(sorted(ds, key=lambda d: d.dimension)) for number, ds in vendors.items()},
        unattributed=tuple(unattributed),
    )


@dataclass(frozen=True)
class DimensionPlan:
    """Where each dimension of a document goes so that BC's pre-filled dimensions are never inserted twice.

    `vendor_side`: inserted on the vendor journal line / the invoice header (dimensions the vendor's defaults
    require and BC does not pre-fill). `vendor_prefill`: what BC pre-fills there. Per line, `nested` dimensions go
    into the line's insert; `deferred` ones may be pre-filled by BC (a G/L account's or the header's default) and
    are set after the line exists (updated when BC's value differs, left alone when equal, inserted when absent).
    """

    vendor_side: tuple[DimensionAssignment, ...] = ()
    vendor_prefill: Mapping[str, str] = field(default_factory=dict)
    nested: tuple[tuple[DimensionAssignment, ...], ...] = ()
    deferred: tuple[tuple[DimensionAssignment, ...], ...] = ()

    @property
    def has_deferred(self) -> bool:
        return any(self.deferred)


def document_value(document: PostingDocument, dimension: str) -> str | None:
    """The Stampli value of a dimension for the whole document: the value every line that has it agrees on."""
    values = {a.value for line in document.lines for a in line.dimensions if a.code == dimension}
    return values.pop() if len(values) == 1 else None


def plan_dimensions(
    document: PostingDocument, defaults: DimensionDefaults, *, header_inherits: bool
) -> DimensionPlan | Problem:
    """Merge the vendor's default dimensions with the document's mapped ones, or say why BC would refuse it.

    Stampli's value wins where the rule allows it; a value that breaks *Same Code* or is given for *No Code*, and a
    *Code Mandatory* dimension without any value, are named rejects (nothing is written). `header_inherits`: the
    lines inherit the header's dimensions (purchase invoices), so a header dimension is pre-filled on every line.
    """
    vendor = document.vendor_number
    vendor_side: list[DimensionAssignment] = []
    prefill: dict[str, str] = {}
    for default in defaults.of_vendor(vendor):
        owner = f"NAV vendor {vendor}"
        given = sorted({a.value for line in document.lines for a in line.dimensions if a.code == default.dimension})
        if default.rule == NO_CODE and given:
            return Problem(
                "dimension_not_allowed",
                f"{owner} allows no {default.dimension} (No Code) but the invoice sets {', '.join(given)}",
            )
        if default.rule == SAME_CODE:
            wrong = [value for value in given if value != default.value]
            if wrong:
                required = default.value or "no value"
                return Problem(
                    "dimension_conflicts_default",
                    f"{owner} requires {default.dimension} {required} (Same Code) but the invoice sets "
                    f"{', '.join(wrong)}",
                )
        if default.value:
            prefill[default.dimension] = default.value  # BC copies every default that has a value
        elif default.rule == CODE_MANDATORY:
            value = document_value(document, default.dimension)
            if value is None:
                detail = "lines disagree on it" if given else "the invoice has none"
                return Problem(
                    "dimension_value_required",
                    f"{owner} requires a {default.dimension} value (Code Mandatory) and {detail}",
                )
            vendor_side.append(DimensionAssignment(default.dimension, value))
    contested = set(defaults.account_prefill_codes)
    if header_inherits:
        contested |= set(prefill) | {a.code for a in vendor_side}
    nested: list[tuple[DimensionAssignment, ...]] = []
    deferred: list[tuple[DimensionAssignment, ...]] = []
    for line in document.lines:
        nested.append(tuple(a for a in line.dimensions if a.code not in contested))
        deferred.append(tuple(a for a in line.dimensions if a.code in contested))
    return DimensionPlan(tuple(vendor_side), prefill, tuple(nested), tuple(deferred))


def code_mandatory_note(defaults: DimensionDefaults, mapped_dimensions: Iterable[str]) -> str:
    """`check`'s report of the Code Mandatory rules that posting will enforce on the mapped dimensions."""
    mapped = {code_key(code) for code in mapped_dimensions}
    vendors = sorted(
        f"{number} {d.dimension}" for number, ds in defaults.vendors.items() for d in ds if d.rule == CODE_MANDATORY
    )
    others = sorted({d.dimension for d in defaults.mandatory_unattributed})
    parts = []
    if vendors:
        parts.append("vendors " + ", ".join(vendors))
    if others:
        unmapped = [code for code in others if code not in mapped]
        parts.append(
            f"{len(defaults.mandatory_unattributed)} G/L account (or other) default(s) on "
            + ", ".join(others)
            + (
                f" ({', '.join(unmapped)} not in dimension_mapping: such invoices are refused at posting)"
                if unmapped
                else ""
            )
        )
    return ("Code Mandatory default dimensions: " + "; ".join(parts) + ".") if parts else ""
