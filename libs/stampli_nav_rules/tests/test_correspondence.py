"""The Stampli <-> NAV correspondence every package applies."""

from __future__ import annotations

import pytest

from stampli_nav_rules import (
    GL_ACCOUNT_NAME_LENGTH,
    VENDOR_FIELDS,
    clean_mapping,
    is_inactive_status,
    nav_account_number,
    nav_code,
    nav_length,
    nav_vendor_number,
)


def test_nav_code_is_trimmed_and_upper_case() -> None:
    assert nav_code("  gl-6100 ") == "GL-6100"
    assert nav_code("straße") == "STRASSE"  # Python's upper(), as the destination has always sent it


def test_unmapped_codes_are_the_nav_number_as_nav_stores_it() -> None:
    assert nav_account_number(" 6100a ", {}) == "6100A"
    assert nav_vendor_number("v001", {}) == "V001"


def test_mapped_codes_use_the_mapping_looked_up_by_the_trimmed_code() -> None:
    accounts = {"travel": "6200"}
    assert nav_account_number(" travel ", accounts) == "6200"
    # The lookup is by the code as Stampli exports it (what destination-dynamics-nav has always done).
    assert nav_account_number("TRAVEL", accounts) == "TRAVEL"
    assert nav_vendor_number("acme", {"acme": "v10000"}) == "V10000"


def test_clean_mapping_gives_what_the_destination_config_produces() -> None:
    assert clean_mapping({" travel ": " 6200x ", "v1": 10000}) == {"travel": "6200X", "v1": "10000"}
    assert clean_mapping(None) == {}


@pytest.mark.parametrize("status", ["Inactive", " BLOCKED ", "archived", "Suspended", "deleted", "disabled"])
def test_inactive_statuses(status: str) -> None:
    assert is_inactive_status(status)


@pytest.mark.parametrize("status", [None, "", "Active", "on hold"])
def test_other_statuses_are_active(status: str | None) -> None:
    assert not is_inactive_status(status)


def test_vendor_field_map_has_nav_lengths_of_the_vendor_table() -> None:
    by_nav = {field.nav: field for field in VENDOR_FIELDS}
    assert by_nav["displayName"].stampli == "vendor_name"
    assert nav_length("vendor_name") == 100
    assert nav_length("address_line_2") == 50
    assert nav_length("country") == 10
    assert nav_length("tax_id") == 20
    assert GL_ACCOUNT_NAME_LENGTH == 100
    assert len({field.stampli for field in VENDOR_FIELDS}) == len(VENDOR_FIELDS)
    with pytest.raises(KeyError):
        nav_length("currency")  # not a vendor card text field: no length rule
