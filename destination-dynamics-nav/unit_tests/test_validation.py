import pytest

from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.records import StampliInvoice
from destination_dynamics_nav.validation import validate_invoice


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def check(reference, record, settings=None, **kwargs):
    return codes(
        validate_invoice(StampliInvoice.model_validate(record), settings or DestinationSettings(), reference, **kwargs)
    )


def test_valid_invoice_has_no_problem(reference, invoice_record) -> None:
    assert check(reference, invoice_record(), local_currency="USD") == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"vendor_id": "V99999"}, "unknown_vendor"),
        ({"vendor_id": "V20000"}, "vendor_blocked"),
        ({"vendor_id": None}, "missing_vendor"),
        ({"vendor_id": "V" * 21}, "vendor_number_too_long"),
        ({"invoice_number": None}, "missing_invoice_number"),
        ({"invoice_number": "N" * 36}, "invoice_number_too_long"),
        ({"invoice_date": None}, "missing_posting_date"),
        ({"invoice_total": "150.49"}, "lines_do_not_sum_to_total"),
        ({"invoice_total": None}, "missing_total"),
        ({"lines": []}, "no_lines"),
        ({"validation_errors": ["conflicting_header_values"]}, "conflicting_header_values"),
        ({"currency": "EUR"}, "foreign_currency_in_journal_mode"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_header_rejects(reference, invoice_record, overrides, expected) -> None:
    assert expected in check(reference, invoice_record(**overrides), local_currency="USD")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"gl_account": "9999"}, "unknown_gl_account"),
        ({"gl_account": "6000"}, "gl_account_not_postable"),  # heading
        ({"gl_account": "2100"}, "gl_account_not_postable"),  # no direct posting
        ({"gl_account": "6900"}, "gl_account_not_postable"),  # blocked
        ({"gl_account": None}, "missing_gl_account"),
        ({"department": "MARKETING"}, "unknown_dimension_value"),
        ({"amount": "150.505"}, "amount_precision"),
        ({"amount": None}, "missing_line_amount"),
    ],
)
def test_line_rejects(reference, invoice_record, line, expected) -> None:
    base = {"line_number": 1, "gl_account": "6100", "amount": "150.50", "department": "SALES"}
    record = invoice_record(lines=[{**base, **line}])
    assert expected in check(reference, record)


def test_vendor_payment_block_does_not_stop_invoices(reference, invoice_record) -> None:
    assert check(reference, invoice_record(vendor_id="V30000")) == []


def test_vendor_created_in_the_same_flush_is_accepted(reference, invoice_record) -> None:
    record = invoice_record(vendor_id="NEWV")
    assert check(reference, record) == ["unknown_vendor"]
    assert check(reference, record, vendors_to_create={"NEWV"}) == []


def test_unknown_dimension_code_in_mapping(reference, invoice_record) -> None:
    settings = DestinationSettings(dimension_mapping={"department": "PROJECT"})
    assert check(reference, invoice_record(), settings) == ["unknown_dimension"]


def test_zero_and_negative_totals(reference, invoice_record) -> None:
    zero = invoice_record(invoice_total="0", lines=[{"gl_account": "6100", "amount": "0"}])
    assert check(reference, zero) == ["zero_amount"]
    credit = invoice_record(invoice_total="-5.00", lines=[{"gl_account": "6100", "amount": "-5.00"}])
    assert check(reference, credit) == []
    assert check(reference, credit, DestinationSettings(posting_mode="purchase_invoice")) == [
        "credit_memo_in_purchase_invoice_mode"
    ]


def test_foreign_currency_is_fine_in_purchase_invoice_mode(reference, invoice_record) -> None:
    settings = DestinationSettings(posting_mode="purchase_invoice")
    assert check(reference, invoice_record(currency="EUR"), settings, local_currency="USD") == []


def test_every_problem_is_reported_not_just_the_first(reference, invoice_record) -> None:
    record = invoice_record(vendor_id="V99999", lines=[{"gl_account": "9999", "amount": "150.50", "department": "X"}])
    assert check(reference, record) == ["unknown_vendor", "unknown_gl_account", "unknown_dimension_value"]


def test_currency_needs_the_local_currency(reference, invoice_record) -> None:
    assert check(reference, invoice_record(currency="USD"), local_currency="USD") == []
    assert check(reference, invoice_record(currency="USD"), local_currency=None) == ["unknown_local_currency"]
