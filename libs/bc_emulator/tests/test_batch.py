"""JSON $batch: inner requests relative to the API root, Isolation: snapshot rollback, the 100-operation cap."""

from __future__ import annotations

from typing import Any

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of


def vendor_request(request_id: str, company: str, number: str, name: str = "Batch vendor") -> dict[str, Any]:
    return {
        "id": request_id,
        "method": "POST",
        "url": f"{company}/vendors",
        "headers": {"Content-Type": "application/json"},
        "body": {"number": number, "displayName": name},
    }


def vendor_numbers(api: httpx.Client, company: str) -> set[str]:
    return {v["number"] for v in api.get(f"{company}/vendors").json()["value"]}


def test_batch_answers_each_request(api: httpx.Client, company: str, bc_emulator: EmulatorServer) -> None:
    requests = [
        vendor_request("1", company, "B-1"),
        {"id": "2", "method": "GET", "url": f"{company}/vendors?$filter=number eq 'B-1'&$select=number"},
        {"id": "3", "method": "GET", "url": f"{bc_emulator.onprem_api_base_url}/companies"},
    ]
    response = api.post("$batch", json={"requests": requests})
    assert response.status_code == 200
    responses = response.json()["responses"]
    assert [(r["id"], r["status"]) for r in responses] == [("1", 201), ("2", 200), ("3", 200)]
    assert responses[1]["body"]["value"][0]["number"] == "B-1"
    assert responses[0]["headers"]["etag"].startswith('W/"')


def test_without_isolation_earlier_requests_stay_committed(api: httpx.Client, company: str) -> None:
    requests = [
        vendor_request("1", company, "P-1"),
        vendor_request("2", company, "P" * 25),  # too long: fails
        vendor_request("3", company, "P-3"),
    ]
    responses = api.post("$batch", json={"requests": requests}).json()["responses"]
    assert [r["status"] for r in responses] == [201, 400]  # stops at the first failure (OData default)
    assert responses[1]["body"]["error"]["code"] == "Application_StringExceededLength"
    assert {"P-1"} <= vendor_numbers(api, company) and "P-3" not in vendor_numbers(api, company)

    continued = api.post(
        "$batch",
        json={"requests": [vendor_request("4", company, "V10000"), vendor_request("5", company, "P-5")]},
        headers={"Prefer": "odata.continue-on-error"},
    ).json()["responses"]
    assert [r["status"] for r in continued] == [400, 201]
    assert "P-5" in vendor_numbers(api, company)


def test_isolation_snapshot_rolls_everything_back(api: httpx.Client, company: str) -> None:
    requests = [
        vendor_request("1", company, "T-1"),
        vendor_request("2", company, "T-2"),
        vendor_request("3", company, "V10000"),  # duplicate key
    ]
    response = api.post("$batch", json={"requests": requests}, headers={"Isolation": "snapshot"})
    statuses = [r["status"] for r in response.json()["responses"]]
    assert statuses == [201, 201, 400]
    assert not {"T-1", "T-2"} & vendor_numbers(api, company)
    ok = api.post(
        "$batch",
        json={"requests": [vendor_request("1", company, "T-1"), vendor_request("2", company, "T-2")]},
        headers={"Isolation": "snapshot"},
    )
    assert [r["status"] for r in ok.json()["responses"]] == [201, 201]
    assert {"T-1", "T-2"} <= vendor_numbers(api, company)


def test_posting_inside_a_snapshot_batch_commits(api: httpx.Client, company: str) -> None:
    journal = api.get(f"{company}/journals").json()["value"][0]["id"]
    lines = f"{company}/journals({journal})/journalLines"
    common = {"postingDate": "2026-05-01", "documentNumber": "BATCH-1"}

    def line(request_id: str, **fields: Any) -> dict[str, Any]:
        return {"id": request_id, "method": "POST", "url": lines, "body": {**common, **fields}}

    requests = [
        line("1", accountNumber="6100", amount=7),
        line("2", accountType="Vendor", accountNumber="V10000", externalDocumentNumber="B-EXT", amount=-7),
        {"id": "3", "method": "POST", "url": f"{company}/journals({journal})/Microsoft.NAV.post"},
        vendor_request("4", company, "V10000"),  # fails after the post committed
    ]
    statuses = [
        r["status"]
        for r in api.post("$batch", json={"requests": requests}, headers={"Isolation": "snapshot"}).json()["responses"]
    ]
    assert statuses == [201, 201, 204, 400]
    entries = api.get(f"{company}/generalLedgerEntries", params={"$filter": "documentNumber eq 'BATCH-1'"}).json()
    assert len(entries["value"]) == 2  # the posting codeunit's COMMIT survives the rollback


def test_more_than_100_operations_is_refused_and_counted_per_operation(
    bc_emulator: EmulatorServer, api: httpx.Client, company: str
) -> None:
    too_many = [{"id": str(i), "method": "GET", "url": "companies"} for i in range(101)]
    response = api.post("$batch", json={"requests": too_many})
    status, code, message = error_of(response)
    assert status == 400 and code.startswith("BadRequest") and "100" in message
    before = bc_emulator.operations()
    api.post("$batch", json={"requests": too_many[:40]})
    assert bc_emulator.operations() - before == 40


def test_company_header_instead_of_companies_segment(api: httpx.Client, bc_emulator: EmulatorServer) -> None:
    request = {"id": "1", "method": "GET", "url": "vendors?$top=1", "headers": {"Company": bc_emulator.company_name}}
    responses = api.post("$batch", json={"requests": [request]}).json()["responses"]
    assert responses[0]["status"] == 200 and len(responses[0]["body"]["value"]) == 1
