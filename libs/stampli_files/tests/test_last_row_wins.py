"""The same key twice in one file: one record, the last version's; the replaced rows are reported, never lost."""

from __future__ import annotations

from stampli_samples.exports import VENDOR_COLUMNS

HEADER = (
    "Invoice ID,Invoice Number,Vendor ID,Vendor Name,Invoice Date,Due Date,Approved Date,Currency,Invoice Total,"
    "Line Number,Line Description,GL Account,Line Amount,Department,Location,PO Number,Status\n"
)


def line(inv: str, number: str, total: str, line_number: int, amount: str, desc: str = "Paper") -> str:
    return f"{inv},{number},V1,Acme,11/25/2026,12/25/2026,2026-11-26,USD,{total},{line_number},{desc},6100,{amount},ADM,NYC,,Approved\n"


def vendor(vendor_id: str, name: str) -> str:
    return f"{vendor_id},{name},1 Main St,,Springfield,IL,62701,US,a@b.c,555,TX1,USD,NET30,Active,2026-11-20\n"


def test_a_vendor_twice_in_one_file_is_one_record_from_the_last_row(read_export) -> None:
    content = ",".join(VENDOR_COLUMNS) + "\n" + vendor("V1", "Old Name") + vendor("V2", "Other") + vendor("V1", "New")
    result = read_export("vendors", "vendors.csv", content)
    assert [(r["vendor_id"], r["vendor_name"], r["_stampli_source_rows"]) for r in result.records] == [
        ("V2", "Other", [3]),
        ("V1", "New", [4]),
    ]
    assert [(s.key, s.rows, s.by_rows) for s in result.superseded] == [("V1", (2,), (4,))]
    assert result.rows == 3


def test_a_vendor_twice_in_an_xml_export_is_one_record_from_the_last_element(read_export) -> None:
    content = (
        "<Vendors><Vendor><VendorID>V1</VendorID><VendorName>Old</VendorName></Vendor>"
        "<Vendor><VendorID>V1</VendorID><VendorName>New</VendorName></Vendor></Vendors>"
    )
    result = read_export("vendors", "vendors.xml", content)
    assert [(r["vendor_name"], r["_stampli_source_rows"]) for r in result.records] == [("New", [2])]
    assert [(s.rows, s.by_rows) for s in result.superseded] == [((1,), (2,))]


def test_an_invoice_exported_twice_in_one_file_keeps_the_last_version(read_export) -> None:
    content = (
        HEADER
        + line("S1", "N-1", "100.00", 1, "60.00")
        + line("S1", "N-1", "100.00", 2, "40.00")
        + line("S2", "N-2", "5.00", 1, "5.00")
        + line("S1", "N-1-R", "120.00", 1, "80.00")
        + line("S1", "N-1-R", "120.00", 2, "40.00")
    )
    result = read_export("invoices", "invoices.csv", content)
    invoices = result.by_key("invoice_id")
    s1 = invoices["S1"]
    assert (s1["invoice_number"], s1["invoice_total"], s1["balanced"]) == ("N-1-R", "120.00", True)
    assert s1["validation_errors"] == [] and s1["_stampli_source_rows"] == [5, 6]
    assert [(s.key, s.rows, s.by_rows) for s in result.superseded] == [("S1", (2, 3), (5, 6))]
    assert len(result.records) == 2


def test_interleaved_versions_are_not_guessed_apart(read_export) -> None:
    content = (
        HEADER
        + line("S1", "N-1", "100.00", 1, "100.00")
        + line("S1", "N-1-R", "120.00", 1, "120.00")
        + line("S1", "N-1", "100.00", 2, "0.00")
    )
    (invoice,) = read_export("invoices", "invoices.csv", content).records
    assert "conflicting_header_values" in invoice["validation_errors"]
    assert invoice["_stampli_source_rows"] == [2, 3, 4]
