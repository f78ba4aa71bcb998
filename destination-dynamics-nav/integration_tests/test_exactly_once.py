"""Exactly once under failure: half-written batches left by a crash, responses lost after commit, throttling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


def _line(document: str, external: str, account_type: str, number: str, amount: str, line_number: int) -> dict:
    return {
        "lineNumber": line_number,
        "accountType": account_type,
        "accountNumber": number,
        "postingDate": "2026-11-02",
        "documentNumber": document,
        "externalDocumentNumber": external,
        "amount": Decimal(amount),
        "description": "left by a crashed run",
    }


def test_crash_leftovers_are_cleaned_up_or_posted_never_doubled(nav, build) -> None:
    journal = nav.journal_id()
    lines = f"journals({journal})/journalLines"
    # INV-1: half-written (G/L line without its vendor line). INV-2: complete, never posted. INV-3: complete,
    # but its record only arrives in a later run.
    nav.bc.create(lines, _line("STP-INV-1", "F-INV-1", "G/L Account", "6100", "100.00", 10))
    nav.bc.create(lines, _line("STP-INV-2", "F-INV-2", "G/L Account", "6100", "100.00", 20))
    nav.bc.create(lines, _line("STP-INV-2", "F-INV-2", "G/L Account", "6120", "50.50", 30))
    nav.bc.create(lines, _line("STP-INV-2", "F-INV-2", "Vendor", "V10000", "-150.50", 40))
    nav.bc.create(lines, _line("STP-INV-3", "F-INV-3", "G/L Account", "6100", "80.00", 50))
    nav.bc.create(lines, _line("STP-INV-3", "F-INV-3", "Vendor", "V10000", "-80.00", 60))

    out = nav.write(
        [
            build.record("invoices", build.invoice("INV-1")),
            build.record("invoices", build.invoice("INV-2")),
            build.state(1),
        ]
    )
    assert out.actions() == {"INV-1": ["posted"], "INV-2": ["posted"]}
    assert nav.journal_lines() == []
    assert nav.document_numbers_posted() == {
        "STP-INV-1": Decimal("150.50"),
        "STP-INV-2": Decimal("150.50"),
        "STP-INV-3": Decimal("80.00"),  # a complete leftover of this connector is posted along
    }

    rerun = nav.write([build.record("invoices", build.one_line("INV-3")), build.state(2)])
    assert rerun.actions() == {"INV-3": ["skipped_duplicate"]}
    assert nav.document_numbers_posted()["STP-INV-3"] == Decimal("80.00")


@pytest.mark.parametrize(
    "route",
    ["$batch", "companies/journals/Microsoft.NAV.post"],
    ids=["journal-lines-written", "journal-posted"],
)
def test_a_write_whose_answer_is_lost_after_commit_is_not_repeated(nav, build, emulator, route) -> None:
    emulator.faults.add(kind="drop_after_commit", route=route, methods=["POST"], times=1)
    out = nav.write([build.record("invoices", build.invoice(f"L-{n}")) for n in range(4)] + [build.state(1)])

    assert all(actions == ["posted"] for actions in out.actions().values()) and len(out.actions()) == 4
    assert nav.document_numbers_posted() == {f"STP-L-{n}": Decimal("150.50") for n in range(4)}
    assert emulator.faults.rules()[0].fired == 1
    assert out.states == [1]


def test_throttling_and_busy_answers_are_retried_and_post_once(nav, build, emulator) -> None:
    emulator.faults.add(kind="status", status=429, retry_after_s=0, route="generalLedgerEntries", times=2)
    emulator.faults.add(
        kind="status", status=503, retry_after_s=0, route="companies/journals/Microsoft.NAV.post", times=1
    )
    out = nav.write([build.record("invoices", build.invoice("T-1")), build.state(1)])
    assert out.actions() == {"T-1": ["posted"]}
    assert out.summary["api"]["retries"] >= 3
    assert nav.document_numbers_posted() == {"STP-T-1": Decimal("150.50")}


def test_an_unavailable_nav_fails_the_sync_without_confirming_state(nav, build, emulator) -> None:
    emulator.faults.add(kind="status", status=503, retry_after_s=0, route="companies/journals/Microsoft.NAV.post")
    produced = []
    with pytest.raises(AirbyteTracedException) as raised:
        for message in nav.stream([build.record("invoices", build.invoice("U-1")), build.state(1)]):
            produced.append(message)
    assert raised.value.failure_type.value == "transient_error"
    assert [m for m in produced if m.type.value == "STATE"] == []
    emulator.faults.clear()
    # The lines stayed in the batch; the rerun posts them once.
    rerun = nav.write([build.record("invoices", build.invoice("U-1")), build.state(1)])
    assert rerun.actions() == {"U-1": ["posted"]}
    assert nav.document_numbers_posted() == {"STP-U-1": Decimal("150.50")}


@pytest.mark.parametrize("status", [500, 504])
def test_a_server_error_on_a_line_write_fails_the_sync_and_rejects_nothing(nav, build, emulator, status) -> None:
    emulator.faults.add(
        kind="status", status=status, route="companies/journals/journalLines", methods=["POST"], times=1
    )
    produced = []
    with pytest.raises(AirbyteTracedException):
        produced.extend(
            nav.stream([build.record("invoices", build.invoice(f"W-{n}")) for n in range(3)] + [build.state(1)])
        )
    out = build.Output(produced)
    assert out.states == [] and [a for a in out.audit if a["action"] == "rejected"] == []
    rerun = nav.write([build.record("invoices", build.invoice(f"W-{n}")) for n in range(3)] + [build.state(1)])
    assert all(actions == ["posted"] for actions in rerun.actions().values()) and len(rerun.actions()) == 3
    assert nav.document_numbers_posted() == {f"STP-W-{n}": Decimal("150.50") for n in range(3)}


def test_lines_the_connector_did_not_write_stop_the_post(nav, build) -> None:
    journal = nav.journal_id()
    nav.bc.create(f"journals({journal})/journalLines", _line("MANUAL-1", "X-1", "G/L Account", "6100", "10.00", 10))
    with pytest.raises(AirbyteTracedException) as raised:
        nav.write([build.record("invoices", build.invoice("M-1")), build.state(1)])
    assert raised.value.failure_type.value == "config_error"
    assert "MANUAL-1" in raised.value.message and "did not write" in raised.value.message
    assert nav.gl_entries() == []


def test_a_journal_batch_creation_whose_answer_is_lost_is_looked_up_by_code(nav, build, emulator) -> None:
    assert nav.bc.list_entities("journals", filter="code eq 'STAMPLI'") == []  # the first write creates it
    rule = emulator.faults.add(kind="drop_after_commit", route="companies/journals", methods=["POST"], times=1)
    out = nav.write([build.record("invoices", build.invoice(f"JB-{n}")) for n in range(3)] + [build.state(1)])

    assert emulator.faults.rules()[0].fired == 1 and rule.route == "companies/journals"
    assert out.actions() == {f"JB-{n}": ["posted"] for n in range(3)}
    assert nav.document_numbers_posted() == {f"STP-JB-{n}": Decimal("150.50") for n in range(3)}
    assert len(nav.bc.list_entities("journals", filter="code eq 'STAMPLI'")) == 1  # created once, not twice
    assert out.states == [1]


def _new_vendor(vendor_id: str) -> dict:
    return {
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


@pytest.mark.parametrize("mode", ["journal", "purchase_invoice"])
def test_a_vendor_creation_whose_answer_is_lost_is_looked_up_by_number(nav, build, emulator, mode) -> None:
    # The vendor is created in the run's first $batch; its answer is lost after NAV committed it.
    emulator.faults.add(kind="drop_after_commit", route="$batch", methods=["POST"], times=1)
    out = nav.write(
        [
            build.record("vendors", _new_vendor("V20100")),
            build.record("invoices", build.invoice("NV-1", vendor_id="V20100", vendor_name="Northwind Traders")),
            build.record("invoices", build.invoice("NV-2", vendor_id="V20100", vendor_name="Northwind Traders")),
            build.state(1),
        ],
        posting_mode=mode,
    )
    assert emulator.faults.rules()[0].fired == 1
    assert out.by_key("vendors")["V20100"][0]["action"] == "vendor_created"
    assert out.actions() == {"NV-1": ["posted"], "NV-2": ["posted"]}
    assert len(nav.bc.list_entities("vendors", filter="number eq 'V20100'")) == 1
    assert list(nav.document_numbers_posted().values()) == [Decimal("150.50")] * 2  # each invoice posted once
    assert out.states == [1]
