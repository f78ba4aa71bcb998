"""General journals: batches, lines with BC's entry-time checks, and Microsoft.NAV.post's all-or-nothing rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.jsonio import loads
from bc_emulator.testing import as_json, cloud_client, error_of


@pytest.fixture
def journal(api: httpx.Client, company: str) -> str:
    """Path of a fresh STAMPLI batch in the default GENERAL template."""
    created = api.post(f"{company}/journals", json={"code": "stampli", "displayName": "Stampli imports"})
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "STAMPLI" and created.json()["templateDisplayName"] == "GENERAL"
    return f"{company}/journals({created.json()['id']})"


def add_line(api: httpx.Client, journal: str, **fields: Any) -> httpx.Response:
    body = {"postingDate": "2026-03-31", "accountType": "G/L Account", **fields}
    return api.post(f"{journal}/journalLines", **as_json(body))


def invoice_lines(api: httpx.Client, journal: str, document: str, vendor: str, external: str, amount: str) -> None:
    """An AP invoice as journal lines: expense debit, vendor credit (blank document type in the API)."""
    value = Decimal(amount)
    assert add_line(api, journal, documentNumber=document, accountNumber="6100", amount=value).status_code == 201
    response = add_line(
        api,
        journal,
        documentNumber=document,
        accountType="Vendor",
        accountNumber=vendor,
        externalDocumentNumber=external,
        amount=-value,
    )
    assert response.status_code == 201, response.text


def post(api: httpx.Client, journal: str) -> httpx.Response:
    return api.post(f"{journal}/Microsoft.NAV.post")


def gl_entries(api: httpx.Client, company: str, document: str) -> list[dict[str, Any]]:
    response = api.get(f"{company}/generalLedgerEntries", params={"$filter": f"documentNumber eq '{document}'"})
    return loads(response.content)["value"]


def test_journals_list_only_the_default_template_unless_filtered(api: httpx.Client, company: str) -> None:
    default = api.get(f"{company}/journals").json()["value"]
    assert {(j["templateDisplayName"], j["code"]) for j in default} == {("GENERAL", "DEFAULT")}
    purchases = api.get(f"{company}/journals", params={"$filter": "templateDisplayName eq 'PURCHASES'"})
    assert [(j["templateDisplayName"], j["code"]) for j in purchases.json()["value"]] == [("PURCHASES", "DEFAULT")]
    too_long = api.post(f"{company}/journals", json={"code": "ELEVENCHARS"})
    assert error_of(too_long)[1] == "Application_StringExceededLength"
    duplicate = api.post(f"{company}/journals", json={"code": "DEFAULT"})
    assert error_of(duplicate)[:2] == (400, "Internal_EntityWithSameKeyExists")


def test_balanced_batch_posts_gl_and_vendor_ledger_entries(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str, journal: str
) -> None:
    invoice_lines(api, journal, "STP-INV-1", "V10000", "INV-1", "1234.50")
    invoice_lines(api, journal, "STP-INV-2", "V10010", "INV-2", "99.99")
    assert post(api, journal).status_code == 204
    assert api.get(f"{journal}/journalLines").json()["value"] == []  # posted lines leave the batch

    entries = gl_entries(api, company, "STP-INV-1")
    assert [(e["accountNumber"], e["debitAmount"], e["creditAmount"]) for e in entries] == [
        ("6100", Decimal("1234.5"), 0),
        ("2100", 0, Decimal("1234.5")),  # the vendor line posts to the payables account
    ]
    assert entries[0]["entryNumber"] + 1 == entries[1]["entryNumber"]
    assert all(e["documentType"] == "_x0020_" and e["postingDate"] == "2026-03-31" for e in entries)
    dated = api.get(
        f"{company}/generalLedgerEntries",
        params={"$filter": "documentNumber eq 'STP-INV-2' and postingDate eq 2026-03-31"},
    ).json()["value"]
    assert len(dated) == 2

    reports = f"microsoft/reportsFinance/beta/{company}/vendorLedgerEntries"
    onprem = api.get(f"{bc_emulator.url}/BC/api/{reports}", params={"$filter": "externalDocumentNumber eq 'INV-1'"})
    vle = loads(onprem.content)["value"]
    assert [(v["vendorNumber"], v["amount"], v["documentType"]) for v in vle] == [
        ("V10000", Decimal("-1234.5"), "_x0020_")
    ]
    assert "@odata.etag" not in vle[0]
    with cloud_client(bc_emulator) as cloud:
        everything = cloud.get(f"{bc_emulator.reports_finance_base_url}/{company}/vendorLedgerEntries").json()
    assert sorted(v["externalDocumentNumber"] for v in everything["value"]) == ["INV-1", "INV-2"]
    accounts = api.get(f"{company}/accounts", params={"$filter": "number eq '6100'"}).json()["value"]
    assert Decimal(str(accounts[0]["netChange"])) == Decimal("1334.49")


def test_unbalanced_document_fails_the_whole_post(api: httpx.Client, company: str, journal: str) -> None:
    invoice_lines(api, journal, "GOOD-1", "V10000", "G-1", "10.00")
    add_line(api, journal, documentNumber="BAD-1", accountNumber="6100", amount=100)
    add_line(
        api,
        journal,
        documentNumber="BAD-1",
        accountType="Vendor",
        accountNumber="V10000",
        externalDocumentNumber="B-1",
        amount=-99.99,
    )
    status, code, message = error_of(post(api, journal))
    assert (status, code) == (400, "Application_DialogException")
    assert "BAD-1" in message and "out of balance by 0.01" in message
    assert gl_entries(api, company, "GOOD-1") == []  # nothing posted at all
    assert len(api.get(f"{journal}/journalLines").json()["value"]) == 4


def test_lines_are_checked_when_entered(api: httpx.Client, journal: str) -> None:
    cases = {
        "5555": (400, "Internal_InvalidTableRelation", "G/L Account"),
        "2100": (400, "Application_FieldValidationException", "Direct Posting must be equal to 'Yes'"),
        "6900": (400, "Application_FieldValidationException", "Blocked must be equal to 'No'"),
        "6000": (400, "Application_FieldValidationException", "Account Type must be equal to 'Posting'"),
    }
    for number, (status, code, text) in cases.items():
        got = error_of(add_line(api, journal, documentNumber="X", accountNumber=number, amount=1))
        assert got[:2] == (status, code) and text in got[2], (number, got)
    vendor_all = add_line(api, journal, documentNumber="X", accountType="Vendor", accountNumber="V10090", amount=-1)
    status, code, message = error_of(vendor_all)
    assert (status, code) == (400, "Application_DialogException") and "blocked with type All" in message
    unknown_vendor = add_line(api, journal, documentNumber="X", accountType="Vendor", accountNumber="V99999")
    assert error_of(unknown_vendor)[1] == "Internal_InvalidTableRelation"
    payment_blocked = add_line(
        api, journal, documentNumber="X", accountType="Vendor", accountNumber="V10080", externalDocumentNumber="E"
    )
    assert payment_blocked.status_code == 201  # "Payment" blocks payments only, not a blank-type line


def test_field_lengths_on_lines(api: httpx.Client, journal: str) -> None:
    for field, limit in (("documentNumber", 20), ("externalDocumentNumber", 35), ("description", 100)):
        ok = add_line(api, journal, accountNumber="6100", **{"documentNumber": "D", field: "A" * limit})
        assert ok.status_code == 201, (field, ok.text)
        too_long = add_line(api, journal, accountNumber="6100", **{"documentNumber": "D", field: "A" * (limit + 1)})
        assert error_of(too_long)[1] == "Application_StringExceededLength", field


def test_a_change_after_entry_still_fails_the_post(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str, journal: str
) -> None:
    invoice_lines(api, journal, "DOC-1", "V10000", "E-1", "50")
    bc_emulator.store.modify("accounts", {"number": "6100"}, blocked=True)
    status, code, message = error_of(post(api, journal))
    assert (code, status) == ("Application_FieldValidationException", 400) and "6100" in message
    bc_emulator.store.modify("accounts", {"number": "6100"}, blocked=False)
    bc_emulator.store.modify("vendors", {"number": "V10000"}, blocked="All")
    assert "blocked with type All" in error_of(post(api, journal))[2]
    bc_emulator.store.modify("vendors", {"number": "V10000"}, blocked=" ")
    assert post(api, journal).status_code == 204
    assert len(gl_entries(api, company, "DOC-1")) == 2


def test_dimensions_on_lines_are_validated_and_posted(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str, journal: str
) -> None:
    line = add_line(
        api,
        journal,
        documentNumber="DIM-1",
        accountNumber="6100",
        amount=25,
        dimensionSetLines=[{"code": "DEPARTMENT", "valueCode": "SALES"}],
    ).json()
    dims = f"{journal}/journalLines({line['id']})/dimensionSetLines"
    assert api.post(dims, json={"code": "LOCATION", "valueCode": "EAST"}).status_code == 201
    unknown = api.post(dims, json={"code": "LOCATION", "valueCode": "MARS"})
    assert error_of(unknown) == (400, "Application_DialogException", error_of(unknown)[2])
    assert 'The "valueCode" does not match to a Dimension Value.' in error_of(unknown)[2]
    again = api.post(dims, json={"code": "DEPARTMENT", "valueCode": "ADM"})
    assert "already exists" in error_of(again)[2]
    listed = {d["code"]: d["valueCode"] for d in api.get(dims).json()["value"]}
    assert listed == {"DEPARTMENT": "SALES", "LOCATION": "EAST"}
    add_line(
        api,
        journal,
        documentNumber="DIM-1",
        accountType="Vendor",
        accountNumber="V10000",
        externalDocumentNumber="DIM-EXT",
        amount=-25,
    )

    bc_emulator.store.modify("dimensionValues", {"dimensionCode": "LOCATION", "code": "EAST"}, blocked=True)
    assert "is blocked" in error_of(post(api, journal))[2]
    bc_emulator.store.modify("dimensionValues", {"dimensionCode": "LOCATION", "code": "EAST"}, blocked=False)
    assert post(api, journal).status_code == 204
    expense = next(e for e in gl_entries(api, company, "DIM-1") if e["accountNumber"] == "6100")
    posted = api.get(f"{company}/generalLedgerEntries({expense['id']})/dimensionSetLines").json()["value"]
    assert {d["code"]: d["valueCode"] for d in posted} == {"DEPARTMENT": "SALES", "LOCATION": "EAST"}


def test_deep_inserted_dimensions_are_checked_before_the_line_is_stored(api: httpx.Client, journal: str) -> None:
    both = [{"code": "DEPARTMENT", "valueCode": "SALES"}, {"code": "LOCATION", "valueCode": "EAST"}]
    created = add_line(api, journal, documentNumber="DEEP-1", accountNumber="6100", amount=5, dimensionSetLines=both)
    assert created.status_code == 201, created.text
    assert {d["code"]: d["valueCode"] for d in created.json()["dimensionSetLines"]} == {
        "DEPARTMENT": "SALES",
        "LOCATION": "EAST",
    }
    twice = [{"code": "DEPARTMENT", "valueCode": "SALES"}, {"code": "DEPARTMENT", "valueCode": "ADM"}]
    refused = add_line(api, journal, documentNumber="DEEP-2", accountNumber="6100", amount=5, dimensionSetLines=twice)
    assert "already exists" in error_of(refused)[2]
    unknown = [{"code": "LOCATION", "valueCode": "MARS"}]
    refused = add_line(api, journal, documentNumber="DEEP-2", accountNumber="6100", amount=5, dimensionSetLines=unknown)
    assert 'The "valueCode" does not match to a Dimension Value.' in error_of(refused)[2]
    lines = api.get(f"{journal}/journalLines").json()["value"]
    assert [line["documentNumber"] for line in lines] == ["DEEP-1"]  # the refused lines left nothing behind


def test_or_of_document_numbers_reads_exactly_those_documents(api: httpx.Client, company: str, journal: str) -> None:
    for number in ("OR-1", "OR-2", "OR-3"):
        invoice_lines(api, journal, number, "V10000", f"EXT-{number}", "10.00")
    assert post(api, journal).status_code == 204
    either = "documentNumber eq 'OR-1' or documentNumber eq 'MISSING' or documentNumber eq 'or-3'"
    entries = api.get(f"{company}/generalLedgerEntries", params={"$filter": either}).json()["value"]
    assert sorted((e["documentNumber"], e["accountNumber"]) for e in entries) == [
        ("OR-1", "2100"),
        ("OR-1", "6100"),
        ("OR-3", "2100"),
        ("OR-3", "6100"),
    ]
    narrowed = f"({either}) and accountNumber eq '6100'"
    entries = api.get(f"{company}/generalLedgerEntries", params={"$filter": narrowed}).json()["value"]
    assert sorted(e["documentNumber"] for e in entries) == ["OR-1", "OR-3"]
    lines_filter = {"$filter": "documentNumber eq 'OR-1' or documentNumber eq 'OR-2'"}
    assert api.get(f"{journal}/journalLines", params=lines_filter).json()["value"] == []  # posted lines are gone


def test_entry_number_ranges_read_exactly_the_entries_in_range(api: httpx.Client, company: str, journal: str) -> None:
    def numbers(condition: str) -> list[int]:
        entries = api.get(f"{company}/generalLedgerEntries", params={"$filter": condition}).json()["value"]
        return sorted(e["entryNumber"] for e in entries)

    everything = numbers("entryNumber ge 0")
    high_water = everything[-1] if everything else 0
    invoice_lines(api, journal, "RANGE-1", "V10000", "EXT-RANGE-1", "10.00")
    invoice_lines(api, journal, "RANGE-2", "V10010", "EXT-RANGE-2", "20.00")
    add_line(api, journal, documentNumber="RANGE-3", accountNumber="6100", amount=1)  # unbalanced: post fails
    assert post(api, journal).status_code == 400
    assert numbers(f"entryNumber gt {high_water}") == []  # a failed post writes no entries
    lines = api.get(f"{journal}/journalLines", params={"$filter": "documentNumber eq 'RANGE-3'"}).json()["value"]
    assert api.delete(f"{journal}/journalLines({lines[0]['id']})", headers={"If-Match": "*"}).status_code == 204
    assert post(api, journal).status_code == 204
    new = [high_water + n for n in range(1, 5)]
    assert numbers(f"entryNumber gt {high_water}") == new
    assert numbers(f"entryNumber ge {new[1]} and entryNumber lt {new[3]}") == new[1:3]
    assert numbers(f"entryNumber le {new[0]}") == [*everything, new[0]]
    assert numbers(f"entryNumber gt {high_water} and documentNumber eq 'RANGE-2'") == new[2:]


def test_duplicate_external_document_number_for_a_vendor(api: httpx.Client, company: str, journal: str) -> None:
    invoice_lines(api, journal, "A-1", "V10000", "INV-77", "10")
    assert post(api, journal).status_code == 204
    invoice_lines(api, journal, "A-2", "V10000", "inv-77", "10")  # Code field: same number after upper-casing
    status, code, message = error_of(post(api, journal))
    assert (status, code) == (400, "Application_DialogException")
    assert "INV-77 already exists for this vendor" in message
    lines = api.get(f"{journal}/journalLines").json()["value"]
    for line in lines:
        api.delete(f"{journal}/journalLines({line['id']})", headers={"If-Match": line["@odata.etag"]})
    invoice_lines(api, journal, "A-3", "V10010", "INV-77", "10")  # another vendor may use the same number
    invoice_lines(api, journal, "A-4", "V10020", "INV-88", "10")
    invoice_lines(api, journal, "A-5", "V10020", "INV-88", "10")  # ... but not twice in one batch
    assert "INV-88 already exists" in error_of(post(api, journal))[2]


def test_vendor_lines_need_an_external_document_number(api: httpx.Client, journal: str) -> None:
    add_line(api, journal, documentNumber="N-1", accountNumber="6100", amount=5)
    add_line(api, journal, documentNumber="N-1", accountType="Vendor", accountNumber="V10000", amount=-5)
    status, code, message = error_of(post(api, journal))
    assert code == "Application_FieldValidationException" and "External Document No. must have a value" in message


def test_empty_batch_and_flat_line_access(api: httpx.Client, company: str, journal: str) -> None:
    assert "There is nothing to post." in error_of(post(api, journal))[2]
    flat = api.get(f"{company}/journalLines")
    assert "You must specify a journal batch ID" in error_of(flat)[2]
    journal_id = journal.split("journals(")[1].rstrip(")")
    add_line(api, journal, documentNumber="F-1", accountNumber="6100", amount=1)
    filtered = api.get(f"{company}/journalLines", params={"$filter": f"journalId eq {journal_id}"}).json()["value"]
    assert len(filtered) == 1 and filtered[0]["journalDisplayName"] == "STAMPLI"
    assert filtered[0]["lineNumber"] == 10000 and filtered[0]["description"] == "Office Supplies"


def test_balancing_account_on_the_line(api: httpx.Client, company: str, journal: str) -> None:
    add_line(
        api,
        journal,
        documentNumber="BAL-1",
        accountNumber="6200",
        amount=40,
        balanceAccountType="G/L Account",
        balancingAccountNumber="1010",
    )
    assert post(api, journal).status_code == 204
    entries = gl_entries(api, company, "BAL-1")
    assert {(e["accountNumber"], e["debitAmount"], e["creditAmount"]) for e in entries} == {
        ("6200", 40, 0),
        ("1010", 0, 40),
    }
