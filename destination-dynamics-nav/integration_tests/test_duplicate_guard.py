"""vendor_duplicate_check (issue 15) against the emulator: block (default), warn, off, and invoice-only vendors."""

from __future__ import annotations

import pytest

# NAV's seeded Fabrikam (V10000) as Stampli knows it under its own id: same tax id, reformatted.
STAMPLI_FABRIKAM = {
    "vendor_id": "S-1001",
    "vendor_name": "FABRIKAM INC",
    "city": "Atlanta",
    "postal_code": "31772",
    "country": "US",
    "tax_id": "22-4931045",
    "_ab_source_file_url": "/outbound/vendors_20261127.csv",
    "_stampli_source_rows": [2],
}


def test_block_is_the_default_and_rejects_the_vendor_and_its_invoices(nav, build) -> None:
    out = nav.write(
        [
            build.record("vendors", STAMPLI_FABRIKAM),
            build.record(
                "invoices", {**build.one_line("INV-9001"), "vendor_id": "S-1001", "vendor_name": "FABRIKAM INC"}
            ),
            build.state(1),
        ]
    )
    vendor_event = out.by_key("vendors")["S-1001"][0]
    assert vendor_event["action"] == "rejected"
    assert "NAV vendor V10000 'Fabrikam, Inc.'" in vendor_event["reason"]
    assert "same tax id 224931045" in vendor_event["reason"]
    invoice_event = out.by_key("invoices")["INV-9001"][0]
    assert invoice_event["action"] == "rejected"
    assert invoice_event["reason"].startswith("possible_duplicate_vendor: ")
    assert nav.vendor("S-1001") is None
    assert nav.gl_entries("STP-INV-9001") == []


def test_warn_creates_the_vendor_and_says_why_it_looks_like_a_duplicate(nav, build) -> None:
    out = nav.write([build.record("vendors", STAMPLI_FABRIKAM), build.state(1)], vendor_duplicate_check="warn")
    event = out.by_key("vendors")["S-1001"][0]
    assert event["action"] == "vendor_created"
    assert "possible_duplicate_vendor: looks like NAV vendor V10000" in event["reason"]
    assert nav.vendor("S-1001") is not None


def test_off_creates_the_vendor_without_comment(nav, build) -> None:
    out = nav.write([build.record("vendors", STAMPLI_FABRIKAM), build.state(1)], vendor_duplicate_check="off")
    event = out.by_key("vendors")["S-1001"][0]
    assert event["action"] == "vendor_created" and not event["reason"]


def test_an_invoice_alone_does_not_make_a_vendor_named_like_an_existing_one(nav, build) -> None:
    invoice = {**build.one_line("INV-9002"), "vendor_id": "S-1001", "vendor_name": "Fabrikam Incorporated"}
    out = nav.write([build.record("invoices", invoice), build.state(1)])
    event = out.by_key("invoices")["INV-9002"][0]
    assert event["action"] == "rejected" and "NAV vendor V10000" in event["reason"]
    assert nav.vendor("S-1001") is None


@pytest.mark.parametrize("value", ["", None])
def test_blank_setting_means_block(nav, build, value) -> None:
    out = nav.write([build.record("vendors", STAMPLI_FABRIKAM), build.state(1)], vendor_duplicate_check=value)
    assert out.by_key("vendors")["S-1001"][0]["action"] == "rejected"
