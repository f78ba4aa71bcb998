"""Business Central behaviour that changes what the connector must do (issue 12, parts 5–8): vendor validation,
Post with Job Queue, invoices keyed in by hand, and one refused operation inside an atomic $batch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from airbyte_cdk.models import AirbyteMessage

from destination_dynamics_nav.posting import job_queue

MODE_PI = {"posting_mode": "purchase_invoice"}


def stampli_vendor(vendor_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "vendor_id": vendor_id,
        "vendor_name": "Northwind Traders",
        "address_line_1": "1 Main St",
        "city": "Seattle",
        "state": "WA",
        "postal_code": "98101",
        "country": "US",
        "email": "ap@northwind.example",
        "phone": "206-555-0100",
        "tax_id": "US-11-2223334",
        "currency": "USD",
        "status": "Active",
        "modified_date": "2026-11-01",
        "_ab_source_file_url": "/outbound/vendors.csv",
        "_stampli_source_rows": [2],
    }
    data.update(overrides)
    return data


def setup(emulator, **switches: bool) -> None:
    answer = httpx.patch(f"{emulator.url}/_emulator/setup", json=switches)
    assert answer.status_code == 200, answer.text


# -- part 5: vendor validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("country", "USA", "unknown_vendor_country"),
        ("phone", "206-CALL-NOW", "invalid_vendor_phone"),
        ("email", "ap@northwind", "invalid_vendor_email"),
    ],
)
def test_a_vendor_bc_would_refuse_is_rejected_with_its_invoices_and_no_bare_vendor(
    nav, build, field, value, code
) -> None:
    invoice = build.invoice("NW-1", vendor_id="V20000", vendor_name="Northwind Traders")
    out = nav.write(
        [
            build.record("vendors", stampli_vendor("V20000", **{field: value})),
            build.record("invoices", invoice),
            build.record("invoices", build.invoice("OK-1")),
            build.state(1),
        ]
    )
    (vendor_event,) = out.by_key("vendors")["V20000"]
    assert vendor_event["action"] == "rejected" and vendor_event["reason"].startswith(code)
    (invoice_event,) = out.by_key()["NW-1"]
    assert invoice_event["action"] == "rejected"
    assert invoice_event["reason"].startswith("vendor_rejected: vendor V20000") and code in invoice_event["reason"]
    assert out.actions()["OK-1"] == ["posted"]  # the run goes on
    assert nav.vendor("V20000") is None  # neither the card nor a bare vendor from the invoice
    assert "STP-NW-1" not in nav.document_numbers_posted()
    assert out.states == [1]


def test_vat_registration_number_in_lower_case_is_not_a_change(nav, build, emulator) -> None:
    emulator.store.modify("vendors", {"number": "V10000"}, taxRegistrationNumber="US-22-4931045")
    before = emulator.operations()
    vendor = stampli_vendor(
        "V10000",
        vendor_name="Fabrikam, Inc.",
        address_line_1="51 Radcliff Street",
        city="Atlanta",
        state="GA",
        postal_code="31772",
        email="accounts@fabrikam.example",
        phone="404-555-0134",
        tax_id="us-22-4931045",
    )
    out = nav.write([build.record("vendors", vendor), build.state(1)])
    assert out.actions("vendors") == {"V10000": ["vendor_unchanged"]}
    # Reads only: the vendor sync sent no PATCH (reference reads and look-ups are GETs).
    assert out.summary["api"]["by_method"].get("PATCH", 0) == 0
    assert emulator.operations() > before


def test_vendor_number_series_without_manual_nos_rejects_the_vendor_and_its_invoice(nav, build, emulator) -> None:
    setup(emulator, vendorManualNos=False)
    out = nav.write(
        [
            build.record("vendors", stampli_vendor("V20001")),
            build.record("invoices", build.invoice("NW-2", vendor_id="V20001", vendor_name="Northwind Traders")),
            build.state(1),
        ]
    )
    (vendor_event,) = out.by_key("vendors")["V20001"]
    assert vendor_event["reason"].startswith("vendor_number_series_not_manual")
    assert "Manual Nos." in vendor_event["reason"]
    assert out.by_key()["NW-2"][0]["reason"].startswith("vendor_rejected")
    assert nav.vendor("V20001") is None


# -- part 7: invoices keyed in by hand ------------------------------------------------------------------------------


def hand_post_journal(nav, vendor: str, external: str, amount: str, document: str = "HAND-001") -> None:
    """A finance user posts a vendor invoice through a general journal (blank document type), outside the connector."""
    journal = nav.journal_id("MANUAL")
    for body in (
        {"accountType": "G/L Account", "accountNumber": "6100", "amount": Decimal(amount)},
        {
            "accountType": "Vendor",
            "accountNumber": vendor,
            "amount": -Decimal(amount),
            "externalDocumentNumber": external,
        },
    ):
        nav.bc.create(
            f"journals({journal})/journalLines", {"postingDate": "2026-11-01", "documentNumber": document, **body}
        )
    nav.bc.invoke_action(f"journals({journal})", "Microsoft.NAV.post")


def vendor_ledger(nav) -> list[dict[str, Any]]:
    return list(nav.bc.iter_entities("vendorLedgerEntries", api_route="microsoft/reportsFinance/beta"))


@pytest.mark.parametrize("mode", [{}, MODE_PI])
def test_an_invoice_posted_by_hand_is_skipped_naming_the_nav_document_and_entry(nav, build, mode) -> None:
    hand_post_journal(nav, "V10000", "F-HAND-1", "150.50")
    (hand_entry,) = [e for e in vendor_ledger(nav) if e["documentNumber"] == "HAND-001"]
    out = nav.write(
        [
            build.record("invoices", build.invoice("HAND-1", invoice_number="f-hand-1")),  # other case, same number
            build.record("invoices", build.invoice("HAND-2", invoice_number="F-HAND-1", vendor_id="V10010")),
            build.state(1),
        ],
        **mode,
    )
    (event,) = out.by_key()["HAND-1"]
    assert event["action"] == "skipped_duplicate"
    assert event["nav_document_number"] == "HAND-001"
    assert event["nav_entry_numbers"] == [hand_entry["entryNumber"]]
    assert event["reason"].startswith("already_posted_in_nav")
    # Another vendor's invoice with the same number is another invoice (BC's rule too): posted.
    assert out.actions()["HAND-2"] == ["posted"]
    assert len([e for e in vendor_ledger(nav) if e["externalDocumentNumber"] == "F-HAND-1"]) == 2


def test_our_own_earlier_posting_stays_the_ordinary_exactly_once_skip(nav, build) -> None:
    first = nav.write([build.record("invoices", build.invoice("OWN-1")), build.state(1)])
    assert first.actions() == {"OWN-1": ["posted"]}
    again = nav.write([build.record("invoices", build.invoice("OWN-1")), build.state(2)])
    (event,) = again.by_key()["OWN-1"]
    assert event["action"] == "skipped_duplicate" and event["reason"].startswith("already_posted:")


def test_bc_refusing_a_posted_vendor_invoice_number_maps_to_skipped_duplicate(nav, build, emulator) -> None:
    # An Invoice-type vendor ledger entry that is not a purchase invoice the API lists (e.g. a purchase journal
    # line with document type Invoice): only Purch.-Post's own check finds it.
    company = emulator.store._company_for(None)
    with emulator.store.transaction() as txn:
        number = company.setup["lastVendorLedgerEntryNumber"] + 1
        txn.set_setup(company, "lastVendorLedgerEntryNumber", number)
        txn.insert(company, "vendorLedgerEntries", _ledger_entry(number))
    out = nav.write([build.record("invoices", build.invoice("PJ-1")), build.state(1)], **MODE_PI)
    (event,) = out.by_key()["PJ-1"]
    assert event["action"] == "skipped_duplicate"
    assert "already exists for this vendor" in event["reason"]
    assert [i for i in nav.purchase_invoices() if i["vendorInvoiceNumber"] == "F-PJ-1"] == []  # draft deleted


def _ledger_entry(number: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "entryNumber": number,
        "vendorNumber": "V10000",
        "postingDate": "2026-10-01",
        "documentType": "Invoice",
        "documentNumber": "PJ-0001",
        "externalDocumentNumber": "F-PJ-1",
        "description": "Purchase journal",
        "currencyCode": "",
        "amount": Decimal("-150.50"),
        "debitAmount": Decimal(0),
        "creditAmount": Decimal("150.50"),
        "open": True,
        "balancingAccountType": "G/L Account",
        "balancingAccountNumber": "",
        "dimensionSetID": 0,
        "lastModifiedDateTime": "",
        "reversed": False,
        "dimensionSet": {},
    }


# -- part 8: one refused operation inside an atomic $batch ------------------------------------------------------------


def test_a_refused_operation_in_an_atomic_batch_rejects_only_its_invoice(nav, build, emulator) -> None:
    later = [build.record("invoices", build.invoice(f"B-{n}")) for n in range(3)]
    later.insert(1, build.record("invoices", build.invoice("BLOCKED", vendor_id="V10010")))

    def messages() -> Iterator[AirbyteMessage]:
        # STATE 1 with nothing in flight flushes FIRST, which reads NAV's vendors; then a user blocks V10010, so BC
        # refuses its journal line at insert, inside the atomic $batch that carries the other invoices too.
        yield build.record("invoices", build.invoice("FIRST"))
        yield build.state(1)
        emulator.store.modify("vendors", {"number": "V10010"}, blocked="All")
        yield from later
        yield build.state(2)

    out = build.Output(list(nav.stream(messages())))
    (blocked,) = out.by_key()["BLOCKED"]
    assert blocked["action"] == "rejected" and blocked["reason"].startswith("nav_write_failed")
    assert "blocked" in blocked["reason"]
    assert {k: v for k, v in out.actions().items() if k != "BLOCKED"} == {
        "FIRST": ["posted"],
        "B-0": ["posted"],
        "B-1": ["posted"],
        "B-2": ["posted"],
    }
    assert "STP-BLOCKED" not in nav.document_numbers_posted()
    assert nav.journal_lines() == []
    assert out.states == [1, 2]


# -- part 6: Post with Job Queue ---------------------------------------------------------------------------------------


def test_job_queue_posting_is_waited_for_and_confirmed_and_a_rerun_changes_nothing(nav, build, emulator) -> None:
    setup(emulator, postWithJobQueue=True)
    emulator.settings.job_queue_delay_s = 1.0
    invoices = [build.record("invoices", build.invoice(f"JQ-{n}")) for n in range(3)]
    out = nav.write([*invoices, build.state(1)])
    assert out.actions() == {f"JQ-{n}": ["posted"] for n in range(3)}
    for n in range(3):
        (event,) = out.by_key()[f"JQ-{n}"]
        entries = nav.gl_entries(f"STP-JQ-{n}")
        assert event["nav_entry_numbers"] == sorted(e["entryNumber"] for e in entries) and entries
    assert out.states == [1]
    assert nav.journal_lines() == []

    again = nav.write([*invoices, build.state(2)])
    assert again.actions() == {f"JQ-{n}": ["skipped_duplicate"] for n in range(3)}
    assert again.summary["api"]["by_method"].get("DELETE", 0) == 0
    assert sum(1 for e in nav.gl_entries() if e["documentNumber"].startswith("STP-JQ-")) == 9  # 3 lines each, once


def test_still_queued_after_the_wait_fails_without_confirming_and_the_next_run_waits(
    nav, build, emulator, monkeypatch
) -> None:
    setup(emulator, postWithJobQueue=True)
    emulator.settings.job_queue_delay_s = 3600.0  # the job queue is busy
    monkeypatch.setattr(job_queue, "WAIT_SECONDS", 1.0)
    invoices = [build.record("invoices", build.invoice(f"Q-{n}")) for n in range(2)]
    output = []
    with pytest.raises(Exception, match="job queue has not posted 2 document"):
        for message in nav.stream([*invoices, build.state(1)]):
            output.append(message)
    assert [m for m in output if m.type.name == "STATE"] == []  # nothing confirmed
    assert len(nav.journal_lines()) == 6  # still scheduled, not deleted

    # The next run finds the queued documents in the batch: it neither deletes nor re-posts them, and waits.
    emulator.settings.job_queue_delay_s = 0.0
    emulator.clock.advance(3600)
    rerun = nav.write([*invoices, build.state(2)])
    assert set(rerun.actions()) == {"Q-0", "Q-1"}
    assert all(actions[0] in ("posted", "skipped_duplicate") for actions in rerun.actions().values())
    assert rerun.states == [2]
    assert rerun.summary["api"]["by_method"].get("DELETE", 0) == 0
    assert sum(1 for e in nav.gl_entries() if e["documentNumber"].startswith("STP-Q-")) == 6


def test_a_document_whose_job_fails_is_rejected_and_removed_the_others_post(nav, build, emulator) -> None:
    setup(emulator, postWithJobQueue=True)
    emulator.settings.job_queue_delay_s = 0.5
    messages = [
        build.record("invoices", build.invoice("J-OK")),
        build.record("invoices", build.one_line("J-BAD", department="CLOSED")),
    ]
    out = nav.write([*messages, build.state(1)])
    assert out.actions() == {"J-OK": ["posted"], "J-BAD": ["rejected"]}
    assert out.by_key()["J-BAD"][0]["reason"].startswith("nav_posting_failed: NAV's job queue could not post")
    assert nav.journal_lines() == []
    assert set(nav.document_numbers_posted()) == {"STP-J-OK"}
    assert out.states == [1]
