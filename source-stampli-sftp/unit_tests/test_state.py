"""Per-stream state: files read, record hashes, pruning, compactness, and foreign (cursor-only) states."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from source_stampli_sftp.state import StreamState
from stampli_files.listing import RemoteFile

WHEN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _file(name: str, size: int = 10, when: datetime = WHEN) -> RemoteFile:
    return RemoteFile(f"/outbound/{name}", name, size, when)


def test_a_file_is_read_once_per_version() -> None:
    state = StreamState()
    a = _file("a.csv")
    assert not state.is_read(a)
    state.mark_read(a)
    assert state.is_read(a)
    assert not state.is_read(_file("a.csv", size=11))  # rewritten: read again
    assert not state.is_read(_file("a.csv", when=datetime(2026, 11, 25, 10, 5, tzinfo=UTC)))
    assert state.cursor == "2026-11-25T10:00:00.000000Z"


def test_records_are_new_or_changed_by_hash() -> None:
    state = StreamState()
    digest = "ab" * 32
    assert state.is_new_or_changed("INV-1", digest)
    state.remember("INV-1", digest)
    assert not state.is_new_or_changed("INV-1", digest)
    assert state.is_new_or_changed("INV-1", "cd" * 32)


def test_roundtrip_and_pruning() -> None:
    state = StreamState()
    for name in ("a.csv", "b.csv", "c.csv"):
        state.mark_read(_file(name))
    state.remember("K", "0" * 64)
    state.prune(["/outbound/b.csv"])
    restored = StreamState.from_mapping(json.loads(json.dumps(state.to_mapping())))
    assert list(restored.files) == ["/outbound/b.csv"]
    assert restored.records == {"K": "0" * 16}
    assert restored.is_read(_file("b.csv")) and not restored.is_read(_file("a.csv"))


def test_100k_invoices_fit_in_5_mb() -> None:
    state = StreamState()
    for n in range(100_000):
        state.remember(f"STP-{n:07d}", f"{n:064x}")
    for n in range(500):
        state.mark_read(_file(f"invoices_2026112{n % 10}_{n:04d}.csv", size=123_456))
    size = len(json.dumps(state.to_mapping(), separators=(",", ":")))
    assert size <= 5_000_000, size


def test_cursor_only_state_is_a_watermark() -> None:
    state = StreamState.from_mapping({"_ab_source_file_last_modified": "2026-11-25T10:00:00.000000Z"})
    assert state.is_read(_file("old.csv", when=WHEN))
    assert not state.is_read(_file("new.csv", when=datetime(2026, 11, 25, 10, 0, 1, tzinfo=UTC)))
    file_based_cdk = StreamState.from_mapping(
        {"_ab_source_file_last_modified": "2026-11-25T10:00:00.000000Z_/outbound/x.csv"}
    )
    assert file_based_cdk.watermark == WHEN


def test_own_state_is_never_a_watermark() -> None:
    state = StreamState()
    state.mark_read(_file("a.csv"))
    restored = StreamState.from_mapping(state.to_mapping())
    assert restored.watermark is None
    assert not restored.is_read(_file("late.csv", when=datetime(2026, 1, 1, tzinfo=UTC)))  # late arrivals are read


def test_garbage_state_starts_fresh() -> None:
    for garbage in (None, {}, {"files": "x", "records": 3}, {"_ab_source_file_last_modified": "yesterday"}):
        state = StreamState.from_mapping(garbage)
        assert state.files == {} and state.records == {} and state.watermark is None
