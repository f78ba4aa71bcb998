"""The write loop: buffer records, flush at each STATE (and every N invoices), echo the STATE once durable.

A flush: vendors first (invoices may need them), then the gl_accounts comparison, then invoices — parse,
classify by status, validate against NAV's reference data, create vendors invoices need, and hand the valid ones
to the posting strategy. One audit line per record. STATE is echoed only after everything before it is durable,
in order, every one of them (none in a dry run: nothing was written, so nothing may be confirmed).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, DestinationSyncMode, Level, Type
from pydantic import ValidationError

from bc_client import BCError, BusinessCentralClient
from destination_dynamics_nav.audit import AuditEvent, AuditTrail, RecordOrigin, log_message
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.default_dimensions import DimensionDefaults, parse_default_dimensions, plan_dimensions
from destination_dynamics_nav.document_numbers import document_number
from destination_dynamics_nav.gl_accounts import compare_gl_account
from destination_dynamics_nav.hand_posted import hand_posted
from destination_dynamics_nav.mapping import PostingDocument, nav_vendor_number, posting_document
from destination_dynamics_nav.outcomes import Problem, reason_of
from destination_dynamics_nav.posting.base import InvoicePoster, InvoiceTask
from destination_dynamics_nav.posting.journal import JournalPoster
from destination_dynamics_nav.posting.purchase_invoice import PurchaseInvoicePoster
from destination_dynamics_nav.records import StampliGlAccount, StampliInvoice, StampliVendor, describe_validation_error
from destination_dynamics_nav.reference_data import ReferenceData, read_local_currency, read_reference_data
from destination_dynamics_nav.validation import validate_invoice
from destination_dynamics_nav.vendors import VendorChange, VendorSync, load_vendor_codes
from stampli_nav_events.record_fields import RecordFields

logger = logging.getLogger("airbyte")

STREAM_KEYS = {"invoices": "invoice_id", "vendors": "vendor_id", "gl_accounts": "account_number"}
# Invoices per flush between STATE messages: bounds memory and the size of one journal post (and so the cost of
# isolating a failing document in it), while keeping look-ups batched.
FLUSH_INVOICES = 100
FLUSH_RECORDS = 2000  # any records (vendors, G/L accounts) between STATE messages


@dataclass
class _Buffer:
    records: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    invoices: int = 0

    def add(self, stream: str, data: Mapping[str, Any]) -> None:
        self.records.append((stream, data))
        if stream == "invoices":
            self.invoices += 1

    def take(self) -> list[tuple[str, Mapping[str, Any]]]:
        records, self.records, self.invoices = self.records, [], 0
        return records


def rounds(records: list[tuple[str, Mapping[str, Any]]]) -> list[list[tuple[str, Mapping[str, Any]]]]:
    """Split records so that no key repeats within a round: a repeated record is then looked up after the first
    one is durable, and is skipped as a duplicate (or reversed, when it came back voided)."""
    result: list[list[tuple[str, Mapping[str, Any]]]] = [[]]
    seen: set[tuple[str, str]] = set()
    for stream, data in records:
        key = RecordFields(data).get(STREAM_KEYS[stream])  # any case: stampli_nav_events.record_fields
        identity = (stream, str(key)) if key is not None else None
        if identity is not None and identity in seen:
            result.append([])
            seen = set()
        if identity is not None:
            seen.add(identity)
        result[-1].append((stream, data))
    return [r for r in result if r]


def stub_document(invoice: StampliInvoice, settings: DestinationSettings) -> PostingDocument:
    """Enough of a document to look a voided, invalid invoice up in NAV (never enough to post one)."""
    return PostingDocument(
        invoice_id=invoice.invoice_id,
        invoice_number=invoice.invoice_number or "",
        document_number=document_number(settings.document_number_prefix, invoice.invoice_id),
        external_document_number=invoice.invoice_number or "",
        vendor_number=nav_vendor_number(invoice.vendor_id, settings) if invoice.vendor_id else "",
        posting_date=dt.date.min,
        document_date=None,
        due_date=None,
        currency_code="",
        lines=(),
    )


class NavWriter:
    def __init__(
        self, bc: BusinessCentralClient, settings: DestinationSettings, catalog: ConfiguredAirbyteCatalog
    ) -> None:
        self.bc = bc
        self.settings = settings
        self.streams = {configured.stream.name for configured in catalog.streams}
        self.catalog = catalog
        self.audit = AuditTrail()
        self.reference: ReferenceData | None = None
        self.local_currency: str | None = None
        self.dimension_defaults = DimensionDefaults()
        self.poster: InvoicePoster = (
            PurchaseInvoicePoster(bc, settings, dry_run=settings.dry_run)
            if settings.posting_mode == "purchase_invoice"
            else JournalPoster(bc, settings, dry_run=settings.dry_run)
        )
        self.vendors: VendorSync | None = None
        self._vendor_codes_loaded = False
        self._poster_ready = False
        self._states_held = 0

    # -- the message loop -------------------------------------------------------------------------------------
    def run(self, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        self._log_sync_modes()
        buffer = _Buffer()
        for message in messages:
            if message.type == Type.RECORD and message.record is not None:
                stream = message.record.stream
                if stream not in STREAM_KEYS or stream not in self.streams:
                    yield from self._ignore_stream(stream)
                    continue
                buffer.add(stream, message.record.data)
                if buffer.invoices >= FLUSH_INVOICES or len(buffer.records) >= FLUSH_RECORDS:
                    yield from self._flush(buffer.take())
            elif message.type == Type.STATE:
                yield from self._flush(buffer.take())
                if self.settings.dry_run:
                    self._states_held += 1
                else:
                    yield message
        yield from self._flush(buffer.take())
        if self._states_held:
            yield log_message(
                {
                    "event": "stampli_nav.dry_run",
                    "message": f"dry run: {self._states_held} STATE message(s) not confirmed, so the next real run "
                    "receives the same records again",
                }
            )
        yield self.audit.summary(
            self.bc.usage.snapshot(), posting_mode=self.settings.posting_mode, dry_run=self.settings.dry_run
        )

    def _ignore_stream(self, stream: str) -> Iterator[AirbyteMessage]:
        if stream not in self.audit.ignored_streams:
            why = (
                "not in the configured catalog"
                if stream not in self.streams
                else "not a stream this destination writes"
            )
            yield log_message(
                {"event": "stampli_nav.ignored_stream", "stream": stream, "reason": f"{why}; its records are ignored"},
                level=Level.WARN,
            )
        self.audit.ignored_streams[stream] += 1

    def _log_sync_modes(self) -> None:
        for configured in self.catalog.streams:
            if configured.destination_sync_mode == DestinationSyncMode.overwrite:
                logger.info(
                    "Stream %s uses overwrite: posting to NAV is append-only and idempotent, so nothing posted is "
                    "deleted; re-sent records are skipped as duplicates.",
                    configured.stream.name,
                )

    # -- one flush --------------------------------------------------------------------------------------------
    def _flush(self, records: list[tuple[str, Mapping[str, Any]]]) -> Iterator[AirbyteMessage]:
        if not records:
            return
        events: list[AuditEvent] = []
        failure: BaseException | None = None
        try:
            self._ensure_ready()
            for batch in rounds(records):
                self._process_round(batch, events)
        except BaseException as error:  # report what is already durable before failing
            failure = error
        yield from self.audit.messages(events)
        if failure is not None:
            raise failure

    def _ensure_ready(self) -> None:
        if self.reference is not None:
            return
        self.reference = read_reference_data(self.bc)
        self.dimension_defaults = parse_default_dimensions(
            self.reference.default_dimension_rows,
            {vendor.id.lower(): vendor.number for vendor in self.reference.vendors.values()},
        )
        self.local_currency = self.settings.local_currency_code
        if self.local_currency is None:
            try:
                self.local_currency = read_local_currency(self.bc)
            except BCError as error:
                logger.warning(
                    "Could not read the company's local currency (%s); set local_currency_code, or invoices that "
                    "carry a currency code are rejected in journal mode",
                    error.message,
                )
        self.vendors = VendorSync(
            self.bc, self.settings, self.reference, dry_run=self.settings.dry_run, local_currency=self.local_currency
        )
        logger.info(
            "NAV reference data: %d vendors, %d G/L accounts, %d dimensions; local currency %s",
            len(self.reference.vendors),
            len(self.reference.accounts),
            len(self.reference.dimensions),
            self.local_currency or "unknown",
        )

    def _process_round(self, records: list[tuple[str, Mapping[str, Any]]], events: list[AuditEvent]) -> None:
        assert self.reference is not None and self.vendors is not None
        vendor_records = [data for stream, data in records if stream == "vendors"]
        if vendor_records:
            self._sync_vendors(vendor_records, events)
        for stream, data in records:
            if stream == "gl_accounts":
                origin = RecordOrigin.of(stream, STREAM_KEYS[stream], data)
                try:
                    account = StampliGlAccount.model_validate(data)
                except ValidationError as error:
                    events.append(
                        AuditEvent(origin, "rejected", reason=f"malformed_record: {describe_validation_error(error)}")
                    )
                    continue
                events.append(compare_gl_account(origin, account, self.settings, self.reference))
        invoice_records = [data for stream, data in records if stream == "invoices"]
        if invoice_records:
            self._post_invoices(invoice_records, events)

    def _sync_vendors(self, records: list[Mapping[str, Any]], events: list[AuditEvent]) -> None:
        assert self.vendors is not None and self.reference is not None
        if not self._vendor_codes_loaded and self.settings.vendor_sync != "off":
            load_vendor_codes(self.bc, self.reference)
            self._vendor_codes_loaded = True
        changes: list[VendorChange] = []
        for data in records:
            origin = RecordOrigin.of("vendors", "vendor_id", data)
            try:
                vendor = StampliVendor.model_validate(data)
            except ValidationError as error:
                events.append(
                    AuditEvent(origin, "rejected", reason=f"malformed_record: {describe_validation_error(error)}")
                )
                continue
            planned = self.vendors.plan_record(origin, vendor)
            if isinstance(planned, AuditEvent):
                events.append(planned)
            else:
                changes.append(planned)
        self.vendors.apply(changes, events)

    def _post_invoices(self, records: list[Mapping[str, Any]], events: list[AuditEvent]) -> None:
        assert self.reference is not None and self.vendors is not None
        parsed: list[tuple[RecordOrigin, StampliInvoice]] = []
        for data in records:
            origin = RecordOrigin.of("invoices", "invoice_id", data)
            try:
                parsed.append((origin, StampliInvoice.model_validate(data)))
            except ValidationError as error:
                events.append(
                    AuditEvent(origin, "rejected", reason=f"malformed_record: {describe_validation_error(error)}")
                )

        new_vendors = self._vendors_from_invoices(parsed)
        candidates: list[tuple[RecordOrigin, StampliInvoice, list[Problem]]] = []
        for origin, invoice in parsed:
            if not (
                self.settings.is_posting_status(invoice.status) or self.settings.is_reversal_status(invoice.status)
            ):
                events.append(
                    AuditEvent(
                        origin,
                        "ignored",
                        amount=invoice.invoice_total,
                        vendor=invoice.vendor_id,
                        reason=f"status_not_posted: status {invoice.status!r} is not in posting_statuses "
                        f"({', '.join(self.settings.posting_statuses)}) and is not a reversal",
                    )
                )
                continue
            problems = validate_invoice(
                invoice,
                self.settings,
                self.reference,
                vendors_to_create=set(new_vendors),
                local_currency=self.local_currency,
            )
            candidates.append((origin, invoice, problems))

        # Vendors that valid invoices need, created before those invoices are written.
        needed = {
            nav_vendor_number(invoice.vendor_id, self.settings)
            for _, invoice, problems in candidates
            if not problems and invoice.vendor_id and self.settings.is_posting_status(invoice.status)
        }
        failed_vendors = self.vendors.apply(
            [change for number, change in new_vendors.items() if number in needed], events
        )

        tasks: list[InvoiceTask] = []
        vendor_invoices: dict[tuple[str, str], str] = {}
        for origin, invoice, problems in candidates:
            reversal = self.settings.is_reversal_status(invoice.status)
            vendor_number = nav_vendor_number(invoice.vendor_id, self.settings) if invoice.vendor_id else ""
            if not problems and vendor_number in failed_vendors:
                problems = [Problem("vendor_creation_failed", failed_vendors[vendor_number])]
            rejected_vendor = self.vendors.rejected.get(vendor_number)
            if rejected_vendor is not None and self.reference.vendor(vendor_number) is None:
                # The vendor record was refused in this sync: never post to a bare vendor made from the invoice.
                problems = [
                    Problem(
                        "vendor_rejected",
                        f"vendor {vendor_number} was rejected in this sync and does not exist in NAV ({rejected_vendor}); "
                        "fix the vendor in Stampli and the invoice is posted with it",
                    )
                ]
            held = self.vendors.guard.held_back(vendor_number) if vendor_number else None
            if held is not None and not reversal and self.reference.vendor(vendor_number) is None:
                # Issue 15: never post to (or create) a duplicate of a vendor NAV has under another number.
                problems = [Problem("possible_duplicate_vendor", held.invoice_message(invoice.vendor_id or ""))]
            if not problems and not reversal and invoice.invoice_number:
                # NAV refuses a second posting of one vendor invoice number for a vendor (and would fail the
                # whole journal batch): the first Stampli invoice carrying it wins, the others are rejected.
                first = vendor_invoices.setdefault((vendor_number, invoice.invoice_number.upper()), invoice.invoice_id)
                if first != invoice.invoice_id:
                    problems = [
                        Problem(
                            "duplicate_vendor_invoice_number",
                            f"vendor {vendor_number} invoice number {invoice.invoice_number} is also Stampli invoice "
                            f"{first} in this batch; NAV accepts one posting per vendor invoice number",
                        )
                    ]
            if problems and not reversal:
                events.append(
                    AuditEvent(
                        origin,
                        "rejected",
                        amount=invoice.invoice_total,
                        vendor=vendor_number or None,
                        reason=reason_of(problems),
                    )
                )
                continue
            document = (
                stub_document(invoice, self.settings)
                if problems
                else posting_document(invoice, self.settings, local_currency=self.local_currency)
            )
            if not problems:
                plan = plan_dimensions(
                    document,
                    self.dimension_defaults,
                    header_inherits=self.settings.posting_mode == "purchase_invoice",
                )
                if isinstance(plan, Problem):
                    if not reversal:  # BC would refuse it at posting: rejected before anything is written
                        events.append(
                            AuditEvent(
                                origin,
                                "rejected",
                                amount=invoice.invoice_total,
                                vendor=vendor_number or None,
                                reason=str(plan),
                            )
                        )
                        continue
                else:
                    document = replace(document, dimension_plan=plan)
            tasks.append(InvoiceTask(origin, "reverse" if reversal else "post", document, problems=tuple(problems)))
        tasks = self._skip_hand_posted(tasks, events)
        if tasks and not self._poster_ready:
            self.poster.prepare()  # only a sync that posts invoices needs (and may create) the journal batch
            self._poster_ready = True
        self.poster.process(tasks, events)

    def _skip_hand_posted(self, tasks: list[InvoiceTask], events: list[AuditEvent]) -> list[InvoiceTask]:
        """Invoices NAV's vendor ledger already holds under the same vendor and external document number, posted
        outside the connector, are skipped as duplicates naming that document and entry."""
        matches = hand_posted(self.bc, tasks, posting_mode=self.settings.posting_mode)
        if not matches:
            return tasks
        remaining = []
        for task in tasks:
            match = matches.get(task.document.invoice_id)
            if match is None:
                remaining.append(task)
                continue
            events.append(
                task.event(
                    "dry_run" if self.settings.dry_run else "skipped_duplicate",
                    document_number=match.document_number,
                    entries=[match.entry_number],
                    reason=match.reason(task.document.vendor_number, task.document.external_document_number),
                )
            )
        return remaining

    def _vendors_from_invoices(self, parsed: list[tuple[RecordOrigin, StampliInvoice]]) -> dict[str, VendorChange]:
        """Vendors NAV lacks that invoices name (with a vendor name), when vendor_sync may create vendors."""
        assert self.reference is not None and self.vendors is not None
        if self.settings.vendor_sync == "off":
            return {}
        changes: dict[str, VendorChange] = {}
        for origin, invoice in parsed:
            if not invoice.vendor_id or not invoice.vendor_name:
                continue
            number = nav_vendor_number(invoice.vendor_id, self.settings)
            if len(number) > 20 or self.reference.vendor(number) is not None or number in changes:
                continue
            if number in self.vendors.rejected:
                continue  # its vendor record was refused: no bare vendor of the same number from the invoice
            change = self.vendors.plan_from_invoice(origin, number, invoice.vendor_id, invoice.vendor_name)
            duplicate = self.vendors.guard.check_invoice_vendor(number, invoice.vendor_name)
            if duplicate is not None and self.vendors.guard.mode == "block":
                continue  # held back: the invoice is rejected below with the finding
            if duplicate is not None:
                change.notes.append(f"possible_duplicate_vendor: looks like NAV vendor {duplicate.nav_number}")
            changes[number] = change
        return changes
