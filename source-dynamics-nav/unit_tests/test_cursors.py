"""Incremental cursors: nothing missed (same-timestamp rows, late commits, interrupted reads), nothing repeated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from source_dynamics_nav.cursors import (
    LOOKBACK,
    EntryNumberCursor,
    InvalidStateError,
    ModifiedCursor,
    parse_timestamp,
)

T0 = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)


def read(cursor: ModifiedCursor, rows: list[tuple[str, datetime]]) -> list[str]:
    """Run one read over `rows` (as BC would return them for the cursor's filter) and return the emitted ids."""
    cursor.start_read()
    emitted = [row_id for row_id, stamp in rows if cursor.accept(row_id, stamp)]
    cursor.finish()
    return emitted


def test_first_read_has_no_filter_and_the_next_starts_a_lookback_before_the_newest_row() -> None:
    cursor = ModifiedCursor()
    assert cursor.start_read() is None
    cursor.accept("a", T0)
    cursor.accept("b", T0 + timedelta(seconds=30))
    cursor.finish()
    again = ModifiedCursor.from_state(cursor.state())
    start = T0 + timedelta(seconds=30) - LOOKBACK
    assert again.start_read() == f"lastModifiedDateTime ge {start.isoformat().replace('+00:00', 'Z')}"


def test_rows_sharing_the_cursor_timestamp_are_not_emitted_twice_nor_missed() -> None:
    first = ModifiedCursor()
    assert read(first, [("a", T0), ("b", T0)]) == ["a", "b"]
    # Next sync: BC returns a and b again (ge) plus c, committed later with the very same timestamp.
    second = ModifiedCursor.from_state(first.state())
    assert read(second, [("a", T0), ("b", T0), ("c", T0)]) == ["c"]


def test_a_late_commit_stamped_before_the_cursor_is_still_picked_up() -> None:
    first = ModifiedCursor()
    read(first, [("a", T0), ("b", T0 + timedelta(minutes=2))])
    # "late" was modified at T0 + 1 min but committed only after the first read.
    second = ModifiedCursor.from_state(first.state())
    late = ("late", T0 + timedelta(minutes=1))
    assert read(second, [("a", T0), late, ("b", T0 + timedelta(minutes=2))]) == ["late"]


def test_a_row_modified_again_is_emitted_again() -> None:
    first = ModifiedCursor()
    read(first, [("a", T0)])
    second = ModifiedCursor.from_state(first.state())
    assert read(second, [("a", T0 + timedelta(hours=1))]) == ["a"]


def test_state_keeps_only_the_rows_inside_the_lookback_window() -> None:
    cursor = ModifiedCursor()
    read(cursor, [("old", T0), ("recent", T0 + timedelta(hours=1)), ("newest", T0 + timedelta(hours=1, minutes=1))])
    state = cursor.state()
    assert set(state["emitted_in_lookback"]) == {"recent", "newest"}
    assert parse_timestamp(state["lastModifiedDateTime"]) == T0 + timedelta(hours=1, minutes=1)


def test_mid_read_state_is_a_safe_checkpoint_when_rows_arrive_in_order() -> None:
    cursor = ModifiedCursor()
    cursor.start_read()
    cursor.accept("a", T0)
    cursor.accept("b", T0 + timedelta(seconds=1))
    checkpoint = cursor.state()  # the sync crashes here
    resumed = ModifiedCursor.from_state(checkpoint)
    assert read(resumed, [("a", T0), ("b", T0 + timedelta(seconds=1)), ("c", T0 + timedelta(seconds=2))]) == ["c"]


def test_out_of_order_rows_keep_mid_read_checkpoints_at_the_start_state() -> None:
    cursor = ModifiedCursor.from_state({"lastModifiedDateTime": "2026-11-25T09:00:00Z"})
    cursor.start_read()
    cursor.accept("b", T0 + timedelta(minutes=10))
    cursor.accept("a", T0)  # an older row after a newer one: the server ignored $orderby
    assert cursor.state()["lastModifiedDateTime"] == "2026-11-25T09:00:00Z"
    cursor.finish()
    assert parse_timestamp(cursor.state()["lastModifiedDateTime"]) == T0 + timedelta(minutes=10)


def test_rows_older_than_the_requested_window_are_not_emitted_again() -> None:
    cursor = ModifiedCursor.from_state({"lastModifiedDateTime": "2026-11-25T10:00:00Z"})
    assert read(cursor, [("ancient", T0 - timedelta(days=1)), ("new", T0 + timedelta(seconds=1))]) == ["new"]


def test_timestamps_of_any_precision_compare_equal() -> None:
    first = ModifiedCursor()
    read(first, [("a", parse_timestamp("2026-11-25T10:00:00.1234567Z"))])
    second = ModifiedCursor.from_state(first.state())
    assert read(second, [("a", parse_timestamp("2026-11-25T10:00:00.123456Z"))]) == []


@pytest.mark.parametrize(
    "state",
    [
        {"lastModifiedDateTime": "yesterday"},
        {"lastModifiedDateTime": "2026-11-25T10:00:00"},  # no time zone
        {"lastModifiedDateTime": "2026-11-25T10:00:00Z", "emitted_in_lookback": ["a"]},
    ],
)
def test_unreadable_state_is_a_named_error(state: dict) -> None:
    with pytest.raises(InvalidStateError):
        ModifiedCursor.from_state(state)


def test_entry_number_cursor_reads_after_the_last_entry() -> None:
    cursor = EntryNumberCursor()
    assert cursor.start_read() is None
    assert [n for n in (1, 2, 3) if cursor.accept(n)] == [1, 2, 3]
    cursor.finish()
    again = EntryNumberCursor.from_state(cursor.state())
    assert again.start_read() == "entryNumber gt 3"
    assert [n for n in (3, 4) if again.accept(n)] == [4]
    assert EntryNumberCursor.from_state({"entryNumber": "7"}).last == 7
    with pytest.raises(InvalidStateError):
        EntryNumberCursor.from_state({"entryNumber": "seven"})
