"""The Stampli import files: their columns, in a stable documented order, and how a NAV record fills them.

Records come from source-dynamics-nav and keep Business Central's field names (`number`, `displayName`, ...).
Vendors and G/L accounts use the columns of Stampli's own vendor and G/L account exports (the reference headers of
source-stampli-sftp), so Stampli reads its import like its export and this destination can compare the two.
Dimensions and dimension values have no Stampli export; their columns are documented in the README.

Changing a column order is a breaking change for whoever set up the import in Stampli: add columns at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from stampli_files.declarations import GL_ACCOUNTS as STAMPLI_GL_ACCOUNTS
from stampli_files.declarations import VENDORS as STAMPLI_VENDORS
from stampli_files.declarations import StreamDeclaration
from stampli_nav_events.record_fields import MISSING_FIELD, RecordFields, missing_fields
from stampli_nav_rules import GL_ACCOUNT_NAME_LENGTH, nav_length

Cells = dict[str, str]  # header -> cell text ("" when empty)
Comparison = Literal["text", "status", "yes_no", "ignore"]

# Fields that arrive as JSON arrays, or as JSON text from a client that stores them as text (PyAirbyte's cache).
STRUCTURED_FIELDS = ("lines",)
YES, NO = "Yes", "No"


class RowError(ValueError):
    """A record that cannot become an import row; the message starts with a named reason code."""


@dataclass(frozen=True)
class Column:
    header: str
    stampli_field: str | None = None  # the field of Stampli's export record (stampli_files) it compares with
    comparison: Comparison = "text"
    nav_length: int | None = None  # NAV's field length: Stampli's longer text is truncated on its way to NAV
    key: bool = False


@dataclass(frozen=True)
class ImportFormat:
    stream: str
    columns: tuple[Column, ...]
    to_cells: Callable[[Mapping[str, Any]], Cells]
    stampli_export: StreamDeclaration | None = None
    # Documents (purchase orders, receipts) give one row per line: every row of one record (default: one row).
    to_rows: Callable[[Mapping[str, Any]], list[Cells]] | None = None
    # Fields Business Central always sends (text as "" when blank) that fill a column: a record lacking one (absent
    # or null: lost on the way, e.g. by a client's cache) is rejected, never written with a blank in its place.
    needed: tuple[str, ...] = ()

    def rows(self, record: Mapping[str, Any]) -> list[Cells]:
        """The import rows of one record (read as stampli_nav_events.record_fields tolerates records). Raises
        `RowError`: the key's own reason (`missing_number`, ...) first, then `missing_field` naming each needed
        field the record lacks."""
        record = record if isinstance(record, RecordFields) else RecordFields(record, STRUCTURED_FIELDS)
        rows = self.to_rows(record) if self.to_rows is not None else [self.to_cells(record)]
        missing = missing_fields(record, self.needed)
        if missing:
            raise RowError(
                f"{MISSING_FIELD}: {', '.join(missing)}: the {self.stream} record arrived without "
                f"{'this field' if len(missing) == 1 else 'these fields'} (absent or null), so its row is not "
                "written: a blank would overwrite what Stampli has"
            )
        return rows

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def key_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.key)

    def key(self, cells: Mapping[str, str]) -> str:
        """The identity of a row across NAV and Stampli: key cells, trimmed and case-folded (NAV codes are
        upper-case, Stampli may keep the case it was typed in)."""
        return "\x1f".join(cells.get(column.header, "").strip().casefold() for column in self.key_columns)

    def display_key(self, cells: Mapping[str, str]) -> str:
        return "/".join(cells.get(column.header, "").strip() for column in self.key_columns)

    def cells_from_stampli(self, record: Mapping[str, Any]) -> Cells:
        """A Stampli export record (stampli_files shape, snake_case) as cells of this format."""
        cells: Cells = {}
        for column in self.columns:
            value = record.get(column.stampli_field) if column.stampli_field else None
            cells[column.header] = _text(value)
        return cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    return str(value).strip()


def _required(record: Mapping[str, Any], field: str, what: str) -> str:
    value = _text(record.get(field))
    if not value:
        raise RowError(f"missing_{field}: the {what} has no {field}")
    return value


def _date(value: Any) -> str:
    """`2026-11-25T10:00:00.123Z` -> `2026-11-25` (Stampli's Modified Date is a calendar date)."""
    text = _text(value)
    return text[:10] if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-" else text


_ENUM_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _enum_text(value: Any) -> str:
    """A BC enum value as its plain caption. source-dynamics-nav emits captions already (bc_client decodes); a
    record carrying BC's wire form ("_x0020_", "Begin_x002D_Total") from an older source is decoded here, so Stampli
    never receives "_x0020_" and an encoding difference is never a change."""
    return _text(_ENUM_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value) if isinstance(value, str) else value)


def vendor_status(blocked: Any) -> str:
    """NAV `blocked`: "All" stops everything -> Inactive; " " and "Payment" (a payment hold, invoices still
    allowed; not Stampli's to manage) -> Active."""
    return "Inactive" if _enum_text(blocked).casefold() == "all" else "Active"


