"""The pure planning step: parsed Stampli invoices → the NAV documents to write, every reject decided here.

No network. Two steps because creating the vendors valid invoices need sits between them:
`screen` maps each invoice once (`mapping.map_invoice`), sorts out statuses the connector does not post,
validates the mapped values and lists the vendors to create from invoices; `decide` then turns each screened
invoice into a task for the poster or a rejection, given how the vendor writes went. The writer only carries out
what is planned here (write, confirm, audit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from destination_dynamics_nav.audit import AuditEvent, RecordOrigin
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.default_dimensions import DimensionDefaults, plan_dimensions
from destination_dynamics_nav.document_numbers import document_number
from destination_dynamics_nav.duplicate_guard import DuplicateFinding
from destination_dynamics_nav.mapping import MappedInvoice, PostingDocument, document_of, map_invoice
from destination_dynamics_nav.outcomes import Problem, reason_of
from destination_dynamics_nav.posting.base import InvoiceTask
from destination_dynamics_nav.records import StampliInvoice
from destination_dynamics_nav.reference_data import ReferenceData
from destination_dynamics_nav.validation import validate_mapped
from destination_dynamics_nav.vendors import VendorChange, VendorSync

VENDOR_NUMBER_MAX = 20  # Vendor."No." Code[20]


@dataclass(frozen=True)
class Screened:
    """An invoice in a posting or reversal status, mapped once and validated."""

    origin: RecordOrigin
    mapped: MappedInvoice
    problems: tuple[Problem, ...]
    reversal: bool

    @property
    def invoice(self) -> StampliInvoice:
        return self.mapped.invoice


@dataclass
class Screening:
    events: list[AuditEvent] = field(default_factory=list)  # invoices in a status that is not posted
    screened: list[Screened] = field(default_factory=list)
    # Vendors NAV lacks that invoices name (with a vendor name), by NAV number, when vendor_sync may create them.
    vendors_from_invoices: dict[str, VendorChange] = field(default_factory=dict)

    def vendors_needed(self, settings: DestinationSettings) -> list[VendorChange]:
        """The invoice vendors that valid invoices to post need: created before those invoices are written."""
        needed = {
            s.mapped.vendor_number
            for s in self.screened
            if not s.problems and s.mapped.vendor_number and settings.is_posting_status(s.invoice.status)
        }
        return [change for number, change in self.vendors_from_invoices.items() if number in needed]


@dataclass(frozen=True)
class VendorOutcomes:
    """How this sync's vendor writes went, as `decide` needs it."""

    failed: Mapping[str, str]  # NAV number → reason: creation failed in this flush
    rejected: Mapping[str, str]  # NAV number → reason: the vendor record was refused in this sync
    held_back: Callable[[str], DuplicateFinding | None]  # a possible duplicate the guard blocked


def screen(
    parsed: list[tuple[RecordOrigin, StampliInvoice]],
    settings: DestinationSettings,
    reference: ReferenceData,
    vendors: VendorSync,
    *,
    local_currency: str | None,
) -> Screening:
    result = Screening()
    mapped = [(origin, map_invoice(invoice, settings, local_currency=local_currency)) for origin, invoice in parsed]
    result.vendors_from_invoices = _vendors_from_invoices(mapped, settings, reference, vendors)
    for origin, invoice_map in mapped:
        invoice = invoice_map.invoice
        reversal = settings.is_reversal_status(invoice.status)
        if not (settings.is_posting_status(invoice.status) or reversal):
            result.events.append(
                AuditEvent(
                    origin,
                    "ignored",
                    amount=invoice.invoice_total,
                    vendor=invoice.vendor_id,
                    reason=f"status_not_posted: status {invoice.status!r} is not in posting_statuses "
                    f"({', '.join(settings.posting_statuses)}) and is not a reversal",
                )
            )
            continue
        problems = validate_mapped(
            invoice_map, settings, reference, vendors_to_create=set(result.vendors_from_invoices)
        )
        result.screened.append(Screened(origin, invoice_map, tuple(problems), reversal))
    return result


