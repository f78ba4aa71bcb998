"""The Stampli <-> NAV correspondence every package applies."""

from __future__ import annotations

import pytest

import stampli_nav_rules as rules


def test_nav_code_is_trimmed_and_upper_case() -> None:
    assert rules.nav_code("  gl-6100 ") == "GL-6100"
    assert rules.nav_code("straße") == "STRASSE"  # Python's upper(), as the destination has always sent it


def test_unmapped_codes_are_the_nav_number_as_nav_stores_it() -> None:
    assert rules.nav_account_number(" 6100a ", {}) == "6100A"
    assert rules.nav_vendor_number("v001", {}) == "V001"


def test_mapped_codes_use_the_mapping_looked_up_by_the_trimmed_code() -> None:
    accounts = {"travel": "6200"}
    assert rules.nav_account_number(" travel ", accounts) == "6200"
    # The lookup is by the code as Stampli exports it (what destination-dynamics-nav has always done).
    assert rules.nav_account_number("TRAVEL", accounts) == "TRAVEL"
    assert rules.nav_vendor_number("acme", {"acme": "v10000"}) == "V10000"


def test_clean_mapping_gives_what_the_destination_config_produces() -> None:
    assert rules.clean_mapping({" travel ": " 6200x ", "v1": 10000}) == {"travel": "6200X", "v1": "10000"}
    assert rules.clean_mapping(None) == {}


@pytest.mark.parametrize("status", ["Inactive", " BLOCKED ", "archived", "Suspended", "deleted", "disabled"])
def test_inactive_statuses(status: str) -> None:
    assert rules.is_inactive_status(status)


@pytest.mark.parametrize("status", [None, "", "Active", "on hold"])
def test_other_statuses_are_active(status: str | None) -> None:
    assert not rules.is_inactive_status(status)


def test_vendor_field_map_has_nav_lengths_of_the_vendor_table() -> None:
    by_nav = {field.nav: field for field in rules.VENDOR_FIELDS}
    assert by_nav["displayName"].stampli == "vendor_name"
    assert rules.nav_length("vendor_name") == 100
    assert rules.nav_length("address_line_2") == 50
    assert rules.nav_length("country") == 10
    assert rules.nav_length("tax_id") == 20
    assert rules.GL_ACCOUNT_NAME_LENGTH == 100
    assert len({field.stampli for field in rules.VENDOR_FIELDS}) == len(rules.VENDOR_FIELDS)
    with pytest.raises(KeyError):
        rules.nav_length("currency")  # not a vendor card text field: no length rule
