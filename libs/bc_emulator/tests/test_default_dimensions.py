"""Default dimensions and vendor-card currency over HTTP (APIV2DefaultDimensions, GetDefaultDimID,
CheckDimValuePosting, PurchaseHeader Pay-to Vendor No. OnValidate, GenJournalLine GetVendorAccount)."""

from __future__ import annotations

from decimal import Decimal

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.testing import as_json


def _message(response: httpx.Response) -> str:
    """BC's error message without the CorrelationId it appends."""
    return str(response.json()["error"]["message"]).split("  CorrelationId:")[0]


def _vendor(api: httpx.Client, company: str, number: str) -> dict:
    return api.get(f"{company}/vendors", params={"$filter": f"number eq '{number}'"}).json()["value"][0]


def _dimension(api: httpx.Client, company: str, code: str) -> dict:
    return api.get(f"{company}/dimensions", params={"$filter": f"code eq '{code}'"}).json()["value"][0]


def test_default_dimensions_are_served_at_company_level_and_under_vendors(api: httpx.Client, company: str) -> None:
    rows = api.get(f"{company}/defaultDimensions").json()["value"]
    by_rule = {(r["parentType"], r["dimensionCode"], r["postingValidation"]) for r in rows}
    # API v2.0 sends enum values as encoded member names (schema version 2.0)
    assert ("Vendor", "LOCATION", "Same_x0020_Code") in by_rule
    # G/L accounts' defaults: the parent type enum has no G/L Account, so they show a blank parent
    account_rows = [r for r in rows if r["parentType"] == "_x0020_"]
    assert account_rows and all(r["parentId"] == "00000000-0000-0000-0000-000000000000" for r in account_rows)
    v40010 = _vendor(api, company, "V40010")
    under = api.get(f"{company}/vendors({v40010['id']})/defaultDimensions").json()["value"]
    assert [(r["dimensionCode"], r["dimensionValueCode"]) for r in under] == [("LOCATION", "WEST")]
    account = api.get(f"{company}/accounts", params={"$filter": "number eq '6700'"}).json()["value"][0]
    assert api.get(f"{company}/accounts({account['id']})/defaultDimensions").status_code in (400, 404)


def test_default_dimension_writes_follow_the_page(api: httpx.Client, company: str) -> None:
    vendor = _vendor(api, company, "V10000")
    department = _dimension(api, company, "DEPARTMENT")
    adm = api.get(f"{company}/dimensionValues", params={"$filter": "code eq 'ADM'"}).json()["value"][0]
    url = f"{company}/vendors({vendor['id']})/defaultDimensions"
    created = api.post(url, json={"dimensionId": department["id"], "dimensionValueId": adm["id"]})
    assert created.status_code == 201 and created.json()["dimensionValueCode"] == "ADM"
    again = api.post(url, json={"dimensionId": department["id"]})
    assert again.status_code == 400 and "Default Dimension already exists" in again.json()["error"]["message"]
    no_code = api.patch(
        f"{url}({created.json()['id']})", json={"postingValidation": "No Code"}, headers={"If-Match": "*"}
    )
    assert no_code.status_code == 400 and "Dimension Value Code must be equal to ''" in no_code.text
    flat = api.post(f"{company}/defaultDimensions", json={"dimensionId": department["id"]})
    assert _message(flat) == "You must get to the parent first to get to the default dimensions."
    read_only = api.post(url, json={"dimensionId": department["id"], "dimensionCode": "X"})
    assert read_only.status_code == 400


