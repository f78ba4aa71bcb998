"""Import rows from NAV records: documented column order, mappings, and named rejects."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from destination_stampli_sftp.csv_file import import_file_name, render_csv
from destination_stampli_sftp.import_formats import FORMATS, GL_ACCOUNTS, VENDORS, RowError, vendor_status
from destination_stampli_sftp.purchase_formats import PURCHASE_FORMATS

NAV_VENDOR = {
    "id": "a8f94844-5441-5e30-ae9a-913627fb1376",
    "number": "V10000",
    "displayName": "Fabrikam, Inc.",
    "addressLine1": "51 Radcliff Street",
    "addressLine2": "",
    "city": "Atlanta",
    "state": "GA",
    "country": "US",
    "postalCode": "31772",
    "phoneNumber": "404-555-0134",
    "email": "accounts@fabrikam.example",
    "taxRegistrationNumber": "US-22-4931045",
    "currencyCode": "",
    "localCurrencyCode": "USD",
    "paymentTermsCode": "NET30",
    "blocked": " ",
    "lastModifiedDateTime": "2026-11-25T10:15:00.123Z",
}

# The column order documented in README.md: changing it breaks every Stampli import set up against it.
DOCUMENTED_HEADERS = {
    "vendors": ["Vendor ID", "Vendor Name", "Address Line 1", "Address Line 2", "City", "State", "Postal Code",
                "Country", "Email", "Phone", "Tax ID", "Currency", "Payment Terms", "Status", "Modified Date"],
    "gl_accounts": ["Account Number", "Account Name", "Account Type", "Active"],
    "dimensions": ["Dimension Code", "Dimension Name"],
    "dimension_values": ["Dimension Code", "Value Code", "Value Name"],
}  # fmt: skip


def test_column_order_is_the_documented_one() -> None:
    assert {stream: fmt.headers for stream, fmt in FORMATS.items()} == DOCUMENTED_HEADERS


def test_vendor_columns_match_stampli_vendor_export_fields() -> None:
    """Same columns as Stampli's vendor export: each maps to a field of source-stampli-sftp's vendors stream."""
    stampli_fields = [spec.name for spec in VENDORS.stampli_export.fields]
    assert [column.stampli_field for column in VENDORS.columns] == stampli_fields


def test_a_nav_vendor_becomes_a_stampli_vendor_row() -> None:
    cells = VENDORS.to_cells(NAV_VENDOR)
    assert cells["Vendor ID"] == "V10000"
    assert cells["Phone"] == "404-555-0134" and cells["Tax ID"] == "US-22-4931045"
    assert cells["Currency"] == "USD"  # blank in NAV means the local currency
    assert cells["Payment Terms"] == "NET30"
    assert cells["Status"] == "Active"
    assert cells["Modified Date"] == "2026-11-25"


@pytest.mark.parametrize(
    ("blocked", "status"), [(" ", "Active"), ("", "Active"), ("Payment", "Active"), ("All", "Inactive")]
)
def test_vendor_status_follows_nav_blocked(blocked: str, status: str) -> None:
    assert vendor_status(blocked) == status


@pytest.mark.parametrize(
    ("account", "active"),
    [
        ({"accountType": "Posting", "blocked": False, "directPosting": True}, "Yes"),
        ({"accountType": "Posting", "blocked": True, "directPosting": True}, "No"),
        ({"accountType": "Posting", "blocked": False, "directPosting": False}, "No"),  # e.g. a payables control account
        ({"accountType": "Heading", "blocked": False, "directPosting": False}, "No"),
    ],
)
def test_gl_accounts_are_active_only_where_nav_accepts_direct_postings(account: dict, active: str) -> None:
    cells = GL_ACCOUNTS.to_cells({"number": "6100", "displayName": "Office", "category": "Expense", **account})
    assert cells == {"Account Number": "6100", "Account Name": "Office", "Account Type": "Expense", "Active": active}


def test_records_without_a_key_are_named_rejects() -> None:
    with pytest.raises(RowError, match="^missing_number"):
        VENDORS.to_cells({**NAV_VENDOR, "number": " "})
    with pytest.raises(RowError, match="^missing_dimensionCode"):
        FORMATS["dimension_values"].to_cells({"code": "ADM", "displayName": "Administration"})


def test_dimension_value_key_is_dimension_and_value() -> None:
    fmt = FORMATS["dimension_values"]
    a = fmt.to_cells({"dimensionCode": "DEPARTMENT", "code": "ADM", "displayName": "Administration"})
    b = fmt.to_cells({"dimensionCode": "LOCATION", "code": "ADM", "displayName": "Admin building"})
    assert fmt.key(a) != fmt.key(b)
    assert fmt.display_key(a) == "DEPARTMENT/ADM"


def test_csv_is_rfc4180_utf8_without_bom_and_quotes_what_needs_it() -> None:
    rows = [{**VENDORS.to_cells(NAV_VENDOR), "Vendor Name": 'Müller, "Bau" GmbH', "Address Line 2": "2nd\nfloor"}]
    data = render_csv(VENDORS, rows)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.split(b"\r\n", 1)[0] == ",".join(DOCUMENTED_HEADERS["vendors"]).encode()
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert parsed[1][1] == 'Müller, "Bau" GmbH' and parsed[1][3] == "2nd\nfloor"


def test_import_file_names_sort_by_time() -> None:
    moment = datetime(2026, 11, 25, 10, 0, 5, 7000, tzinfo=UTC)
    assert import_file_name("vendors", moment, "a1b2c3") == "vendors_20261125T100005007Z_a1b2c3.csv"
    later = import_file_name("vendors", moment.replace(microsecond=8000), "000000")
    assert later > import_file_name("vendors", moment, "ffffff")


def test_bc_wire_enum_values_reach_stampli_as_plain_captions() -> None:
    """A record carrying BC's enum member names (not decoded upstream) is written with the plain caption."""
    blank = VENDORS.to_cells({**NAV_VENDOR, "blocked": "_x0020_"})
    assert blank["Status"] == "Active"
    assert VENDORS.to_cells({**NAV_VENDOR, "blocked": "All"})["Status"] == "Inactive"
    account = {"number": "1000", "displayName": "Assets", "blocked": False, "directPosting": False}
    heading = GL_ACCOUNTS.to_cells({**account, "category": "_x0020_", "accountType": "Begin_x002D_Total"})
    assert heading["Account Type"] == "" and heading["Active"] == "No"
    posting = GL_ACCOUNTS.to_cells(
        {**account, "category": "Cost_x0020_of_x0020_Goods_x0020_Sold", "accountType": "Posting", "directPosting": True}
    )
    assert posting["Account Type"] == "Cost of Goods Sold" and posting["Active"] == "Yes"
    assert all("_x00" not in value for value in (*blank.values(), *heading.values(), *posting.values()))


