import datetime as dt
from decimal import Decimal

from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.mapping import (
    DimensionAssignment,
    journal_line_payloads,
    posting_document,
    purchase_invoice_payload,
    reversing_document,
)
from destination_dynamics_nav.records import StampliInvoice


def test_journal_document_is_balanced_with_one_gl_line_per_invoice_line(invoice_record) -> None:
    invoice = StampliInvoice.model_validate(invoice_record())
    document = posting_document(invoice, DestinationSettings(), local_currency="USD")
    payloads = journal_line_payloads(document)

    assert [p["accountType"] for p in payloads] == ["G/L Account", "G/L Account", "Vendor"]
    assert sum(p["amount"] for p in payloads) == 0
    assert payloads[-1] == {
        "postingDate": dt.date(2026, 11, 2),
        "documentNumber": "STP-INV-1001",
        "externalDocumentNumber": "A-77",
        "accountType": "Vendor",
        "accountNumber": "V10000",
        "amount": Decimal("-150.50"),
        "description": "Invoice A-77",
    }
    assert payloads[0]["dimensionSetLines"] == [
        {"code": "DEPARTMENT", "valueCode": "SALES"},
        {"code": "LOCATION", "valueCode": "EAST"},
    ]
    assert payloads[1]["dimensionSetLines"] == [{"code": "DEPARTMENT", "valueCode": "ADMIN"}]
    assert payloads[1]["description"] == "A-77 line 2"
    assert {p["documentNumber"] for p in payloads} == {"STP-INV-1001"}


def test_posting_date_field_and_mappings_are_honoured(invoice_record) -> None:
    settings = DestinationSettings(
        posting_date_field="approved_date",
        gl_account_mapping={"6100": "61000"},
        vendor_number_mapping={"V10000": "FAB01"},
        dimension_mapping={"location": "AREA"},
    )
    document = posting_document(StampliInvoice.model_validate(invoice_record()), settings, local_currency=None)
    assert document.posting_date == dt.date(2026, 11, 5)
    assert document.vendor_number == "FAB01"
    assert [line.account_number for line in document.lines] == ["61000", "6200"]
    assert document.lines[0].dimensions == (DimensionAssignment("AREA", "EAST"),)
    assert document.lines[1].dimensions == ()


def test_credit_memo_reverses_signs(invoice_record) -> None:
    record = invoice_record(
        invoice_total="-30.00",
        lines=[{"line_number": 1, "gl_account": "6100", "amount": "-30.00", "department": "SALES"}],
    )
    payloads = journal_line_payloads(
        posting_document(StampliInvoice.model_validate(record), DestinationSettings(), local_currency=None)
    )
    assert [p["amount"] for p in payloads] == [Decimal("-30.00"), Decimal("30.00")]


def test_reversal_negates_every_line_with_suffixed_numbers(invoice_record) -> None:
    document = posting_document(
        StampliInvoice.model_validate(invoice_record()), DestinationSettings(), local_currency=None
    )
    reversal = reversing_document(document, "STP")
    assert reversal.document_number == "STP-INV-1001-R"
    assert reversal.external_document_number == "A-77-R"
    assert reversal.total == -document.total
    payloads = journal_line_payloads(reversal)
    assert payloads[-1]["amount"] == Decimal("150.50")
    assert payloads[-1]["description"] == "Reversal of invoice A-77"


def test_zero_lines_are_left_out_and_long_descriptions_cut(invoice_record) -> None:
    record = invoice_record(
        lines=[
            {"line_number": 1, "gl_account": "6100", "amount": "150.50", "description": "x" * 150},
            {"line_number": 2, "gl_account": "6200", "amount": "0"},
        ]
    )
    document = posting_document(StampliInvoice.model_validate(record), DestinationSettings(), local_currency=None)
    assert len(document.lines) == 1
    assert len(document.lines[0].description) == 100


def test_purchase_invoice_payload_is_one_deep_insert(invoice_record) -> None:
    record = invoice_record(currency="EUR")
    document = posting_document(StampliInvoice.model_validate(record), DestinationSettings(), local_currency="USD")
    payload = purchase_invoice_payload(document)
    assert payload["vendorNumber"] == "V10000"
    assert payload["vendorInvoiceNumber"] == "A-77"
    assert payload["currencyCode"] == "EUR"
    assert payload["invoiceDate"] == dt.date(2026, 11, 2)
    lines = payload["purchaseInvoiceLines"]
    assert [(line["lineType"], line["lineObjectNumber"], line["unitCost"]) for line in lines] == [
        ("Account", "6100", Decimal("100.00")),
        ("Account", "6200", Decimal("50.50")),
    ]
    assert all(line["quantity"] == 1 for line in lines)


def test_local_currency_is_sent_blank(invoice_record) -> None:
    document = posting_document(
        StampliInvoice.model_validate(invoice_record(currency="usd")), DestinationSettings(), local_currency="USD"
    )
    # Sent explicitly (blank = local currency): BC would otherwise copy the vendor card's currency, and its
    # Prices Including VAT, onto the header (PurchaseHeader "Pay-to Vendor No." OnValidate).
    payload = purchase_invoice_payload(document)
    assert payload["currencyCode"] == ""
    assert payload["pricesIncludeTax"] is False
