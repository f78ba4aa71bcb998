import pytest

from destination_dynamics_nav.document_numbers import (
    DOCUMENT_NUMBER_MAX,
    EXTERNAL_DOCUMENT_NUMBER_MAX,
    document_number,
    normalize_prefix,
    reversal_document_number,
    reversal_external_document_number,
)


def test_short_plain_ids_stay_readable() -> None:
    assert document_number("STP", "INV-1001") == "STP-INV-1001"
    assert document_number("", "12345") == "12345"
    assert reversal_document_number("STP", "INV-1001") == "STP-INV-1001-R"


def test_numbers_are_deterministic_and_fit_even_for_long_ids() -> None:
    long_id = "9f3c2a1e-5b7d-4e8f-a0b1-c2d3e4f5a6b7"
    first = document_number("STP", long_id)
    assert first == document_number("STP", long_id)
    assert len(first) <= DOCUMENT_NUMBER_MAX
    assert len(reversal_document_number("STP", long_id)) <= DOCUMENT_NUMBER_MAX
    assert len(reversal_document_number("ABCDEFGH", long_id)) <= DOCUMENT_NUMBER_MAX


def test_long_ids_sharing_a_head_do_not_collide() -> None:
    ids = [f"STAMPLI-INVOICE-2026-{n:06d}" for n in range(5000)]
    numbers = {document_number("STP", i) for i in ids}
    assert len(numbers) == len(ids)
    assert all(len(n) <= DOCUMENT_NUMBER_MAX - 2 for n in numbers)


def test_ids_that_differ_only_in_case_get_different_numbers() -> None:
    # BC upper-cases Code fields: "inv-1" written as-is would become "INV-1" and collide.
    assert document_number("STP", "inv-1") != document_number("STP", "INV-1")
    assert document_number("STP", "inv-1") == document_number("STP", "inv-1").upper()


def test_prefix_rules() -> None:
    assert normalize_prefix(" stp ") == "STP"
    with pytest.raises(ValueError):
        normalize_prefix("TOO-LONG-PREFIX")
    with pytest.raises(ValueError):
        normalize_prefix("S'P")


def test_reversal_external_number_differs_and_fits() -> None:
    assert reversal_external_document_number("INV-1") == "INV-1-R"
    longest = "X" * EXTERNAL_DOCUMENT_NUMBER_MAX
    other = "X" * (EXTERNAL_DOCUMENT_NUMBER_MAX - 1) + "Y"
    assert len(reversal_external_document_number(longest)) == EXTERNAL_DOCUMENT_NUMBER_MAX
    assert reversal_external_document_number(longest) != reversal_external_document_number(other)
