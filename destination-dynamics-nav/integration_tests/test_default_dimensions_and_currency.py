"""Default dimensions and vendor-card currency against the emulator's CRONUS setups, in both posting modes.

V40000: EUR, DEPARTMENT Code Mandatory (no value). V40010: prices incl. VAT, LOCATION Same Code WEST.
V40020: LOCATION No Code. Account 6700: DEPARTMENT Code Mandatory.
"""

from __future__ import annotations

import pytest

MODES = [{"posting_mode": "journal"}, {"posting_mode": "purchase_invoice"}]


def _lines(department: str | None, location: str | None, account: str = "6100") -> list[dict]:
    return [
        {
            "line_number": 1,
            "description": "Service",
            "gl_account": account,
            "amount": "80.00",
            "department": department,
            "location": location,
            "po_number": None,
        }
    ]


def _invoice(build, invoice_id: str, vendor: str, department: str | None, location: str | None, **extra):
    return build.invoice(
        invoice_id,
        vendor_id=vendor,
        vendor_name=None,
        invoice_total="80.00",
        lines_total="80.00",
        lines=_lines(department, location, extra.pop("account", "6100")),
        **extra,
    )


@pytest.mark.parametrize("mode", MODES, ids=["journal", "purchase_invoice"])
def test_rule_conflicts_are_named_rejects_and_nothing_is_written(nav, build, mode) -> None:
    out = nav.write(
        [
            build.record("invoices", _invoice(build, "D-SAME", "V40010", "ADM", "EAST", currency="USD")),
            build.record("invoices", _invoice(build, "D-NOCODE", "V40020", "ADM", "EAST")),
            build.record("invoices", _invoice(build, "D-MAND", "V40000", None, "EAST", currency="EUR")),
            build.state(1),
        ],
        **mode,
    )
    reasons = {key: events[0]["reason"] for key, events in out.by_key().items()}
    assert out.actions() == {"D-SAME": ["rejected"], "D-NOCODE": ["rejected"], "D-MAND": ["rejected"]}
    assert reasons["D-SAME"].startswith("dimension_conflicts_default: NAV vendor V40010 requires LOCATION WEST")
    assert reasons["D-NOCODE"].startswith("dimension_not_allowed: NAV vendor V40020 allows no LOCATION")
    if mode["posting_mode"] == "journal":
        # journal mode cannot post EUR at all: the currency reject comes first
        assert reasons["D-MAND"].startswith("foreign_currency_in_journal_mode")
    else:
        assert reasons["D-MAND"].startswith("dimension_value_required: NAV vendor V40000 requires a DEPARTMENT")
    assert not [e for e in nav.gl_entries() if e["documentNumber"].startswith("STP-D-")]
    assert not [i for i in nav.purchase_invoices() if str(i["vendorInvoiceNumber"]).startswith("F-D-")]
    assert nav.journal_lines() == [] if mode["posting_mode"] == "journal" else True


@pytest.mark.parametrize("mode", MODES, ids=["journal", "purchase_invoice"])
def test_vendor_defaults_are_merged_not_inserted_twice(nav, build, mode) -> None:
    # V40010's LOCATION WEST is pre-filled by BC; the invoice's WEST must not be inserted a second time.
    out = nav.write(
        [build.record("invoices", _invoice(build, "D-OK", "V40010", "SALES", "WEST")), build.state(1)], **mode
    )
    assert out.actions() == {"D-OK": ["posted"]}, out.by_key()
    number = out.by_key()["D-OK"][0]["nav_document_number"]
    entries = nav.gl_entries(number)
    expense = next(e for e in entries if e["accountNumber"] == "6100")
    assert nav.gl_entry_dimensions(expense["id"]) == {"DEPARTMENT": "SALES", "LOCATION": "WEST"}


def test_code_mandatory_vendor_gets_the_invoice_value_on_the_header(nav, build) -> None:
    out = nav.write(
        [build.record("invoices", _invoice(build, "D-EUR", "V40000", "FIN", None, currency="EUR")), build.state(1)],
        posting_mode="purchase_invoice",
    )
    assert out.actions() == {"D-EUR": ["posted"]}, out.by_key()
    invoice = next(i for i in nav.purchase_invoices() if i["vendorInvoiceNumber"] == "F-D-EUR")
    assert invoice["currencyCode"] == "EUR"
    assert invoice["shortcutDimension1Code"] == "FIN"  # DEPARTMENT is global dimension 1


def test_local_currency_invoice_for_a_eur_vendor(nav, build) -> None:
    message = [build.record("invoices", _invoice(build, "D-LCY", "V40000", "FIN", None)), build.state(1)]
    journal = nav.write(message, posting_mode="journal")
    assert journal.actions() == {"D-LCY": ["rejected"]}
    reason = journal.by_key()["D-LCY"][0]["reason"]
    assert reason.startswith("vendor_currency_mismatch: the invoice is in USD but NAV vendor V40000 is set up in EUR")
    assert nav.journal_lines() == []
    # A purchase invoice names its currency: posted in the local currency despite the EUR vendor card.
    invoice_mode = nav.write(message, posting_mode="purchase_invoice")
    assert invoice_mode.actions() == {"D-LCY": ["posted"]}
    invoice = next(i for i in nav.purchase_invoices() if i["vendorInvoiceNumber"] == "F-D-LCY")
    assert invoice["currencyCode"] in ("", "USD")


def test_prices_including_vat_vendor_gets_a_net_purchase_invoice(nav, build) -> None:
    out = nav.write(
        [build.record("invoices", _invoice(build, "D-NET", "V40010", "SALES", None)), build.state(1)],
        posting_mode="purchase_invoice",
    )
    assert out.actions() == {"D-NET": ["posted"]}
    invoice = next(i for i in nav.purchase_invoices() if i["vendorInvoiceNumber"] == "F-D-NET")
    assert invoice["pricesIncludeTax"] is False


def test_account_rule_is_refused_by_bc_at_posting_and_the_document_removed(nav, build) -> None:
    # Account 6700 (DEPARTMENT Code Mandatory) cannot be attributed through the API: BC's posting refuses it.
    out = nav.write(
        [build.record("invoices", _invoice(build, "D-ACC", "V10000", None, "EAST", account="6700")), build.state(1)],
        posting_mode="journal",
    )
    assert out.actions() == {"D-ACC": ["rejected"]}
    assert (
        "Select a Dimension Value Code for the Dimension Code DEPARTMENT for G/L Account 6700"
        in (out.by_key()["D-ACC"][0]["reason"])
    )
    assert nav.journal_lines() == []
