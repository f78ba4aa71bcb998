"""The connector's configuration (field names are the user-facing contract of issue 5).

The connection block (`deployment`, `api_base_url`, `company`, `ca_certificate`) belongs to bc_client and is parsed
by its `BCConnectionConfig`; this module parses the posting options.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from bc_client import BCConnectionConfig
from destination_dynamics_nav.document_numbers import normalize_prefix
from stampli_nav_rules import ConfigError, validate_blocks

__all__ = ["REVERSAL_STATUSES", "ConfigError", "DestinationConfig", "DestinationSettings"]

DEFAULT_DIMENSION_MAPPING = {"department": "DEPARTMENT", "location": "LOCATION"}
# Stampli statuses that mean "take it back" once an invoice has been posted.
REVERSAL_STATUSES = frozenset({"voided", "canceled", "cancelled"})
_CODE = re.compile(r"^[^\s'][^']*$")


def _nav_code(value: str, field_name: str, max_length: int) -> str:
    """A NAV Code field value: upper-cased by NAV, length-limited, no quotes (they would break OData filters)."""
    code = value.strip().upper()
    if not code or len(code) > max_length or not _CODE.match(code):
        raise ValueError(f"{field_name} must be 1 to {max_length} characters without quotes, got {value!r}")
    return code


class DestinationSettings(BaseModel):
    """Posting options; defaults are the issue's."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    posting_mode: Literal["journal", "purchase_invoice"] = "journal"
    journal_template: str | None = None
    journal_batch: str = "STAMPLI"
    post_documents: bool = True
    posting_statuses: tuple[str, ...] = ("Approved",)
    posting_date_field: Literal["invoice_date", "approved_date"] = "invoice_date"
    document_number_prefix: str = "STP"
    dimension_mapping: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DIMENSION_MAPPING))
    gl_account_mapping: dict[str, str] = Field(default_factory=dict)
    vendor_sync: Literal["create_and_update", "create_only", "off"] = "create_and_update"
    vendor_number_mapping: dict[str, str] = Field(default_factory=dict)
    # Issue 15: never create a vendor NAV already has under another number (see duplicate_guard.py).
    vendor_duplicate_check: Literal["block", "warn", "off"] = "block"
    local_currency_code: str | None = None
    dry_run: bool = False
    # Not a config key: set by the connector for classic NAV, whose General Journal page has Currency_Code (field 12)
    # where API v2.0 journalLines has none. Private, so no config can switch it on for API mode.
    _journal_lines_carry_currency: bool = PrivateAttr(default=False)

    @property
    def journal_lines_carry_currency(self) -> bool:
        return self._journal_lines_carry_currency

    def with_journal_line_currency(self) -> DestinationSettings:
        """A copy for a NAV whose journal lines take an explicit currency code (classic page web services)."""
        copy = self.model_copy()
        copy._journal_lines_carry_currency = True
        return copy

    @field_validator("vendor_duplicate_check", mode="before")
    @classmethod
    def _duplicate_check_default(cls, value: object) -> object:
        return "block" if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("journal_template", mode="before")
    @classmethod
    def _blank_template(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("journal_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else _nav_code(value, "journal_template", 10)

    @field_validator("local_currency_code", mode="before")
    @classmethod
    def _blank_currency(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("local_currency_code")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return None if value is None else _nav_code(value, "local_currency_code", 10)

    @field_validator("journal_batch", mode="before")
    @classmethod
    def _default_batch(cls, value: object) -> object:
        return "STAMPLI" if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("journal_batch")
    @classmethod
    def _batch(cls, value: str) -> str:
        return _nav_code(value, "journal_batch", 10)

    @field_validator("posting_statuses", mode="before")
    @classmethod
    def _statuses(cls, value: object) -> object:
        if value is None:
            return ("Approved",)
        if isinstance(value, str):
            return (value,)
        return value

    @field_validator("posting_statuses")
    @classmethod
    def _non_empty_statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(status.strip() for status in value if status and status.strip())
        if not cleaned:
            raise ValueError("posting_statuses must name at least one Stampli status, e.g. ['Approved']")
        return cleaned

    @field_validator("document_number_prefix", mode="before")
    @classmethod
    def _prefix_default(cls, value: object) -> object:
        return "STP" if value is None else value

    @field_validator("document_number_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return normalize_prefix(value)

    @field_validator("dimension_mapping", mode="before")
    @classmethod
    def _dimension_default(cls, value: object) -> object:
        return dict(DEFAULT_DIMENSION_MAPPING) if value is None else value

    @field_validator("dimension_mapping")
    @classmethod
    def _dimension_codes(cls, value: dict[str, str]) -> dict[str, str]:
        return {field.strip(): _nav_code(code, f"dimension_mapping[{field!r}]", 20) for field, code in value.items()}

    @field_validator("gl_account_mapping", "vendor_number_mapping", mode="before")
    @classmethod
    def _mapping_default(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("gl_account_mapping")
    @classmethod
    def _account_numbers(cls, value: dict[str, str]) -> dict[str, str]:
        return {str(k).strip(): _nav_code(str(v), f"gl_account_mapping[{k!r}]", 20) for k, v in value.items()}

    @field_validator("vendor_number_mapping")
    @classmethod
    def _vendor_numbers(cls, value: dict[str, str]) -> dict[str, str]:
        return {str(k).strip(): _nav_code(str(v), f"vendor_number_mapping[{k!r}]", 20) for k, v in value.items()}

    def is_posting_status(self, status: str | None) -> bool:
        wanted = {s.casefold() for s in self.posting_statuses}
        return status is not None and status.strip().casefold() in wanted

    @staticmethod
    def is_reversal_status(status: str | None) -> bool:
        return status is not None and status.strip().casefold() in REVERSAL_STATUSES


class DestinationConfig(BaseModel):
    """The whole config: where NAV is (bc_client's block) and how to post."""

    model_config = ConfigDict(frozen=True)

    connection: BCConnectionConfig
    settings: DestinationSettings

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> DestinationConfig:
        """Parse an Airbyte config; a `ConfigError` names each wrong field without echoing secret values."""
        connection, settings = validate_blocks(
            config, BCConnectionConfig, DestinationSettings, prefix="Invalid configuration"
        )
        return cls(connection=connection, settings=settings)