def test_records_as_a_cache_delivers_them_give_the_same_rows() -> None:
    """PyAirbyte's DuckDB cache lower-cases names and adds `_airbyte_*` columns (issue 16): same cells."""
    cached = {key.lower(): value for key, value in NAV_VENDOR.items()}
    cached.update({"_airbyte_raw_id": "0192c0de", "_airbyte_extracted_at": "2026-11-25T10:00:00Z", "_airbyte_meta": {}})
    assert VENDORS.rows(cached) == [VENDORS.to_cells(NAV_VENDOR)]
    assert VENDORS.rows(cached)[0]["Vendor Name"] == "Fabrikam, Inc."
    account = {"number": "6100", "displayName": "Office", "category": "Expense", "accountType": "Posting"}
    as_text = {**{k.lower(): v for k, v in account.items()}, "blocked": "false", "directposting": "true"}
    assert GL_ACCOUNTS.rows(as_text) == [GL_ACCOUNTS.to_cells({**account, "blocked": False, "directPosting": True})]


def test_document_lines_given_as_json_text_give_the_same_rows() -> None:
    order = {
        "number": "106001",
        "vendorNumber": "V10000",
        "vendorName": "Fabrikam, Inc.",
        "orderDate": "2026-11-20",
        "status": "Open",
        "currencyCode": "",
        "totalAmountExcludingTax": "250.00",
        "lines": [{"sequence": 10000, "lineType": "Account", "lineObjectNumber": "6100", "quantity": "2"}],
    }
    cached = {**{k.lower(): v for k, v in order.items()}, "lines": '[{"SEQUENCE": 10000, "linetype": "Account", '
              '"lineobjectnumber": "6100", "quantity": "2"}]'}  # fmt: skip
    fmt = PURCHASE_FORMATS["purchase_orders"]
    assert fmt.rows(cached) == fmt.rows(order)
    assert fmt.rows(cached)[0]["GL Account"] == "6100"


@pytest.mark.parametrize(
    ("stream", "record", "missing"),
    [
        ("vendors", {k: v for k, v in NAV_VENDOR.items() if k != "displayName"}, "displayName"),
        ("vendors", {**NAV_VENDOR, "addressLine1": None}, "addressLine1"),
        (
            "gl_accounts",
            {"number": "6100", "displayName": "Office", "category": "Expense", "blocked": False, "directPosting": True},
            "accountType",
        ),  # fmt: skip
        ("dimensions", {"code": "DEPARTMENT"}, "displayName"),
        ("dimension_values", {"dimensionCode": "DEPARTMENT", "code": "ADM"}, "displayName"),
    ],
)
def test_a_record_lacking_a_needed_field_is_a_named_reject_never_a_blank_cell(
    stream: str, record: dict, missing: str
) -> None:
    with pytest.raises(RowError, match=f"^missing_field: {missing}: the {stream} record arrived without this field"):
        FORMATS[stream].rows(record)


def test_an_empty_text_from_nav_is_a_value_not_a_missing_field() -> None:
    assert VENDORS.rows({**NAV_VENDOR, "addressLine2": "", "email": ""})[0]["Email"] == ""
