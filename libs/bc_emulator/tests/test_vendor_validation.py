"""Vendor field validation like BaseApp Vendor.Table.al, and the countriesRegions entity it relates to."""

from __future__ import annotations

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of


def message_of(response: httpx.Response) -> str:
    """BC's error message without the correlation id BC appends."""
    return error_of(response)[2].split("  CorrelationId")[0]


def test_countries_regions_are_served_with_the_api_v2_shape(api: httpx.Client, company: str) -> None:
    rows = api.get(f"{company}/countriesRegions").json()["value"]
    codes = [row["code"] for row in rows]
    assert {"US", "CA", "GB", "DE", "DK"} <= set(codes) and codes == sorted(codes)
    assert set(rows[0]) == {"@odata.etag", "id", "code", "displayName", "addressFormat", "lastModifiedDateTime"}


def test_country_must_exist_in_countries_regions(api: httpx.Client, company: str) -> None:
    refused = api.post(f"{company}/vendors", json={"number": "V90001", "displayName": "X", "country": "ZZ"})
    assert (*error_of(refused)[:2], message_of(refused)) == (
        400,
        "Internal_InvalidTableRelation",
        "The field Country/Region Code of table Vendor contains a value (ZZ) that cannot be found in the related "
        "table (Country/Region).",
    )
    accepted = api.post(f"{company}/vendors", json={"number": "V90001", "displayName": "X", "country": "gb"})
    assert accepted.status_code == 201 and accepted.json()["country"] == "GB"


def test_phone_with_letters_and_malformed_email_are_refused(api: httpx.Client, company: str) -> None:
    phone = api.post(f"{company}/vendors", json={"number": "V90002", "displayName": "X", "phoneNumber": "555-CALL"})
    assert message_of(phone) == "Phone No. must not contain letters in Vendor: No.=V90002"
    email = api.post(f"{company}/vendors", json={"number": "V90002", "displayName": "X", "email": "ap@@x.example"})
    assert error_of(email)[:2] == (400, "Application_DialogException")
    assert message_of(email) == 'The email address "ap@@x.example" is not valid.'
    # Nothing was created by the refused requests; a valid list of addresses passes.
    ok = api.post(
        f"{company}/vendors",
        json={
            "number": "V90002",
            "displayName": "X",
            "phoneNumber": "+1 (555) 010-2000",
            "email": "a@x.example;b@y.example",
        },
    )
    assert ok.status_code == 201, ok.text
    vendor = ok.json()
    patch = api.patch(
        f"{company}/vendors({vendor['id']})",
        json={"phoneNumber": "call me"},
        headers={"If-Match": vendor["@odata.etag"]},
    )
    assert message_of(patch).startswith("Phone No. must not contain letters")


def test_vat_registration_number_is_upper_cased(api: httpx.Client, company: str) -> None:
    created = api.post(
        f"{company}/vendors", json={"number": "V90003", "displayName": "X", "taxRegistrationNumber": "gb123abc"}
    )
    assert created.json()["taxRegistrationNumber"] == "GB123ABC"


def test_vendor_number_needs_manual_nos(api: httpx.Client, company: str, bc_emulator: EmulatorServer) -> None:
    switched = httpx.patch(f"{bc_emulator.url}/_emulator/setup", json={"vendorManualNos": False})
    assert switched.json()["vendorManualNos"] is False
    refused = api.post(f"{company}/vendors", json={"number": "V90004", "displayName": "X"})
    assert message_of(refused) == (
        "You may not enter numbers manually. If you want to enter numbers manually, please activate Manual Nos. in "
        "No. Series VEND."
    )
    numbered = api.post(f"{company}/vendors", json={"displayName": "From the series"})
    assert numbered.status_code == 201 and numbered.json()["number"] == "V10091"
