"""Pair every Stampli vendor with at most one NAV vendor, and say how sure the pairing is.

`NavVendorIndex` narrows the NAV vendors worth comparing (same tax id, postal code, e-mail domain, phone or a
shared name word) so that thousands of vendors compare in well under a second; `match_vendors` applies the rules
to each Stampli vendor and keeps a high-confidence pair only when it is unambiguous in both directions: one NAV
vendor claimed by two Stampli vendors (or two equally good NAV vendors for one Stampli vendor) goes to review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from vendor_matching.profiles import VendorProfile
from vendor_matching.rules import Confidence, PairEvidence, compare

# Words too common in company names to narrow anything down on their own.
# How much better (in rule score) the best of two high-confidence NAV candidates must be to be chosen: a postal code.
HIGH_MARGIN = 5.0
COMMON_WORDS = frozenset({"and", "of", "services", "service", "group", "supply", "supplies", "international"})


class MatchStatus(StrEnum):
    PROPOSED = "proposed"  # one best NAV vendor (see confidence)
    AMBIGUOUS = "ambiguous"  # several NAV vendors fit equally, or the NAV vendor fits several Stampli vendors
    UNMATCHED = "unmatched"  # no NAV vendor shares anything worth showing
    ALREADY_MAPPED = "already_mapped"  # vendor_number_mapping has it, or its id is a NAV vendor number


@dataclass
class VendorMatch:
    stampli: VendorProfile
    status: MatchStatus
    best: PairEvidence | None = None
    alternatives: list[PairEvidence] = field(default_factory=list)
    note: str = ""
    mapped_to: str = ""  # for already_mapped: the NAV number it maps to

    @property
    def confidence(self) -> Confidence | None:
        return None if self.best is None else self.best.confidence

    @property
    def is_high(self) -> bool:
        return self.status is MatchStatus.PROPOSED and self.confidence is Confidence.HIGH


@dataclass
class MatchReport:
    matches: list[VendorMatch]

    def by_status(self, status: MatchStatus) -> list[VendorMatch]:
        return [m for m in self.matches if m.status is status]

    def high_pairs(self) -> dict[str, str]:
        """Stampli vendor id → NAV vendor number for the unambiguous high-confidence pairs."""
        return {m.stampli.key: m.best.nav.key for m in self.matches if m.is_high and m.best is not None}

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for match in self.matches:
            label = match.status.value
            if match.status is MatchStatus.PROPOSED and match.confidence is not None:
                label = f"proposed_{match.confidence.value}"
            counts[label] += 1
        return dict(sorted(counts.items()))


class NavVendorIndex:
    """NAV's vendors, indexed by the values the rules compare."""

    def __init__(self, vendors: Iterable[VendorProfile]) -> None:
        self.vendors: dict[str, VendorProfile] = {}
        self._by: dict[str, dict[str, set[str]]] = {
            name: defaultdict(set) for name in ("tax", "postal", "domain", "phone", "word")
        }
        for vendor in vendors:
            self.add(vendor)

    def add(self, vendor: VendorProfile) -> None:
        key = vendor.key.upper()
        self.vendors[key] = vendor
        for index, value in self._keys(vendor):
            self._by[index][value].add(key)

    def get(self, number: str) -> VendorProfile | None:
        return self.vendors.get(number.strip().upper())

    @staticmethod
    def _keys(vendor: VendorProfile) -> list[tuple[str, str]]:
        keys = [
            ("tax", vendor.norm_tax_id),
            ("postal", vendor.norm_postal_code),
            ("domain", vendor.domain),
            ("phone", vendor.norm_phone),
        ]
        # Each word and its first four letters (a typo late in a word still meets its partner).
        for word in vendor.tokens:
            if word not in COMMON_WORDS and len(word) > 1:
                keys.append(("word", word))
                keys.append(("word", word[:4]))
        return [(index, value) for index, value in keys if value]

    def candidates(self, vendor: VendorProfile) -> list[PairEvidence]:
        """Every NAV vendor that shares something with `vendor`, best first."""
        numbers: set[str] = set()
        for index, value in self._keys(vendor):
            numbers |= self._by[index].get(value, set())
        found = [evidence for n in sorted(numbers) if (evidence := compare(vendor, self.vendors[n])) is not None]
        found.sort(key=lambda e: (-e.confidence.rank, -e.score, e.nav.key))
        return found

    def best_high(self, vendor: VendorProfile) -> PairEvidence | None:
        """The single NAV vendor that `vendor` matches with high confidence (None if none, or if several)."""
        candidates = self.candidates(vendor)
        if candidates and candidates[0].confidence is Confidence.HIGH and not _runner_up_close(candidates):
            return candidates[0]
        return None


