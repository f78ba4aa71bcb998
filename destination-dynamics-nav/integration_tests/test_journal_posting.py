"""Journal mode against the emulator: posting, dimensions, rejects, duplicates, reversal, dry run, STATE timing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from airbyte_cdk.models import Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


def test_posts_balanced_documents_with_dimensions_then_echoes_state(nav, build) -> None:
    out = nav.write(
        [
            build.record("invoices", build.invoice("INV-1")),
            build.record("invoices", build.invoice("INV-2")),
            build.state(1),
        ]
    )

    assert out.actions() == {"INV-1": ["posted"], "INV-2": ["posted"]}
    assert out.states == [1]
    posted = out.by_key()["INV-1"][0]
    assert posted["nav_document_number"] == "STP-INV-1"
    assert posted["amount"] == "150.50" and posted["vendor"] == "V10000"
    assert posted["source_file"] == "/outbound/invoices_20261125.csv" and posted["source_rows"] == [2, 3]

    entries = nav.gl_entries("STP-INV-1")
    assert sorted(e["entryNumber"] for e in entries) == posted["nav_entry_numbers"]
    by_account = {e["accountNumber"]: e for e in entries}
    assert set(by_account) == {"6100", "6120", "2100"}  # 2100: the vendor's payables account
    assert Decimal(str(by_account["6100"]["debitAmount"])) == Decimal("100.00")
    assert Decimal(str(by_account["6120"]["debitAmount"])) == Decimal("50.50")
    assert Decimal(str(by_account["2100"]["creditAmount"])) == Decimal("150.50")
    assert nav.gl_entry_dimensions(by_account["6100"]["id"]) == {"DEPARTMENT": "ADM", "LOCATION": "EAST"}
    assert nav.gl_entry_dimensions(by_account["6120"]["id"]) == {"DEPARTMENT": "IT"}
    assert nav.journal_lines() == []  # the batch was posted whole
    assert out.summary["counts"]["posted"] == 2


def test_each_invalid_invoice_is_rejected_by_name_and_the_others_post(nav, build) -> None:
    cases = {
        "UNKNOWN-VENDOR": (build.invoice("UNKNOWN-VENDOR", vendor_id="V99999", vendor_name=None), "unknown_vendor"),
        "BLOCKED-VENDOR": (build.invoice("BLOCKED-VENDOR", vendor_id="V10090"), "vendor_blocked"),
        "UNKNOWN-GL": (build.one_line("UNKNOWN-GL", account="7777"), "unknown_gl_account"),
        "HEADING-GL": (build.one_line("HEADING-GL", account="6000"), "gl_account_not_postable"),
        "NO-DIRECT": (build.one_line("NO-DIRECT", account="2100"), "gl_account_not_postable"),
        "BLOCKED-GL": (build.one_line("BLOCKED-GL", account="6900"), "gl_account_not_postable"),
        "BAD-DIM": (build.one_line("BAD-DIM", department="NOPE"), "unknown_dimension_value"),
        "UNBALANCED": (build.invoice("UNBALANCED", invoice_total="151.00"), "lines_do_not_sum_to_total"),
        "LONG-NUMBER": (build.invoice("LONG-NUMBER", invoice_number="N" * 36), "invoice_number_too_long"),
        "NO-DATE": (build.invoice("NO-DATE", invoice_date=None), "missing_posting_date"),
        "FLAGGED": (
            build.invoice("FLAGGED", validation_errors=["conflicting_header_values"]),
            "conflicting_header_values",
        ),
        "ZERO": (build.one_line("ZERO", amount="0.00"), "zero_amount"),
        "EURO": (build.invoice("EURO", currency="EUR"), "foreign_currency_in_journal_mode"),
        "MALFORMED": (build.invoice("MALFORMED", invoice_total="twelve"), "malformed_record"),
    }
    messages = [build.record("invoices", data) for data, _ in cases.values()]
    messages += [
        build.record("invoices", build.invoice("GOOD")),
        build.record("invoices", build.invoice("PENDING", status="Pending Approval")),
        build.state(1),
    ]
    out = nav.write(messages)

    audit = out.by_key()
    for key, (_, code) in cases.items():
        assert [line["action"] for line in audit[key]] == ["rejected"], key
        assert audit[key][0]["reason"].startswith(code), (key, audit[key][0]["reason"])
    assert audit["GOOD"][0]["action"] == "posted"
    assert audit["PENDING"][0]["action"] == "ignored"
    assert audit["PENDING"][0]["reason"].startswith("status_not_posted")
    assert set(nav.document_numbers_posted()) == {"STP-GOOD"}
    assert out.states == [1]
    assert out.summary["counts"]["rejected"] == len(cases)


def test_duplicates_in_one_run_and_across_runs_post_once(nav, build) -> None:
    first = nav.write(
        [
            build.record("invoices", build.invoice("INV-7")),
            build.record("invoices", build.invoice("INV-7")),
            build.state(1),
        ]
    )
    assert first.actions() == {"INV-7": ["posted", "skipped_duplicate"]}
    second = nav.write([build.record("invoices", build.invoice("INV-7")), build.state(2)])
    assert second.actions() == {"INV-7": ["skipped_duplicate"]}
    assert second.by_key()["INV-7"][0]["nav_entry_numbers"] == first.by_key()["INV-7"][0]["nav_entry_numbers"]
    assert second.states == [2]
    assert nav.document_numbers_posted() == {"STP-INV-7": Decimal("150.50")}


def test_a_changed_invoice_is_not_posted_again_and_the_difference_is_reported(nav, build) -> None:
    nav.write([build.record("invoices", build.one_line("CH-1", amount="80.00")), build.state(1)])
    out = nav.write([build.record("invoices", build.one_line("CH-1", amount="95.00")), build.state(2)])
    assert out.actions() == {"CH-1": ["skipped_duplicate"]}
    assert "with 80.00 where the record now says 95.00" in out.by_key()["CH-1"][0]["reason"]
    assert nav.document_numbers_posted() == {"STP-CH-1": Decimal("80.00")}


def test_two_stampli_invoices_with_one_vendor_invoice_number_post_only_the_first(nav, build) -> None:
    out = nav.write(
        [
            build.record("invoices", build.invoice("INV-A", invoice_number="SAME-1")),
            build.record("invoices", build.invoice("INV-B", invoice_number="SAME-1")),
            build.state(1),
        ]
    )
    assert out.actions() == {"INV-A": ["posted"], "INV-B": ["rejected"]}
    assert out.by_key()["INV-B"][0]["reason"].startswith("duplicate_vendor_invoice_number")
    assert set(nav.document_numbers_posted()) == {"STP-INV-A"}


def test_credit_memo_posts_with_reversed_signs(nav, build) -> None:
    out = nav.write([build.record("invoices", build.one_line("CM-1", amount="-40.00")), build.state(1)])
    assert out.actions() == {"CM-1": ["posted"]}
    by_account = {e["accountNumber"]: e for e in nav.gl_entries("STP-CM-1")}
    assert Decimal(str(by_account["6100"]["creditAmount"])) == Decimal("40.00")
    assert Decimal(str(by_account["2100"]["debitAmount"])) == Decimal("40.00")


def test_voided_after_posting_is_reversed_once(nav, build) -> None:
    nav.write([build.record("invoices", build.invoice("INV-9")), build.state(1)])
    voided = build.invoice("INV-9", status="Voided")
    out = nav.write([build.record("invoices", voided), build.state(2)])

    reversal = out.by_key()["INV-9"][0]
    assert reversal["action"] == "reversed"
    assert reversal["nav_document_number"] == "STP-INV-9-R"
    entries = nav.gl_entries("STP-INV-9-R")
    assert sorted(e["entryNumber"] for e in entries) == reversal["nav_entry_numbers"]
    original = {e["accountNumber"]: e for e in nav.gl_entries("STP-INV-9")}
    for entry in entries:
        assert entry["debitAmount"] == original[entry["accountNumber"]]["creditAmount"]
        assert entry["creditAmount"] == original[entry["accountNumber"]]["debitAmount"]
        assert entry["postingDate"] == original[entry["accountNumber"]]["postingDate"]

    again = nav.write([build.record("invoices", voided), build.state(3)])
    assert again.actions() == {"INV-9": ["skipped_duplicate"]}
    assert again.by_key()["INV-9"][0]["reason"].startswith("already_reversed")
    assert len(nav.gl_entries("STP-INV-9-R")) == len(entries)


def test_voided_in_the_same_run_posts_then_reverses(nav, build) -> None:
    out = nav.write(
        [
            build.record("invoices", build.invoice("INV-5")),
            build.record("invoices", build.invoice("INV-5", status="Canceled")),
            build.record("invoices", build.invoice("NEVER", status="Voided")),
            build.state(1),
        ]
    )
    assert out.actions() == {"INV-5": ["posted", "reversed"], "NEVER": ["ignored"]}
    assert out.by_key()["NEVER"][0]["reason"].startswith("voided_before_posting")
    totals = nav.document_numbers_posted()
    assert totals["STP-INV-5"] == totals["STP-INV-5-R"] == Decimal("150.50")
    assert "STP-NEVER" not in totals


def test_a_document_bc_refuses_at_posting_is_isolated_and_the_rest_posts(nav, build) -> None:
    # CLOSED is a blocked dimension value: it exists (validation passes) but BC refuses to post it, without
    # naming the document — the connector bisects the batch to find it.
    messages = [build.record("invoices", build.one_line(f"OK-{n}")) for n in range(5)]
    messages.insert(3, build.record("invoices", build.one_line("CLOSED-DEPT", department="CLOSED")))
    out = nav.write([*messages, build.state(1)])

    actions = out.actions()
    assert actions.pop("CLOSED-DEPT") == ["rejected"]
    assert len(actions) == 5 and all(a == ["posted"] for a in actions.values())
    assert "blocked" in out.by_key()["CLOSED-DEPT"][0]["reason"]
    assert out.by_key()["CLOSED-DEPT"][0]["reason"].startswith("nav_posting_failed")
    assert set(nav.document_numbers_posted()) == {f"STP-OK-{n}" for n in range(5)}
    assert nav.journal_lines() == []
    assert out.states == [1]


def test_dry_run_reports_everything_writes_nothing_and_confirms_no_state(nav, build) -> None:
    nav.write([build.record("invoices", build.invoice("ALREADY")), build.state(1)])
    before = nav.gl_entries()
    out = nav.write(
        [
            build.record("invoices", build.invoice("ALREADY")),
            build.record("invoices", build.invoice("NEW")),
            build.record("invoices", build.one_line("BAD", account="7777")),
            build.record("invoices", build.invoice("NEW-VENDOR", vendor_id="V20000", vendor_name="Tailspin Toys")),
            build.state(2),
        ],
        dry_run=True,
    )
    actions = out.actions()
    assert actions == {"ALREADY": ["dry_run"], "NEW": ["dry_run"], "BAD": ["rejected"], "NEW-VENDOR": ["dry_run"]}
    assert out.by_key()["ALREADY"][0]["reason"].startswith("already_posted")
    assert out.by_key()["NEW"][0]["reason"].startswith("would_post")
    assert out.actions("vendors") == {"V20000": ["dry_run"]}
    assert out.states == []
    assert nav.gl_entries() == before
    assert nav.journal_lines() == []
    assert nav.vendor("V20000") is None


def test_state_is_echoed_in_order_after_the_records_before_it(nav, build) -> None:
    out = nav.write(
        [
            build.record("invoices", build.invoice("S-1")),
            build.state(1),
            build.record("invoices", build.invoice("S-2")),
            build.record("invoices", build.invoice("S-3")),
            build.state(2),
            build.state(3),
            build.record("invoices", build.one_line("S-4", account="7777")),
            build.state(4),
        ]
    )
    sequence = []
    for message in out.messages:
        if message.type == Type.STATE:
            sequence.append(f"state{message.state.stream.stream_state.marker}")
        elif message.type == Type.LOG and message.log.message.startswith('{"event":"stampli_nav.audit"'):
            sequence.append(build.Output([message]).audit[0]["key"])
    # Every STATE, in order, after the audit line of each record sent before it (flushes may hold several STATEs:
    # a STATE does not cut a flush short while a post is in flight).
    assert [s for s in sequence if s.startswith("state")] == ["state1", "state2", "state3", "state4"]
    assert sorted(s for s in sequence if not s.startswith("state")) == ["S-1", "S-2", "S-3", "S-4"]
    before = {"state1": ["S-1"], "state2": ["S-1", "S-2", "S-3"], "state3": ["S-1", "S-2", "S-3"]}
    before["state4"] = [*before["state3"], "S-4"]
    for state, keys in before.items():
        assert all(sequence.index(key) < sequence.index(state) for key in keys), sequence


def test_a_state_after_every_record_does_not_make_a_post_per_record(nav, build, emulator) -> None:
    count = 120
    messages = []
    for n in range(count):
        messages += [build.record("invoices", build.invoice(f"E-{n}")), build.state(n)]
    emulator.request_log.clear()
    out = nav.write(messages)
    assert out.states == list(range(count))  # every STATE, in order
    assert len(out.actions()) == count and {tuple(a) for a in out.actions().values()} == {("posted",)}
    posts = [r for r in emulator.request_log.entries() if r.path.endswith("Microsoft.NAV.post")]
    # A STATE flushes only when no post is in flight; the records behind the others share the next flush.
    assert len(posts) <= count // 4, len(posts)


@pytest.mark.parametrize("prefix", ["STP", "AP2026"])
def test_long_stampli_ids_get_short_unique_document_numbers(nav, build, prefix) -> None:
    ids = [f"3f2a9c1e-5b7d-4e8f-a0b1-c2d3e4f5a6{n:02d}" for n in range(3)]
    out = nav.write(
        [*(build.record("invoices", build.invoice(i, invoice_number=i[:8] + i[-2:])) for i in ids), build.state(1)],
        document_number_prefix=prefix,
    )
    numbers = {line["nav_document_number"] for line in out.audit}
    assert len(numbers) == 3 and all(len(n) <= 20 and n.startswith(prefix + "-") for n in numbers)
    assert set(nav.document_numbers_posted()) == numbers


def test_unposted_journal_documents_wait_for_review_and_can_be_withdrawn(nav, build) -> None:
    out = nav.write([build.record("invoices", build.invoice("R-1")), build.state(1)], post_documents=False)
    assert out.actions() == {"R-1": ["posted"]} and out.by_key()["R-1"][0]["reason"].startswith("not_posted")
    assert {line["documentNumber"] for line in nav.journal_lines()} == {"STP-R-1"}
    later = nav.write(
        [
            build.record("invoices", build.invoice("R-1")),
            build.record("invoices", build.invoice("R-2")),
            build.state(2),
        ],
        post_documents=False,
    )
    assert later.actions() == {"R-1": ["skipped_duplicate"], "R-2": ["posted"]}
    lines = nav.journal_lines()
    assert len(lines) == 6 and len({line["lineNumber"] for line in lines}) == 6
    voided = nav.write(
        [build.record("invoices", build.invoice("R-1", status="Voided")), build.state(3)], post_documents=False
    )
    assert voided.actions() == {"R-1": ["reversed"]}
    assert voided.by_key()["R-1"][0]["reason"].startswith("withdrawn_before_posting")
    assert {line["documentNumber"] for line in nav.journal_lines()} == {"STP-R-2"}
    assert nav.gl_entries() == []
    # Switching posting on later posts what waited for review along with the new invoice.
    posted = nav.write([build.record("invoices", build.invoice("R-3")), build.state(4)])
    assert posted.actions() == {"R-3": ["posted"]}
    assert set(nav.document_numbers_posted()) == {"STP-R-2", "STP-R-3"}


def test_a_batch_of_another_journal_template(nav, build) -> None:
    out = nav.write(
        [build.record("invoices", build.invoice("PJ-1")), build.state(1)],
        journal_template="PURCHASES",
        journal_batch="DEFAULT",
    )
    assert out.actions() == {"PJ-1": ["posted"]}
    with pytest.raises(AirbyteTracedException) as raised:
        nav.write(
            [build.record("invoices", build.invoice("PJ-2")), build.state(2)],
            journal_template="PURCHASES",
            journal_batch="NEWBATCH",
        )
    assert "create the batch in NAV" in raised.value.message
    assert nav.journal_lines("NEWBATCH") == []
