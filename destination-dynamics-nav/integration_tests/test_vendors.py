"""Vendors: create, update only what changed (with ETags), send nothing when nothing changed."""

from __future__ import annotations

from collections.abc import Iterator

from airbyte_cdk.models import AirbyteMessage


def vendor(vendor_id: str, **overrides: object) -> dict:
    data = {
        "vendor_id": vendor_id,
        "vendor_name": "Fabrikam, Inc.",
        "address_line_1": "51 Radcliff Street",
        "address_line_2": None,
        "city": "Atlanta",
        "state": "GA",
        "postal_code": "31772",
        "country": "US",
        "email": "accounts@fabrikam.example",
        "phone": "404-555-0134",
        "tax_id": "US-22-4931045",
        "currency": "USD",
        "payment_terms": None,
        "status": "Active",
        "modified_date": "2026-11-01",
        "_ab_source_file_url": "/outbound/vendors_20261124.csv",
        "_stampli_source_rows": [2],
    }
    data.update(overrides)
    return data


def test_create_update_and_no_op(nav, build, emulator) -> None:
    before = nav.vendor("V10010")
    out = nav.write(
        [
            build.record("vendors", vendor("V10000")),  # identical to NAV
            build.record(
                "vendors",
                vendor(
                    "V10010",
                    vendor_name=before["displayName"],
                    address_line_1=before["addressLine1"],
                    city=before["city"],
                    state=before["state"],
                    postal_code=before["postalCode"],
                    email=before["email"],
                    tax_id=before["taxRegistrationNumber"],
                    phone="312-555-9999",
                ),
            ),
            build.record(
                "vendors",
                vendor("V10100", vendor_name="Tailspin Toys", city="Austin", state="TX", payment_terms="NET45"),
            ),
            build.record(
                "vendors",
                vendor(
                    "V10020",
                    vendor_name="Graphic Design Institute",
                    status="Inactive",
                    address_line_1=None,
                    city=None,
                    state=None,
                    postal_code=None,
                    email=None,
                    phone=None,
                    tax_id=None,
                    country=None,
                ),
            ),
            build.state(1, stream="vendors"),
        ]
    )
    actions = out.actions("vendors")
    assert actions == {
        "V10000": ["vendor_unchanged"],
        "V10010": ["vendor_updated"],
        "V10100": ["vendor_created"],
        "V10020": ["vendor_updated"],
    }
    assert out.by_key("vendors")["V10010"][0]["reason"] == "updated: phoneNumber"
    assert "unknown_payment_terms" in out.by_key("vendors")["V10100"][0]["reason"]
    assert out.states == [1]

    updated = nav.vendor("V10010")
    assert updated["phoneNumber"] == "312-555-9999" and updated["email"] == before["email"]
    created = nav.vendor("V10100")
    assert (created["displayName"], created["city"], created["currencyCode"], created["blocked"]) == (
        "Tailspin Toys",
        "Austin",
        "USD",  # stored blank; BC's API page shows the local currency's code
        " ",
    )
    assert nav.vendor("V10020")["blocked"] == "All"

    # The same records again: nothing changes, so nothing is sent (no PATCH, no POST).
    again = nav.write(
        [
            build.record("vendors", vendor("V10000")),
            build.record("vendors", vendor("V10100", vendor_name="Tailspin Toys", city="Austin", state="TX")),
            build.state(2, stream="vendors"),
        ]
    )
    assert again.actions("vendors") == {"V10000": ["vendor_unchanged"], "V10100": ["vendor_unchanged"]}
    assert again.summary["api"]["by_method"].get("PATCH", 0) == 0
    assert again.summary["api"]["by_method"].get("POST", 0) == 0


