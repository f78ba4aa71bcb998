"""The whole pipeline for one file: CSV/XML → assembled, typed, hashed records with audit fields; rejects."""

from __future__ import annotations

import hashlib
import json

from stampli_files.records import content_hash

HEADER = (
    "Invoice ID,Invoice Number,Vendor ID,Vendor Name,Invoice Date,Due Date,Approved Date,Currency,Invoice Total,"
    "Line Number,Line Description,GL Account,Line Amount,Department,Location,PO Number,Status\n"
)


def line(
    inv: str, total: str, number: int, amount: str, *, vendor: str = "V1", po: str = "PO-1", desc: str = "Paper"
) -> str:
    return f"{inv},N-{inv},{vendor},Acme,11/25/2026,12/25/2026,2026-11-26,USD,{total},{number},{desc},6100,{amount},ADM,NYC,{po},Approved\n"


def test_lines_spread_over_the_file_assemble_into_one_invoice(read_export) -> None:
    content = (
        HEADER + line("S1", "100.10", 2, "0.10") + line("S2", "5.00", 1, "5.00") + line("S1", "100.10", 1, "100.00")
    )
    result = read_export("invoices", "invoices.csv", content)
    invoices = result.by_key("invoice_id")
    assert list(invoices) and set(invoices) == {"S1", "S2"}
    s1 = invoices["S1"]
    assert [(ln["line_number"], ln["amount"]) for ln in s1["lines"]] == [(1, "100.00"), (2, "0.10")]
    assert s1["invoice_total"] == "100.10" and s1["lines_total"] == "100.10" and s1["balanced"] is True
    assert s1["validation_errors"] == []
    assert s1["invoice_date"] == "2026-11-25" and s1["po_number"] == "PO-1"
    assert s1["_stampli_source_rows"] == [2, 4]
    assert s1["_ab_source_file_url"] == "/outbound/invoices.csv"
    assert s1["_ab_source_file_last_modified"] == "2026-11-25T10:00:00.000000Z"
    assert result.rejects == [] and result.issues == []


def test_unbalanced_invoice_is_flagged_not_dropped(read_export) -> None:
    result = read_export(
        "invoices", "i.csv", HEADER + line("S1", "100.00", 1, "60.00") + line("S1", "100.00", 2, "39.99")
    )
    (invoice,) = result.records
    assert invoice["balanced"] is False and invoice["lines_total"] == "99.99"
    assert invoice["validation_errors"] == ["lines_do_not_sum_to_total"]
    assert [(i.flag, i.rows) for i in result.issues] == [("lines_do_not_sum_to_total", (2, 3))]
    assert "99.99" in result.issues[0].detail and "100.00" in result.issues[0].detail


def test_a_cent_of_float_drift_would_be_caught(read_export) -> None:
    lines = "".join(line("S1", "0.30", n, "0.10") for n in (1, 2, 3))  # 0.1 + 0.1 + 0.1 != 0.3 in float
    (invoice,) = read_export("invoices", "i.csv", HEADER + lines).records
    assert invoice["balanced"] is True and invoice["lines_total"] == "0.30"


def test_conflicting_header_values_and_bad_values_are_flagged(read_export) -> None:
    content = HEADER + line("S1", "10.00", 1, "5.00", vendor="V1") + line("S1", "10.00", 2, "five", vendor="V2")
    result = read_export("invoices", "i.csv", content)
    (invoice,) = result.records
    assert invoice["vendor_id"] == "V1"
    assert invoice["lines"][1]["amount"] is None
    assert invoice["validation_errors"] == [
        "conflicting_header_values", "invalid_value:lines.amount", "missing_line_amount"
    ]  # fmt: skip
    invalid = next(i for i in result.issues if i.flag == "invalid_value:lines.amount")
    assert invalid.rows == (3,) and "five" in invalid.detail


def test_duplicate_lines(read_export) -> None:
    content = (
        HEADER
        + line("S1", "10.00", 1, "10.00")
        + line("S1", "10.00", 1, "10.00")
        + line("S1", "10.00", 2, "0.00", desc="X")
    )
    content += line("S2", "1.00", 1, "1.00") + line("S2", "1.00", 1, "2.00")
    result = read_export("invoices", "i.csv", content)
    invoices = result.by_key("invoice_id")
    assert len(invoices["S1"]["lines"]) == 2 and invoices["S1"]["balanced"] is True  # verbatim repeat kept once
    assert any("repeated verbatim" in n for n in result.notices)
    assert "duplicate_line_number" in invoices["S2"]["validation_errors"]


