"""Record fields read the way an Airbyte destination must tolerate them (PyAirbyte's cache, other clients)."""

from __future__ import annotations

from decimal import Decimal

from stampli_nav_events.record_fields import RecordFields, canonical_fields, decode_json_text, missing_fields

CACHED_VENDOR = {
    # As PyAirbyte's DuckDB cache hands a source-dynamics-nav vendor back: lower-cased names plus its own columns.
    "number": "V10000",
    "displayname": "Fabrikam, Inc.",
    "addressline1": "51 Radcliff Street",
    "_airbyte_raw_id": "0192c0de-0000-7000-8000-000000000001",
    "_airbyte_extracted_at": "2026-11-25T10:00:00+00:00",
    "_airbyte_meta": '{"changes": []}',
    "_airbyte_generation_id": 0,
}


def test_fields_are_found_whatever_their_case_and_metadata_is_hidden() -> None:
    view = RecordFields(CACHED_VENDOR)
    assert view["displayName"] == "Fabrikam, Inc."
    assert view.get("addressLine1") == "51 Radcliff Street"
    assert "DISPLAYNAME" in view and "phoneNumber" not in view
    assert sorted(view) == ["addressline1", "displayname", "number"]
    assert view.get("_airbyte_raw_id") is None and len(view) == 3


def test_an_exact_match_wins_over_another_spelling() -> None:
    view = RecordFields({"displayname": "lower", "displayName": "exact"})
    assert view["displayName"] == "exact"
    assert view["displayname"] == "lower"


def test_structured_fields_given_as_json_text_are_decoded_with_exact_decimals() -> None:
    view = RecordFields(
        {"LINES": '[{"Amount": 1234.10, "gl_account": "6100"}]', "note": "[draft]"}, structured=("lines",)
    )
    (line,) = view["lines"]
    assert line["amount"] == Decimal("1234.10") and line["GL_ACCOUNT"] == "6100"
    assert view["note"] == "[draft]", "text that only looks like JSON stays text when the field is not structured"


def test_decode_json_text_leaves_non_json_alone() -> None:
    assert decode_json_text("[not json") == "[not json"
    assert decode_json_text("plain") == "plain"
    assert decode_json_text(["already"]) == ["already"]
    assert decode_json_text('{"a": 1}') == {"a": 1}


def test_canonical_fields_renames_to_the_given_names_and_keeps_the_rest() -> None:
    data = {
        "INVOICE_ID": "1001",
        "lines": '[{"line_number": 1}]',
        "custom_field": "x",
        "_airbyte_extracted_at": "2026-11-25T10:00:00Z",
    }
    result = canonical_fields(data, ("invoice_id", "lines"), structured=("lines",))
    assert result == {"invoice_id": "1001", "lines": [{"line_number": 1}], "custom_field": "x"}
    assert canonical_fields("not a mapping", ("x",)) == "not a mapping"


def test_missing_fields_are_absent_or_null_but_an_empty_string_is_a_value() -> None:
    record = {"displayname": "Fabrikam", "addressLine2": "", "city": None}
    assert missing_fields(record, ("displayName", "addressLine2", "city", "country")) == ["city", "country"]
