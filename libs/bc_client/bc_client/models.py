"""Typed views of the API v2.0 entities the connectors use.

Attributes are snake_case; on the wire (validation and `to_bc()`) they are BC's camelCase names. Every field is
optional because `$select` may leave any of them out, and unknown fields are kept (`extra="allow"`) so that a
newer BC version adding fields breaks nothing. Money is Decimal; dates are `date`; timestamps are aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from bc_client.enums import ENUM_FIELDS, decode_enum, encode_body

VendorBlocked = Literal[" ", "Payment", "All"]


class BCEntity(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
    )

    etag: str | None = Field(default=None, alias="@odata.etag")

    @model_validator(mode="before")
    @classmethod
    def _decode_enums(cls, data: Any) -> Any:
        """Enum fields hold plain captions whatever was given: BC's member names ("_x0020_") are decoded."""
        if not isinstance(data, dict):
            return data
        return {
            key: decode_enum(value) if isinstance(value, str) and to_camel(key) in ENUM_FIELDS else value
            for key, value in data.items()
        }

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        # Entities have dozens of optional fields; a log line should show the ones that carry a value.
        return [(name, value) for name, value in super().__repr_args__() if value is not None]

    def to_bc(self) -> dict[str, Any]:
        """The fields that were set, under BC's names, ready for a POST/PATCH body (etag left out); enum fields
        as BC's member names."""
        return encode_body(self.model_dump(by_alias=True, exclude_unset=True, exclude={"etag"}))


class Company(BCEntity):
    id: UUID | None = None
    system_version: str | None = None
    name: str | None = None
    display_name: str | None = None
    business_profile_id: str | None = None
    system_created_at: datetime | None = None
    system_modified_at: datetime | None = None


class DimensionSetLine(BCEntity):
    id: UUID | None = None  # the dimension's id
    code: str | None = None
    consolidation_code: str | None = None
    parent_id: UUID | None = None
    parent_type: str | None = None
    display_name: str | None = None
    value_id: UUID | None = None
    value_code: str | None = None
    value_consolidation_code: str | None = None
    value_display_name: str | None = None


class Vendor(BCEntity):
    id: UUID | None = None
    number: str | None = None
    display_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    phone_number: str | None = None
    email: str | None = None
    website: str | None = None
    tax_registration_number: str | None = None
    currency_id: UUID | None = None
    currency_code: str | None = None
    irs1099_code: str | None = None
    payment_terms_id: UUID | None = None
    payment_method_id: UUID | None = None
    tax_liable: bool | None = None
    blocked: VendorBlocked | None = None
    balance: Decimal | None = None
    last_modified_date_time: datetime | None = None

    @field_validator("blocked", mode="before")
    @classmethod
    def _blank_is_space(cls, value: object) -> object:
        return " " if value == "" else value

    @property
    def is_blocked(self) -> bool:
        """Blocked for anything (Payment or All); `blocked == "All"` also stops invoices."""
        return self.blocked not in (None, " ")


class Account(BCEntity):
    """A G/L account (read-only in the API). Post only to accountType "Posting", not blocked, directPosting."""

    id: UUID | None = None
    number: str | None = None
    display_name: str | None = None
    category: str | None = None
    sub_category: str | None = None
    blocked: bool | None = None
    account_type: str | None = None
    direct_posting: bool | None = None
    net_change: Decimal | None = None
    consolidation_translation_method: str | None = None
    consolidation_debit_account: str | None = None
    consolidation_credit_account: str | None = None
    exclude_from_consolidation: bool | None = None
    last_modified_date_time: datetime | None = None

    @property
    def accepts_direct_posting(self) -> bool:
        return self.account_type == "Posting" and self.blocked is False and self.direct_posting is True


class DimensionValue(BCEntity):
    id: UUID | None = None
    code: str | None = None
    dimension_id: UUID | None = None
    display_name: str | None = None
    consolidation_code: str | None = None
    last_modified_date_time: datetime | None = None


class Dimension(BCEntity):
    id: UUID | None = None
    code: str | None = None
    display_name: str | None = None
    consolidation_code: str | None = None
    last_modified_date_time: datetime | None = None
    dimension_values: list[DimensionValue] | None = None  # with $expand=dimensionValues


class Journal(BCEntity):
    """A general journal batch (of the default General template unless filtered by templateDisplayName)."""

    id: UUID | None = None
    code: str | None = None
    display_name: str | None = None
    template_display_name: str | None = None
    last_modified_date_time: datetime | None = None
    balancing_account_id: UUID | None = None
    balancing_account_number: str | None = None


