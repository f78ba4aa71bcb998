"""The duplicate-vendor guard: do not create a NAV vendor that NAV already has under another number.

At go-live Stampli's vendor ids are not NAV's numbers. Without `vendor_number_mapping`, `vendor_sync` would create
a second "Fabrikam, Inc." beside NAV's own and post its invoices there. Before a vendor is created, the Stampli
vendor is compared with NAV's vendors using the same rules as `stampli-nav match-vendors` (libs/vendor_matching):

- block (default): a high-confidence match is not created (audit `rejected`, reason `possible_duplicate_vendor`
  naming the NAV vendor and the evidence) and the vendor's invoices are rejected until the pair is mapped;
- warn: the vendor is created anyway, its audit line carries the same finding;
- off: no check.

A vendor made from an invoice carries only a name, which alone never reaches high confidence. Such a vendor is
held back when exactly one NAV vendor has the same normalised name: creating a nameless-but-for-the-name twin is
the exact duplicate this guard exists for, and the invoice is simply rejected until `match-vendors` maps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from destination_dynamics_nav.reference_data import ReferenceData, code_key
from vendor_matching import NavVendorIndex, VendorProfile

DuplicateCheck = Literal["block", "warn", "off"]
MATCH_VENDORS_HINT = (
    "run `stampli-nav match-vendors <forward connection>` and accept the pair into vendor_number_mapping "
    "(or set vendor_duplicate_check to warn/off if both vendors are really wanted)"
)


@dataclass(frozen=True)
class DuplicateFinding:
    nav_number: str
    nav_name: str
    evidence: str

    def reason(self, stampli_id: str) -> str:
        return (
            f"possible_duplicate_vendor: Stampli vendor {stampli_id} looks like NAV vendor {self.nav_number} "
            f"'{self.nav_name}' ({self.evidence}); no vendor was created: {MATCH_VENDORS_HINT}"
        )

    def invoice_message(self, stampli_id: str) -> str:
        """The explanation for the invoice's `possible_duplicate_vendor` problem (the code is the Problem's)."""
        return (
            f"the invoice's vendor {stampli_id} looks like NAV vendor {self.nav_number} "
            f"'{self.nav_name}' ({self.evidence}) and was not created, so nothing is posted to a duplicate; "
            f"{MATCH_VENDORS_HINT}"
        )


def _profile(entity_fields: dict[str, object], number: str) -> VendorProfile:
    return VendorProfile.from_nav({**entity_fields, "number": number})


class DuplicateGuard:
    """Checks vendors about to be created; remembers the ones it held back so their invoices are rejected too."""

    def __init__(self, mode: DuplicateCheck, reference: ReferenceData) -> None:
        self.mode = mode
        self.reference = reference
        self.held: dict[str, DuplicateFinding] = {}  # NAV number the connector would have created -> finding
        self._index: NavVendorIndex | None = None
        self._indexed = 0

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def _nav_index(self) -> NavVendorIndex:
        # Rebuilt when the snapshot grew (vendors created by this sync count: two Stampli twins in one sync).
        if self._index is None or self._indexed != len(self.reference.vendors):
            self._index = NavVendorIndex(
                _profile(dict(v.fields), v.number) for v in self.reference.vendors.values() if v.number
            )
            self._indexed = len(self.reference.vendors)
        return self._index

    def check_vendor(self, number: str, profile: VendorProfile) -> DuplicateFinding | None:
        """A vendor record (all its fields) about to be created as NAV vendor `number`."""
        if not self.enabled:
            return None
        best = self._nav_index().best_high(profile)
        if best is None or code_key(best.nav.key) == code_key(number):
            return None
        return self._hold(number, DuplicateFinding(best.nav.key, best.nav.name, best.describe()))

    def check_invoice_vendor(self, number: str, vendor_name: str) -> DuplicateFinding | None:
        """A vendor about to be made from an invoice's vendor name only."""
        if not self.enabled:
            return None
        if code_key(number) in self.held:
            return self.held[code_key(number)]
        profile = VendorProfile(key=number, name=vendor_name)
        if not profile.norm_name:
            return None
        same_name = [c for c in self._nav_index().candidates(profile) if c.nav.norm_name == profile.norm_name]
        if len(same_name) != 1:
            return None
        nav = same_name[0].nav
        return self._hold(number, DuplicateFinding(nav.key, nav.name, f"same name '{nav.norm_name}'"))

    def _hold(self, number: str, finding: DuplicateFinding) -> DuplicateFinding:
        if self.mode == "block":
            self.held[code_key(number)] = finding
        return finding

    def held_back(self, number: str) -> DuplicateFinding | None:
        return self.held.get(code_key(number))
