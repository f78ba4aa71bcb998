"""Vendors through the Vendor Card service (page 26): the API mode's vendor rules, one page request per vendor.

Planning (which fields, lengths, Blocked captions, duplicate guard, field validation) is `vendors.VendorSync`'s,
unchanged; only the writes differ: page web services have no `$batch`, and the card is keyed by `No`.
"""

from __future__ import annotations

from typing import Any

from bc_client.errors import BCError, ConcurrencyConflictError, EntityExistsError, WriteOutcomeUnknownError
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.nav_classic.pages import PageClient, vendor_card_body, vendor_entity
from destination_dynamics_nav.posting.base import is_business_error
from destination_dynamics_nav.reference_data import ReferenceData, code_key
from destination_dynamics_nav.vendors import VendorChange, VendorSync, changed_fields, vendor_fields

# NAV 2018 Vendor table (BaseApp Vendor.Table.al before BC 14 widened them): Name and Address are Text[50]; the
# other limits are the API mode's (vendors.FIELD_LIMITS).
NAV2018_VENDOR_LIMITS = {"displayName": 50, "addressLine1": 50}


PAYMENT_TERMS_NOTE = (
    "payment_terms_not_synced: the published page services include no payment terms list to check the code "
    "against, so payment terms are left as they are in NAV (set them on the vendor card)"
)


def fit_classic(change: VendorChange) -> None:
    """Cut values to NAV 2018's field sizes before comparing and sending (so a long Stampli name is not a change
    on every run), with the API mode's `<field>_truncated` note; say why payment terms are not carried over."""
    change.notes = [PAYMENT_TERMS_NOTE if n.startswith("unknown_payment_terms") else n for n in change.notes]
    for name, limit in NAV2018_VENDOR_LIMITS.items():
        value = change.desired.get(name)
        if isinstance(value, str) and len(value) > limit:
            change.desired[name] = value[:limit]
            note = f"{name}_truncated: NAV holds {limit} characters"
            if note not in change.notes:
                change.notes = [n for n in change.notes if not n.startswith(f"{name}_truncated")] + [note]


class ClassicVendorSync(VendorSync):
    def __init__(
        self,
        client: PageClient,
        settings: DestinationSettings,
        reference: ReferenceData,
        *,
        dry_run: bool,
        local_currency: str | None,
    ) -> None:
        super().__init__(client, settings, reference, dry_run=dry_run, local_currency=local_currency)  # type: ignore[arg-type]
        self.client = client
        reference.payment_terms = {}  # no payment terms page among the services: see fit_classic

    def _plan_write(self, change: VendorChange, events: list[AuditEvent]) -> tuple[str, dict[str, Any]] | None:
        """What to send for one change (as in VendorSync._round), or None when an event already settles it."""
        current = self.reference.vendor(change.number)
        if current is None:
            fit_classic(change)
            return "create", {"number": change.number, **change.desired}
        if change.record is not None:
            change.desired, change.notes = vendor_fields(
                change.record, self.reference, current, local_currency=self.local_currency
            )
        fit_classic(change)
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
        return "update", diff

    def _round(
        self, changes: list[VendorChange], events: list[AuditEvent], failures: dict[str, str]
    ) -> list[VendorChange]:
        again: list[VendorChange] = []
        for change in changes:
            planned = self._plan_write(change, events)
            if planned is None:
                continue
            kind, body = planned
            if self.dry_run:
                what = "would_create_vendor" if kind == "create" else f"would_update_vendor: {', '.join(sorted(body))}"
                if kind == "create":
                    self.reference.remember_vendor({"id": "", **body})
                events.append(self._event(change, "dry_run", prefix=what))
                continue
            try:
                if kind == "create":
                    entity = self.client.insert("vendors", vendor_card_body(body))
                else:
                    current = self.reference.vendor(change.number)
                    assert current is not None
                    entity = self.client.modify(
                        "vendors", {"No": change.number}, vendor_card_body(body), current.etag or "*"
                    )
            except WriteOutcomeUnknownError:
                self._refresh([change.number])  # whether it happened is unknown: plan again from NAV's answer
                change.create_attempted = change.create_attempted or kind == "create"
                again.append(change)
                continue
            except (EntityExistsError, ConcurrencyConflictError):
                self._refresh([change.number])  # created or changed meanwhile: compare again next round
                again.append(change)
                continue
            except BCError as error:
                if error.status in (409, 412):
                    self._refresh([change.number])
                    again.append(change)
                    continue
                if not is_business_error(error):
                    raise
                reason = f"vendor_write_failed: {error.message}"
                failures[change.number] = reason
                self.rejected[change.number] = reason
                events.append(AuditEvent(change.origin, "rejected", vendor=change.number, reason=reason))
                continue
            self.reference.remember_vendor(vendor_entity(entity))
            fields = ", ".join(sorted(k for k in body if k != "number"))
            action = "vendor_created" if kind == "create" else "vendor_updated"
            events.append(self._event(change, action, prefix=None if kind == "create" else f"updated: {fields}"))
        return again

    def _refresh(self, numbers: list[str]) -> None:
        for number in numbers:
            card = self.client.get("vendors", {"No": number})
            if card is not None:
                self.reference.remember_vendor(vendor_entity(card))
            else:
                self.reference.vendors.pop(code_key(number), None)
