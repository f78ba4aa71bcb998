"""The write loop: buffer records, flush every N invoices (and at the end), echo each STATE once durable.

A flush: vendors first (invoices may need them), then the gl_accounts comparison, then invoices — parse,
classify by status, validate against NAV's reference data, create vendors invoices need, and hand the valid ones
to the posting strategy. One audit line per record. STATE is echoed only after everything before it is durable,
in order, every one of them (none in a dry run: nothing was written, so nothing may be confirmed).

A STATE cuts the buffer short only when no post is in flight (then flushing costs no overlap): otherwise flushes
stay full-sized and each post overlaps the next flush however often the source checkpoints, and the STATE waits
for the flush holding the records before it, and for that flush's post and confirmation, to be done.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, DestinationSyncMode, Level, Type
from pydantic import ValidationError

from bc_client import BCError, BusinessCentralClient
from destination_dynamics_nav.audit import AuditEvent, AuditTrail, RecordOrigin, log_message
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.default_dimensions import DimensionDefaults, parse_default_dimensions
from destination_dynamics_nav.gl_accounts import compare_gl_account
from destination_dynamics_nav.hand_posted import hand_posted
from destination_dynamics_nav.planning import VendorOutcomes, decide, screen
from destination_dynamics_nav.posting.base import InvoicePoster, InvoiceTask
from destination_dynamics_nav.posting.journal import DryRunJournalPoster, JournalPoster
from destination_dynamics_nav.posting.purchase_invoice import DryRunPurchaseInvoicePoster, PurchaseInvoicePoster
from destination_dynamics_nav.records import StampliGlAccount, StampliInvoice, StampliVendor, describe_validation_error
from destination_dynamics_nav.reference_data import ReferenceData, read_local_currency, read_reference_data
from destination_dynamics_nav.vendors import DryRunVendorSync, VendorChange, VendorSync, load_vendor_codes
from stampli_nav_events.record_fields import RecordFields

logger = logging.getLogger("airbyte")

STREAM_KEYS = {"invoices": "invoice_id", "vendors": "vendor_id", "gl_accounts": "account_number"}
# Invoices per flush: bounds memory and the size of one journal post (and so the cost of
# isolating a failing document in it), while keeping look-ups batched. 200 fills five 40-key look-up filters and
# halves the per-flush reads and round trips of 100 (about 0.03 API operations per invoice less in both modes).
FLUSH_INVOICES = 200
FLUSH_RECORDS = 2000  # any records (vendors, G/L accounts) per flush


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


class _PendingStates:
    """STATE messages not yet echoed, in order, each with the flush-tail generation that must be joined first."""

    def __init__(self) -> None:
        self._waiting: list[tuple[int | None, AirbyteMessage]] = []  # None: its records are still in the buffer

    def add(self, state: AirbyteMessage, *, buffered: bool, generation: int) -> None:
        """A STATE arrived: it covers the buffered records (flushed later) or, with none, what was flushed so far."""
        self._waiting.append((None if buffered else generation, state))

    def flushed(self, generation: int) -> None:
        """The buffer was flushed; its records are durable once the tail of `generation` is joined (the flush
        started it, or started none and the latest one, perhaps already joined, is the last that matters)."""
        self._waiting = [(generation if needs is None else needs, state) for needs, state in self._waiting]

    def durable(self, joined_through: int) -> list[AirbyteMessage]:
        """Take the leading STATEs whose records are durable (order kept: one waiting holds back those after it)."""
        ready: list[AirbyteMessage] = []
        while self._waiting and self._waiting[0][0] is not None and self._waiting[0][0] <= joined_through:
            ready.append(self._waiting.pop(0)[1])
        return ready


def poster_for(bc: BusinessCentralClient, settings: DestinationSettings) -> InvoicePoster:
    """The posting mode's poster; in a dry run its twin that records what it would write instead of writing."""
    if settings.posting_mode == "purchase_invoice":
        return (DryRunPurchaseInvoicePoster if settings.dry_run else PurchaseInvoicePoster)(bc, settings)
    return (DryRunJournalPoster if settings.dry_run else JournalPoster)(bc, settings)


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
        self.poster: InvoicePoster = poster_for(bc, settings)
        self.vendors: VendorSync | None = None
        self._vendor_codes_loaded = False
        self._poster_ready = False
        self._states_held = 0

    # -- the message loop -------------------------------------------------------------------------------------
    def run(self, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        self._log_sync_modes()
        buffer = _Buffer()
        states = _PendingStates()
        for message in messages:
            if message.type == Type.RECORD and message.record is not None:
                stream = message.record.stream
                if stream not in STREAM_KEYS or stream not in self.streams:
                    yield from self._ignore_stream(stream)
                    continue
                buffer.add(stream, message.record.data)
                if buffer.invoices >= FLUSH_INVOICES or len(buffer.records) >= FLUSH_RECORDS:
                    yield from self._flush_and_confirm(buffer, states)
            elif message.type == Type.STATE:
                if buffer.records and not self.poster.tail.busy:
                    # Nothing in flight to overlap with: flushing now costs no round trip and confirms sooner.
                    yield from self._flush_and_confirm(buffer, states)
                states.add(message, buffered=bool(buffer.records), generation=self.poster.tail.generation)
                yield from self._confirm(states.durable(self.poster.tail.joined_through))
        yield from self._flush_and_confirm(buffer, states, durable=True)
        self.poster.close()
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

    def _flush_and_confirm(
        self, buffer: _Buffer, states: _PendingStates, *, durable: bool = False
    ) -> Iterator[AirbyteMessage]:
        """Flush the buffer, then echo the STATEs that are durable now (their flushes' tails joined)."""
        yield from self._flush(buffer.take(), durable=durable)
        states.flushed(self.poster.tail.generation)
        yield from self._confirm(states.durable(self.poster.tail.joined_through))

    def _confirm(self, states: list[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        """Echo STATE messages whose records are durable (none in a dry run: counted, then reported)."""
        if self.settings.dry_run:
            self._states_held += len(states)
            return
        yield from states

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
    def _flush(
        self, records: list[tuple[str, Mapping[str, Any]]], *, durable: bool = False
    ) -> Iterator[AirbyteMessage]:
        """Process buffered records. The poster may leave this flush's post/confirm running while the next flush is
        prepared (posting/overlap.py); `durable` waits for it, as before a STATE is confirmed."""
        if not records and not (durable and self.poster.tail.running):
            return
        events: list[AuditEvent] = []
        failure: BaseException | None = None
        try:
            if records:
                self._ensure_ready()
                for batch in rounds(records):
                    self._process_round(batch, events)
            if durable:
                self.poster.finish(events)
        except BaseException as error:  # report what is already durable before failing
            failure = error
            with contextlib.suppress(BaseException):  # the running tail's events are reported; the first failure wins
                self.poster.finish(events)
            self.poster.close()
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
        self.vendors = (DryRunVendorSync if self.settings.dry_run else VendorSync)(
            self.bc, self.settings, self.reference, local_currency=self.local_currency
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
            self.poster.finish(events)  # a vendor change (e.g. blocked) never races a post still running
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
        """Plan (pure, planning.py), create the vendors valid invoices need, decide, then hand the tasks over."""
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
        screening = screen(parsed, self.settings, self.reference, self.vendors, local_currency=self.local_currency)
        events.extend(screening.events)
        # Vendors that valid invoices need, created before those invoices are written.
        failed_vendors = self.vendors.apply(screening.vendors_needed(self.settings), events)
        outcomes = VendorOutcomes(failed_vendors, self.vendors.rejected, self.vendors.guard.held_back)
        rejections, tasks = decide(screening.screened, self.settings, self.reference, outcomes, self.dimension_defaults)
        events.extend(rejections)
        self.poster.settle(tasks, events)  # a document the previous flush still posts is looked up once posted
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
            skipped = task.event(
                "skipped_duplicate",
                document_number=match.document_number,
                entries=[match.entry_number],
                reason=match.reason(task.document.vendor_number, task.document.external_document_number),
            )
            events.append(self.poster.reported(skipped))
        return remaining
