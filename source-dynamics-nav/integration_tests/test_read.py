"""Reads against the BC emulator over HTTPS: fields, paging, enrichment, incremental state, failures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bc_client import BusinessCentralClient
from bc_emulator import EmulatorServer
from source_dynamics_nav.declarations import STREAMS

REFERENCE_STREAMS = ("vendors", "gl_accounts", "dimensions", "dimension_values")
Reader = Any


def schema_fields(stream: str) -> set[str]:
    declaration = next(d for d in STREAMS if d.name == stream)
    return set(declaration.json_schema()["properties"])


def test_full_read_emits_every_reference_row_under_bc_field_names(
    h: Any, run_read: Reader, config: dict, emulator: EmulatorServer
) -> None:
    output = run_read(config, sync_mode="full_refresh")
    records = h.records_by_stream(output)
    seed = emulator.dump()["companies"][0]
    assert {stream: len(rows) for stream, rows in records.items()} == {
        "vendors": len(seed["vendors"]),
        "gl_accounts": len(seed["accounts"]),
        "dimensions": len(seed["dimensions"]),
        "dimension_values": len(seed["dimensionValues"]),
    }
    for stream, rows in records.items():
        declaration = next(d for d in STREAMS if d.name == stream)
        for row in rows:
            # The CDK leaves null values out of RECORD messages; everything BC answered is there, nothing else.
            assert set(declaration.select) <= set(row) <= schema_fields(stream), f"{stream}: {sorted(row)}"
    vendor = next(v for v in records["vendors"] if v["number"] == "V10000")
    assert vendor["displayName"] == "Fabrikam, Inc."
    assert vendor["blocked"] == " "
    assert "paymentTermsCode" not in vendor  # V10000 has no payment terms
    assert vendor["localCurrencyCode"] == "USD"  # from companyInformation


def test_dimension_values_carry_their_dimension_code(
    h: Any, run_read: Reader, config: dict, emulator: EmulatorServer
) -> None:
    records = h.records_by_stream(run_read(config, streams=["dimension_values"]))
    expected = {(v["dimensionCode"], v["code"]) for v in emulator.dump()["companies"][0]["dimensionValues"]}
    assert {(v["dimensionCode"], v["code"]) for v in records["dimension_values"]} == expected


def test_second_sync_emits_nothing_and_a_vendor_changed_in_nav_comes_once(
    h: Any, run_read: Reader, config: dict, bc: BusinessCentralClient, emulator: EmulatorServer
) -> None:
    first = run_read(config)
    assert len(first.records) > 0
    second = run_read(config, state=h.final_states(first))
    assert second.records == []

    emulator.clock.advance(60)
    vendor = next(iter(bc.iter_entities("vendors", filter="number eq 'V10010'")))
    bc.update(f"vendors({vendor['id']})", {"city": "Evanston"}, vendor["@odata.etag"])
    third = run_read(config, state=h.final_states(second))
    changed = h.records_by_stream(third)
    assert list(changed) == ["vendors"]
    assert [(v["number"], v["city"]) for v in changed["vendors"]] == [("V10010", "Evanston")]

    fourth = run_read(config, state=h.final_states(third))
    assert fourth.records == []


def test_rows_committed_late_with_an_earlier_timestamp_are_not_missed(
    h: Any, run_read: Reader, config: dict, bc: BusinessCentralClient, emulator: EmulatorServer
) -> None:
    """Two vendors changed within the look-back window, the first one after the source already read the second."""
    first = run_read(config, streams=["vendors"])
    emulator.clock.advance(120)
    late = next(iter(bc.iter_entities("vendors", filter="number eq 'V10020'")))
    emulator.clock.freeze()
    stamp_late = emulator.clock.now()
    emulator.clock.advance(30)
    other = next(iter(bc.iter_entities("vendors", filter="number eq 'V10030'")))
    bc.update(f"vendors({other['id']})", {"city": "Tacoma"}, other["@odata.etag"])
    second = run_read(config, streams=["vendors"], state=h.final_states(first))
    assert [r.record.data["number"] for r in second.records] == ["V10030"]
    # Now the "late" transaction commits, stamped before the cursor the second read left.
    emulator.clock.set(stamp_late)
    bc.update(f"vendors({late['id']})", {"city": "Cambridge"}, late["@odata.etag"])
    emulator.clock.freeze(False)
    third = run_read(config, streams=["vendors"], state=h.final_states(second))
    assert [(r.record.data["number"], r.record.data["city"]) for r in third.records] == [("V10020", "Cambridge")]


def post_journal(bc: BusinessCentralClient, document: str, amount: Decimal) -> None:
    journal = next(iter(bc.iter_entities("journals")))["id"]
    for account, signed in (("6100", amount), ("1010", -amount)):
        bc.create(
            f"journals({journal})/journalLines",
            {
                "accountType": "G/L Account",
                "accountNumber": account,
                "postingDate": "2026-11-25",
                "documentNumber": document,
                "amount": signed,
                "description": f"test {document}",
            },  # fmt: skip
        )
    bc.invoke_action(f"journals({journal})", "Microsoft.NAV.post")


def test_ledger_entries_follow_the_entry_number_and_money_is_a_decimal_string(
    h: Any, run_read: Reader, config: dict, bc: BusinessCentralClient
) -> None:
    post_journal(bc, "T1", Decimal("100.25"))
    first = run_read(config, streams=["general_ledger_entries"])
    entries = [r.record.data for r in first.records]
    assert [e["entryNumber"] for e in entries] == [1, 2]
    assert sorted((e["debitAmount"], e["creditAmount"]) for e in entries) == [("0", "100.25"), ("100.25", "0")]
    assert h.final_states(first)[0].stream.stream_state.entryNumber == 2

    post_journal(bc, "T2", Decimal("0.10"))
    second = run_read(config, streams=["general_ledger_entries"], state=h.final_states(first))
    assert [r.record.data["entryNumber"] for r in second.records] == [3, 4]
    assert {r.record.data["documentNumber"] for r in second.records} == {"T2"}


def test_purchase_invoices_are_read_with_totals_as_decimal_strings(
    h: Any, run_read: Reader, config: dict, bc: BusinessCentralClient
) -> None:
    bc.create(
        "purchaseInvoices",
        {
            "vendorNumber": "V10000",
            "vendorInvoiceNumber": "INV-9",
            "invoiceDate": "2026-11-20",
            "purchaseInvoiceLines": [
                {"lineType": "Account", "lineObjectNumber": "6100", "quantity": 2, "unitCost": Decimal("10.05")}
            ],
        },  # fmt: skip
    )
    records = [r.record.data for r in run_read(config, streams=["purchase_invoices"]).records]
    assert len(records) == 1
    invoice: dict[str, Any] = records[0]
    assert (invoice["vendorNumber"], invoice["vendorInvoiceNumber"], invoice["status"]) == ("V10000", "INV-9", "Draft")
    assert Decimal(invoice["totalAmountExcludingTax"]) == Decimal("20.10")
    assert isinstance(invoice["totalAmountIncludingTax"], str)


def test_unknown_company_fails_the_read_as_a_config_error_naming_the_companies(
    h: Any, run_read: Reader, config: dict
) -> None:
    output = run_read({**config, "company": "No Such Company"}, streams=["vendors"], expect_failure=True)
    errors = [m.trace.error for m in output.errors]
    assert errors and errors[0].failure_type.value == "config_error"
    assert "CRONUS USA, Inc." in errors[0].message


def test_unreadable_state_is_a_config_error(h: Any, run_read: Reader, config: dict) -> None:
    from airbyte_cdk.models import AirbyteStateMessageSerializer

    state = [
        AirbyteStateMessageSerializer.load(
            {
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": "vendors"},
                    "stream_state": {"lastModifiedDateTime": "not a time"},
                },
            }  # fmt: skip
        )
    ]
    output = run_read(config, streams=["vendors"], state=state, expect_failure=True)
    assert output.records == []
    assert any("cannot be read" in m.trace.error.message for m in output.errors)


def test_reference_streams_are_the_ones_named_in_the_issue() -> None:
    assert [d.name for d in STREAMS] == [*REFERENCE_STREAMS, "purchase_invoices", "general_ledger_entries"]
    assert {d.name: d.entity_set for d in STREAMS}["gl_accounts"] == "accounts"