def test_local_currency_shown_by_nav_equals_blank_or_usd_in_stampli(nav, build, emulator) -> None:
    """Real BC shows "USD" (the LCY) for a vendor whose currency is stored blank: a Stampli vendor with currency USD
    or none is the same vendor, so a no-change sync sends nothing, whether the LCY is configured or read from NAV."""
    shown = {number: nav.vendor(number) for number in ("V10000", "V10010")}
    assert {v["currencyCode"] for v in shown.values()} == {"USD"}

    def same_as_nav(number: str, currency: str | None) -> dict:
        current = shown[number]
        return vendor(
            number,
            vendor_name=current["displayName"],
            address_line_1=current["addressLine1"] or None,
            address_line_2=current["addressLine2"] or None,
            city=current["city"] or None,
            state=current["state"] or None,
            postal_code=current["postalCode"] or None,
            country=current["country"] or None,
            email=current["email"] or None,
            phone=current["phoneNumber"] or None,
            tax_id=current["taxRegistrationNumber"] or None,
            currency=currency,
        )

    for marker, overrides in enumerate(({}, {"local_currency_code": "USD"}), start=1):
        out = nav.write(
            [
                build.record("vendors", same_as_nav("V10000", "USD")),
                build.record("vendors", same_as_nav("V10010", None)),
                build.state(marker, stream="vendors"),
            ],
            **overrides,
        )
        assert out.actions("vendors") == {"V10000": ["vendor_unchanged"], "V10010": ["vendor_unchanged"]}
        assert out.summary["api"]["by_method"].get("PATCH", 0) == 0
        assert out.summary["api"]["by_method"].get("POST", 0) == 0

    # A real change of currency is still sent, and back to the local currency stores blank again.
    out = nav.write([build.record("vendors", same_as_nav("V10000", "EUR")), build.state(3, stream="vendors")])
    assert out.actions("vendors") == {"V10000": ["vendor_updated"]}
    assert nav.vendor("V10000")["currencyCode"] == "EUR"
    out = nav.write([build.record("vendors", same_as_nav("V10000", "usd")), build.state(4, stream="vendors")])
    assert out.actions("vendors") == {"V10000": ["vendor_updated"]}
    company = emulator.store.company(emulator.company_id)
    assert next(v for v in company.table("vendors").values() if v["number"] == "V10000")["currencyCode"] == ""


def test_payment_hold_set_in_nav_is_kept_and_create_only_changes_nothing(nav, build) -> None:
    out = nav.write(
        [build.record("vendors", vendor("V10080", vendor_name="Coho Winery", phone="1")), build.state(1)],
        vendor_sync="create_only",
    )
    assert out.actions("vendors") == {"V10080": ["vendor_unchanged"]}
    assert nav.vendor("V10080")["phoneNumber"] != "1"
    out = nav.write([build.record("vendors", vendor("V10080", vendor_name="Coho Winery")), build.state(2)])
    assert out.actions("vendors") == {"V10080": ["vendor_updated"]}
    assert nav.vendor("V10080")["blocked"] == "Payment"


def test_a_concurrent_change_in_nav_is_reread_not_overwritten_blindly(nav, build) -> None:
    def messages() -> Iterator[AirbyteMessage]:
        yield build.record("invoices", build.invoice("E-1"))
        yield build.state(1)
        # NAV changes the vendor after the connector read it (its ETag is now stale).
        current = nav.vendor("V10000")
        nav.bc.update(
            f"vendors({current['id']})", {"website": "fabrikam.example", "blocked": "Payment"}, current["@odata.etag"]
        )
        yield build.record("vendors", vendor("V10000", phone="404-555-0000"))
        yield build.state(2)

    from destination_dynamics_nav import DestinationDynamicsNav

    produced = list(DestinationDynamicsNav().write(nav.config(), build.catalog(), messages()))
    out = build.Output(produced)
    assert out.actions("vendors") == {"V10000": ["vendor_updated"]}
    after = nav.vendor("V10000")
    assert after["phoneNumber"] == "404-555-0000" and after["website"] == "fabrikam.example"
    assert after["blocked"] == "Payment"  # the hold put on in NAV meanwhile is kept
    assert out.states == [1, 2]