def _vendors_from_invoices(
    mapped: list[tuple[RecordOrigin, MappedInvoice]],
    settings: DestinationSettings,
    reference: ReferenceData,
    vendors: VendorSync,
) -> dict[str, VendorChange]:
    """Vendors NAV lacks that invoices name (with a vendor name), when vendor_sync may create vendors."""
    if settings.vendor_sync == "off":
        return {}
    changes: dict[str, VendorChange] = {}
    for origin, invoice_map in mapped:
        invoice, number = invoice_map.invoice, invoice_map.vendor_number
        if not invoice.vendor_id or not invoice.vendor_name:
            continue
        if len(number) > VENDOR_NUMBER_MAX or reference.vendor(number) is not None or number in changes:
            continue
        if number in vendors.rejected:
            continue  # its vendor record was refused: no bare vendor of the same number from the invoice
        change = vendors.plan_from_invoice(origin, number, invoice.vendor_id, invoice.vendor_name)
        duplicate = vendors.guard.check_invoice_vendor(number, invoice.vendor_name)
        if duplicate is not None and vendors.guard.mode == "block":
            continue  # held back: the invoice is rejected by `decide` with the finding
        if duplicate is not None:
            change.notes.append(f"possible_duplicate_vendor: looks like NAV vendor {duplicate.nav_number}")
        changes[number] = change
    return changes


def decide(
    screened: list[Screened],
    settings: DestinationSettings,
    reference: ReferenceData,
    vendors: VendorOutcomes,
    dimension_defaults: DimensionDefaults,
) -> tuple[list[AuditEvent], list[InvoiceTask]]:
    """Each screened invoice → a task for the poster, or its rejection (one event)."""
    events: list[AuditEvent] = []
    tasks: list[InvoiceTask] = []
    vendor_invoices: dict[tuple[str, str], str] = {}
    for item in screened:
        invoice, vendor_number = item.invoice, item.mapped.vendor_number
        problems = _with_vendor_outcomes(item, reference, vendors)
        if not problems and not item.reversal and invoice.invoice_number:
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
        if problems and not item.reversal:
            events.append(_rejection(item, reason_of(problems)))
            continue
        if problems:  # a voided invoice that does not validate can still be found in NAV and withdrawn
            tasks.append(InvoiceTask(item.origin, "reverse", stub_document(item.mapped, settings), tuple(problems)))
            continue
        document = document_of(item.mapped, settings)
        plan = plan_dimensions(
            document, dimension_defaults, header_inherits=settings.posting_mode == "purchase_invoice"
        )
        if isinstance(plan, Problem):
            if not item.reversal:  # BC would refuse it at posting: rejected before anything is written
                events.append(_rejection(item, str(plan)))
                continue
        else:
            document = replace(document, dimension_plan=plan)
        tasks.append(InvoiceTask(item.origin, "reverse" if item.reversal else "post", document))
    return events, tasks


def _with_vendor_outcomes(item: Screened, reference: ReferenceData, vendors: VendorOutcomes) -> list[Problem]:
    """The invoice's problems given this sync's vendor writes: a refused or held-back vendor replaces whatever
    validation said about it (e.g. unknown_vendor), as it names the cause."""
    number = item.mapped.vendor_number
    problems = list(item.problems)
    if not problems and number in vendors.failed:
        problems = [Problem("vendor_creation_failed", vendors.failed[number])]
    in_nav = reference.vendor(number) is not None
    rejected = vendors.rejected.get(number)
    if rejected is not None and not in_nav:
        # The vendor record was refused in this sync: never post to a bare vendor made from the invoice.
        problems = [
            Problem(
                "vendor_rejected",
                f"vendor {number} was rejected in this sync and does not exist in NAV ({rejected}); "
                "fix the vendor in Stampli and the invoice is posted with it",
            )
        ]
    held = vendors.held_back(number) if number else None
    if held is not None and not item.reversal and not in_nav:
        # Issue 15: never post to (or create) a duplicate of a vendor NAV has under another number.
        problems = [Problem("possible_duplicate_vendor", held.invoice_message(item.invoice.vendor_id or ""))]
    return problems


def _rejection(item: Screened, reason: str) -> AuditEvent:
    return AuditEvent(
        item.origin,
        "rejected",
        amount=item.invoice.invoice_total,
        vendor=item.mapped.vendor_number or None,
        reason=reason,
    )


def stub_document(mapped: MappedInvoice, settings: DestinationSettings) -> PostingDocument:
    """Enough of a document to look a voided, invalid invoice up in NAV (never enough to post one)."""
    invoice = mapped.invoice
    return PostingDocument(
        invoice_id=invoice.invoice_id,
        invoice_number=invoice.invoice_number or "",
        document_number=document_number(settings.document_number_prefix, invoice.invoice_id),
        external_document_number=invoice.invoice_number or "",
        vendor_number=mapped.vendor_number,
        posting_date=dt.date.min,
        document_date=None,
        due_date=None,
        currency_code="",
        lines=(),
    )