def _runner_up_close(candidates: list[PairEvidence]) -> bool:
    """A second high-confidence candidate that scores within HIGH_MARGIN of the best: too close to choose."""
    return (
        len(candidates) > 1
        and candidates[1].confidence is Confidence.HIGH
        and candidates[0].score - candidates[1].score < HIGH_MARGIN
    )


def match_vendors(
    stampli_vendors: Iterable[VendorProfile],
    nav_vendors: Iterable[VendorProfile] | NavVendorIndex,
    existing_mapping: Mapping[str, str] | None = None,
) -> MatchReport:
    """Pair Stampli vendors with NAV vendors. Vendors already in `existing_mapping` (Stampli id → NAV number), or
    whose Stampli id is itself a NAV vendor number, are reported as already mapped and take no NAV vendor."""
    index = nav_vendors if isinstance(nav_vendors, NavVendorIndex) else NavVendorIndex(nav_vendors)
    mapping = {k.strip(): v.strip().upper() for k, v in (existing_mapping or {}).items()}
    taken: dict[str, str] = {nav: stampli for stampli, nav in mapping.items()}
    matches: list[VendorMatch] = []
    for vendor in stampli_vendors:
        if vendor.key in mapping:
            matches.append(
                VendorMatch(vendor, MatchStatus.ALREADY_MAPPED, mapped_to=mapping[vendor.key], note="in mapping")
            )
            continue
        if index.get(vendor.key) is not None:
            taken.setdefault(vendor.key.upper(), vendor.key)
            matches.append(
                VendorMatch(vendor, MatchStatus.ALREADY_MAPPED, mapped_to=vendor.key.upper(), note="id is a NAV number")
            )
            continue
        matches.append(_match_one(vendor, index))
    _resolve_conflicts(matches, taken)
    return MatchReport(matches)


def _match_one(vendor: VendorProfile, index: NavVendorIndex) -> VendorMatch:
    candidates = index.candidates(vendor)
    if not candidates:
        return VendorMatch(vendor, MatchStatus.UNMATCHED)
    best, others = candidates[0], candidates[1:5]
    tied = [c for c in others if c.confidence is best.confidence and c.score == best.score]
    if tied and best.confidence is not Confidence.LOW:
        names = ", ".join(c.nav.key for c in (best, *tied))
        return VendorMatch(vendor, MatchStatus.AMBIGUOUS, best, others, note=f"equally good NAV vendors: {names}")
    if best.confidence is Confidence.HIGH and _runner_up_close(candidates):
        note = f"two NAV vendors fit about equally well: {best.nav.key}, {others[0].nav.key}"
        return VendorMatch(vendor, MatchStatus.AMBIGUOUS, best, others, note=note)
    return VendorMatch(vendor, MatchStatus.PROPOSED, best, others)


def _resolve_conflicts(matches: list[VendorMatch], taken: dict[str, str]) -> None:
    """A NAV vendor can stand for one Stampli vendor only: when several claim it, none is high any more."""
    claims: dict[str, list[VendorMatch]] = defaultdict(list)
    for match in matches:
        if match.status is MatchStatus.PROPOSED and match.best is not None:
            claims[match.best.nav.key.upper()].append(match)
    for number, claimants in claims.items():
        owner = taken.get(number)
        if owner is not None:
            for match in claimants:
                match.status = MatchStatus.AMBIGUOUS
                match.note = f"NAV vendor {number} is already mapped to Stampli vendor {owner}"
            continue
        highs = [m for m in claimants if m.confidence is Confidence.HIGH]
        if len(highs) > 1:
            others = ", ".join(m.stampli.key for m in highs)
            for match in highs:
                match.status = MatchStatus.AMBIGUOUS
                match.note = f"NAV vendor {number} fits several Stampli vendors: {others}"
