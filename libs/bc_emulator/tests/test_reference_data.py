"""Currencies, payment terms and company information (API v2.0 shapes), and the vendor fields that point at them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.seeding import SeedError
from bc_emulator.testing import error_of, onprem_client

Factory = Callable[..., EmulatorServer]
ANY = {"If-Match": "*"}


def _by_code(api: httpx.Client, company: str, entity_set: str) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in api.get(f"{company}/{entity_set}").json()["value"]}


def test_reference_data_in_the_api_v2_shapes(api: httpx.Client, company: str) -> None:
    currencies = _by_code(api, company, "currencies")
    assert set(currencies) == {"CAD", "EUR", "GBP", "JPY", "MXN"}  # not USD: the local currency is a blank code
    assert set(currencies["EUR"]) == {
        "@odata.etag",
        "id",
        "code",
        "displayName",
        "symbol",
        "amountDecimalPlaces",
        "amountRoundingPrecision",
        "lastModifiedDateTime",
    }
    assert (currencies["JPY"]["amountDecimalPlaces"], currencies["JPY"]["amountRoundingPrecision"]) == ("0:0", 1)

    terms = _by_code(api, company, "paymentTerms")
    assert {"1M(8D)", "14 DAYS", "30 DAYS", "CM", "COD", "NET30"} <= set(terms)
    assert set(terms["1M(8D)"]) == {
        "@odata.etag",
        "id",
        "code",
        "displayName",
        "dueDateCalculation",
        "discountDateCalculation",
        "discountPercent",
        "calculateDiscountOnCreditMemos",
        "lastModifiedDateTime",
    }
    assert (terms["1M(8D)"]["dueDateCalculation"], terms["1M(8D)"]["discountDateCalculation"]) == ("1M", "8D")
    assert terms["1M(8D)"]["discountPercent"] == 2

    info = api.get(f"{company}/companyInformation").json()["value"]
    assert len(info) == 1  # one record per company, served as a collection like BC
    assert (info[0]["displayName"], info[0]["currencyCode"], info[0]["country"]) == ("CRONUS USA, Inc.", "USD", "US")
    by_id = api.get(f"{company}/companyInformation({info[0]['id']})").json()
    assert by_id["currencyCode"] == "USD"

    euro = api.get(f"{company}/currencies", params={"$filter": "code eq 'EUR'", "$select": "id,code"}).json()
    assert [c["id"] for c in euro["value"]] == [currencies["EUR"]["id"]]
    refused = api.post(f"{company}/currencies", json={"code": "CHF"})
    assert error_of(refused)[:2] == (405, "BadRequest_MethodNotAllowed")


def test_a_company_without_company_information_in_its_seed_still_has_one(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(seed={"companies": [{"name": "Bare"}]})
    with onprem_client(emu) as client:
        info = client.get(f"companies({emu.company_id})/companyInformation").json()["value"]
        assert [(i["displayName"], i["currencyCode"]) for i in info] == [("Bare", "")]
        assert client.get(f"companies({emu.company_id})/currencies").json()["value"] == []


def test_vendor_currency_is_checked_and_the_local_currency_is_stored_blank(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    currencies = _by_code(api, company, "currencies")
    created = api.post(f"{company}/vendors", json={"displayName": "Euro Supplies", "currencyCode": "eur"})
    assert created.status_code == 201
    vendor = created.json()
    assert (vendor["currencyCode"], vendor["currencyId"]) == ("EUR", currencies["EUR"]["id"])
    url = f"{company}/vendors({vendor['id']})"

    unknown = api.patch(url, json={"currencyCode": "XYZ"}, headers=ANY)
    status, code, message = error_of(unknown)
    assert (status, code) == (400, "Application_DialogException")
    assert message.startswith('The "currencyCode" does not match to a Currency.')
    assert api.get(url).json()["currencyCode"] == "EUR"  # nothing changed

    local = api.patch(url, json={"currencyCode": "USD"}, headers=ANY).json()
    # Stored blank, shown as the local currency's code (like BC's API page), with no currency id.
    assert (local["currencyCode"], local["currencyId"]) == ("USD", "00000000-0000-0000-0000-000000000000")
    assert bc_emulator.store.company(bc_emulator.company_id).table("vendors").get(vendor["id"])["currencyCode"] == ""
    assert api.patch(url, json={"currencyCode": ""}, headers=ANY).json()["currencyCode"] == "USD"

    by_id = api.patch(url, json={"currencyId": currencies["GBP"]["id"]}, headers=ANY).json()
    assert by_id["currencyCode"] == "GBP"
    mismatch = api.patch(url, json={"currencyId": currencies["CAD"]["id"], "currencyCode": "EUR"}, headers=ANY)
    assert error_of(mismatch)[2].startswith("The currency values do not match to a specific Currency.")
    no_such_id = api.patch(url, json={"currencyId": "11111111-2222-3333-4444-555555555555"}, headers=ANY)
    assert error_of(no_such_id)[2].startswith('The "currencyId" does not match to a Currency.')


def test_a_vendor_with_a_blank_currency_reads_as_the_local_currency(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    stored = bc_emulator.store.company(bc_emulator.company_id).table("vendors")
    v10000 = next(v for v in stored.values() if v["number"] == "V10000")
    assert v10000["currencyCode"] == ""  # CRONUS vendors are local-currency vendors
    shown = api.get(f"{company}/vendors({v10000['id']})").json()
    assert (shown["currencyCode"], shown["currencyId"]) == ("USD", "00000000-0000-0000-0000-000000000000")
    listed = api.get(f"{company}/vendors", params={"$filter": "currencyCode eq 'USD'"}).json()["value"]
    # the filter sees what the page shows (every vendor but V40000, whose card says EUR)
    assert len(listed) == len([v for v in stored.values() if not v["currencyCode"]]) == len(stored) - 1
    created = api.post(f"{company}/vendors", json={"displayName": "Loonie Ltd", "currencyCode": "CAD"}).json()
    assert created["currencyCode"] == "CAD"  # a foreign currency reads as itself
    my_company = next(c for c in api.get("companies").json()["value"] if c["name"] == "My Company")
    path = f"companies({my_company['id']})/vendors"
    assert api.post(path, json={"displayName": "No LCY"}).json()["currencyCode"] == ""  # no local currency set up


def test_vendor_payment_terms_must_exist(api: httpx.Client, company: str) -> None:
    terms = _by_code(api, company, "paymentTerms")
    vendor = api.get(f"{company}/vendors", params={"$filter": "number eq 'V10000'"}).json()["value"][0]
    url = f"{company}/vendors({vendor['id']})"
    set_terms = api.patch(url, json={"paymentTermsId": terms["NET30"]["id"]}, headers=ANY)
    assert set_terms.status_code == 200 and set_terms.json()["paymentTermsId"] == terms["NET30"]["id"]
    unknown = api.patch(url, json={"paymentTermsId": "11111111-2222-3333-4444-555555555555"}, headers=ANY)
    status, code, message = error_of(unknown)
    assert (status, code) == (400, "Application_DialogException")
    assert message.startswith('The "paymentTermsId" does not match to a Payment Terms.')
    created = api.post(
        f"{company}/vendors", json={"displayName": "No Terms", "paymentTermsId": "11111111-2222-3333-4444-555555555555"}
    )
    assert error_of(created)[:2] == (400, "Application_DialogException")
    cleared = api.patch(url, json={"paymentTermsId": "00000000-0000-0000-0000-000000000000"}, headers=ANY)
    assert cleared.status_code == 200


def test_terse_seeds_name_vendor_currency_and_terms_by_code(bc_emulator_factory: Factory) -> None:
    seed = {
        "companies": [
            {
                "name": "Terse",
                "companyInformation": {"currencyCode": "CAD"},
                "currencies": [{"code": "USD", "displayName": "US dollar"}],
                "paymentTerms": [{"code": "NET30", "dueDateCalculation": "30D"}],
                "vendors": [{"number": "T1", "currencyCode": "USD", "paymentTermsCode": "net30"}],
            }
        ]
    }
    emu = bc_emulator_factory(seed=seed)
    with onprem_client(emu) as client:
        company = f"companies({emu.company_id})"
        vendor = client.get(f"{company}/vendors").json()["value"][0]
        usd = _by_code(client, company, "currencies")["USD"]
        net30 = _by_code(client, company, "paymentTerms")["NET30"]
    assert (vendor["currencyCode"], vendor["currencyId"], vendor["paymentTermsId"]) == ("USD", usd["id"], net30["id"])
    assert "paymentTermsCode" not in vendor

    for broken, reason in (
        ({"name": "X", "vendors": [{"number": "T1", "currencyCode": "EUR"}]}, "unknown currency 'EUR'"),
        ({"name": "X", "vendors": [{"number": "T1", "paymentTermsCode": "COD"}]}, "unknown payment terms 'COD'"),
        ({"name": "X", "companyInformation": [{}, {}]}, "companyInformation holds one record"),
    ):
        with pytest.raises(SeedError, match=reason):
            EmulatorServer(seed={"companies": [broken]})
