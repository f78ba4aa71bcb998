"""Vendor matching between Stampli and NAV: one rule set for `stampli-nav match-vendors` (go-live mapping) and
destination-dynamics-nav's duplicate-vendor guard, so both agree on what "the same vendor" means."""

from vendor_matching.matcher import MatchReport, MatchStatus, NavVendorIndex, VendorMatch, match_vendors
from vendor_matching.profiles import VendorProfile
from vendor_matching.rules import Confidence, PairEvidence, compare

__all__ = [
    "Confidence",
    "MatchReport",
    "MatchStatus",
    "NavVendorIndex",
    "PairEvidence",
    "VendorMatch",
    "VendorProfile",
    "compare",
    "match_vendors",
]
