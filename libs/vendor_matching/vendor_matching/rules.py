"""The pairing rules: how strongly one Stampli vendor and one NAV vendor look like the same company, and why.

In order of strength:
1. the tax id / VAT registration number (normalised) is the same;
2. the normalised name (a typo allowed) with the same postal code;
3. the normalised name with the same company e-mail domain or phone number.
A tax id that differs on both sides vetoes "high" whatever else agrees (two companies of one group share names and
addresses, never tax ids). The same name in another postal code is at most "medium": chains and franchises share
names across cities.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from vendor_matching.profiles import VendorProfile

# A name this similar after normalisation is a typo of the same name ("Fabrikam" / "Fabrkam" = 0.93).
TYPO_SIMILARITY = 0.88
# Below this, a shared tax id is still shown, but as something to check (renamed company, data-entry error).
TAX_ID_NAME_SIMILARITY = 0.6


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


@dataclass(frozen=True)
class PairEvidence:
    """One candidate pair: how confident, a score to order candidates of one confidence, and the evidence."""

    nav: VendorProfile
    confidence: Confidence
    score: float
    evidence: tuple[str, ...]

    def describe(self) -> str:
        return "; ".join(self.evidence)


def name_similarity(left: VendorProfile, right: VendorProfile) -> float:
    if not left.norm_name or not right.norm_name:
        return 0.0
    if left.norm_name == right.norm_name:
        return 1.0
    # Word order does not make another company ("Smith & Jones" / "Jones & Smith"): compare sorted words too.
    direct = SequenceMatcher(None, left.norm_name, right.norm_name).ratio()
    ordered = SequenceMatcher(None, " ".join(sorted(left.tokens)), " ".join(sorted(right.tokens))).ratio()
    return max(direct, ordered)


def _same(left: str, right: str) -> bool | None:
    """True / False when both sides have a value, None when either is missing."""
    if not left or not right:
        return None
    return left == right


def compare(stampli: VendorProfile, nav: VendorProfile) -> PairEvidence | None:
    """The evidence that `stampli` and `nav` are one company, or None when nothing links them."""
    tax = _same(stampli.norm_tax_id, nav.norm_tax_id)
    postal = _same(stampli.norm_postal_code, nav.norm_postal_code)
    domain = _same(stampli.domain, nav.domain)
    phone = _same(stampli.norm_phone, nav.norm_phone)
    similarity = name_similarity(stampli, nav)
    similar_name = similarity >= TYPO_SIMILARITY
    evidence: list[str] = []
    if tax:
        evidence.append(f"same tax id {nav.norm_tax_id}")
    if similarity == 1.0:
        evidence.append(f"same name '{nav.norm_name}'")
    elif similar_name:
        evidence.append(f"similar name ({similarity:.2f}) '{stampli.norm_name}' / '{nav.norm_name}'")
    if postal:
        evidence.append(f"same postal code {nav.norm_postal_code}")
    if domain:
        evidence.append(f"same e-mail domain {nav.domain}")
    if phone:
        evidence.append(f"same phone {nav.norm_phone}")
    if not evidence or evidence == [f"same postal code {nav.norm_postal_code}"]:
        return None  # a shared postal code alone links half a business park
    if tax is False:
        evidence.append(f"tax ids differ ({stampli.norm_tax_id} / {nav.norm_tax_id})")
    if postal is False:
        evidence.append(f"postal codes differ ({stampli.norm_postal_code} / {nav.norm_postal_code})")

    score = (100.0 if tax else 0.0) + 10.0 * similarity + (5.0 if postal else 0.0)
    score += (3.0 if domain else 0.0) + (3.0 if phone else 0.0) - (50.0 if tax is False else 0.0)
    return PairEvidence(nav, _confidence(tax, postal, domain, phone, similarity), round(score, 2), tuple(evidence))


def _confidence(
    tax: bool | None, postal: bool | None, domain: bool | None, phone: bool | None, similarity: float
) -> Confidence:
    similar_name = similarity >= TYPO_SIMILARITY
    contact = bool(domain) or bool(phone)
    if tax:
        return Confidence.HIGH if similarity >= TAX_ID_NAME_SIMILARITY else Confidence.MEDIUM
    if tax is False:
        # Different tax ids: never the same company automatically; a near-identical name is worth a look.
        return Confidence.MEDIUM if similar_name and (postal or contact) else Confidence.LOW
    if similar_name and postal:
        return Confidence.HIGH
    if similar_name and contact and postal is not False:
        return Confidence.HIGH
    if similar_name:
        return Confidence.MEDIUM  # same name, another or unknown postal code: a branch, a namesake, or a move
    if contact and similarity >= TAX_ID_NAME_SIMILARITY:
        return Confidence.MEDIUM
    return Confidence.LOW
