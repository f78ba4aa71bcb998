"""NAV 2018 mode: service document, Company, $metadata, page reads (keys, $filter, $select, $orderby, paging),
addressing errors, and that API v2.0 is gone. Raw httpx against the real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from xml.etree import ElementTree

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of, nav_client, nav_company_url, read_all

Factory = Callable[..., EmulatorServer]


@pytest.fixture
def nav(nav_emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with nav_client(nav_emulator) as client:
        yield client


def _basic(emu: EmulatorServer) -> tuple[str, str]:
    return emu.basic_username, emu.basic_access_key


def test_service_document_lists_company_and_the_published_services(nav_emulator: EmulatorServer) -> None:
    response = httpx.get(nav_emulator.odata_v4_url + "/", auth=_basic(nav_emulator))
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == f"{nav_emulator.odata_v4_url}/$metadata"
    names = [entry["name"] for entry in body["value"]]
    assert names[0] == "Company"
    assert set(names[1:]) == {
        "Vendor_Card",
        "Chart_of_Accounts",
        "Dimensions",
        "Dimension_Values",
        "General_Journal",
        "General_Ledger_Entries",
        "Vendor_Ledger_Entries",
        "Journal_Batches",
        "General_Ledger_Setup",
    }
    assert all(
        entry == {"name": e, "kind": "EntitySet", "url": e} for entry, e in zip(body["value"], names, strict=True)
    )


def test_only_published_services_are_served(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_published_services={"Vendors": "vendors"})
    body = httpx.get(emu.odata_v4_url + "/", auth=_basic(emu)).json()
    assert [entry["name"] for entry in body["value"]] == ["Company", "Vendors"]
    with nav_client(emu) as client:
        assert client.get("Vendors('V10000')").json()["Name"] == "Fabrikam, Inc."
        status, code, message = error_of(client.get("Vendor_Card"))
    assert (status, code) == (404, "BadRequest_NotFound")
    assert message == "Resource not found for the segment 'Vendor_Card'."


def test_companies_and_company_errors(nav_emulator: EmulatorServer) -> None:
    auth = _basic(nav_emulator)
    companies = httpx.get(nav_emulator.odata_v4_url + "/Company", auth=auth).json()["value"]
    assert [c["Name"] for c in companies] == ["CRONUS USA, Inc.", "My Company"]
    assert set(companies[0]) == {"Name", "Display_Name", "Id", "Business_Profile_Id"}
    missing = httpx.get(nav_emulator.odata_v4_url + "/Company('Nope')/Vendor_Card", auth=auth)
    assert error_of(missing) == (404, "Internal_CompanyNotFound", 'The company "Nope" does not exist.')
    no_company = httpx.get(nav_emulator.odata_v4_url + "/Vendor_Card", auth=auth)
    assert error_of(no_company)[:2] == (400, "Internal_CompanyNotFound")
    by_param = httpx.get(
        nav_emulator.odata_v4_url + "/Vendor_Card('V10000')", params={"company": "CRONUS USA, Inc."}, auth=auth
    )
    assert by_param.json()["No"] == "V10000"


def test_error_bodies_have_no_correlation_id(nav: httpx.Client) -> None:
    body = nav.get("Vendor_Card('NOPE')").json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"] == {
        "code": "Internal_RecordNotFound",
        "message": "The Vendor does not exist. Identification fields and values: No.='NOPE'",
    }


def test_metadata_describes_keys_and_types(nav_emulator: EmulatorServer) -> None:
    response = httpx.get(nav_emulator.odata_v4_url + "/$metadata", auth=_basic(nav_emulator))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    ns = {"e": "http://docs.oasis-open.org/odata/ns/edm"}
    schema = ElementTree.fromstring(response.content).find(".//e:Schema", ns)
    assert schema is not None and schema.get("Namespace") == "NAV"
    journal = schema.find("e:EntityType[@Name='General_Journal']", ns)
    assert journal is not None
    keys = [ref.get("Name") for ref in journal.findall("e:Key/e:PropertyRef", ns)]
    assert keys == ["Journal_Template_Name", "Journal_Batch_Name", "Line_No"]
    types = {p.get("Name"): (p.get("Type"), p.get("MaxLength")) for p in journal.findall("e:Property", ns)}
    assert types["Line_No"] == ("Edm.Int32", None)
    assert types["Description"] == ("Edm.String", "50")  # Text[50] in NAV 2018
    assert types["Account_Type"] == ("Edm.String", None)  # options are plain strings before BC 24
    assert types["Amount"][0] == "Edm.Decimal"
    sets = {s.get("Name") for s in schema.findall("e:EntityContainer/e:EntitySet", ns)}
    assert {"Company", "Vendor_Card", "General_Ledger_Setup"} <= sets


def test_vendor_card_fields_and_captions(nav: httpx.Client) -> None:
    vendor = nav.get("Vendor_Card('V10000')").json()
    assert vendor["@odata.etag"].startswith('W/"')
    assert vendor["No"] == "V10000" and vendor["Name"] == "Fabrikam, Inc."
    assert vendor["Blocked"] == " "  # a blank option travels as " "
    assert vendor["Currency_Code"] == ""  # local currency is blank in NAV
    assert vendor["Country_Region_Code"] == "US"


def test_composite_and_integer_keys(nav: httpx.Client) -> None:
    value = nav.get("Dimension_Values(Dimension_Code='DEPARTMENT',Code='ADM')").json()
    assert (value["Dimension_Code"], value["Code"], value["Dimension_Value_Type"]) == ("DEPARTMENT", "ADM", "Standard")
    # key order in the URL does not matter; code values are case-insensitive like NAV's Code fields
    same = nav.get("Dimension_Values(Code='adm',Dimension_Code='DEPARTMENT')").json()
    assert same["Code"] == "ADM"
    account = nav.get("Chart_of_Accounts('6100')").json()
    assert account["Account_Type"] == "Posting" and account["Direct_Posting"] is True
    for bad in ("Dimension_Values('ADM')", "Dimension_Values(Dimension_Code='DEPARTMENT')", "Chart_of_Accounts(6100)"):
        status, code, _ = error_of(nav.get(bad))
        assert (status, code) == (400, "BadRequest_NotFound"), bad


def test_quote_doubling_in_company_and_keys(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018")
    emu.store.modify("vendors", {"number": "V10000"}, displayName="O'Brien Supply")
    with nav_client(emu) as client:
        rows = client.get("Vendor_Card", params={"$filter": "Name eq 'O''Brien Supply'"}).json()["value"]
    assert [r["No"] for r in rows] == ["V10000"]
    assert nav_company_url(emu, "Bob's Co").endswith("Company('Bob%27%27s%20Co')")


def test_filter_select_orderby(nav: httpx.Client) -> None:
    params = {
        "$filter": "Account_Type eq 'Posting' and Direct_Posting eq true and No ge '6000' and No lt '7000'",
        "$select": "No,Name",
        "$orderby": "No desc",
    }
    rows = nav.get("Chart_of_Accounts", params=params).json()["value"]
    numbers = [r["No"] for r in rows]
    assert numbers and numbers == sorted(numbers, reverse=True)
    assert all(n.startswith("6") for n in numbers)
    assert set(rows[0]) == {"@odata.etag", "No", "Name"}
    either = nav.get("Vendor_Card", params={"$filter": "No eq 'V10000' or No eq 'V10010'"}).json()["value"]
    assert [r["No"] for r in either] == ["V10000", "V10010"]
    status, code, message = error_of(nav.get("Vendor_Card", params={"$filter": "number eq 'V10000'"}))
    assert (status, code) == (400, "BadRequest_NotFound") and "number" in message
    status, _, message = error_of(nav.get("Vendor_Card", params={"$select": "No,displayName"}))
    assert status == 400 and "displayName" in message


def test_server_paging_with_next_link_top_and_skip(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", page_size=4)
    with nav_client(emu) as client:
        rows, pages = read_all(client, "Chart_of_Accounts")
        assert len(rows) == 39 and pages == 10
        assert [r["No"] for r in rows] == sorted(r["No"] for r in rows)
        first = client.get("Chart_of_Accounts").json()
        assert first["@odata.nextLink"].startswith(emu.odata_v4_url + "/Company(")
        assert "/Chart_of_Accounts?$skiptoken=" in first["@odata.nextLink"]
        top = client.get("Chart_of_Accounts", params={"$top": "6", "$skip": "2", "$count": "true"}).json()
        assert top["@odata.count"] == 39 and len(top["value"]) == 4
        rest = client.get(top["@odata.nextLink"]).json()
        assert len(rest["value"]) == 2 and "@odata.nextLink" not in rest
        assert [r["No"] for r in top["value"] + rest["value"]] == [r["No"] for r in rows[2:8]]


def test_general_ledger_setup_names_the_global_dimensions(nav: httpx.Client) -> None:
    rows = nav.get("General_Ledger_Setup").json()["value"]
    assert len(rows) == 1
    setup = rows[0]
    assert (setup["Global_Dimension_1_Code"], setup["Global_Dimension_2_Code"]) == ("DEPARTMENT", "LOCATION")
    assert setup["LCY_Code"] == "USD"


def test_api_v2_is_not_served_and_a_wrong_instance_is_http_sys_404(nav_emulator: EmulatorServer) -> None:
    auth = _basic(nav_emulator)
    api = httpx.get(f"{nav_emulator.url}/{nav_emulator.server_instance}/api/v2.0/companies", auth=auth)
    assert error_of(api)[:2] == (404, "BadRequest_NotFound")
    assert nav_emulator.server_instance == "DynamicsNAV110"
    wrong = httpx.get(f"{nav_emulator.url}/DynamicsNAV100/ODataV4/", auth=auth)
    assert wrong.status_code == 404
    assert wrong.headers["content-type"].startswith("text/html")
    assert "HTTP Error 404. The requested resource is not found." in wrong.text


def test_ledger_pages_are_read_only(nav: httpx.Client) -> None:
    for service in ("General_Ledger_Entries", "Vendor_Ledger_Entries", "Chart_of_Accounts", "Dimensions"):
        status, code, message = error_of(nav.post(service, json={}))
        assert (status, code) == (405, "BadRequest_MethodNotAllowed"), service
        assert "Microsoft Dynamics NAV" in message
    value = nav.get("Dimension_Values(Dimension_Code='DEPARTMENT',Code='ADM')").json()
    response = nav.patch(
        "Dimension_Values(Dimension_Code='DEPARTMENT',Code='ADM')",
        json={"Name": "x"},
        headers={"If-Match": value["@odata.etag"]},
    )
    assert error_of(response)[:2] == (405, "BadRequest_MethodNotAllowed")
