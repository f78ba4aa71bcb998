"""Per-stream state: files read, record hashes, pruning, compactness, and foreign (cursor-only) states."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from source_stampli_sftp.state import (
    NEWER,
    OLDER,
    STALE_HASH,
    UNCHANGED,
    StreamState,
    column_position,
    mtime_position,
    short_hash,
)
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


LATER = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
M1, M2 = mtime_position(WHEN), mtime_position(LATER)
D1, D2 = column_position("2026-11-20"), column_position("2026-11-21")


def _emit(state: StreamState, key: str, digest: str, column: str, mtime: str) -> str:
    verdict, short = state.judge(key, digest, column, mtime)
    if verdict == NEWER:
        state.remember(key, short, column, mtime)
    return verdict


def test_a_version_is_emitted_once_and_a_replaced_one_never_again() -> None:
    state = StreamState()
    v1, v2 = "ab" * 32, "cd" * 32
    assert _emit(state, "INV-1", v1, D1, M1) == NEWER
    assert _emit(state, "INV-1", v1, D1, M1) == UNCHANGED
    assert _emit(state, "INV-1", v2, D1, M2) == NEWER  # a later file changed it
    # the old file touched (later mtime) or uploaded again: its version was replaced, whatever its position says
    assert _emit(state, "INV-1", v1, D1, mtime_position(datetime(2026, 12, 1, tzinfo=UTC))) == STALE_HASH
    assert state.records["INV-1"].split(".")[3:] == [short_hash(v1)]


def test_the_version_column_decides_before_the_file_time() -> None:
    state = StreamState()
    assert _emit(state, "V1", "01" * 32, D2, M1) == NEWER
    assert _emit(state, "V1", "02" * 32, D1, M2) == OLDER  # later file, earlier modification date: an older version
    assert _emit(state, "V1", "03" * 32, "", M2) == NEWER  # no date to compare: the later file wins
    assert _emit(state, "V1", "04" * 32, "", M1) == OLDER  # an earlier file (e.g. uploaded late with its own mtime)


def test_replaced_versions_are_bounded() -> None:
    state = StreamState()
    for n in range(10):
        _emit(state, "K", f"{n:016x}".ljust(64, "0"), "", mtime_position(datetime(2026, 11, 25, 10, n, tzinfo=UTC)))
    assert len(state.records["K"].split(".")) == 3 + 3


def test_roundtrip_and_pruning() -> None:
    state = StreamState()
    for name in ("a.csv", "b.csv", "c.csv"):
        state.mark_read(_file(name), digest=short_hash(name.encode().hex().ljust(16, "0")))
    _emit(state, "K", "0" * 64, D1, M1)
    state.prune(["/outbound/b.csv"])
    restored = StreamState.from_mapping(json.loads(json.dumps(state.to_mapping())))
    assert list(restored.files) == ["/outbound/b.csv"]
    assert restored.records == {"K": f"{short_hash('0' * 64)}.{D1}.{M1}"}
    assert restored.is_read(_file("b.csv")) and not restored.is_read(_file("a.csv"))
    assert restored.read_before(short_hash(b"a.csv".hex().ljust(16, "0"))) == "/outbound/a.csv"


def test_a_format_1_state_is_upgraded_not_discarded() -> None:
    old = {
        "format": 1,
        "files": {"/outbound/a.csv": "10:1795600800"},
        "records": {"INV-1": "ab" * 8, "INV-2": "not hex"},
        "_ab_source_file_last_modified": "2026-11-25T10:00:00.000000Z",
    }
    state = StreamState.from_mapping(old)
    assert state.is_read(_file("a.csv"))
    assert _emit(state, "INV-1", "ab" * 32, D1, M2) == UNCHANGED  # the same 64 bits, now in base64url
    assert _emit(state, "INV-1", "cd" * 32, "", mtime_position(datetime(2026, 11, 24, tzinfo=UTC))) == OLDER
    assert _emit(state, "INV-2", "cd" * 32, D1, M1) == NEWER  # an unreadable entry counts as new
    assert state.to_mapping()["format"] == 2


def test_100k_invoices_fit_in_5_mb() -> None:
    state = StreamState()
    for n in range(100_000):
        _emit(state, f"STP-{n:07d}", f"{n:016x}".ljust(64, "0"), D1, M1)
    for n in range(0, 100_000, 10):  # one invoice in ten changed since: it also keeps the hash it replaced
        assert _emit(state, f"STP-{n:07d}", f"{n + 7:016x}".ljust(64, "1"), D2, M2) == NEWER
    for n in range(500):
        state.mark_read(_file(f"invoices_2026112{n % 10}_{n:04d}.csv", size=123_456), digest=short_hash(f"{n:016x}"))
    size = len(json.dumps(state.to_mapping(), separators=(",", ":")))
    assert size <= 5_000_000, size
    assert size <= 4_600_000, size  # today's figure (about 4.4 MB) with a little room


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


def test_the_state_is_written_in_pieces_that_make_the_same_json() -> None:
    import orjson

    state = StreamState()
    assert b"".join(state.json_pieces()) == orjson.dumps(state.to_mapping())
    state.mark_read(_file("a.csv"), digest="abcdefghijk")
    for n in range(10_000):
        state.remember(f"INV-{n}", short_hash(f"{n:064x}"), D1, M1)
    state.remember("INV-1", short_hash("f" * 64), D2, M2)  # with an older hash
    pieces = list(state.json_pieces(chunk_keys=999))
    assert b"".join(pieces) == orjson.dumps(state.to_mapping())
    assert max(map(len, pieces)) < 40_000  # never the whole record map at once
    assert state.json_size() == len(orjson.dumps(state.to_mapping()))
