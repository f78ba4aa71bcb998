"""Normalisation and the pairing rules, one behaviour per test."""

from __future__ import annotations

from vendor_matching import Confidence, MatchStatus, NavVendorIndex, VendorProfile, compare, match_vendors
from vendor_matching.normalize import (
    email_domain,
    name_tokens,
    normalize_phone,
    normalize_postal_code,
    normalize_tax_id,
)


def stampli(key: str = "S1", **fields: str) -> VendorProfile:
    return VendorProfile(key=key, **fields)


def nav(key: str = "V1", **fields: str) -> VendorProfile:
    return VendorProfile(key=key, **fields)


def test_names_lose_case_accents_punctuation_and_legal_forms() -> None:
    assert name_tokens("The Fabrikam, Inc.") == ("fabrikam",)
    assert name_tokens("FABRIKAM L.L.C.") == ("fabrikam",)
    assert name_tokens("Müller GmbH & Co. KG") == ("muller",)
    assert name_tokens("Contoso Limted") == ("contoso",), "a misspelt long legal form is still a legal form"
    assert name_tokens("Smith & Jones Ltd") == ("smith", "and", "jones")
    assert name_tokens("Inc") == ("inc",), "a name is never emptied"


def test_identifiers_normalise_their_formatting_only() -> None:
    assert normalize_tax_id("12-3456789") == normalize_tax_id("US 123456789") == "123456789"
    assert normalize_tax_id("000000000") == "", "a placeholder is no identity"
    assert normalize_postal_code("60601-1234") == "60601"
    assert normalize_phone("+1 (312) 555-0147") == normalize_phone("312.555.0147") == "3125550147"
    assert email_domain("AP@Fabrikam.com") == "fabrikam.com"
    assert email_domain("fabrikam.ap@gmail.com") == "", "a free mailbox says nothing about the company"


def test_same_tax_id_is_high_even_after_a_move() -> None:
    pair = compare(
        stampli(name="Fabrikam Inc", tax_id="12-3456789", postal_code="60601"),
        nav(name="Fabrikam, Inc.", tax_id="US123456789", postal_code="98101"),
    )
    assert pair is not None and pair.confidence is Confidence.HIGH
    assert "same tax id 123456789" in pair.evidence


def test_different_tax_ids_veto_high_whatever_else_agrees() -> None:
    pair = compare(
        stampli(name="Fabrikam", tax_id="12-3456789", postal_code="60601", email="a@fabrikam.com"),
        nav(name="Fabrikam", tax_id="98-7654321", postal_code="60601", email="b@fabrikam.com"),
    )
    assert pair is not None and pair.confidence is Confidence.MEDIUM
    assert any(e.startswith("tax ids differ") for e in pair.evidence)


def test_name_with_a_typo_and_the_postal_code_is_high() -> None:
    pair = compare(
        stampli(name="Fabrkam Traders", postal_code="60601"), nav(name="Fabrikam Traders Inc", postal_code="60601")
    )
    assert pair is not None and pair.confidence is Confidence.HIGH


def test_same_name_in_another_city_is_medium_at_most() -> None:
    pair = compare(
        stampli(name="Metro Supply", postal_code="78701", email="x@metrosupply.com"),
        nav(name="Metro Supply", postal_code="60601", email="y@metrosupply.com"),
    )
    assert pair is not None and pair.confidence is Confidence.MEDIUM


def test_name_and_phone_without_postal_code_is_high() -> None:
    pair = compare(stampli(name="Litware Inc", phone="312-555-0147"), nav(name="Litware", phone="(312) 555-0147"))
    assert pair is not None and pair.confidence is Confidence.HIGH


def test_a_shared_postal_code_alone_is_no_candidate() -> None:
    assert compare(stampli(name="Alpha", postal_code="60601"), nav(name="Omega", postal_code="60601")) is None


def test_two_stampli_vendors_claiming_one_nav_vendor_go_to_review() -> None:
    nav_vendor = nav(name="Fabrikam", postal_code="60601")
    report = match_vendors(
        [stampli("S1", name="Fabrikam", postal_code="60601"), stampli("S2", name="Fabrikam Inc", postal_code="60601")],
        [nav_vendor],
    )
    assert [m.status for m in report.matches] == [MatchStatus.AMBIGUOUS, MatchStatus.AMBIGUOUS]
    assert report.high_pairs() == {}


def test_mapped_vendors_and_nav_numbers_are_not_matched_again() -> None:
    report = match_vendors(
        [stampli("S1", name="Fabrikam", postal_code="60601"), stampli("V2", name="Contoso")],
        [nav("V1", name="Fabrikam", postal_code="60601"), nav("V2", name="Contoso")],
        existing_mapping={"S1": "v1"},
    )
    assert [(m.status, m.mapped_to) for m in report.matches] == [
        (MatchStatus.ALREADY_MAPPED, "V1"),
        (MatchStatus.ALREADY_MAPPED, "V2"),
    ]


def test_index_best_high_is_none_when_two_nav_vendors_fit_equally() -> None:
    index = NavVendorIndex(
        [nav("V1", name="Fabrikam", postal_code="60601"), nav("V2", name="Fabrikam Inc", postal_code="60601")]
    )
    assert index.best_high(stampli(name="Fabrikam", postal_code="60601")) is None
    assert index.best_high(stampli(name="Contoso")) is None