def _vendor_cells(record: Mapping[str, Any]) -> Cells:
    currency = _text(record.get("currencyCode")) or _text(record.get("localCurrencyCode"))
    return {
        "Vendor ID": _required(record, "number", "vendor"),
        "Vendor Name": _text(record.get("displayName")),
        "Address Line 1": _text(record.get("addressLine1")),
        "Address Line 2": _text(record.get("addressLine2")),
        "City": _text(record.get("city")),
        "State": _text(record.get("state")),
        "Postal Code": _text(record.get("postalCode")),
        "Country": _text(record.get("country")),
        "Email": _text(record.get("email")),
        "Phone": _text(record.get("phoneNumber")),
        "Tax ID": _text(record.get("taxRegistrationNumber")),
        "Currency": currency,
        "Payment Terms": _text(record.get("paymentTermsCode")),
        "Status": vendor_status(record.get("blocked")),
        "Modified Date": _date(record.get("lastModifiedDateTime")),
    }


def gl_account_active(record: Mapping[str, Any]) -> bool:
    """Open for coding in Stampli only if NAV accepts direct postings to it: a Posting account, not blocked,
    direct posting allowed (anything else would be rejected when the invoice is posted)."""
    return (
        _enum_text(record.get("accountType")).casefold() == "posting"
        and flag(record.get("blocked")) is not True
        and flag(record.get("directPosting")) is True
    )


def flag(value: Any) -> bool | None:
    """A boolean as JSON has it, or as a client's cache may hand it back ("true", "False", 1, 0)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().casefold()
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def _gl_account_cells(record: Mapping[str, Any]) -> Cells:
    return {
        "Account Number": _required(record, "number", "G/L account"),
        "Account Name": _text(record.get("displayName")),
        "Account Type": _enum_text(record.get("category")),
        "Active": YES if gl_account_active(record) else NO,
    }


def _dimension_cells(record: Mapping[str, Any]) -> Cells:
    return {
        "Dimension Code": _required(record, "code", "dimension"),
        "Dimension Name": _text(record.get("displayName")),
    }


def _dimension_value_cells(record: Mapping[str, Any]) -> Cells:
    if not _text(record.get("dimensionCode")):
        raise RowError(
            "missing_dimensionCode: the dimension value has no dimension code (its dimension could not be read "
            "from Business Central)"
        )
    return {
        "Dimension Code": _text(record.get("dimensionCode")),
        "Value Code": _required(record, "code", "dimension value"),
        "Value Name": _text(record.get("displayName")),
    }


VENDORS = ImportFormat(
    stream="vendors",
    columns=(
        Column("Vendor ID", "vendor_id", key=True),
        Column("Vendor Name", "vendor_name", nav_length=nav_length("vendor_name")),
        Column("Address Line 1", "address_line_1", nav_length=nav_length("address_line_1")),
        Column("Address Line 2", "address_line_2", nav_length=nav_length("address_line_2")),
        Column("City", "city", nav_length=nav_length("city")),
        Column("State", "state", nav_length=nav_length("state")),
        Column("Postal Code", "postal_code", nav_length=nav_length("postal_code")),
        Column("Country", "country", nav_length=nav_length("country")),
        Column("Email", "email", nav_length=nav_length("email")),
        Column("Phone", "phone", nav_length=nav_length("phone")),
        Column("Tax ID", "tax_id", nav_length=nav_length("tax_id")),
        Column("Currency", "currency"),
        Column("Payment Terms", "payment_terms"),
        Column("Status", "status", comparison="status"),
        # Stampli's own modification stamp: never a reason to send a row (source-stampli-sftp ignores it too).
        Column("Modified Date", "modified_date", comparison="ignore"),
    ),
    to_cells=_vendor_cells,
    stampli_export=STAMPLI_VENDORS,
    needed=(
        "displayName",
        "addressLine1",
        "addressLine2",
        "city",
        "state",
        "postalCode",
        "country",
        "email",
        "phoneNumber",
        "taxRegistrationNumber",
        "currencyCode",
        "blocked",
    ),
)

GL_ACCOUNTS = ImportFormat(
    stream="gl_accounts",
    columns=(
        Column("Account Number", "account_number", key=True),
        Column("Account Name", "account_name", nav_length=GL_ACCOUNT_NAME_LENGTH),
        Column("Account Type", "account_type"),
        Column("Active", "active", comparison="yes_no"),
    ),
    to_cells=_gl_account_cells,
    stampli_export=STAMPLI_GL_ACCOUNTS,
    needed=("displayName", "category", "accountType", "blocked", "directPosting"),
)

DIMENSIONS = ImportFormat(
    stream="dimensions",
    columns=(Column("Dimension Code", key=True), Column("Dimension Name")),
    to_cells=_dimension_cells,
    needed=("displayName",),
)

DIMENSION_VALUES = ImportFormat(
    stream="dimension_values",
    columns=(Column("Dimension Code", key=True), Column("Value Code", key=True), Column("Value Name")),
    to_cells=_dimension_value_cells,
    needed=("displayName",),
)

FORMATS: dict[str, ImportFormat] = {f.stream: f for f in (VENDORS, GL_ACCOUNTS, DIMENSIONS, DIMENSION_VALUES)}
