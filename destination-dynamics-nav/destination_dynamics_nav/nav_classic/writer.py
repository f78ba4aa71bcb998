"""The write loop in classic mode: the API mode's `NavWriter` with page-service reads, vendor writes and poster.

Everything between a record and a posting document (parsing, status rules, validation against NAV's master data,
vendor planning, duplicate vendor invoice numbers in one flush, audit events) is the API mode's, so both modes
reject the same records with the same reason names. What differs is where the data comes from and goes to:
`read_classic_reference`, `ClassicVendorSync`, `ClassicJournalStager`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalog
from pydantic import ValidationError

from bc_client.usage import ApiUsage
from destination_dynamics_nav.audit import AuditEvent, RecordOrigin
from destination_dynamics_nav.config import ConfigError, DestinationSettings
from destination_dynamics_nav.mapping import dimension_source_value, nav_vendor_number
from destination_dynamics_nav.nav_classic.reference import read_classic_reference
from destination_dynamics_nav.nav_classic.stager import ClassicJournalStager, DryRunClassicJournalStager
from destination_dynamics_nav.nav_classic.vendors import ClassicVendorSync, DryRunClassicVendorSync
from destination_dynamics_nav.posting.base import InvoiceTask
from destination_dynamics_nav.records import StampliInvoice
from destination_dynamics_nav.reference_data import code_key
from destination_dynamics_nav.writer import NavWriter


class _UsageOnly:
    """What NavWriter reads from its client besides posting: the request counters for the run summary."""

    def __init__(self, client: Any) -> None:
        usage = getattr(client, "usage", None)
        self.usage = usage if usage is not None and hasattr(usage, "snapshot") else ApiUsage()


class ClassicWriter(NavWriter):
    def __init__(
        self,
        client: Any,
        settings: DestinationSettings,
        catalog: ConfiguredAirbyteCatalog,
        *,
        published: frozenset[str],
    ) -> None:
        # The General Journal page has Currency_Code (BaseApp GenJournalLine.Table.al field 12): foreign-currency
        # invoices are staged with their code instead of being refused as in API mode.
        settings = settings.with_journal_line_currency()
        super().__init__(_UsageOnly(client), settings, catalog)  # type: ignore[arg-type]
        self.client = client
        self.published = published  # roles whose service is published
        self._vendor_codes_loaded = True  # no currencies/countries/payment terms services in this mode
        self.blocked_values: frozenset[tuple[str, str]] = frozenset()

    def _ensure_ready(self) -> None:
        if self.reference is not None:
            return
        classic = read_classic_reference(self.client, with_setup="general_ledger_setup" in self.published)
        if self.settings.dimension_mapping:
            if "general_ledger_setup" not in self.published:
                raise ConfigError(
                    "dimension_mapping is set but the general_ledger_setup service (page 118 General Ledger Setup) is "
                    "not published, so the global dimensions cannot be known: publish page 118 as "
                    "General_Ledger_Setup, or clear dimension_mapping"
                )
            problems = classic.dimensions.mapping_problems(self.settings.dimension_mapping)
            if problems:
                raise ConfigError(" | ".join(problems))
        self.reference = classic.reference
        self.blocked_values = classic.blocked_values
        self.local_currency = self.settings.local_currency_code or classic.lcy_code
        self.vendors = (DryRunClassicVendorSync if self.settings.dry_run else ClassicVendorSync)(
            self.client, self.settings, self.reference, local_currency=self.local_currency
        )
        stager = DryRunClassicJournalStager if self.settings.dry_run else ClassicJournalStager
        self.poster = stager(
            self.client,
            self.settings,
            classic.dimensions,
            journal_batches_published="journal_batches" in self.published,
        )

    def _skip_hand_posted(self, tasks: list[InvoiceTask], events: list[AuditEvent]) -> list[InvoiceTask]:
        return tasks  # ClassicJournalStager reads the vendor ledger itself, together with the batch

    def _post_invoices(self, records: list[Mapping[str, Any]], events: list[AuditEvent]) -> None:
        """Invoices coded with a blocked dimension value are rejected by name first (the API mode cannot see
        Blocked on dimension values; the Dimension Values page shows it)."""
        remaining: list[Mapping[str, Any]] = []
        for data in records:
            reason = self._blocked_value_reason(data)
            if reason is None:
                remaining.append(data)
                continue
            invoice = StampliInvoice.model_validate(data)
            events.append(
                AuditEvent(
                    RecordOrigin.of("invoices", "invoice_id", data),
                    "rejected",
                    amount=invoice.invoice_total,
                    vendor=nav_vendor_number(invoice.vendor_id, self.settings) if invoice.vendor_id else None,
                    reason=reason,
                )
            )
        if remaining:
            super()._post_invoices(remaining, events)

    def _blocked_value_reason(self, data: Mapping[str, Any]) -> str | None:
        if not self.blocked_values:
            return None
        try:
            invoice = StampliInvoice.model_validate(data)
        except ValidationError:
            return None  # NavWriter names the malformed record
        if not self.settings.is_posting_status(invoice.status):
            return None
        blocked = sorted(
            {
                f"{code} {code_key(value)}"
                for line in invoice.lines
                for field, code in self.settings.dimension_mapping.items()
                if (value := dimension_source_value(line, invoice, field)) is not None
                and (code, code_key(value)) in self.blocked_values
            }
        )
        if not blocked:
            return None
        # BaseApp DimensionManagement.Codeunit.al CheckDimValue: DimValueBlockedErr '%1 %2 - %3 is blocked.'
        return f"dimension_value_blocked: dimension value(s) {', '.join(blocked)} are blocked in NAV"
