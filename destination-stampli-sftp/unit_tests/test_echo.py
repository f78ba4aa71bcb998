"""Echo suppression decisions: content, not timestamps; what Stampli has; what was already sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from destination_stampli_sftp.echo import SentRow, StampliRow, decide, row_hash
from destination_stampli_sftp.import_formats import GL_ACCOUNTS, VENDORS

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def nav_vendor(**changes: str) -> dict[str, str]:
    cells = {header: "" for header in VENDORS.headers}
    cells.update(
        {
            "Vendor ID": "V100",
            "Vendor Name": "Acme Supplies",
            "City": "Springfield",
            "Country": "US",
            "Currency": "USD",
            "Status": "Active",
            "Modified Date": "2026-11-25",
        }  # fmt: skip
    )
    cells.update(changes)
    return cells


def stampli(cells: dict[str, str], exported_at: datetime = T0) -> StampliRow:
    return StampliRow(cells=cells, source_file="/outbound/vendors_export.csv", exported_at=exported_at)


def test_same_content_differently_spelled_is_not_sent() -> None:
    ours = stampli(
        nav_vendor(
            **{
                "Vendor ID": "v100",
                "Vendor Name": " Acme  Supplies",
                "City": "SPRINGFIELD",
                "Country": "us",
                "Status": "active",
                "Modified Date": "2026-11-20",
            }
        )  # fmt: skip
    )
    decision = decide(VENDORS, nav_vendor(), ours, None)
    assert not decision.send and decision.reason == "stampli_has_it"
    assert decision.cells["Vendor ID"] == "v100"  # Stampli's spelling of its own key


def test_a_real_change_in_nav_is_sent() -> None:
    decision = decide(VENDORS, nav_vendor(City="Shelbyville"), stampli(nav_vendor()), None)
    assert decision.send and decision.reason == "changed_in_nav"
    assert decision.cells["City"] == "Shelbyville"


def test_a_vendor_stampli_does_not_know_is_sent() -> None:
    decision = decide(VENDORS, nav_vendor(), None, None)
    assert decision.send and decision.reason == "new_to_stampli"


def test_cells_nav_leaves_empty_are_filled_from_stampli_not_cleared() -> None:
    """Payment terms NAV could not take over (unknown code) must not be erased in Stampli by the echo."""
    stampli_row = stampli(nav_vendor(**{"Payment Terms": "NET45", "Tax ID": "12-345"}))
    decision = decide(VENDORS, nav_vendor(), stampli_row, None)
    assert not decision.send
    changed = decide(VENDORS, nav_vendor(City="Capital City"), stampli_row, None)
    assert changed.send and changed.cells["Payment Terms"] == "NET45" and changed.cells["Tax ID"] == "12-345"


def test_text_nav_truncated_to_its_field_length_is_not_a_change() -> None:
    long_name = "A" * 95 + " Holdings International"
    decision = decide(
        VENDORS, nav_vendor(**{"Vendor Name": long_name[:100]}), stampli(nav_vendor(**{"Vendor Name": long_name})), None
    )
    assert not decision.send
    shorter = decide(
        VENDORS, nav_vendor(**{"Vendor Name": long_name[:60]}), stampli(nav_vendor(**{"Vendor Name": long_name})), None
    )
    assert shorter.send  # not the cut NAV makes: a real rename


def test_status_compares_by_meaning() -> None:
    assert not decide(VENDORS, nav_vendor(Status="Inactive"), stampli(nav_vendor(Status="Blocked")), None).send
    assert decide(VENDORS, nav_vendor(Status="Inactive"), stampli(nav_vendor(Status="Active")), None).send


def test_a_row_already_sent_is_not_sent_again_until_stampli_exports_after_it() -> None:
    row = nav_vendor(City="Shelbyville")
    sent = SentRow(hash=decide(VENDORS, row, None, None).hash, sent_at=T0, file="/inbound/vendors_1.csv")
    old_export = stampli(nav_vendor(), exported_at=T0 - timedelta(minutes=5))
    decision = decide(VENDORS, row, old_export, sent)
    assert not decision.send and decision.reason == "already_sent"
    # Stampli exported after the import and still shows the old city: someone changed it back in Stampli, or the
    # import failed. NAV's value is sent again; the forward connection would bring Stampli's change to NAV otherwise.
    newer_export = stampli(nav_vendor(), exported_at=T0 + timedelta(minutes=5))
    assert decide(VENDORS, row, newer_export, sent).send


def test_a_different_content_than_the_one_sent_is_sent() -> None:
    sent = SentRow(hash=row_hash(VENDORS, nav_vendor(City="A")), sent_at=T0, file="/inbound/vendors_1.csv")
    assert decide(VENDORS, nav_vendor(City="B"), None, sent).send


def test_gl_active_compares_yes_no_values() -> None:
    nav = {"Account Number": "6100", "Account Name": "Office", "Account Type": "Expense", "Active": "Yes"}
    for stampli_active in ("true", "Yes", "1", "active"):
        assert not decide(GL_ACCOUNTS, nav, stampli({**nav, "Active": stampli_active}), None).send
    assert decide(GL_ACCOUNTS, nav, stampli({**nav, "Active": "false"}), None).send


def test_modified_date_alone_never_sends_a_row() -> None:
    assert not decide(VENDORS, nav_vendor(**{"Modified Date": "2027-01-01"}), stampli(nav_vendor()), None).send
    assert row_hash(VENDORS, nav_vendor(**{"Modified Date": "2027-01-01"})) == row_hash(VENDORS, nav_vendor())