class JournalLine(BCEntity):
    """A general journal line. The API exposes no document type (it is always blank)."""

    id: UUID | None = None
    journal_id: UUID | None = None
    journal_display_name: str | None = None
    line_number: int | None = None
    account_type: str | None = None
    account_id: UUID | None = None
    account_number: str | None = None
    posting_date: date | None = None
    document_number: str | None = None
    external_document_number: str | None = None
    amount: Decimal | None = None
    description: str | None = None
    comment: str | None = None
    tax_code: str | None = None
    balance_account_type: str | None = None
    balancing_account_id: UUID | None = None
    balancing_account_number: str | None = None
    last_modified_date_time: datetime | None = None
    dimension_set_lines: list[DimensionSetLine] | None = None


class PurchaseInvoiceLine(BCEntity):
    id: UUID | None = None
    document_id: UUID | None = None
    sequence: int | None = None
    item_id: UUID | None = None
    account_id: UUID | None = None
    line_type: str | None = None
    line_object_number: str | None = None
    description: str | None = None
    description2: str | None = None
    unit_of_measure_id: UUID | None = None
    unit_of_measure_code: str | None = None
    unit_cost: Decimal | None = None
    quantity: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_percent: Decimal | None = None
    discount_applied_before_tax: bool | None = None
    amount_excluding_tax: Decimal | None = None
    tax_code: str | None = None
    tax_percent: Decimal | None = None
    total_tax_amount: Decimal | None = None
    amount_including_tax: Decimal | None = None
    invoice_discount_allocation: Decimal | None = None
    net_amount: Decimal | None = None
    net_tax_amount: Decimal | None = None
    net_amount_including_tax: Decimal | None = None
    expected_receipt_date: date | None = None
    dimension_set_lines: list[DimensionSetLine] | None = None


class PurchaseInvoice(BCEntity):
    """Drafts and posted invoices alike (status Draft / Open / Paid / Canceled / ...)."""

    id: UUID | None = None
    number: str | None = None
    posting_date: date | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    vendor_invoice_number: str | None = None
    vendor_id: UUID | None = None
    vendor_number: str | None = None
    vendor_name: str | None = None
    pay_to_name: str | None = None
    pay_to_contact: str | None = None
    pay_to_vendor_id: UUID | None = None
    pay_to_vendor_number: str | None = None
    shortcut_dimension1_code: str | None = None
    shortcut_dimension2_code: str | None = None
    currency_id: UUID | None = None
    currency_code: str | None = None
    order_id: UUID | None = None
    order_number: str | None = None
    purchaser: str | None = None
    prices_include_tax: bool | None = None
    discount_amount: Decimal | None = None
    discount_applied_before_tax: bool | None = None
    total_amount_excluding_tax: Decimal | None = None
    total_tax_amount: Decimal | None = None
    total_amount_including_tax: Decimal | None = None
    status: str | None = None
    last_modified_date_time: datetime | None = None
    purchase_invoice_lines: list[PurchaseInvoiceLine] | None = None
    dimension_set_lines: list[DimensionSetLine] | None = None

    @property
    def is_draft(self) -> bool:
        return self.status == "Draft"


class GeneralLedgerEntry(BCEntity):
    id: UUID | None = None
    entry_number: int | None = None
    posting_date: date | None = None
    document_number: str | None = None
    document_type: str | None = None
    account_id: UUID | None = None
    account_number: str | None = None
    description: str | None = None
    debit_amount: Decimal | None = None
    credit_amount: Decimal | None = None
    additional_currency_debit_amount: Decimal | None = None
    additional_currency_credit_amount: Decimal | None = None
    last_modified_date_time: datetime | None = None
    dimension_set_lines: list[DimensionSetLine] | None = None


class VendorLedgerEntry(BCEntity):
    """From the `microsoft/reportsFinance/beta` API (query 30303), not the standard v2.0 route."""

    id: UUID | None = None
    entry_number: int | None = None
    document_type: str | None = None
    description: str | None = None
    posting_date: date | None = None
    document_number: str | None = None
    external_document_number: str | None = None
    balancing_account_number: str | None = None
    balancing_account_type: str | None = None
    vendor_number: str | None = None
    open: bool | None = None
    reversed: bool | None = None
    amount: Decimal | None = None
    debit_amount: Decimal | None = None
    credit_amount: Decimal | None = None
    dimension_set_id: int | None = Field(default=None, alias="dimensionSetID")
    currency_code: str | None = None
    last_modified_date_time: datetime | None = None


class Subscription(BCEntity):
    """A webhook subscription (API root, not company-scoped). Expires after 3 days unless renewed."""

    subscription_id: str | None = None
    notification_url: str | None = None
    resource: str | None = None
    timestamp: int | None = None
    user_id: UUID | None = None
    last_modified_date_time: datetime | None = None
    client_state: str | None = Field(default=None, repr=False)
    expiration_date_time: datetime | None = None
