"""Vendors: create or update NAV vendors from Stampli, with ETags; an update that changes nothing sends nothing.

Stampli is the master for the fields it exports. A field Stampli leaves empty is left alone in NAV (Stampli may
simply not know it), and a NAV-side payment hold (`blocked = "Payment"`) is not Stampli's to release.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.batch import BatchOperation
from bc_client.enums import same_enum
from bc_client.errors import BCError, ConcurrencyConflictError, EntityExistsError
from destination_dynamics_nav.audit import AuditEvent, RecordOrigin
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.document_numbers import DOCUMENT_NUMBER_MAX
from destination_dynamics_nav.duplicate_guard import DuplicateGuard
from destination_dynamics_nav.lookups import single
from destination_dynamics_nav.mapping import nav_vendor_number
from destination_dynamics_nav.outcomes import reason_of
from destination_dynamics_nav.posting.base import outcome_unknown, refused
from destination_dynamics_nav.records import StampliVendor
from destination_dynamics_nav.reference_data import VENDOR_FIELDS, NavVendor, ReferenceData, code_key
from destination_dynamics_nav.vendor_validation import vendor_field_problems
from stampli_nav_rules import VENDOR_FIELDS as VENDOR_FIELD_MAP
from stampli_nav_rules import is_inactive_status
from vendor_matching import VendorProfile

logger = logging.getLogger("airbyte")

# NAV's field lengths on the Vendor table (Name Text[100], Address 2 Text[50], City Text[30], ...): shared with
# destination-stampli-sftp, which compares Stampli's export with NAV's truncated values through them.
FIELD_LIMITS = {field.nav: field.nav_length for field in VENDOR_FIELD_MAP}
CODE_FIELDS = frozenset({"country", "currencyCode", "postalCode"})
# Compared without case: NAV upper-cases the VAT Registration No. on validate (Vendor.Table.al field 86), so a
# Stampli value in lower case is not a change.
CASELESS_FIELDS = frozenset({"taxRegistrationNumber"})
# BC's refusal of a vendor number typed in when the vendor No. Series has no Manual Nos. (NoSeries TestManual).
_NOT_MANUAL = "You may not enter numbers manually"
ROUNDS = 3


@dataclass
class VendorChange:
    """What the connector wants a NAV vendor to look like, and anything it could not carry over."""

    origin: RecordOrigin
    number: str
    desired: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    source: str = "vendors stream"
    # The Stampli record, so that what to send is worked out again against NAV's current vendor after a re-read.
    record: StampliVendor | None = None
    # False for vendor_sync create_only and for vendors made from an invoice: never change an existing vendor.
    may_update: bool = True
    # A create whose answer was lost: if NAV has the vendor afterwards, this run created it.
    create_attempted: bool = False


def _same(field_name: str, current: Any, desired: Any, local_currency: str | None = None) -> bool:
    if field_name == "blocked":
        # An enum: " " and "_x0020_" (BC's member name for blank), or a different case, are not a change.
        return same_enum(str(current or " "), str(desired or " "))
    if field_name == "paymentTermsId":
        return str(current or "").lower() == str(desired or "").lower()
    left, right = str(current or "").strip(), str(desired or "").strip()
    if field_name in CODE_FIELDS or field_name in CASELESS_FIELDS:
        left, right = left.upper(), right.upper()
        if field_name == "currencyCode" and local_currency:
            # BC's API page shows the local currency's code where the vendor's is blank (and stores it blank on
            # write): both spellings are the same currency, so neither is a change.
            lcy = local_currency.strip().upper()
            left, right = ("" if left == lcy else left), ("" if right == lcy else right)
    return left == right


def changed_fields(current: NavVendor, desired: dict[str, Any], local_currency: str | None = None) -> dict[str, Any]:
    """The fields whose NAV value differs from the desired one (nothing else is sent)."""
    return {
        name: value
        for name, value in desired.items()
        if not _same(name, current.fields.get(name), value, local_currency)
    }


def desired_blocked(status: str | None, current: NavVendor | None) -> str | None:
    if status is None:
        return None
    if is_inactive_status(status):
        return "All"
    if current is not None and same_enum(current.blocked, "Payment"):
        return None  # a payment hold set in NAV stays
    return " "


def vendor_fields(
    vendor: StampliVendor,
    reference: ReferenceData,
    current: NavVendor | None,
    *,
    local_currency: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """The NAV vendor fields for a Stampli vendor record, plus notes on what could not be carried over."""
    notes: list[str] = []
    candidates: dict[str, str | None] = {field.nav: getattr(vendor, field.stampli) for field in VENDOR_FIELD_MAP}
    if vendor.country:
        candidates["country"] = vendor.country.upper()  # a Code field: NAV stores it upper-case
    desired: dict[str, Any] = {}
    for name, value in candidates.items():
        if value is None:
            continue
        limit = FIELD_LIMITS[name]
        if len(value) > limit:
            notes.append(f"{name}_truncated: NAV holds {limit} characters")
            value = value[:limit]
        desired[name] = value

    if vendor.currency:
        code = code_key(vendor.currency)
        if local_currency is not None and code == code_key(local_currency):
            desired["currencyCode"] = ""  # NAV writes its local currency as blank
        elif reference.currencies is not None and code not in reference.currencies:
            notes.append(f"unknown_currency: currency {code} does not exist in NAV; currency left unchanged")
        else:
            desired["currencyCode"] = code
    if vendor.payment_terms:
        terms_id = (reference.payment_terms or {}).get(code_key(vendor.payment_terms))
        if terms_id is None:
            notes.append(
                f"unknown_payment_terms: payment terms {code_key(vendor.payment_terms)} do not exist in NAV; "
                "payment terms left unchanged"
            )
        else:
            desired["paymentTermsId"] = terms_id
    blocked = desired_blocked(vendor.status, current)
    if blocked is not None:
        desired["blocked"] = blocked
    return desired, notes


@dataclass
class PlannedWrite:
    """One vendor write decided by `VendorSync._plan_write`: a create (body holds the number) or an update (the
    changed fields only, sent with the vendor's ETag)."""

    change: VendorChange
    kind: str  # "create" | "update"
    body: dict[str, Any]
    etag: str = "*"
    vendor_id: str = ""


class VendorSync:
    """Creates and updates NAV vendors in $batch rounds; conflicts and lost responses are re-read, not guessed."""

    def __init__(
        self,
        bc: BusinessCentralClient,
        settings: DestinationSettings,
        reference: ReferenceData,
        *,
        local_currency: str | None,
    ) -> None:
        self.bc = bc
        self.settings = settings
        self.reference = reference
        self.local_currency = local_currency
        # NAV vendor numbers rejected in this sync (number → reason): their invoices must not create a bare vendor.
        self.rejected: dict[str, str] = {}
        self.guard = DuplicateGuard(settings.vendor_duplicate_check, reference)

    # -- the vendors stream -----------------------------------------------------------------------------------
    def plan_record(self, origin: RecordOrigin, vendor: StampliVendor) -> VendorChange | AuditEvent:
        """A change to apply, or the final event when there is nothing to write."""
        if self.settings.vendor_sync == "off":
            return AuditEvent(origin, "ignored", reason="vendor_sync_off: vendor_sync is off, vendors are not written")
        number = nav_vendor_number(vendor.vendor_id, self.settings)
        if len(number) > DOCUMENT_NUMBER_MAX:
            return AuditEvent(
                origin,
                "rejected",
                vendor=number[:DOCUMENT_NUMBER_MAX],
                reason=f"vendor_number_too_long: vendor id {vendor.vendor_id!r} has more than {DOCUMENT_NUMBER_MAX} "
                "characters; map it to a NAV vendor number with vendor_number_mapping",
            )
        current = self.reference.vendor(number)
        if current is None and not vendor.vendor_name:
            return AuditEvent(
                origin, "rejected", vendor=number, reason="missing_vendor_name: a new NAV vendor needs a name"
            )
        if current is not None and self.settings.vendor_sync == "create_only":
            return AuditEvent(
                origin,
                "vendor_unchanged",
                vendor=number,
                reason="create_only: the vendor exists and vendor_sync is create_only",
            )
        desired, notes = vendor_fields(vendor, self.reference, current, local_currency=self.local_currency)
        to_send = desired if current is None else changed_fields(current, desired, self.local_currency)
        problems = vendor_field_problems(to_send, self.reference.countries)
        if problems:
            reason = reason_of(problems)
            self.rejected[number] = reason
            return AuditEvent(origin, "rejected", vendor=number, reason=reason)
        if current is None and (
            duplicate := self.guard.check_vendor(number, VendorProfile.from_stampli(vendor.model_dump()))
        ):
            if self.guard.mode == "block":
                return AuditEvent(origin, "rejected", vendor=number, reason=duplicate.reason(vendor.vendor_id))
            notes.append(
                f"possible_duplicate_vendor: looks like NAV vendor {duplicate.nav_number} ({duplicate.evidence}); "
                "created anyway because vendor_duplicate_check is warn"
            )
        return VendorChange(
            origin=origin,
            number=number,
            desired=desired,
            notes=notes,
            record=vendor,
            may_update=self.settings.vendor_sync == "create_and_update",
        )

    def plan_from_invoice(self, origin: RecordOrigin, number: str, vendor_id: str, vendor_name: str) -> VendorChange:
        """A minimal vendor (number and name) for an invoice whose vendor NAV does not know yet."""
        return VendorChange(
            origin=RecordOrigin(
                stream="vendors", key=vendor_id, source_file=origin.source_file, source_rows=origin.source_rows
            ),
            number=number,
            desired={"displayName": vendor_name[: FIELD_LIMITS["displayName"]]},
            source=f"invoice {origin.key}",
            may_update=False,
        )

    def apply(self, changes: Sequence[VendorChange], events: list[AuditEvent]) -> dict[str, str]:
        """Create or update each vendor; append one event per change. Returns failed vendor numbers → reason."""
        failures: dict[str, str] = {}
        pending = list(changes)
        for _ in range(ROUNDS):
            if not pending:
                return failures
            pending = self._round(pending, events, failures)
        for change in pending:
            reason = "vendor_write_failed: NAV kept changing the vendor while it was being updated"
            failures[change.number] = reason
            self.rejected[change.number] = reason
            events.append(AuditEvent(change.origin, "rejected", vendor=change.number, reason=reason))
        return failures

    def _round(
        self, changes: list[VendorChange], events: list[AuditEvent], failures: dict[str, str]
    ) -> list[VendorChange]:
        """Decide each change against NAV's vendor as it is now, then write what needs writing; returns the changes
        to plan again (re-read after a conflict or a lost answer)."""
        planned: list[PlannedWrite] = []
        for change in changes:
            write = self._plan_write(change, events)
            if write is not None:
                planned.append(write)
        return self._write(planned, events, failures) if planned else []

    def _fit(self, change: VendorChange) -> None:
        """Adjust the desired fields to the target's field sizes before comparing (classic NAV cuts more)."""

    def _plan_write(self, change: VendorChange, events: list[AuditEvent]) -> PlannedWrite | None:
        """What to send for one change, or None when an event already settles it (pure: no NAV call)."""
        current = self.reference.vendor(change.number)
        if current is None:
            self._fit(change)
            return PlannedWrite(change, "create", {"number": change.number, **change.desired})
        if change.record is not None:
            # Against NAV's vendor as it is now (it may have been re-read after a conflict): e.g. a payment hold
            # put on meanwhile is kept, not overwritten with what was planned from the older copy.
            change.desired, change.notes = vendor_fields(
                change.record, self.reference, current, local_currency=self.local_currency
            )
        self._fit(change)
        diff = changed_fields(current, change.desired, self.local_currency)
        if change.create_attempted and not diff:
            events.append(self._event(change, "vendor_created"))
            return None
        if not change.may_update:
            reason = "exists: vendor_sync is create_only" if change.record is not None else "exists in NAV"
            events.append(self._event(change, "vendor_unchanged", prefix=reason))
            return None
        if not diff:
            events.append(self._event(change, "vendor_unchanged"))
            return None
        return PlannedWrite(change, "update", diff, etag=current.etag or "*", vendor_id=current.id)

    def _write(
        self, planned: list[PlannedWrite], events: list[AuditEvent], failures: dict[str, str]
    ) -> list[VendorChange]:
        """One $batch for the round's creates and updates."""
        operations = [
            BatchOperation("POST", "vendors", body=w.body)
            if w.kind == "create"
            else BatchOperation("PATCH", f"vendors({w.vendor_id})", body=w.body, etag=w.etag)
            for w in planned
        ]
        again: list[VendorChange] = []
        for write, result in zip(planned, self.bc.batch(operations), strict=True):
            change, kind = write.change, write.kind
            if outcome_unknown(result):
                # Whether it happened is unknown: re-read the vendor and plan again from NAV's answer.
                self._refresh([change.number])
                change.create_attempted = change.create_attempted or kind == "create"
                again.append(change)
            elif result.error is None:
                entity = result.body if isinstance(result.body, dict) and result.body.get("number") else None
                if entity is None:
                    self._refresh([change.number])
                else:
                    self.reference.remember_vendor(entity)
                self._written(write, events)
            elif isinstance(result.error, (EntityExistsError, ConcurrencyConflictError)):
                # Created meanwhile, or changed since read: re-read and compare again next round.
                self._refresh([change.number])
                again.append(change)
            elif refused(result):
                self._refused(write, result.error.message, events, failures)
        return again

    def _written(self, write: PlannedWrite, events: list[AuditEvent]) -> None:
        fields = ", ".join(sorted(k for k in write.body if k != "number"))
        action = "vendor_created" if write.kind == "create" else "vendor_updated"
        prefix = None if write.kind == "create" else f"updated: {fields}"
        events.append(self._event(write.change, action, prefix=prefix))

    def _refused(self, write: PlannedWrite, message: str, events: list[AuditEvent], failures: dict[str, str]) -> None:
        change = write.change
        reason = f"vendor_write_failed: {message}"
        if write.kind == "create" and _NOT_MANUAL in message:
            reason = (
                f"vendor_number_series_not_manual: NAV's vendor number series does not allow Manual Nos., so "
                f"vendor {change.number} cannot be created under the Stampli number ({message}); "
                "turn on Manual Nos. for the vendor No. Series in NAV"
            )
        failures[change.number] = reason
        self.rejected[change.number] = reason
        events.append(AuditEvent(change.origin, "rejected", vendor=change.number, reason=reason))

    def _refresh(self, numbers: list[str]) -> None:
        for number in numbers:
            entity = single(self.bc, "vendors", "number", number, VENDOR_FIELDS)
            if entity is not None:
                self.reference.remember_vendor(entity)
            else:
                self.reference.vendors.pop(code_key(number), None)

    def _event(self, change: VendorChange, action: Any, prefix: str | None = None) -> AuditEvent:
        parts = [p for p in (prefix, *change.notes) if p]
        if change.source != "vendors stream":
            parts.append(f"from_invoice: created from the vendor fields of {change.source}")
        return AuditEvent(change.origin, action, vendor=change.number, reason="; ".join(parts) or None)


class RecordsVendorWrites:
    """Dry run: vendors are planned like a real run, then what would be written is recorded; nothing is written.
    Mixed in before a VendorSync (API or classic NAV) to replace its `_write`."""

    reference: ReferenceData

    def _write(
        self, planned: list[PlannedWrite], events: list[AuditEvent], failures: dict[str, str]
    ) -> list[VendorChange]:
        for write in planned:
            if write.kind == "create":
                what = "would_create_vendor"
                # Invoices of this vendor are validated as if it existed.
                self.reference.remember_vendor({"id": "", **write.body})
            else:
                what = f"would_update_vendor: {', '.join(sorted(write.body))}"
            events.append(self._event(write.change, "dry_run", prefix=what))  # type: ignore[attr-defined]
        return []


class DryRunVendorSync(RecordsVendorWrites, VendorSync):
    """VendorSync's dry-run twin."""


def load_vendor_codes(bc: BusinessCentralClient, reference: ReferenceData) -> None:
    """Countries/regions, currencies and payment terms, read on the first vendor record of a sync (invoices do not need them)."""
    if reference.currencies is None:
        try:
            reference.currencies = frozenset(
                code_key(c["code"]) for c in bc.iter_entities("currencies", select=["code"])
            )
        except BCError as error:
            logger.warning(
                "Could not read NAV currencies (%s); vendor currency codes are sent unchecked", error.message
            )
            reference.currencies = None
    if reference.countries is None:
        try:
            reference.countries = frozenset(
                code_key(c["code"]) for c in bc.iter_entities("countriesRegions", select=["code"])
            )
        except BCError as error:
            logger.warning(
                "Could not read NAV countries/regions (%s); vendor country codes are sent unchecked", error.message
            )
    if reference.payment_terms is None:
        try:
            reference.payment_terms = {
                code_key(t["code"]): str(t["id"]) for t in bc.iter_entities("paymentTerms", select=["id", "code"])
            }
        except BCError as error:
            logger.warning("Could not read NAV payment terms (%s); payment terms are not synced", error.message)
            reference.payment_terms = {}
