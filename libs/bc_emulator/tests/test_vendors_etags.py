"""Writes on vendors: BC's field rules, ETag concurrency, unique numbers, number series, deletes."""

from __future__ import annotations

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of


def test_create_read_update_delete_with_etags(api: httpx.Client, company: str) -> None:
    created = api.post(f"{company}/vendors", json={"number": "s-100", "displayName": "Stampli Test Vendor"})
    assert created.status_code == 201, created.text
    vendor = created.json()
    assert vendor["number"] == "S-100"  # Code fields are upper-cased by BC
    assert created.headers["ETag"] == vendor["@odata.etag"]
    assert created.headers["Location"].endswith(f"/vendors({vendor['id']})")
    url = f"{company}/vendors({vendor['id']})"

    updated = api.patch(url, json={"city": "Boston"}, headers={"If-Match": vendor["@odata.etag"]})
    assert updated.status_code == 200 and updated.json()["city"] == "Boston"
    assert updated.json()["@odata.etag"] != vendor["@odata.etag"]
    assert updated.json()["lastModifiedDateTime"] >= vendor["lastModifiedDateTime"]

    stale = api.patch(url, json={"city": "Chicago"}, headers={"If-Match": vendor["@odata.etag"]})
    assert error_of(stale)[:2] == (409, "Request_EntityChanged")
    missing = api.patch(url, json={"city": "Chicago"})
    assert error_of(missing)[:2] == (400, "BadRequest_InvalidToken")
    star = api.patch(url, json={"blocked": "payment"}, headers={"If-Match": "*"})
    assert star.status_code == 200 and star.json()["blocked"] == "Payment"

    assert error_of(api.delete(url))[:2] == (400, "BadRequest_InvalidToken")
    assert api.delete(url, headers={"If-Match": star.json()["@odata.etag"]}).status_code == 204
    assert api.get(url).status_code == 404


def test_field_lengths_unknown_and_read_only_fields(api: httpx.Client, company: str) -> None:
    too_long = api.post(f"{company}/vendors", json={"number": "V" * 21})
    status, code, message = error_of(too_long)
    assert (status, code) == (400, "Application_StringExceededLength")
    assert "must be less than or equal to 20 characters" in message
    long_name = api.post(f"{company}/vendors", json={"displayName": "x" * 101})
    assert error_of(long_name)[1] == "Application_StringExceededLength"
    unknown = api.post(f"{company}/vendors", json={"displayName": "A", "favouriteColour": "red"})
    status, code, message = error_of(unknown)
    assert status == 400 and code.startswith("BadRequest") and "favouriteColour" in message
    read_only = api.post(f"{company}/vendors", json={"displayName": "A", "balance": 10})
    assert error_of(read_only)[:2] == (400, "BadRequest_InvalidOperation")
    bad_option = api.post(f"{company}/vendors", json={"displayName": "A", "blocked": "Sometimes"})
    assert error_of(bad_option)[:2] == (400, "Application_EvaluateException")
    assert api.get(f"{company}/vendors", params={"$filter": "displayName eq 'A'"}).json()["value"] == []


def test_duplicate_number_and_number_series(api: httpx.Client, company: str) -> None:
    duplicate = api.post(f"{company}/vendors", json={"number": "V10000", "displayName": "Again"})
    assert error_of(duplicate)[:2] == (400, "Internal_EntityWithSameKeyExists")
    first = api.post(f"{company}/vendors", json={"displayName": "Numbered by BC"}).json()
    second = api.post(f"{company}/vendors", json={"displayName": "Numbered by BC too"}).json()
    assert (first["number"], second["number"]) == ("V10091", "V10092")


def test_money_is_exact_decimal_json(api: httpx.Client, company: str) -> None:
    text = api.get(f"{company}/accounts", params={"$filter": "number eq '6100'"}).text
    assert '"netChange":0' in text


def test_lastmodified_filter_for_incremental_reads(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    bc_emulator.clock.advance(3600)
    watermark = api.get(f"{company}/vendors").json()["value"][0]["lastModifiedDateTime"]
    bc_emulator.clock.advance(60)
    vendor = api.get(f"{company}/vendors", params={"$filter": "number eq 'V10010'"}).json()["value"][0]
    api.patch(f"{company}/vendors({vendor['id']})", json={"phoneNumber": "555"}, headers={"If-Match": "*"})
    changed = api.get(f"{company}/vendors", params={"$filter": f"lastModifiedDateTime gt {watermark}"}).json()
    assert [v["number"] for v in changed["value"]] == ["V10010"]


def test_vendor_with_ledger_entries_cannot_be_deleted(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    journal = api.get(f"{company}/journals").json()["value"][0]
    lines = f"{company}/journals({journal['id']})/journalLines"
    common = {"documentNumber": "D1", "postingDate": "2026-01-31", "externalDocumentNumber": "EXT-1"}
    api.post(lines, json={**common, "accountType": "G/L Account", "accountNumber": "6100", "amount": 10})
    api.post(lines, json={**common, "accountType": "Vendor", "accountNumber": "V10000", "amount": -10})
    assert api.post(f"{company}/journals({journal['id']})/Microsoft.NAV.post").status_code == 204
    vendor = api.get(f"{company}/vendors", params={"$filter": "number eq 'V10000'"}).json()["value"][0]
    assert vendor["balance"] == 10
    refused = api.delete(f"{company}/vendors({vendor['id']})", headers={"If-Match": "*"})
    assert error_of(refused)[:2] == (400, "Application_DialogException")
