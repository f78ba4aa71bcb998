"""Post with Job Queue (General Ledger Setup): the journal post answers 204, documents are posted later one by one,
and queued lines refuse changes and a second post with BC's texts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.jsonio import loads
from bc_emulator.testing import as_json, error_of


def message_of(response: httpx.Response) -> str:
    """BC's error message without the correlation id BC appends."""
    return error_of(response)[2].split("  CorrelationId")[0]


def invoice_lines(api: httpx.Client, journal: str, document: str, vendor: str, external: str, amount: str) -> None:
    """An AP invoice as two journal lines: expense debit, vendor credit."""
    for fields in (
        {"accountType": "G/L Account", "accountNumber": "6100", "amount": Decimal(amount)},
        {
            "accountType": "Vendor",
            "accountNumber": vendor,
            "externalDocumentNumber": external,
            "amount": -Decimal(amount),
        },
    ):
        body = {"postingDate": "2026-03-31", "documentNumber": document, **fields}
        response = api.post(f"{journal}/journalLines", **as_json(body))
        assert response.status_code == 201, response.text


def post(api: httpx.Client, journal: str) -> httpx.Response:
    return api.post(f"{journal}/Microsoft.NAV.post")


def gl_entries(api: httpx.Client, company: str, document: str) -> list[dict[str, Any]]:
    response = api.get(f"{company}/generalLedgerEntries", params={"$filter": f"documentNumber eq '{document}'"})
    return loads(response.content)["value"]


def new_journal(api: httpx.Client, company: str, code: str) -> str:
    created = api.post(f"{company}/journals", json={"code": code, "displayName": code})
    assert created.status_code == 201, created.text
    return f"{company}/journals({created.json()['id']})"


@pytest.fixture
def queued(api: httpx.Client, company: str, bc_emulator: EmulatorServer) -> str:
    bc_emulator.settings.job_queue_delay_s = 30.0
    assert httpx.patch(f"{bc_emulator.url}/_emulator/setup", json={"postWithJobQueue": True}).status_code == 200
    journal = new_journal(api, company, "JQ")
    invoice_lines(api, journal, "JQ-1", "V10000", "EXT-JQ-1", "10.00")
    invoice_lines(api, journal, "JQ-2", "V10010", "EXT-JQ-2", "20.00")
    return journal


def lines(api: httpx.Client, journal: str) -> list[dict[str, Any]]:
    return api.get(f"{journal}/journalLines").json()["value"]


def test_post_schedules_and_entries_come_later(
    api: httpx.Client, company: str, bc_emulator: EmulatorServer, queued: str
) -> None:
    assert post(api, queued).status_code == 204
    assert gl_entries(api, company, "JQ-1") == [] and len(lines(api, queued)) == 4
    jobs = httpx.get(f"{bc_emulator.url}/_emulator/job-queue").json()["value"]
    assert sorted(j["documentNumber"] for j in jobs) == ["JQ-1", "JQ-2"]

    # While scheduled: no change, no delete, no second post (GenJournalLine / GenJnlPostviaJobQueue labels).
    line = lines(api, queued)[0]
    changed = api.patch(f"{queued}/journalLines({line['id']})", json={"description": "x"}, headers={"If-Match": "*"})
    assert message_of(changed) == "Journal line cannot be modified because it has been scheduled for posting."
    deleted = api.delete(f"{queued}/journalLines({line['id']})", headers={"If-Match": "*"})
    assert message_of(deleted) == "Journal line cannot be modified because it has been scheduled for posting."
    again = post(api, queued)
    assert message_of(again).startswith("Journal lines cannot be posted because they have already been scheduled")

    bc_emulator.clock.advance(31)  # the background session's turn: the next request runs the due jobs
    assert [e["debitAmount"] for e in gl_entries(api, company, "JQ-1") if e["debitAmount"]] == [10]
    assert len(gl_entries(api, company, "JQ-2")) == 2
    assert lines(api, queued) == []
    assert httpx.get(f"{bc_emulator.url}/_emulator/job-queue").json()["value"] == []


def test_a_failing_document_leaves_error_lines_and_the_others_post(
    api: httpx.Client, company: str, bc_emulator: EmulatorServer, queued: str
) -> None:
    bc_emulator.store.modify("vendors", {"number": "V10010"}, blocked="All")
    assert post(api, queued).status_code == 204
    ran = httpx.post(f"{bc_emulator.url}/_emulator/job-queue/run").json()["ran"]
    assert ran == 2
    assert len(gl_entries(api, company, "JQ-1")) == 2 and gl_entries(api, company, "JQ-2") == []
    jobs = httpx.get(f"{bc_emulator.url}/_emulator/job-queue").json()["value"]
    assert [(j["documentNumber"], j["status"]) for j in jobs] == [("JQ-2", "Error")]
    assert "blocked" in jobs[0]["error"]
    # Job Queue Status = Error: the lines may be deleted (or posted again) now.
    remaining = lines(api, queued)
    assert {line["documentNumber"] for line in remaining} == {"JQ-2"}
    assert api.delete(f"{queued}/journalLines({remaining[0]['id']})", headers={"If-Match": "*"}).status_code == 204


def test_posting_is_synchronous_when_the_switch_is_off(api: httpx.Client, company: str) -> None:
    journal = new_journal(api, company, "SYNC")
    invoice_lines(api, journal, "SYNC-1", "V10000", "EXT-SYNC-1", "5.00")
    assert post(api, journal).status_code == 204
    assert len(gl_entries(api, company, "SYNC-1")) == 2