def test_new_documents_start_with_the_defaults_and_a_second_insert_fails(api: httpx.Client, company: str) -> None:
    body = {
        "vendorNumber": "V40010",
        "vendorInvoiceNumber": "DD-1",
        "purchaseInvoiceLines": [{"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1, "unitCost": 5}],
    }
    invoice = api.post(f"{company}/purchaseInvoices", **as_json(body)).json()
    assert invoice["shortcutDimension2Code"] == "WEST"  # LOCATION from the pay-to vendor's defaults
    assert invoice["pricesIncludeTax"] is True  # from the vendor card
    line = invoice["purchaseInvoiceLines"][0]
    path = f"{company}/purchaseInvoices({invoice['id']})/purchaseInvoiceLines({line['id']})/dimensionSetLines"
    assert [(d["code"], d["valueCode"]) for d in api.get(path).json()["value"]] == [("LOCATION", "WEST")]
    duplicate = api.post(path, json={"code": "LOCATION", "valueCode": "EAST"})
    assert _message(duplicate).startswith("The dimension set line already exists.")
    location = _dimension(api, company, "LOCATION")
    patched = api.patch(f"{path}({location['id']})", json={"valueCode": "EAST"}, headers={"If-Match": "*"})
    assert patched.status_code == 200 and patched.json()["valueCode"] == "EAST"
    deep = {**body, "vendorInvoiceNumber": "DD-2", "dimensionSetLines": [{"code": "LOCATION", "valueCode": "WEST"}]}
    refused = api.post(f"{company}/purchaseInvoices", **as_json(deep))
    assert refused.status_code == 400 and "already exists" in refused.text
    assert not [i for i in api.get(f"{company}/purchaseInvoices").json()["value"] if i["vendorInvoiceNumber"] == "DD-2"]


def test_purchase_posting_enforces_the_vendor_and_account_rules(api: httpx.Client, company: str) -> None:
    body = {
        "vendorNumber": "V40000",
        "vendorInvoiceNumber": "DD-3",
        "currencyCode": "USD",
        "pricesIncludeTax": False,
        "purchaseInvoiceLines": [{"lineType": "Account", "lineObjectNumber": "6700", "quantity": 1, "unitCost": 5}],
    }
    invoice = api.post(f"{company}/purchaseInvoices", **as_json(body)).json()
    assert invoice["currencyCode"] == ""  # the local currency's code is stored blank: the request wins over EUR
    post = api.post(f"{company}/purchaseInvoices({invoice['id']})/Microsoft.NAV.post")
    assert _message(post) == (
        f"The dimensions used in Invoice {invoice['number']} are invalid Select a Dimension Value Code for the "
        "Dimension Code DEPARTMENT for Vendor V40000.."
    )
    header = f"{company}/purchaseInvoices({invoice['id']})/dimensionSetLines"
    assert api.post(header, json={"code": "DEPARTMENT", "valueCode": "FIN"}).status_code == 201
    post = api.post(f"{company}/purchaseInvoices({invoice['id']})/Microsoft.NAV.post")
    assert post.status_code == 204, post.text  # the line inherits FIN through the header, 6700 is satisfied


def test_journal_lines_take_defaults_currency_and_check_rules(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    journal = api.post(f"{company}/journals", json={"code": "DD"}).json()
    lines = f"{company}/journals({journal['id']})/journalLines"
    common = {"documentNumber": "DD-J1", "externalDocumentNumber": "X1", "postingDate": "2026-11-02"}
    api.post(
        lines,
        **as_json(
            {
                **common,
                "accountType": "G/L Account",
                "accountNumber": "6720",
                "amount": Decimal(10),
                "dimensionSetLines": [{"code": "LOCATION", "valueCode": "EAST"}],
            }
        ),
    )
    api.post(lines, **as_json({**common, "accountType": "Vendor", "accountNumber": "V10000", "amount": Decimal(-10)}))
    post = api.post(f"{company}/journals({journal['id']})/Microsoft.NAV.post")
    assert _message(post) == (
        "A dimension used in Gen. Journal Line GENERAL, DD, 10000 has caused an error. The Dimension Value Code "
        "must be blank for Dimension Code LOCATION for G/L Account 6720. Currently it's EAST."
    )
    for line in api.get(lines).json()["value"]:
        api.delete(f"{lines}({line['id']})", headers={"If-Match": "*"})
    # A EUR vendor line against a local-currency G/L line: the balance check is in LCY (rate 1.0850).
    common["documentNumber"] = "DD-J2"
    api.post(lines, **as_json({**common, "accountType": "G/L Account", "accountNumber": "6100", "amount": Decimal(10)}))
    vendor_line = {
        **common,
        "accountType": "Vendor",
        "accountNumber": "V40000",
        "amount": Decimal(-10),
        "dimensionSetLines": [{"code": "DEPARTMENT", "valueCode": "FIN"}],
    }
    assert api.post(lines, **as_json(vendor_line)).status_code == 201
    post = api.post(f"{company}/journals({journal['id']})/Microsoft.NAV.post")
    assert _message(post).startswith("Document No. DD-J2 is out of balance by -0.85.")
