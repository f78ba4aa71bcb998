"""Default dimensions: what BC copies onto a new document line, and the value posting rules it enforces.

Follows BaseApp DimensionManagement.Codeunit.al: GetDefaultDimID (defaults of each source with a value, the
source with the better Default Dimension Priority winning a dimension both have, an inherited set kept unless a
default outranks it) and CheckDimValuePosting (Code Mandatory / Same Code / No Code against a dimension set).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bc_emulator.store import CompanyData

# BaseApp: Database::"G/L Account" = 15, Database::Vendor = 23 (the Default Dimension table's "Table ID").
TABLE_IDS = {"G/L Account": 15, "Vendor": 23}
TABLE_CAPTIONS = {table_id: caption for caption, table_id in TABLE_IDS.items()}

Source = tuple[str, str]  # (table caption, number), e.g. ("Vendor", "V10000")


def defaults_of(company: CompanyData, table: str, number: str) -> list[dict[str, Any]]:
    if table not in TABLE_IDS or not number:
        return []
    return company.table("defaultDimensions").find(("tableId", "number"), TABLE_IDS[table], number)


def _priority(company: CompanyData, source_code: str, table: str) -> int | None:
    """Default Dimension Priority (Source Code, Table ID) from the setup; None when not defined."""
    value = company.setup.get("defaultDimensionPriorities", {}).get(source_code, {}).get(table)
    return int(value) if value is not None else None


def default_dimension_set(
    company: CompanyData,
    sources: Sequence[Source],
    source_code: str,
    inherited: dict[str, str] | None = None,
    inherited_table: str = "",
) -> dict[str, str]:
    """DimensionManagement.GetDefaultDimID: the dimension set a new line starts with."""
    chosen: dict[str, tuple[str, str]] = {}  # dimension code -> (owning table, value code)
    for code, value in (inherited or {}).items():
        chosen[code] = (inherited_table, value)  # InsertTempDimBufEntry(TempDimBuf, InheritFromTableNo, ...)
    for table, number in sources:
        for default in defaults_of(company, table, number):
            value = default["dimensionValueCode"]
            if not value:
                continue  # only defaults with a Dimension Value Code are copied
            code = default["dimensionCode"]
            if code not in chosen:
                chosen[code] = (table, value)
                continue
            # Both have it: the new default replaces the kept one only if its priority is defined and better
            # (lower), or defined while the kept one's is not.
            mine = _priority(company, source_code, table)
            theirs = _priority(company, source_code, chosen[code][0])
            if mine is not None and (theirs is None or mine < theirs):
                chosen[code] = (table, value)
    return {code: value for code, (_, value) in sorted(chosen.items())}


def value_posting_error(company: CompanyData, sources: Sequence[Source], dimension_set: dict[str, str]) -> str | None:
    """DimensionManagement.CheckDimValuePosting: BC's message for the first default whose rule the set breaks."""
    for table, number in sources:
        for default in sorted(defaults_of(company, table, number), key=lambda d: d["dimensionCode"]):
            message = _rule_error(default, table, number, dimension_set.get(default["dimensionCode"]))
            if message is not None:
                return message
    return None


def _rule_error(default: dict[str, Any], table: str, number: str, actual: str | None) -> str | None:
    code, required, rule = default["dimensionCode"], default["dimensionValueCode"], default["postingValidation"]
    if rule == "Code Mandatory" and not actual:
        # Text005 'Select a %1 for the %2 %3 for %4 %5.'
        return f"Select a Dimension Value Code for the Dimension Code {code} for {table} {number}."
    if rule == "Same Code":
        if required:
            if actual is None:
                # SameCodeMissingDim02Err 'The %1 %2 with %3 %4 is required for %5 %6.'
                return (
                    f"The Dimension Code {code} with Dimension Value Code {required} is required for {table} {number}."
                )
            if actual != required:
                # SameCodeWrongDimOrNoCode02Err 'The %1 must be %2 for %3 %4 for %5 %6. Currently it''s %7.'
                return (
                    f"The Dimension Value Code must be {required} for Dimension Code {code} for {table} {number}. "
                    f"Currently it's {actual}."
                )
        elif actual is not None:
            # Text009 '%1 %2 must be blank for %3 %4.'
            return f"Dimension Code {code} must be blank for {table} {number}."
    if rule == "No Code" and actual is not None:
        # SameCodeWrongDimOrNoCode02Err with BlankValueLbl 'blank'
        return (
            f"The Dimension Value Code must be blank for Dimension Code {code} for {table} {number}. "
            f"Currently it's {actual}."
        )
    return None
