"""NAV 2018 mode: General Journal (page 39) and General Journal Batches (page 251) through page web services -
the Gen. Journal Line validation, ETags, and the accountant's posting step (admin post-batch)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.testing import as_json, error_of, nav_client

TEMPLATE, BATCH = "GENERAL", "STAMPLI"


@pytest.fixture
def nav(nav_emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with nav_client(nav_emulator) as client:
        created = client.post("Journal_Batches", json={"Journal_Template_Name": TEMPLATE, "Name": BATCH})
        assert created.status_code == 201, created.text
        yield client


def _line(**fields: Any) -> dict[str, Any]:
    return {
        "Journal_Template_Name": TEMPLATE,
        "Journal_Batch_Name": BATCH,
        "Posting_Date": "2026-01-31",
        "Document_Type": "Invoice",
        "Document_No": "SINV-1",
        "External_Document_No": "INV-100",
        **fields,
    }


def _key(line_no: int) -> str:
    return f"General_Journal(Journal_Template_Name='{TEMPLATE}',Journal_Batch_Name='{BATCH}',Line_No={line_no})"


def _post_batch(emu: EmulatorServer, batch: str = BATCH) -> httpx.Response:
    body = {"company": emu.company_name, "journal_template": TEMPLATE, "journal_batch": batch}
    return httpx.post(f"{emu.url}/_emulator/nav/post-batch", json=body)


def test_journal_batch_insert_and_errors(nav: httpx.Client) -> None:
    batch = nav.get(f"Journal_Batches(Journal_Template_Name='{TEMPLATE}',Name='{BATCH}')").json()
    assert (batch["Name"], batch["Bal_Account_Type"]) == (BATCH, "G/L Account")
    again = nav.post("Journal_Batches", json={"Journal_Template_Name": TEMPLATE, "Name": BATCH})
    assert error_of(again)[:2] == (400, "Internal_EntityWithSameKeyExists")
    no_template = nav.post("Journal_Batches", json={"Journal_Template_Name": "NOPE", "Name": "X"})
    assert error_of(no_template) == (
        400,
        "Internal_InvalidTableRelation",
        "The field Journal Template Name of table Gen. Journal Batch contains a value (NOPE) that cannot be found in "
        "the related table (Gen. Journal Template).",
    )
    too_long = nav.post("Journal_Batches", json={"Journal_Template_Name": TEMPLATE, "Name": "ABCDEFGHIJK"})
    assert error_of(too_long)[:2] == (400, "Application_StringExceededLength")


def test_journal_lines_insert_with_auto_line_numbers_captions_and_dimensions(nav: httpx.Client) -> None:
    gl = nav.post(
        "General_Journal",
        **as_json(
            _line(
                Account_Type="G/L Account",
                Account_No="6100",
                Amount=Decimal("100.25"),
                Shortcut_Dimension_1_Code="ADM",
                Shortcut_Dimension_2_Code="",
            )
        ),  # fmt: skip
    )
    assert gl.status_code == 201, gl.text
    line = gl.json()
    assert line["Line_No"] == 10000
    assert line["Description"] == "Office Supplies"  # the G/L account's name when none is given
    assert (line["Shortcut_Dimension_1_Code"], line["Document_Type"]) == ("ADM", "Invoice")
    assert gl.headers["Location"].endswith(_key(10000))
    vendor = nav.post(
        "General_Journal", json=_line(Account_Type="Vendor", Account_No="V10000", Amount=-100.25, Description="X")
    )
    assert vendor.status_code == 201 and vendor.json()["Line_No"] == 20000
    given = nav.post("General_Journal", json=_line(Line_No=15000, Account_Type="G/L Account", Account_No="6100"))
    assert given.json()["Line_No"] == 15000
    duplicate = nav.post("General_Journal", json=_line(Line_No=15000, Account_Type="G/L Account", Account_No="6100"))
    assert error_of(duplicate)[:2] == (400, "Internal_EntityWithSameKeyExists")
    rows = nav.get("General_Journal", params={"$filter": f"Journal_Batch_Name eq '{BATCH}'"}).json()["value"]
    assert [r["Line_No"] for r in rows] == [10000, 15000, 20000]


@pytest.mark.parametrize(
    ("fields", "status", "code", "message"),
    [
        (
            {"Journal_Batch_Name": "NOPE"},
            400,
            "Internal_InvalidTableRelation",
            "The field Journal Batch Name of table Gen. Journal Line contains a value (NOPE) that cannot be found in "
            "the related table (Gen. Journal Batch).",
        ),
        (
            {"Journal_Template_Name": "NOPE"},
            400,
            "Internal_InvalidTableRelation",
            "The field Journal Template Name of table Gen. Journal Line contains a value (NOPE) that cannot be found "
            "in the related table (Gen. Journal Template).",
        ),
        (
            {"Account_Type": "G_x002F_L_x0020_Account", "Account_No": "6100"},
            400,
            "Application_EvaluateException",
            None,
        ),
        ({"Account_Type": "G/L Account", "Account_No": "9876"}, 400, "Internal_InvalidTableRelation", None),
        (
            {"Account_Type": "G/L Account", "Account_No": "1000"},
            400,
            "Application_FieldValidationException",
            "Account Type must be equal to 'Posting'  in G/L Account: No.=1000. Current value is 'Heading'.",
        ),
        ({"Account_Type": "Vendor", "Account_No": "NOPE"}, 400, "Internal_InvalidTableRelation", None),
        ({"Account_Type": "Customer", "Account_No": "C1"}, 400, "Internal_InvalidTableRelation", None),
        (
            {"Account_Type": "G/L Account", "Account_No": "6100", "Description": "x" * 51},
            400,
            "Application_StringExceededLength",
            "The length of the string is 51, but it must be less than or equal to 50 characters. Value: " + "x" * 51,
        ),
        (
            {"Account_Type": "G/L Account", "Account_No": "6100", "Shortcut_Dimension_1_Code": "NOPE"},
            400,
            "Application_DialogException",
            "NOPE is not an available Code for that dimension.",
        ),
        (
            {"Account_Type": "G/L Account", "Account_No": "6100", "Shortcut_Dimension_2_Code": "ADM"},
            400,
            "Application_DialogException",
            "ADM is not an available Code for that dimension.",
        ),
        ({"Debit_Amount": 5}, 400, "BadRequest_InvalidOperation", "Control 'Debit Amount' is read-only."),
        ({"accountNumber": "6100"}, 400, "BadRequest", None),
    ],
)
def test_journal_line_validation_rejects(
    nav: httpx.Client, fields: dict[str, Any], status: int, code: str, message: str | None
) -> None:
    response = nav.post("General_Journal", json=_line(**fields))
    actual = error_of(response)
    assert actual[:2] == (status, code), response.text
    if message is not None:
        assert actual[2] == message


def test_blocked_and_direct_posting_accounts_and_vendors_are_refused(
    nav_emulator: EmulatorServer, nav: httpx.Client
) -> None:
    nav_emulator.store.modify("accounts", {"number": "6100"}, directPosting=False)
    response = nav.post("General_Journal", json=_line(Account_Type="G/L Account", Account_No="6100"))
    assert error_of(response)[2] == (
        "Direct Posting must be equal to 'Yes'  in G/L Account: No.=6100. Current value is 'No'."
    )
    nav_emulator.store.modify("accounts", {"number": "6100"}, directPosting=True, blocked=True)
    response = nav.post("General_Journal", json=_line(Account_Type="G/L Account", Account_No="6100"))
    assert "Blocked must be equal to 'No'" in error_of(response)[2]
    nav_emulator.store.modify("vendors", {"number": "V10000"}, blocked="All")
    response = nav.post("General_Journal", json=_line(Account_Type="Vendor", Account_No="V10000", Amount=-1))
    assert error_of(response) == (
        400,
        "Application_DialogException",
        "You cannot create this type of document when Vendor V10000 is blocked with type All",
    )
    nav_emulator.store.modify("vendors", {"number": "V10000"}, blocked="Payment")
    invoice = nav.post("General_Journal", json=_line(Account_Type="Vendor", Account_No="V10000", Amount=-1))
    assert invoice.status_code == 201  # Payment blocks payments only
    payment = nav.post(
        "General_Journal", json=_line(Document_Type="Payment", Account_Type="Vendor", Account_No="V10000", Amount=1)
    )
    assert error_of(payment)[0] == 400


def test_shortcut_dimension_blocked_type_and_prefix(nav_emulator: EmulatorServer, nav: httpx.Client) -> None:
    nav_emulator.store.modify("dimensionValues", {"dimensionCode": "DEPARTMENT", "code": "ADM"}, blocked=True)
    blocked = nav.post("General_Journal", json=_line(Account_Type="G/L Account", Account_No="6100",
                                                     Shortcut_Dimension_1_Code="ADM"))  # fmt: skip
    assert error_of(blocked)[2] == "Dimension Value DEPARTMENT - ADM is blocked."
    nav_emulator.store.modify(
        "dimensionValues", {"dimensionCode": "DEPARTMENT", "code": "ADM"}, blocked=False, dimensionValueType="Heading"
    )
    heading = nav.post("General_Journal", json=_line(Account_Type="G/L Account", Account_No="6100",
                                                     Shortcut_Dimension_1_Code="ADM"))  # fmt: skip
    assert error_of(heading)[2] == "Dimension Value Type for Dimension Value DEPARTMENT - ADM must not be Heading."
    prefix = nav.post("General_Journal", json=_line(Account_Type="G/L Account", Account_No="6100",
                                                    Shortcut_Dimension_1_Code="FI"))  # fmt: skip
    assert prefix.json()["Shortcut_Dimension_1_Code"] == "FIN"  # ValidateDimValueCode completes a prefix


def test_modify_and_delete_need_the_current_etag(nav: httpx.Client) -> None:
    created = nav.post("General_Journal", json=_line(Account_Type="G/L Account", Account_No="6100", Amount=10)).json()
    missing = nav.patch(_key(10000), json={"Amount": 20})
    assert error_of(missing)[:2] == (400, "BadRequest_InvalidToken")
    changed = nav.patch(_key(10000), json={"Amount": 20, "Shortcut_Dimension_2_Code": "EAST"},
                        headers={"If-Match": created["@odata.etag"]})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert (changed.json()["Amount"], changed.json()["Shortcut_Dimension_2_Code"]) == (20, "EAST")
    assert changed.headers["ETag"] != created["@odata.etag"]
    stale = nav.patch(_key(10000), json={"Amount": 30}, headers={"If-Match": created["@odata.etag"]})
    assert error_of(stale) == (409, "Request_EntityChanged", "Another user has already changed the record.")
    stale_delete = nav.delete(_key(10000), headers={"If-Match": created["@odata.etag"]})
    assert error_of(stale_delete)[0] == 409
    deleted = nav.delete(_key(10000), headers={"If-Match": changed.headers["ETag"]})
    assert deleted.status_code == 204
    assert error_of(nav.get(_key(10000)))[:2] == (404, "Internal_RecordNotFound")


def test_post_batch_posts_balanced_documents_like_api_mode(nav_emulator: EmulatorServer, nav: httpx.Client) -> None:
    for fields in (
        {"Account_Type": "G/L Account", "Account_No": "6100", "Amount": "60.00", "Shortcut_Dimension_1_Code": "ADM"},
        {"Account_Type": "G/L Account", "Account_No": "6400", "Amount": "40.50"},
        {"Account_Type": "Vendor", "Account_No": "V10000", "Amount": "-100.50"},
    ):
        fields["Amount"] = Decimal(fields["Amount"])
        assert nav.post("General_Journal", **as_json(_line(**fields))).status_code == 201
    posted = _post_batch(nav_emulator)
    assert posted.status_code == 200, posted.text
    assert posted.json() == {"posted_documents": 1, "gl_entries": 3}
    assert nav.get("General_Journal").json()["value"] == []  # the batch is empty after posting
    entries = nav.get("General_Ledger_Entries", params={"$filter": "Document_No eq 'SINV-1'"}).json()["value"]
    assert sorted((e["G_L_Account_No"], e["Amount"]) for e in entries) == [
        ("2100", -100.5), ("6100", 60), ("6400", 40.5)
    ]  # fmt: skip
    assert {e["Document_Type"] for e in entries} == {"Invoice"}
    assert [e["Global_Dimension_1_Code"] for e in entries if e["G_L_Account_No"] == "6100"] == ["ADM"]
    vendor_entries = nav.get("Vendor_Ledger_Entries", params={"$filter": "Vendor_No eq 'V10000'"}).json()["value"]
    assert [(v["Document_Type"], v["External_Document_No"], v["Amount"]) for v in vendor_entries] == [
        ("Invoice", "INV-100", -100.5)
    ]
    assert nav.get("Vendor_Card('V10000')").json()["Balance_LCY"] == 100.5
    # the same external document number for the same vendor is a duplicate on the next posting
    nav.post(
        "General_Journal", json=_line(Document_No="SINV-2", Account_Type="G/L Account", Account_No="6100", Amount=1)
    )
    nav.post("General_Journal", json=_line(Document_No="SINV-2", Account_Type="Vendor", Account_No="V10000", Amount=-1))
    duplicate = _post_batch(nav_emulator)
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["message"] == "Purchase Invoice INV-100 already exists for this vendor."


def test_post_batch_refuses_an_unbalanced_document_and_posts_nothing(
    nav_emulator: EmulatorServer, nav: httpx.Client
) -> None:
    nav.post("General_Journal", json=_line(Document_No="A", Account_Type="G/L Account", Account_No="6100", Amount=5))
    nav.post("General_Journal", json=_line(Document_No="A", Account_Type="Vendor", Account_No="V10000", Amount=-5))
    nav.post("General_Journal", json=_line(Document_No="B", Account_Type="G/L Account", Account_No="6100", Amount=7))
    refused = _post_batch(nav_emulator)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("Document No. B is out of balance by 7.00.")
    assert len(nav.get("General_Journal").json()["value"]) == 3
    assert nav.get("General_Ledger_Entries").json()["value"] == []
    assert _post_batch(nav_emulator, "NOPE").status_code == 404