def test_malformed_rows_are_rejected_by_file_and_row_and_the_rest_is_read(read_export) -> None:
    content = (
        HEADER
        + line("S1", "1.00", 1, "1.00")
        + "S2,only,three\n"
        + ",N-X,V1,Acme,11/25/2026,,,USD,1.00,1,x,6100,1.00,,,,Approved\n"
        + "\n"
        + line("S3", "2.00", 1, "2.00").rstrip("\n")
        + ",,\n"  # trailing empty columns are tolerated
    )
    result = read_export("invoices", "i.csv", content)
    assert sorted(r["invoice_id"] for r in result.records) == ["S1", "S3"]
    assert [(r.reason, r.rows, r.source) for r in result.rejects] == [
        ("wrong_field_count", (3,), "/outbound/i.csv"),
        ("missing_key", (4,), "/outbound/i.csv"),
    ]


def test_missing_key_column_rejects_the_file(read_export) -> None:
    result = read_export("vendors", "vendors.csv", "Name,City\nAcme,Springfield\n")
    assert result.records == []
    (reject,) = result.rejects
    assert reject.reason == "missing_key_column" and reject.whole_file and "vendor_id" in reject.detail


def test_flat_stream_rows_with_bad_values_are_rejected(read_export) -> None:
    content = "Payment ID,Invoice ID,Vendor ID,Payment Date,Amount,Currency,Method,Reference\n"
    content += 'P1,S1,V1,2026-11-25,"1,000.50",USD,ACH,R1\nP2,S2,V1,not a date,5,USD,ACH,R2\n'
    result = read_export("payments", "payments.csv", content)
    (payment,) = result.records
    assert payment["amount"] == "1000.50" and payment["payment_date"] == "2026-11-25"
    (reject,) = result.rejects
    assert reject.reason == "invalid_value" and reject.rows == (3,) and "payment_date" in reject.detail


def test_bom_semicolons_and_windows_1252(read_export) -> None:
    content = "\ufeffVendor ID;Vendor Name;City\r\nV1;Müller GmbH;Köln\r\n".encode("cp1252", errors="ignore")
    result = read_export("vendors", "vendors.csv", content)
    (vendor,) = result.records
    assert vendor["vendor_name"] == "Müller GmbH" and vendor["city"] == "Köln"
    utf8 = "\ufeffVendor ID,Vendor Name\nV2,Café\n".encode()
    assert read_export("vendors", "v2.csv", utf8).records[0]["vendor_name"] == "Café"


