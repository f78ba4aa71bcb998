"""purchaseInvoices: deep insert, drafts vs posted, BC's posting-time duplicate check, ledger entries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.jsonio import loads
from bc_emulator.testing import as_json, error_of


def draft(api: httpx.Client, company: str, vendor: str = "V10000", number: str = "INV-1", **extra: Any) -> dict:
    body = {
        "vendorNumber": vendor,
        "vendorInvoiceNumber": number,
        "invoiceDate": "2026-04-01",
        "postingDate": "2026-04-02",
        "purchaseInvoiceLines": [
            {
                "lineType": "Account",
                "lineObjectNumber": "6100",
                "description": "Paper",
                "quantity": 2,
                "unitCost": Decimal("10.125"),
                "dimensionSetLines": [{"code": "DEPARTMENT", "valueCode": "ADM"}],
            },
            {"lineType": "Account", "lineObjectNumber": "6200", "quantity": 1, "unitCost": Decimal("79.75")},
        ],
        "dimensionSetLines": [{"code": "LOCATION", "valueCode": "WEST"}],
        **extra,
    }
    response = api.post(f"{company}/purchaseInvoices", **as_json(body))
    assert response.status_code == 201, response.text
    return loads(response.content)


def test_deep_insert_creates_header_lines_and_dimensions(api: httpx.Client, company: str) -> None:
    invoice = draft(api, company)
    assert invoice["status"] == "Draft" and invoice["vendorName"] == "Fabrikam, Inc."
    assert invoice["payToVendorNumber"] == "V10000"
    assert [line["amountExcludingTax"] for line in invoice["purchaseInvoiceLines"]] == [
        Decimal("20.25"),
        Decimal("79.75"),
    ]
    assert invoice["totalAmountIncludingTax"] == 100
    assert invoice["shortcutDimension2Code"] == "WEST"
    assert invoice["purchaseInvoiceLines"][1]["description"] == "Travel"  # BC copies the account name
    url = f"{company}/purchaseInvoices({invoice['id']})"
    expanded = api.get(url, params={"$expand": "purchaseInvoiceLines($expand=dimensionSetLines)"}).json()
    first = expanded["purchaseInvoiceLines"][0]
    # PurchaseLine CreateDim inherits the header's dimension set: the line shows the header's LOCATION too.
    assert [(d["code"], d["valueCode"]) for d in first["dimensionSetLines"]] == [
        ("DEPARTMENT", "ADM"),
        ("LOCATION", "WEST"),
    ]


def test_a_bad_line_rolls_back_the_whole_deep_insert(api: httpx.Client, company: str) -> None:
    body = {
        "vendorNumber": "V10000",
        "vendorInvoiceNumber": "BAD-1",
        "purchaseInvoiceLines": [
            {"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1, "unitCost": 5},
            {"lineType": "Account", "lineObjectNumber": "2100", "quantity": 1, "unitCost": 5},
        ],
    }
    response = api.post(f"{company}/purchaseInvoices", json=body)
    assert error_of(response)[:2] == (400, "Application_FieldValidationException")
    assert api.get(f"{company}/purchaseInvoices").json()["value"] == []


def test_vendor_rules_on_create(api: httpx.Client, company: str) -> None:
    assert (
        'A "vendorNumber" or a "vendorId" must be provided.'
        in error_of(api.post(f"{company}/purchaseInvoices", json={"vendorInvoiceNumber": "X"}))[2]
    )
    assert (
        "The vendor cannot be found."
        in error_of(api.post(f"{company}/purchaseInvoices", json={"vendorNumber": "NOPE"}))[2]
    )
    assert (
        "blocked with type All" in error_of(api.post(f"{company}/purchaseInvoices", json={"vendorNumber": "V10090"}))[2]
    )
    long_number = api.post(
        f"{company}/purchaseInvoices", json={"vendorNumber": "V10000", "vendorInvoiceNumber": "N" * 36}
    )
    assert error_of(long_number)[1] == "Application_StringExceededLength"


def test_post_creates_entries_and_keeps_the_invoice_visible_as_open(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    invoice = draft(api, company)
    url = f"{company}/purchaseInvoices({invoice['id']})"
    assert api.post(f"{url}/Microsoft.NAV.post").status_code == 204
    posted = loads(api.get(url).content)
    assert posted["status"] == "Open" and posted["number"] != invoice["number"]
    assert posted["vendorInvoiceNumber"] == "INV-1"
    entries = loads(
        api.get(
            f"{company}/generalLedgerEntries", params={"$filter": f"documentNumber eq '{posted['number']}'"}
        ).content
    )["value"]
    assert {(e["accountNumber"], e["debitAmount"], e["creditAmount"], e["documentType"]) for e in entries} == {
        ("6100", Decimal("20.25"), 0, "Invoice"),
        ("6200", Decimal("79.75"), 0, "Invoice"),
        ("2100", 0, Decimal("100"), "Invoice"),
    }
    expense = next(e for e in entries if e["accountNumber"] == "6100")
    dims = api.get(f"{company}/generalLedgerEntries({expense['id']})/dimensionSetLines").json()["value"]
    assert {d["code"]: d["valueCode"] for d in dims} == {"DEPARTMENT": "ADM", "LOCATION": "WEST"}
    again = api.post(f"{url}/Microsoft.NAV.post")
    assert "draft invoice only" in error_of(again)[2]
    edit = api.patch(url, json={"vendorInvoiceNumber": "CHANGED"}, headers={"If-Match": "*"})
    assert error_of(edit)[1] == "Application_DialogException"
    vendor = api.get(f"{company}/vendors", params={"$filter": "number eq 'V10000'"}).json()["value"][0]
    assert vendor["balance"] == 100


def test_duplicate_vendor_invoice_number_is_caught_at_posting_not_at_draft(api: httpx.Client, company: str) -> None:
    first = draft(api, company, number="DUP-1")
    second = draft(api, company, number="dup-1")  # drafts with the same number are accepted, like BC
    other_vendor = draft(api, company, vendor="V10010", number="DUP-1")
    found = api.get(
        f"{company}/purchaseInvoices", params={"$filter": "vendorNumber eq 'V10000' and vendorInvoiceNumber eq 'DUP-1'"}
    ).json()["value"]
    assert len(found) == 2
    assert api.post(f"{company}/purchaseInvoices({first['id']})/Microsoft.NAV.post").status_code == 204
    refused = api.post(f"{company}/purchaseInvoices({second['id']})/Microsoft.NAV.post")
    status, code, message = error_of(refused)
    assert (status, code) == (400, "Application_DialogException")
    assert "Purchase Invoice DUP-1 already exists for this vendor." in message
    assert api.get(f"{company}/purchaseInvoices({second['id']})").json()["status"] == "Draft"
    assert api.post(f"{company}/purchaseInvoices({other_vendor['id']})/Microsoft.NAV.post").status_code == 204


def test_posting_checks_quantity_vendor_invoice_number_and_accounts(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    no_number = draft(api, company, number="")
    status, code, message = error_of(api.post(f"{company}/purchaseInvoices({no_number['id']})/Microsoft.NAV.post"))
    assert code == "Application_FieldValidationException" and "Vendor Invoice No. must have a value" in message

    invoice = draft(api, company, number="Q-1")
    line = invoice["purchaseInvoiceLines"][0]
    lines = f"{company}/purchaseInvoices({invoice['id']})/purchaseInvoiceLines"
    api.patch(f"{lines}({line['id']})", json={"quantity": 0}, headers={"If-Match": line["@odata.etag"]})
    message = error_of(api.post(f"{company}/purchaseInvoices({invoice['id']})/Microsoft.NAV.post"))[2]
    assert "do not have a quantity specified" in message
    api.patch(f"{lines}({line['id']})", json={"quantity": 3}, headers={"If-Match": "*"})
    header = api.get(f"{company}/purchaseInvoices({invoice['id']})").json()
    assert Decimal(str(header["totalAmountExcludingTax"])) == Decimal("110.13")  # 30.375 -> 30.38 + 79.75

    bc_emulator.store.modify("accounts", {"number": "6200"}, directPosting=False)
    message = error_of(api.post(f"{company}/purchaseInvoices({invoice['id']})/Microsoft.NAV.post"))[2]
    assert "Direct Posting must be equal to 'Yes'" in message


def test_lines_flat_access_needs_a_document_filter(api: httpx.Client, company: str) -> None:
    invoice = draft(api, company)
    assert "Document Id" in error_of(api.get(f"{company}/purchaseInvoiceLines"))[2]
    flat = api.get(f"{company}/purchaseInvoiceLines", params={"$filter": f"documentId eq {invoice['id']}"})
    assert [line["sequence"] for line in flat.json()["value"]] == [10000, 20000]


def test_status_filter_separates_drafts_from_posted(api: httpx.Client, company: str) -> None:
    a = draft(api, company, number="S-1")
    draft(api, company, number="S-2")
    api.post(f"{company}/purchaseInvoices({a['id']})/Microsoft.NAV.post")
    drafts = api.get(f"{company}/purchaseInvoices", params={"$filter": "status eq 'Draft'"}).json()["value"]
    posted = api.get(f"{company}/purchaseInvoices", params={"$filter": "status eq 'Open'"}).json()["value"]
    assert [d["vendorInvoiceNumber"] for d in drafts] == ["S-2"]
    assert [p["vendorInvoiceNumber"] for p in posted] == ["S-1"]
