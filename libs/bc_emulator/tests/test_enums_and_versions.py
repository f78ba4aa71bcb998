"""Enum values as OData member names on the wire; release profiles (18, 21, current); the request log."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.__main__ import build_parser
from bc_emulator.enum_names import decode_name, encode_name
from bc_emulator.testing import error_of, onprem_client

Factory = Callable[..., EmulatorServer]


@pytest.mark.parametrize(
    ("plain", "wire"),
    [
        (" ", "_x0020_"),
        ("G/L Account", "G_x002F_L_x0020_Account"),
        ("In Review", "In_x0020_Review"),
        ("Credit Memo", "Credit_x0020_Memo"),
        ("Journal Line", "Journal_x0020_Line"),
        ("Begin-Total", "Begin_x002D_Total"),
        ("Charge (Item)", "Charge_x0020__x0028_Item_x0029_"),
        ("Vendor", "Vendor"),
        ("All", "All"),
        ("Cost_Center", "Cost_Center"),
        ("A_x0020_B", "A_x005F_x0020_B"),
        ("1099", "_x0031_099"),
    ],
)
def test_member_names_round_trip(plain: str, wire: str) -> None:
    assert encode_name(plain) == wire
    assert decode_name(wire) == plain


def _journal(api: httpx.Client, company: str) -> str:
    journal = api.get(f"{company}/journals").json()["value"][0]
    return f"{company}/journals({journal['id']})"


def test_responses_carry_encoded_names_everywhere(api: httpx.Client, company: str) -> None:
    journal = _journal(api, company)
    line = api.post(
        f"{journal}/journalLines",
        json={"accountType": "G/L Account", "accountNumber": "6100", "amount": 5, "postingDate": "2026-03-31"},
    )
    assert line.status_code == 201 and line.json()["accountType"] == "G_x002F_L_x0020_Account"
    # a write given the member name stores the same option
    vendor_line = api.post(
        f"{journal}/journalLines",
        json={"accountType": "Vendor", "accountNumber": "V10000", "amount": -5, "postingDate": "2026-03-31"},
    ).json()
    patched = api.patch(
        f"{journal}/journalLines({vendor_line['id']})",
        json={"balanceAccountType": "G_x002F_L_x0020_Account"},
        headers={"If-Match": vendor_line["@odata.etag"]},
    )
    assert patched.status_code == 200 and patched.json()["balanceAccountType"] == "G_x002F_L_x0020_Account"
    # $expand and $batch inner answers are encoded too
    invoice = api.post(
        f"{company}/purchaseInvoices",
        json={
            "vendorNumber": "V10000",
            "purchaseInvoiceLines": [{"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1}],
            "dimensionSetLines": [{"code": "DEPARTMENT", "valueCode": "FIN"}],
        },
    ).json()
    assert invoice["status"] == "Draft"
    expanded = api.get(f"{company}/purchaseInvoices({invoice['id']})", params={"$expand": "dimensionSetLines"}).json()
    assert expanded["dimensionSetLines"][0]["parentType"] == "Purchase_x0020_Invoice"
    batch = api.post(
        "$batch",
        json={"requests": [{"id": "1", "method": "GET", "url": f"{company}/vendors?$filter=number eq 'V10000'"}]},
    ).json()
    assert batch["responses"][0]["body"]["value"][0]["blocked"] == "_x0020_"


def test_filters_compare_with_member_names(api: httpx.Client, company: str) -> None:
    blank = api.get(f"{company}/vendors", params={"$filter": "blocked eq '_x0020_'"}).json()["value"]
    assert blank and {v["blocked"] for v in blank} == {"_x0020_"}
    totals = api.get(f"{company}/accounts", params={"$filter": "accountType eq 'Begin_x002D_Total'"}).json()
    assert totals["value"] and {a["accountType"] for a in totals["value"]} == {"Begin_x002D_Total"}
    refused = api.get(f"{company}/vendors", params={"$filter": "blocked eq ' '"})
    assert error_of(refused)[:2] == (400, "BadRequest_InvalidFilter")


def test_metadata_declares_enum_members(api: httpx.Client) -> None:
    document = api.get("$metadata").text
    assert '<Member Name="G_x002F_L_x0020_Account" Value="0"/>' in document
    assert 'Name="accountType" Type="Microsoft.NAV.journalLineAccountType"' in document


@pytest.mark.parametrize(
    ("version", "present", "absent"),
    [
        ("18", set(), {"templateDisplayName", "netChange", "consolidationCode", "excludeFromConsolidation"}),
        ("21", {"templateDisplayName", "netChange"}, {"consolidationCode", "excludeFromConsolidation"}),
        ("current", {"templateDisplayName", "netChange", "consolidationCode", "excludeFromConsolidation"}, set()),
    ],
)
def test_profiles_shape_metadata_reads_and_system_version(
    bc_emulator_factory: Factory, version: str, present: set[str], absent: set[str]
) -> None:
    emu = bc_emulator_factory(bc_version=version)
    company = f"companies({emu.company_id})"
    with onprem_client(emu) as api:
        document = api.get("$metadata").text
        for name in present:
            assert f'Property Name="{name}"' in document
        for name in absent:
            assert f'Property Name="{name}"' not in document
        fields = set(api.get(f"{company}/journals").json()["value"][0]) | set(
            api.get(f"{company}/accounts").json()["value"][0]
        )
        fields |= set(api.get(f"{company}/dimensions").json()["value"][0])
        assert present <= fields and not (absent & fields)
        expected = {"18": "18.", "21": "21.", "current": "28."}[version]
        assert api.get("companies").json()["value"][0]["systemVersion"].startswith(expected)


def test_bc18_refuses_a_missing_field_in_select_filter_orderby_and_body(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="18")
    company = f"companies({emu.company_id})"
    with onprem_client(emu) as api:
        for params in (
            {"$select": "id,code,templateDisplayName"},
            {"$filter": "templateDisplayName eq 'GENERAL'"},
            {"$orderby": "templateDisplayName"},
        ):
            status, code, message = error_of(api.get(f"{company}/journals", params=params))
            assert (status, code) == (400, "BadRequest_NotFound") and "templateDisplayName" in message
        selected = api.get(f"{company}/accounts", params={"$select": "number,netChange"})
        assert error_of(selected)[:2] == (400, "BadRequest_NotFound")
        invoice = api.post(
            f"{company}/purchaseInvoices", json={"vendorNumber": "V10000", "shortcutDimension1Code": "FIN"}
        )
        assert error_of(invoice)[0] == 400 and "shortcutDimension1Code" in error_of(invoice)[2]
        nested = api.post(
            f"{company}/purchaseInvoices",
            json={
                "vendorNumber": "V10000",
                "purchaseInvoiceLines": [{"lineType": "Account", "lineObjectNumber": "6100", "description2": "x"}],
            },
        )
        assert error_of(nested)[0] == 400 and "description2" in error_of(nested)[2]
        # fields the release has still work
        ok = api.get(f"{company}/journals", params={"$select": "id,code"})
        assert ok.status_code == 200 and set(ok.json()["value"][0]) == {"@odata.etag", "id", "code"}


def test_bc21_has_template_but_not_consolidation(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="21")
    company = f"companies({emu.company_id})"
    with onprem_client(emu) as api:
        assert api.get(f"{company}/journals", params={"$select": "templateDisplayName"}).status_code == 200
        refused = api.get(f"{company}/dimensions", params={"$select": "code,consolidationCode"})
        assert error_of(refused)[:2] == (400, "BadRequest_NotFound")
        entries = api.get(f"{company}/generalLedgerEntries", params={"$select": "additionalCurrencyDebitAmount"})
        assert error_of(entries)[0] == 400


def test_cli_takes_bc_version() -> None:
    assert build_parser().parse_args(["--bc-version", "18"]).bc_version == "18"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--bc-version", "12"])


def test_request_log_counts_writes_including_batch_operations(bc_emulator: EmulatorServer) -> None:
    company = f"companies({bc_emulator.company_id})"
    with onprem_client(bc_emulator) as api:
        api.get(f"{company}/vendors")
        vendor = api.post(f"{company}/vendors", json={"number": "LOG1", "displayName": "Logged"}).json()
        api.post(
            "$batch",
            json={
                "requests": [
                    {"id": "1", "method": "GET", "url": f"{company}/vendors({vendor['id']})"},
                    {
                        "id": "2",
                        "method": "PATCH",
                        "url": f"{company}/vendors({vendor['id']})",
                        "headers": {"If-Match": "*"},
                        "body": {"city": "Oslo"},
                    },
                ]
            },
        )
        log = httpx.get(f"{bc_emulator.url}/_emulator/requests").json()["value"]
    writes = [(e["method"], e["in_batch"]) for e in log if e["is_write"]]
    assert writes == [("POST", False), ("PATCH", True)]
    assert [e["path"] for e in log if e["method"] == "POST" and not e["is_write"]] == ["$batch"]
    assert len(bc_emulator.request_log.writes()) == 2
    assert httpx.delete(f"{bc_emulator.url}/_emulator/requests").status_code == 204
    assert bc_emulator.request_log.entries() == []
