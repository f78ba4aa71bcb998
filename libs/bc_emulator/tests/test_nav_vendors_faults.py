"""NAV 2018 mode: Vendor Card (page 26) insert/modify/delete through the Vendor table rules; injected faults on
ODataV4 routes; the command line's --bc-version nav2018."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of, nav_client


@pytest.fixture
def nav(nav_emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with nav_client(nav_emulator) as client:
        yield client


def test_vendor_card_insert_and_modify(nav: httpx.Client) -> None:
    created = nav.post(
        "Vendor_Card",
        json={
            "No": "v90000",
            "Name": "Contoso Paper",
            "Country_Region_Code": "US",
            "Payment_Terms_Code": "NET30",
            "Currency_Code": "EUR",
            "Blocked": " ",
        },  # fmt: skip
    )
    assert created.status_code == 201, created.text
    vendor = created.json()
    assert (vendor["No"], vendor["Payment_Terms_Code"], vendor["Currency_Code"]) == ("V90000", "NET30", "EUR")
    assert created.headers["Location"].endswith("Vendor_Card('V90000')")
    changed = nav.patch(
        "Vendor_Card('V90000')", json={"Blocked": "All", "Name": "Contoso"}, headers={"If-Match": vendor["@odata.etag"]}
    )
    assert changed.status_code == 200 and changed.json()["Blocked"] == "All"
    numbered = nav.post("Vendor_Card", json={"Name": "From the series"}).json()
    assert numbered["No"] == "V10091"  # the vendor No. Series (cronus: last V10090)
    local = nav.post("Vendor_Card", json={"Name": "Local", "Currency_Code": "USD"}).json()
    assert local["Currency_Code"] == ""  # LCY is stored blank


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"No": "V10000", "Name": "dup"}, "Internal_EntityWithSameKeyExists", None),
        ({"Name": "x", "Blocked": "_x0020_"}, "Application_EvaluateException", None),
        ({"Name": "x", "Blocked": "all"}, "Application_EvaluateException", None),
        (
            {"Name": "x", "Phone_No": "CALL-ME"},
            "Application_FieldValidationException",
            "Phone No. must not contain letters in Vendor: No.=V10091",
        ),  # fmt: skip
        ({"Name": "x", "Country_Region_Code": "ZZ"}, "Internal_InvalidTableRelation", None),
        ({"Name": "x", "Payment_Terms_Code": "NOPE"}, "Internal_InvalidTableRelation", None),
        ({"Name": "x" * 51}, "Application_StringExceededLength", None),
        ({"Name": "x", "Balance_LCY": 5}, "BadRequest_InvalidOperation", "Control 'Balance (LCY)' is read-only."),
    ],
)
def test_vendor_card_rejects(nav: httpx.Client, body: dict, code: str, message: str | None) -> None:
    status, actual_code, actual_message = error_of(nav.post("Vendor_Card", json=body))
    assert (status, actual_code) == (400, code)
    if message is not None:
        assert actual_message == message


def test_vendor_delete_needs_etag_and_keeps_vendors_with_entries(nav: httpx.Client) -> None:
    vendor = nav.post("Vendor_Card", json={"No": "V90001", "Name": "Temp"}).json()
    assert nav.delete("Vendor_Card('V90001')").status_code == 400
    assert nav.delete("Vendor_Card('V90001')", headers={"If-Match": vendor["@odata.etag"]}).status_code == 204


def test_status_and_drop_faults_apply_to_odata_routes(nav_emulator: EmulatorServer, nav: httpx.Client) -> None:
    nav_emulator.faults.add(kind="status", status=503, route="ODataV4/Vendor_Card", times=1, retry_after_s=1)
    unavailable = nav.get("Vendor_Card('V10000')")
    assert error_of(unavailable)[:2] == (503, "ServiceUnavailable") and unavailable.headers["Retry-After"] == "1"
    assert nav.get("Vendor_Card('V10000')").status_code == 200
    nav.post("Journal_Batches", json={"Journal_Template_Name": "GENERAL", "Name": "STAMPLI"})
    nav_emulator.faults.add(kind="drop_after_commit", route="General_Journal", methods=["POST"], times=1)
    line = {"Journal_Template_Name": "GENERAL", "Journal_Batch_Name": "STAMPLI", "Account_Type": "G/L Account",
            "Account_No": "6100", "Amount": 1, "Document_No": "D1"}  # fmt: skip
    with pytest.raises(httpx.TransportError):
        nav.post("General_Journal", json=line)
    rows = nav.get("General_Journal", params={"$filter": "Document_No eq 'D1'"}).json()["value"]
    assert len(rows) == 1  # committed although the answer was lost


def test_command_line_runs_a_nav_2018_server() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bc_emulator", "--bc-version", "nav2018", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert info["bc_version"] == "nav2018" and info["server_instance"] == "DynamicsNAV110"
        assert info["odata_v4_url"].endswith("/DynamicsNAV110/ODataV4")
        response = httpx.get(
            info["odata_v4_url"] + "/Company", auth=(info["basic_username"], "emulator-web-service-access-key")
        )
        assert response.status_code == 200 and response.json()["value"][0]["Name"] == "CRONUS USA, Inc."
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_odata_services_turned_off_answer_405(bc_emulator_factory: Callable[..., EmulatorServer]) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_odata_enabled=False)
    auth = (emu.basic_username, emu.basic_access_key)
    assert httpx.get(emu.odata_v4_url + "/", auth=auth).status_code == 405
    switched = httpx.patch(f"{emu.url}/_emulator/settings", json={"nav_odata_enabled": True})
    assert switched.status_code == 200, switched.text
    assert httpx.get(emu.odata_v4_url + "/", auth=auth).status_code == 200


def test_v4_endpoint_off_leaves_the_v3_endpoint_asking_for_credentials(
    bc_emulator_factory: Callable[..., EmulatorServer],
) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_odata_v4_enabled=False)
    auth = (emu.basic_username, emu.basic_access_key)
    v4 = httpx.get(emu.odata_v4_url + "/", auth=auth)
    assert v4.status_code == 404 and v4.headers["content-type"].startswith("text/html")
    v3 = httpx.get(f"{emu.nav_server_url}/{emu.server_instance}/OData/")
    assert v3.status_code == 401  # the instance exists: its V3 endpoint wants credentials
    wrong_instance = httpx.get(f"{emu.nav_server_url}/DynamicsNAV100/OData/")
    assert wrong_instance.status_code == 404