def test_hash_covers_business_content_only(read_export) -> None:
    content = "Vendor ID,Vendor Name,Modified Date\nV1,Acme,2026-11-01\n"
    first = read_export("vendors", "a.csv", content).records[0]
    bumped = read_export("vendors", "b.csv", content.replace("2026-11-01", "2026-11-20")).records[0]
    renamed = read_export("vendors", "c.csv", content.replace("Acme", "Acme Ltd")).records[0]
    assert first["_stampli_record_hash"] == bumped["_stampli_record_hash"]  # modified_date is not a change
    assert first["_stampli_record_hash"] != renamed["_stampli_record_hash"]
    business = {k: v for k, v in first.items() if not k.startswith("_") and k != "modified_date"}
    expected = hashlib.sha256(json.dumps(business, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert first["_stampli_record_hash"] == expected == content_hash(business)


def test_xml_invoices_with_nested_lines(read_export) -> None:
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<StampliExport xmlns="urn:stampli">
  <Invoices>
    <Invoice id="S1">
      <InvoiceNumber>N-1</InvoiceNumber><VendorID>V1</VendorID><InvoiceDate>2026-11-25</InvoiceDate>
      <InvoiceTotal>15.50</InvoiceTotal><PONumber>PO-9</PONumber>
      <Lines>
        <Line><LineNumber>2</LineNumber><Amount>5.50</Amount><GLAccount>6100</GLAccount></Line>
        <Line><LineNumber>1</LineNumber><Amount>10.00</Amount><Description>Toner &amp; ink</Description></Line>
      </Lines>
    </Invoice>
    <Invoice><InvoiceID>S2</InvoiceID><InvoiceTotal>1</InvoiceTotal>
      <Line><LineNumber>1</LineNumber><Amount>1</Amount></Line>
    </Invoice>
    <Invoice><InvoiceNumber>no id</InvoiceNumber></Invoice>
  </Invoices>
</StampliExport>"""
    result = read_export("invoices", "invoices.xml", xml, column_mapping={"id": "invoice_id"})
    invoices = result.by_key("invoice_id")
    assert set(invoices) == {"S1", "S2"}
    s1 = invoices["S1"]
    assert s1["po_number"] == "PO-9" and s1["balanced"] is True
    assert [(ln["line_number"], ln["amount"], ln["description"]) for ln in s1["lines"]] == [
        (1, "10.00", "Toner & ink"), (2, "5.50", None)
    ]  # fmt: skip
    assert s1["_stampli_source_rows"] == [1] and invoices["S2"]["_stampli_source_rows"] == [2]
    assert invoices["S2"]["lines"][0]["amount"] == "1"
    assert [(r.reason, r.rows) for r in result.rejects] == [("missing_key", (3,))]


def test_xml_flat_records_at_root_level(read_export) -> None:
    xml = "<Export><Row><PaymentID>P1</PaymentID><Amount>2.50</Amount></Row><Meta><Created>x</Created></Meta></Export>"
    result = read_export("payments", "payments.xml", xml)
    assert [(r["payment_id"], r["amount"]) for r in result.records] == [("P1", "2.50")]
    assert any("Meta" in n for n in result.notices)  # ignored, but said so


def test_xml_dtd_and_entities_are_refused_never_resolved(read_export, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = f'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file://{secret}">]><Vendors><Vendor><VendorID>&x;</VendorID></Vendor></Vendors>'
    bomb = '<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Vendors><Vendor><VendorID>&b;</VendorID></Vendor></Vendors>'
    external_dtd = '<?xml version="1.0"?><!DOCTYPE Vendors SYSTEM "http://example.com/x.dtd"><Vendors/>'
    for name, xml in (("xxe.xml", xxe), ("bomb.xml", bomb), ("dtd.xml", external_dtd)):
        result = read_export("vendors", name, xml)
        assert result.records == []
        (reject,) = result.rejects
        assert reject.reason in ("xml_dtd_forbidden", "xml_entities_forbidden"), reject
        assert "TOP SECRET" not in reject.detail


def test_xml_syntax_error_keeps_records_before_it_and_names_the_position(read_export) -> None:
    xml = "<Vendors><Vendor><VendorID>V1</VendorID></Vendor><Vendor><VendorID>V2</Vendor>"
    result = read_export("vendors", "v.xml", xml)
    assert [r["vendor_id"] for r in result.records] == ["V1"]
    (reject,) = result.rejects
    assert reject.reason == "xml_syntax_error" and "line 1" in reject.detail


def test_purchase_orders_nest_lines(read_export) -> None:
    content = (
        "PO Number,Vendor ID,PO Date,Line Number,Description,Quantity,Unit Price,Amount,GL Account,Status\n"
        "PO-1,V1,2026-10-15,2,Ink,2,3.50,7.00,6100,Open\nPO-2,V2,10/16/2026,1,Desk,1,100,100,1500,Open\n"
        "PO-1,V1,2026-10-15,1,Paper,10,0.5,5.00,6100,Open\n"
    )
    pos = read_export("purchase_orders", "po_1.csv", content).by_key("po_number")
    assert [(ln["line_number"], ln["quantity"], ln["unit_price"]) for ln in pos["PO-1"]["lines"]] == [
        (1, "10", "0.5"), (2, "2", "3.50")
    ]  # fmt: skip
    assert pos["PO-2"]["po_date"] == "2026-10-16" and pos["PO-2"]["validation_errors"] == []


def test_gl_accounts_booleans(read_export) -> None:
    content = "Account Number,Account Name,Account Type,Active\n6100,Office,Expense,Yes\n6200,Travel,Expense,No\n6300,X,Expense,\n"
    accounts = read_export("gl_accounts", "gl_accounts.csv", content).by_key("account_number")
    assert [accounts[n]["active"] for n in ("6100", "6200", "6300")] == [True, False, None]
