"""Reading over real HTTP: entity shapes, OData query options, server-driven paging, BC's read errors."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of, onprem_client, read_all

Factory = Callable[..., EmulatorServer]

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_companies_list_cronus_with_guid_ids_and_etags(api: httpx.Client) -> None:
    body = api.get("companies").json()
    names = [c["name"] for c in body["value"]]
    assert "CRONUS USA, Inc." in names
    for company in body["value"]:
        assert GUID.match(company["id"])
        assert company["@odata.etag"].startswith('W/"')
    assert body["@odata.context"].endswith("/$metadata#companies")


def test_vendor_shape_blocked_is_an_option_string(api: httpx.Client, company: str) -> None:
    vendors = api.get(f"{company}/vendors").json()["value"]
    assert len(vendors) == 13  # V10000…V10090 and the default-dimension/currency vendors V40000…V40020
    by_number = {v["number"]: v for v in vendors}
    assert by_number["V10000"]["blocked"] == "_x0020_"  # the enum member name of the blank option
    assert by_number["V10090"]["blocked"] == "All"
    assert by_number["V10080"]["blocked"] == "Payment"
    assert set(by_number["V10000"]) >= {"id", "displayName", "balance", "lastModifiedDateTime", "@odata.etag"}
    assert by_number["V10000"]["balance"] == 0


def test_accounts_expose_type_direct_posting_and_boolean_blocked(api: httpx.Client, company: str) -> None:
    accounts = {a["number"]: a for a in api.get(f"{company}/accounts").json()["value"]}
    assert accounts["6100"]["accountType"] == "Posting" and accounts["6100"]["directPosting"] is True
    assert accounts["2100"]["directPosting"] is False
    assert accounts["6900"]["blocked"] is True
    assert accounts["1000"]["accountType"] == "Heading"
    assert {a["accountType"] for a in accounts.values()} >= {"Begin_x002D_Total", "End_x002D_Total", "Total"}


def test_dimension_values_flat_and_under_their_dimension(api: httpx.Client, company: str) -> None:
    dimensions = {d["code"]: d for d in api.get(f"{company}/dimensions").json()["value"]}
    assert set(dimensions) == {"DEPARTMENT", "LOCATION"}
    nested = api.get(f"{company}/dimensions({dimensions['LOCATION']['id']})/dimensionValues").json()["value"]
    assert {v["code"] for v in nested} == {"EAST", "WEST", "NORTH", "SOUTH"}
    assert all(v["dimensionId"] == dimensions["LOCATION"]["id"] for v in nested)
    flat = api.get(f"{company}/dimensionValues").json()["value"]
    assert len(flat) == len(nested) + 7


def test_filter_select_orderby_top(api: httpx.Client, company: str) -> None:
    response = api.get(
        f"{company}/accounts",
        params={
            "$filter": "accountType eq 'Posting' and number ge '6000' and number lt '7000'",
            "$select": "number,displayName",
            "$orderby": "number desc",
            "$top": "3",
        },
    )
    rows = response.json()["value"]
    assert [r["number"] for r in rows] == ["6900", "6720", "6710"]
    assert set(rows[0]) == {"@odata.etag", "number", "displayName"}
    assert "@odata.nextLink" not in response.json()


def test_filter_literals_strings_with_quotes_guids_booleans(api: httpx.Client, company: str) -> None:
    vendors = api.get(f"{company}/vendors").json()["value"]
    some = vendors[3]
    by_guid = api.get(f"{company}/vendors", params={"$filter": f"id eq {some['id']}"}).json()["value"]
    assert [v["number"] for v in by_guid] == [some["number"]]
    quoted = api.get(f"{company}/vendors", params={"$filter": "displayName eq 'O''Brien'"}).json()["value"]
    assert quoted == []
    blocked = api.get(f"{company}/accounts", params={"$filter": "blocked eq true"}).json()["value"]
    assert [a["number"] for a in blocked] == ["6900"]
    either = api.get(f"{company}/vendors", params={"$filter": "number eq 'V10000' or number eq 'v10010'"})
    assert sorted(v["number"] for v in either.json()["value"]) == ["V10000", "V10010"]
    starts = api.get(f"{company}/vendors", params={"$filter": "startswith(displayName,'Co')"}).json()["value"]
    assert {v["displayName"] for v in starts} == {"Contoso Office Supply", "Coho Winery", "Contoso Europe GmbH"}


def test_or_across_fields_is_rejected_like_bc(api: httpx.Client, company: str) -> None:
    response = api.get(f"{company}/vendors", params={"$filter": "number eq 'V10000' or city eq 'Atlanta'"})
    status, code, message = error_of(response)
    assert status == 400 and code.startswith("BadRequest")
    assert "'OR' operator is not supported on distinct fields" in message


def test_unknown_property_and_segment_errors(api: httpx.Client, company: str) -> None:
    status, code, message = error_of(api.get(f"{company}/vendors", params={"$filter": "colour eq 'red'"}))
    assert (status, code) == (400, "BadRequest_NotFound") and "colour" in message
    status, code, message = error_of(api.get(f"{company}/vendorz"))
    assert (status, code) == (404, "BadRequest_NotFound") and "vendorz" in message
    assert re.search(r"  CorrelationId:  [0-9a-f-]{36}\.$", message)
    status, code, _ = error_of(api.get(f"{company}/vendors(00000000-0000-0000-0000-00000000abcd)"))
    assert (status, code) == (404, "Internal_RecordNotFound")
    status, code, _ = error_of(api.get("companies(11111111-2222-3333-4444-555555555555)/vendors"))
    assert (status, code) == (404, "Internal_CompanyNotFound")


def test_server_driven_paging_follows_next_links(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=4)
    stored = len(emu.store.company(emu.company_id).table("accounts"))
    with onprem_client(emu) as client:
        first = client.get(f"companies({emu.company_id})/accounts").json()
        assert len(first["value"]) == 4 and "$skiptoken=" in first["@odata.nextLink"]
        rows, pages = read_all(client, f"companies({emu.company_id})/accounts")
    numbers = [r["number"] for r in rows]
    assert len(numbers) == len(set(numbers)) == stored
    assert numbers == sorted(numbers)  # BC's default order: the primary key
    assert pages == -(-stored // 4)


def test_paging_keeps_filter_and_survives_inserts_before_the_cursor(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=3)
    with onprem_client(emu) as client:
        url = f"companies({emu.company_id})/vendors"
        first = client.get(url, params={"$filter": "blocked eq '_x0020_'"}).json()
        client.post(url, json={"number": "A00001", "displayName": "Sorts first"})
        rest, _ = read_all(client, first["@odata.nextLink"])
    seen = [v["number"] for v in first["value"] + rest]
    # Keyset continuation: the row inserted before the cursor is neither repeated nor shifts the pages.
    assert seen == ["V10000", "V10010", "V10020", "V10030", "V10040", "V10050", "V10060", "V10070"] + [
        "V40000",
        "V40010",
        "V40020",
    ]


def test_prefer_maxpagesize_and_top_with_paging(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=20)
    with onprem_client(emu) as client:
        url = f"companies({emu.company_id})/accounts"
        response = client.get(url, headers={"Prefer": "odata.maxpagesize=5"})
        assert len(response.json()["value"]) == 5
        assert response.headers["Preference-Applied"] == "odata.maxpagesize=5"
        rows, pages = read_all(client, url, params={"$top": "12"}, headers={"Prefer": "odata.maxpagesize=5"})
    assert len(rows) == 12 and pages == 3


def test_count_and_expand_dimension_values(api: httpx.Client, company: str) -> None:
    body = api.get(
        f"{company}/dimensions", params={"$count": "true", "$expand": "dimensionValues($filter=code eq 'EAST')"}
    ).json()
    assert body["@odata.count"] == 2
    location = next(d for d in body["value"] if d["code"] == "LOCATION")
    assert [v["code"] for v in location["dimensionValues"]] == ["EAST"]


def test_a_row_changed_mid_read_neither_loses_nor_shifts_the_rows_after_it(bc_emulator_factory: Factory) -> None:
    # BC's skip tokens carry the last row's sort key: a served row that moves (here: renamed to sort last)
    # cannot make the next page start somewhere else.
    emu = bc_emulator_factory(page_size=3)
    with onprem_client(emu) as client:
        url = f"companies({emu.company_id})/vendors"
        everyone = [v["displayName"] for v in read_all(client, url, params={"$orderby": "displayName"})[0]]
        first = client.get(url, params={"$orderby": "displayName"}).json()
        moved = first["value"][-1]
        renamed = client.patch(f"{url}({moved['id']})", json={"displayName": "Zz Renamed"}, headers={"If-Match": "*"})
        assert renamed.status_code == 200
        rest, _ = read_all(client, first["@odata.nextLink"])
    served = [v["displayName"] for v in first["value"]]
    assert [v["displayName"] for v in rest] == everyone[3:] + ["Zz Renamed"]  # a changed row may come again
    assert served == everyone[:3]


def test_deleting_the_last_row_served_does_not_skip_the_next_one(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=3)
    with onprem_client(emu) as client:
        url = f"companies({emu.company_id})/vendors"
        first = client.get(url).json()
        assert client.delete(f"{url}({first['value'][-1]['id']})", headers={"If-Match": "*"}).status_code == 204
        rest, _ = read_all(client, first["@odata.nextLink"])
    assert [v["number"] for v in first["value"]] == ["V10000", "V10010", "V10020"]
    assert [v["number"] for v in rest] == [f"V100{n}0" for n in range(3, 10)] + ["V40000", "V40010", "V40020"]


def test_paging_descending_with_ties_follows_the_full_sort_key(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=2)
    params = {"$orderby": "blocked desc,city", "$select": "number,blocked,city"}
    with onprem_client(emu) as client:
        paged, pages = read_all(client, f"companies({emu.company_id})/vendors", params=params)
    # OData order: blocked descending, then city, then BC's primary key (number) for the ties.
    expected = sorted(emu.dump()["companies"][0]["vendors"], key=lambda v: (v["city"], v["number"]))
    expected.sort(key=lambda v: v["blocked"], reverse=True)
    assert [v["number"] for v in paged] == [v["number"] for v in expected]
    assert pages == 7 and [v["blocked"] for v in paged[:2]] == ["Payment", "All"]


def test_a_skip_token_only_continues_the_query_it_came_from(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=3)
    with onprem_client(emu) as client:
        url = f"companies({emu.company_id})/vendors"
        link = client.get(url, params={"$orderby": "displayName"}).json()["@odata.nextLink"]
        token = link.split("$skiptoken=")[1]
        other_order = client.get(url, params={"$orderby": "city", "$skiptoken": token})
        garbage = client.get(url, params={"$skiptoken": "bm90IGEgdG9rZW4"})
    for response in (other_order, garbage):
        status, code, message = error_of(response)
        assert (status, code) == (400, "BadRequest_NotFound") and "skip token is not valid" in message
