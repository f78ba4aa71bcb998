"""The acceptance figures of issue 15 on the generated go-live fixture (~300 vendors each side)."""

from __future__ import annotations

import pytest
from vendor_fixture import Fixture, generate

from vendor_matching import Confidence, MatchReport, MatchStatus, VendorProfile, match_vendors


@pytest.fixture(scope="module")
def fixture() -> Fixture:
    return generate()


@pytest.fixture(scope="module")
def report(fixture: Fixture) -> MatchReport:
    return match_vendors(
        [VendorProfile.from_stampli(v) for v in fixture.stampli], [VendorProfile.from_nav(v) for v in fixture.nav]
    )


def test_fixture_is_the_realistic_size_and_deterministic(fixture: Fixture) -> None:
    assert 280 <= len(fixture.stampli) <= 330 and 280 <= len(fixture.nav) <= 330
    assert len(fixture.truth) >= 240
    assert generate().stampli == fixture.stampli, "same seed, same vendors"
    stampli_ids = {v["vendor_id"] for v in fixture.stampli}
    assert not stampli_ids & {v["number"] for v in fixture.nav}, "the two sides are keyed differently"


def test_at_least_95_percent_of_true_pairs_are_high_and_no_high_pair_is_wrong(
    fixture: Fixture, report: MatchReport
) -> None:
    high = report.high_pairs()
    wrong = {stampli: nav for stampli, nav in high.items() if fixture.truth.get(stampli) != nav}
    assert wrong == {}, f"wrong high-confidence pairs: {wrong}"
    right = sum(1 for stampli, nav in high.items() if fixture.truth.get(stampli) == nav)
    assert right / len(fixture.truth) >= 0.95, f"{right} of {len(fixture.truth)} true pairs at high confidence"


def test_true_pairs_not_high_are_listed_for_review_with_their_nav_vendor(fixture: Fixture, report: MatchReport) -> None:
    by_id = {m.stampli.key: m for m in report.matches}
    rest = [stampli for stampli in fixture.truth if not by_id[stampli].is_high]
    assert set(fixture.hard) <= set(rest), "the pairs with almost no evidence are not auto-accepted"
    for stampli in rest:
        match = by_id[stampli]
        assert match.status in (MatchStatus.PROPOSED, MatchStatus.AMBIGUOUS)
        shown = {c.nav.key for c in (match.best, *match.alternatives) if c is not None}
        assert fixture.truth[stampli] in shown, f"{stampli}: the true NAV vendor is among the candidates shown"


def test_namesakes_in_other_cities_and_sister_companies_are_never_high(fixture: Fixture, report: MatchReport) -> None:
    unpaired = [m for m in report.matches if m.stampli.key not in fixture.truth]
    assert unpaired, "the fixture has Stampli-only vendors"
    assert not [m.stampli.key for m in unpaired if m.is_high]
    namesakes = [m for m in unpaired if m.status is MatchStatus.AMBIGUOUS or m.confidence is Confidence.MEDIUM]
    assert len(namesakes) >= 8, "chain namesakes and sister companies show up for review, not as unmatched"
