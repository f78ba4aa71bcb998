"""Typed views of the records source-stampli-sftp emits (docs/internal-contracts.md §1).

Money arrives as decimal strings and is parsed to `Decimal`; a JSON float is accepted only through its shortest
decimal text (never through binary floating point). Dates are ISO calendar dates.

Records are read the way an Airbyte destination must tolerate them (stampli_nav_events.record_fields): field names
case-insensitively, `_airbyte_*` columns ignored, `lines` / `validation_errors` / `_stampli_source_rows` given as
JSON text decoded, dates given as timestamps (`2026-11-24T00:00:00`) or date objects read as their calendar date.
A field that is needed and lost on the way is absent here (None) and rejected by validation under its named reason
(`missing_invoice_number`, `missing_vendor`, `missing_line_amount`, `missing_vendor_name`, ...), never posted blank.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stampli_nav_events.record_fields import RecordFields, canonical_fields
from stampli_nav_rules import describe_validation_error as describe_error

# Fields that arrive as JSON arrays, or as JSON text from a client that stores them as text (PyAirbyte's cache).
STRUCTURED_FIELDS = ("lines", "validation_errors", "_stampli_source_rows")


def parse_money(value: object) -> Decimal | None:
    """`"1234.50"` → Decimal("1234.50"); None/"" → None; anything else that is not a finite number → ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a money amount must be a decimal string, not a boolean")
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text, e.g. 0.1 → "0.1"
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {str(value)[:40]!r}") from error
    if not amount.is_finite():
        raise ValueError("a money amount must be finite")
    return amount


@cache
def _wire_names(model: type[BaseModel]) -> tuple[str, ...]:
    """The names a model's fields travel under (the alias where it has one)."""
    return tuple(info.alias or name for name, info in model.model_fields.items())


def _tolerant(model: type[BaseModel], data: Any) -> Any:
    return canonical_fields(data, _wire_names(model), STRUCTURED_FIELDS)


def calendar_date(value: object) -> object:
    """A date given as a timestamp (a client's cache may widen DATE columns) as its calendar date as written:
    `2026-11-24T00:00:00+00:00` or a datetime → 2026-11-24. Other values are left for pydantic to parse."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 10 and text[10] in "T " and text[4:5] == "-" and text[7:8] == "-":
            return text[:10]
    return value


class _Record(BaseModel):
    # Sources add fields over time; unknown fields are kept (dimension_mapping may name any of them).
    model_config = ConfigDict(extra="allow", populate_by_name=True, str_strip_whitespace=True)

    source_file: str | None = Field(default=None, alias="_ab_source_file_url")
    source_rows: list[int] = Field(default_factory=list, alias="_stampli_source_rows")
    record_hash: str | None = Field(default=None, alias="_stampli_record_hash")

    @model_validator(mode="before")
    @classmethod
    def _tolerant_fields(cls, data: Any) -> Any:
        return _tolerant(cls, data)

    @field_validator("source_rows", mode="before")
    @classmethod
    def _rows(cls, value: object) -> object:
        return [] if value is None else value

    def field(self, name: str) -> Any:
        """A declared or extra field by its record name, case-insensitively (None when absent)."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return RecordFields(self.model_extra or {}).get(name)


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class InvoiceLine(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    line_number: int | None = None
    description: str | None = None
    gl_account: str | None = None
    amount: Decimal | None = None
    department: str | None = None
    location: str | None = None
    po_number: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _tolerant_fields(cls, data: Any) -> Any:
        return _tolerant(cls, data)

    @field_validator("amount", mode="before")
    @classmethod
    def _money(cls, value: object) -> object:
        return parse_money(value)

    @field_validator("description", "gl_account", "department", "location", "po_number", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("gl_account", mode="before")
    @classmethod
    def _account_text(cls, value: object) -> object:
        # Account numbers such as 6100 may arrive as JSON numbers from hand-written inputs.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def field(self, name: str) -> Any:
        if name in type(self).model_fields:
            return getattr(self, name)
        return RecordFields(self.model_extra or {}).get(name)


class StampliInvoice(_Record):
    invoice_id: str = Field(min_length=1)
    invoice_number: str | None = None
    vendor_id: str | None = None
    vendor_name: str | None = None
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None
    approved_date: dt.date | None = None
    currency: str | None = None
    invoice_total: Decimal | None = None
    status: str | None = None
    po_number: str | None = None
    lines: list[InvoiceLine] = Field(default_factory=list)
    lines_total: Decimal | None = None
    balanced: bool | None = None
    validation_errors: list[str] = Field(default_factory=list)

    @field_validator("invoice_total", "lines_total", mode="before")
    @classmethod
    def _money(cls, value: object) -> object:
        return parse_money(value)

    @field_validator(
        "invoice_number",
        "vendor_id",
        "vendor_name",
        "currency",
        "status",
        "po_number",
        "invoice_date",
        "due_date",
        "approved_date",
        mode="before",
    )
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("invoice_date", "due_date", "approved_date", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        return calendar_date(value)

    @field_validator("lines", "validation_errors", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return [] if value is None else value

    @field_validator("invoice_id", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        # Ids that look like numbers may arrive as JSON numbers from hand-written inputs.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class StampliVendor(_Record):
    vendor_id: str = Field(min_length=1)
    vendor_name: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    tax_id: str | None = None
    currency: str | None = None
    payment_terms: str | None = None
    status: str | None = None
    modified_date: str | None = None

    _blank = field_validator(
        "vendor_name",
        "address_line_1",
        "address_line_2",
        "city",
        "state",
        "postal_code",
        "country",
        "email",
        "phone",
        "tax_id",
        "currency",
        "payment_terms",
        "status",
        mode="before",
    )

    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("vendor_id", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class StampliGlAccount(_Record):
    account_number: str = Field(min_length=1)
    account_name: str | None = None
    account_type: str | None = None
    active: bool | None = None

    @field_validator("account_number", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def describe_validation_error(error: ValidationError) -> str:
    """Which fields are wrong and why — field names and reasons only, never the input values (the shared rule)."""
    return describe_error(error, root="record", limit=5)
