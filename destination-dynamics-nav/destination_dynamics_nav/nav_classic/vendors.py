"""Vendors through the Vendor Card service (page 26): the API mode's vendor rules, one page request per vendor.

Planning (which fields, lengths, Blocked captions, duplicate guard, field validation) is `vendors.VendorSync`'s,
unchanged; only the writes differ: page web services have no `$batch`, and the card is keyed by `No`.
"""

from __future__ import annotations

from bc_client.errors import BCError, ConcurrencyConflictError, EntityExistsError, WriteOutcomeUnknownError
from destination_dynamics_nav.audit import AuditEvent
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.nav_classic.pages import PageClient, vendor_card_body, vendor_entity
from destination_dynamics_nav.posting.base import is_business_error
from destination_dynamics_nav.reference_data import ReferenceData, code_key
from destination_dynamics_nav.vendors import PlannedWrite, RecordsVendorWrites, VendorChange, VendorSync

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
        local_currency: str | None,
    ) -> None:
        super().__init__(client, settings, reference, local_currency=local_currency)  # type: ignore[arg-type]
        self.client = client
        reference.payment_terms = {}  # no payment terms page among the services: see fit_classic

    def _fit(self, change: VendorChange) -> None:
        fit_classic(change)

    def _write(
        self, planned: list[PlannedWrite], events: list[AuditEvent], failures: dict[str, str]
    ) -> list[VendorChange]:
        """One Vendor Card request per write (page web services have no $batch)."""
        again: list[VendorChange] = []
        for write in planned:
            change, kind, body = write.change, write.kind, write.body
            try:
                if kind == "create":
                    entity = self.client.insert("vendors", vendor_card_body(body))
                else:
                    entity = self.client.modify("vendors", {"No": change.number}, vendor_card_body(body), write.etag)
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
                self._refused(write, error.message, events, failures)
                continue
            self.reference.remember_vendor(vendor_entity(entity))
            self._written(write, events)
        return again

    def _refresh(self, numbers: list[str]) -> None:
        for number in numbers:
            card = self.client.get("vendors", {"No": number})
            if card is not None:
                self.reference.remember_vendor(vendor_entity(card))
            else:
                self.reference.vendors.pop(code_key(number), None)


class DryRunClassicVendorSync(RecordsVendorWrites, ClassicVendorSync):
    """ClassicVendorSync's dry-run twin."""