def test_invoice_vendors_are_created_when_vendor_sync_allows(nav, build) -> None:
    new_vendor = build.invoice("NV-1", vendor_id="V20000", vendor_name="Alpine Ski House West")
    out = nav.write([build.record("invoices", new_vendor), build.state(1)])
    assert out.actions() == {"NV-1": ["posted"]}
    assert out.actions("vendors") == {"V20000": ["vendor_created"]}
    assert "from_invoice" in out.by_key("vendors")["V20000"][0]["reason"]
    assert nav.vendor("V20000")["displayName"] == "Alpine Ski House West"

    off = nav.write(
        [build.record("invoices", build.invoice("NV-2", vendor_id="V20001", vendor_name="X")), build.state(2)],
        vendor_sync="off",
    )
    assert off.actions() == {"NV-2": ["rejected"]}
    assert off.by_key()["NV-2"][0]["reason"].startswith("unknown_vendor")
    assert nav.vendor("V20001") is None


def test_gl_accounts_are_compared_and_nothing_is_written(nav, build, emulator) -> None:
    accounts = [
        {"account_number": "6100", "account_name": "Office Supplies", "account_type": "Expense", "active": True},
        {"account_number": "6200", "account_name": "Travel & Lodging", "account_type": "Expense", "active": True},
        {
            "account_number": "6900",
            "account_name": "Miscellaneous (do not use)",
            "account_type": "Expense",
            "active": True,
        },
        {"account_number": "7777", "account_name": "New in Stampli", "account_type": "Expense", "active": True},
    ]
    before = emulator.usage()["total"].get("operations", 0)
    out = nav.write(
        [
            *(build.record("gl_accounts", a) for a in accounts),
            build.record("payments", {"payment_id": "P1"}),
            build.state(1),
        ]
    )
    reasons = {key: lines[0]["reason"].split(":")[0] for key, lines in out.by_key("gl_accounts").items()}
    assert reasons == {
        "6100": "gl_account_in_sync",
        "6200": "gl_account_differs",
        "6900": "gl_account_differs",
        "7777": "gl_account_missing_in_nav",
    }
    assert out.summary["ignored_streams"] == {"payments": 1}
    assert out.summary["api"]["by_method"].get("POST", 0) == 0 and out.summary["api"]["by_method"].get("PATCH", 0) == 0
    assert emulator.usage()["total"]["operations"] > before  # it did read NAV


def test_dry_run_plans_vendor_writes_like_a_real_run_and_writes_none(nav, build, emulator) -> None:
    before = nav.vendor("V10010")
    emulator.request_log.clear()
    out = nav.write(
        [
            build.record("vendors", vendor("V10000")),  # identical to NAV
            build.record("vendors", vendor("V10010", vendor_name=before["displayName"], phone="312-555-9999")),
            build.record("vendors", vendor("V10100", vendor_name="Tailspin Toys", city="Austin", state="TX")),
            build.record("invoices", build.invoice("DRY-1", vendor_id="V10100", vendor_name="Tailspin Toys")),
            build.state(1),
        ],
        dry_run=True,
    )
    by_key = out.by_key("vendors")
    assert [a["action"] for a in by_key["V10000"]] == ["vendor_unchanged"]
    assert [a["action"] for a in by_key["V10010"]] == ["dry_run"]
    assert by_key["V10010"][0]["reason"].startswith("would_update_vendor: ")
    assert "phoneNumber" in by_key["V10010"][0]["reason"]
    assert [a["action"] for a in by_key["V10100"]] == ["dry_run"]
    assert by_key["V10100"][0]["reason"].startswith("would_create_vendor")
    # the invoice of the vendor a real run would create is validated as if it existed
    assert out.actions() == {"DRY-1": ["dry_run"]}
    assert not [r for r in emulator.request_log.entries() if r.is_write]
    assert nav.vendor("V10100") is None and nav.vendor("V10010")["phoneNumber"] == before["phoneNumber"]
