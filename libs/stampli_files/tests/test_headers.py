"""Header normalisation, aliases, and column_mapping overrides."""

from __future__ import annotations

import pytest

from stampli_files.declarations import INVOICES, STREAMS, VENDORS
from stampli_files.headers import ColumnMappingError, HeaderResolver, normalize_header, plan_csv_columns


@pytest.mark.parametrize(
    "header",
    [
        "Invoice Number",
        "invoice_number",
        "InvoiceNumber",
        "INVOICE  NUMBER",
        "Invoice #",
        "invoice-number",
        "\ufeffInvoice Number",
    ],
)
def test_spellings_of_one_column_normalise_alike(header: str) -> None:
    assert normalize_header(header) == "invoicenumber"


def test_accents_and_ampersands() -> None:
    assert normalize_header("Société & Cie") == "societeandcie"


def _names(resolver: HeaderResolver, headers: list[str]) -> list[str | None]:
    plan = plan_csv_columns(headers, resolver)
    declaration = resolver.declaration
    by_column = {}
    for spec, index in zip(declaration.fields, plan.record_columns, strict=True):
        if index is not None:
            by_column[index] = spec.name
    for spec, index in zip(declaration.line_fields, plan.line_columns, strict=True):
        if index is not None:
            by_column[index] = f"lines.{spec.name}"
    return [by_column.get(i) for i in range(len(headers))]


def test_reference_invoice_columns_all_resolve() -> None:
    headers = [
        "Invoice ID", "Invoice Number", "Vendor ID", "Vendor Name", "Invoice Date", "Due Date", "Approved Date",
        "Currency", "Invoice Total", "Line Number", "Line Description", "GL Account", "Line Amount", "Department",
        "Location", "PO Number", "Status",
    ]  # fmt: skip
    assert _names(HeaderResolver(INVOICES), headers) == [
        "invoice_id", "invoice_number", "vendor_id", "vendor_name", "invoice_date", "due_date", "approved_date",
        "currency", "invoice_total", "lines.line_number", "lines.description", "lines.gl_account", "lines.amount",
        "lines.department", "lines.location", "lines.po_number", "status",
    ]  # fmt: skip


def test_aliases() -> None:
    assert _names(HeaderResolver(INVOICES), ["Inv #", "Supplier", "Total", "Line #", "Memo", "G/L Account", "Amount"]) == [
        "invoice_number", "vendor_name", "invoice_total", "lines.line_number", "lines.description",
        "lines.gl_account", "lines.amount",
    ]  # fmt: skip


def test_unknown_and_duplicate_columns_are_reported() -> None:
    plan = plan_csv_columns(["Vendor ID", "Colour", "vendor_id"], HeaderResolver(VENDORS))
    assert plan.ignored_headers == ("Colour",)
    assert plan.duplicate_headers == ("vendor_id",)


def test_column_mapping_overrides_aliases() -> None:
    resolver = HeaderResolver(INVOICES, {"Ref": "invoice_number", "Total": "lines.amount", "Cost": "line_amount"})
    assert _names(resolver, ["Ref", "Total", "Invoice Number"]) == ["invoice_number", "lines.amount", None]
    assert _names(resolver, ["Cost"]) == ["lines.amount"]


def test_column_mapping_to_an_unknown_field_is_an_error() -> None:
    with pytest.raises(ColumnMappingError, match="no field 'colour'"):
        HeaderResolver(VENDORS, {"Farbe": "colour"})


def test_xml_record_level_prefers_record_fields() -> None:
    resolver = HeaderResolver(INVOICES)
    assert resolver.resolve_xml_record("PONumber").level == "record"
    assert resolver.resolve_flat("PO Number").level == "line"
    assert resolver.resolve_xml_line("Amount").level == "line"


def test_every_declaration_has_distinct_forms() -> None:
    for declaration in STREAMS.values():
        forms: dict[str, str] = {}
        for spec in declaration.fields:
            for form in spec.header_forms():
                assert forms.setdefault(form, spec.name) == spec.name, (declaration.name, form)
