from destination_dynamics_nav.audit import AuditEvent, AuditTrail, RecordOrigin
from destination_dynamics_nav.records import StampliVendor
from destination_dynamics_nav.reference_data import NavVendor, ReferenceData
from destination_dynamics_nav.vendors import changed_fields, desired_blocked, vendor_fields
from destination_dynamics_nav.writer import rounds


def nav_vendor(**fields: object) -> NavVendor:
    return NavVendor.from_entity({"id": "v", "number": "V1", "displayName": "A", "blocked": " ", **fields})


def test_only_changed_fields_are_sent_and_codes_compare_case_blind() -> None:
    current = nav_vendor(displayName="Fabrikam", country="US", phoneNumber="1", paymentTermsId="ABC")
    assert changed_fields(current, {"displayName": "Fabrikam", "country": "us", "paymentTermsId": "abc"}) == {}
    assert changed_fields(current, {"displayName": "Fabrikam Inc", "phoneNumber": "1"}) == {
        "displayName": "Fabrikam Inc"
    }


def test_the_local_currency_code_and_blank_are_the_same_currency() -> None:
    shown_as_lcy, stored_blank = nav_vendor(currencyCode="USD"), nav_vendor(currencyCode="")
    for current in (shown_as_lcy, stored_blank):
        assert changed_fields(current, {"currencyCode": ""}, "usd") == {}
        assert changed_fields(current, {"currencyCode": "USD"}, "USD") == {}
        assert changed_fields(current, {"currencyCode": "EUR"}, "USD") == {"currencyCode": "EUR"}
    assert changed_fields(shown_as_lcy, {"currencyCode": ""}) == {"currencyCode": ""}  # LCY unknown: differs
    assert changed_fields(nav_vendor(currencyCode="EUR"), {"currencyCode": ""}, "USD") == {"currencyCode": ""}


def test_blocked_follows_stampli_status_but_keeps_a_nav_payment_hold() -> None:
    assert desired_blocked("Inactive", nav_vendor()) == "All"
    assert desired_blocked("Active", nav_vendor(blocked="All")) == " "
    assert desired_blocked("Active", nav_vendor(blocked="Payment")) is None
    assert desired_blocked(None, nav_vendor()) is None


def test_vendor_fields_truncate_to_nav_lengths_and_report_unknown_codes() -> None:
    reference = ReferenceData(currencies=frozenset({"EUR"}), payment_terms={"NET30": "guid-30"})
    vendor = StampliVendor.model_validate(
        {
            "vendor_id": "V1",
            "vendor_name": "N" * 120,
            "city": "C" * 40,
            "currency": "GBP",
            "payment_terms": "NET60",
            "status": "Active",
        }
    )
    desired, notes = vendor_fields(vendor, reference, None, local_currency="USD")
    assert len(desired["displayName"]) == 100 and len(desired["city"]) == 30
    assert "currencyCode" not in desired and "paymentTermsId" not in desired
    assert [note.split(":")[0] for note in notes] == [
        "displayName_truncated",
        "city_truncated",
        "unknown_currency",
        "unknown_payment_terms",
    ]
    local, _ = vendor_fields(
        StampliVendor.model_validate({"vendor_id": "V1", "currency": "usd", "payment_terms": "net30"}),
        reference,
        None,
        local_currency="USD",
    )
    assert local == {"currencyCode": "", "paymentTermsId": "guid-30"}


def test_rounds_split_where_a_key_repeats() -> None:
    records = [
        ("invoices", {"invoice_id": "A"}),
        ("vendors", {"vendor_id": "A"}),
        ("invoices", {"invoice_id": "B"}),
        ("invoices", {"invoice_id": "A"}),
        ("invoices", {"invoice_id": None}),
    ]
    assert [[data.get("invoice_id", data.get("vendor_id")) for _, data in batch] for batch in rounds(records)] == [
        ["A", "A", "B"],
        ["A", None],
    ]


def test_audit_lines_follow_the_contract_and_the_summary_counts_them() -> None:
    trail = AuditTrail()
    origin = RecordOrigin.of(
        "invoices", "invoice_id", {"invoice_id": "I-1", "_ab_source_file_url": "/f.csv", "_stampli_source_rows": [4, 5]}
    )
    message = trail.message(AuditEvent(origin, "rejected", reason="unknown_gl_account: 9999"))
    assert message.log.level.value == "WARN"
    assert message.log.message.startswith(
        '{"event":"stampli_nav.audit","stream":"invoices","key":"I-1","action":"rejected"'
    )
    summary = trail.summary({"operations": 3})
    assert '"rejected":1' in summary.log.message and '"posted":0' in summary.log.message
