"""Per-stream state: which files were read, and per record key the version last emitted and where it sits in order.

Shape (one Airbyte STREAM state per stream), format 2:
    {"format": 2,
     "files": {"/outbound/invoices_1.csv": "<size>:<mtime seconds>", ...},   # pruned to files still listed
     "contents": {"<sha256 of a file read, 11 base64url chars>": "<its path then>", ...},  # the last 500 files
     "records": {"INV-1001": "<hash>.<column>.<mtime>[.<older hash>...]", ...},
     "_ab_source_file_last_modified": "<newest mtime of a fully read file>",   # the cursor, informational
     }
A record value holds the first 64 bits of the emitted version's content hash (11 base64url chars), its ordering
position — the stream's version column (vendors: modified_date, invoices: approved_date) as a day number and the
export file's mtime, both base 36, empty when unknown — and up to MAX_OLDER_VERSIONS hashes of versions it
replaced. A version is emitted only if it is newer: never one whose hash was already replaced (a touched or
re-uploaded old file), never one that is older by the column, or, when the column cannot tell, by file mtime.
Within one run files are read in (mtime, name) order and rows in file order, the last row of a key winning.
About 40 bytes per key: 100k invoices take about 4 MB (measured in unit_tests/test_state.py).

Format 1 (one hex hash per key, no positions) is upgraded on load: its hashes are kept, its versions are placed at
the old cursor (the newest file it had read), and it has no replaced hashes yet.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import orjson

from stampli_files.declarations import CURSOR_FIELD
from stampli_files.listing import RemoteFile
from stampli_files.records import format_timestamp

STATE_FORMAT = 2
MAX_OLDER_VERSIONS = 3  # replaced hashes kept per key: enough for a few re-reads of old exports, bounded
MAX_REMEMBERED_CONTENTS = 500  # file digests kept to recognise an old file touched or uploaded under a new name

UNCHANGED, STALE_HASH, OLDER, NEWER = "unchanged", "replaced_version", "older_version", "newer"
# Stands for the record map while the rest of a state is serialised: no file path can hold a NUL character.
_RECORDS_SLOT = "\x00records\x00"
_RECORDS_SLOT_JSON = orjson.dumps(_RECORDS_SLOT)


def short_hash(record_hash: str) -> str:
    """First 64 bits of a hex SHA-256, as 11 base64url characters (16 hex digits in state format 1)."""
    return base64.urlsafe_b64encode(bytes.fromhex(record_hash[:16]))[:11].decode()


@lru_cache(maxsize=4096)  # exports repeat the same few dates
def column_position(value: Any) -> str:
    """An ISO date as its day number in base 36 (4 characters up to the year 4600); "" when absent or not a date."""
    if not isinstance(value, str) or len(value) < 10:
        return ""
    try:
        return _base36(date.fromisoformat(value[:10]).toordinal())
    except ValueError:
        return ""


def mtime_position(mtime: datetime) -> str:
    return _base36(int(mtime.timestamp()))


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _newer_or_equal(candidate: str, stored: str) -> bool:
    """Base-36 numbers compared by value ("" counts as unknown, handled by the caller)."""
    return (len(candidate), candidate) >= (len(stored), stored)


class StreamState:
    def __init__(
        self,
        files: dict[str, str] | None = None,
        records: dict[str, str] | None = None,
        cursor: str | None = None,
        watermark: datetime | None = None,
        contents: dict[str, str] | None = None,
    ) -> None:
        self.files = files if files is not None else {}
        # Per key, the record value of the shape above as ASCII bytes: 16 bytes less per key than a str (a state is
        # mostly this map; issue 14 wants it flat), decoded only when written out or judged.
        self._records: dict[str, bytes] = {k: v.encode() for k, v in (records or {}).items()}
        self.cursor = cursor
        self.contents = contents if contents is not None else {}
        # Only for a state this connector did not write (a bare cursor): files up to it count as read.
        self.watermark = watermark

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> StreamState:
        if not mapping:
            return cls()
        files = mapping.get("files")
        records = mapping.get("records")
        contents = mapping.get("contents")
        cursor = mapping.get(CURSOR_FIELD)
        watermark = None
        if not isinstance(files, dict) and isinstance(cursor, str):
            watermark = _parse_cursor(cursor)
        records = {str(k): str(v) for k, v in records.items()} if isinstance(records, dict) else {}
        if mapping.get("format", 1) == 1 and records:
            records = _upgrade_format_1(records, cursor if isinstance(cursor, str) else None)
        return cls(
            files={str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
            records=records,
            cursor=cursor if isinstance(cursor, str) else None,
            watermark=watermark,
            contents={str(k): str(v) for k, v in contents.items()} if isinstance(contents, dict) else {},
        )

    @property
    def records(self) -> dict[str, str]:
        """The record map as text (a copy: for to_mapping and tests; the read path uses judge and remember)."""
        return dict(zip(self._records, map(bytes.decode, self._records.values()), strict=True))

    @property
    def key_count(self) -> int:
        return len(self._records)

    def to_mapping(self) -> dict[str, Any]:
        mapping: dict[str, Any] = {
            "format": STATE_FORMAT,
            "files": self.files,
            "contents": self.contents,
            "records": self.records,
        }
        if self.cursor is not None:
            mapping[CURSOR_FIELD] = self.cursor
        return mapping

    def json_pieces(self, chunk_keys: int = 4096) -> Iterator[bytes]:
        """The bytes of orjson.dumps(self.to_mapping()), in pieces: the record map is serialised a chunk of keys at a
        time, so that writing a state costs no second copy of it in memory (it is most of the state)."""
        mapping = {"format": STATE_FORMAT, "files": self.files, "contents": self.contents, "records": _RECORDS_SLOT}
        if self.cursor is not None:
            mapping[CURSOR_FIELD] = self.cursor
        head, _, tail = orjson.dumps(mapping).partition(_RECORDS_SLOT_JSON)
        yield head
        yield b"{"
        keys, values = iter(self._records), iter(self._records.values())
        first = True
        # zip stops at the end of the keys' slice without drawing a value: both iterators stay aligned
        while chunk := dict(zip(itertools.islice(keys, chunk_keys), map(bytes.decode, values), strict=False)):
            yield orjson.dumps(chunk)[1:-1] if first else b"," + orjson.dumps(chunk)[1:-1]
            first = False
        yield b"}"
        yield tail

    def json_size(self) -> int:
        return sum(map(len, self.json_pieces()))

    # -- files ----------------------------------------------------------------------------------------------------

    def is_read(self, remote: RemoteFile) -> bool:
        if self.files.get(remote.path) == remote.version:
            return True
        return self.watermark is not None and remote.path not in self.files and remote.mtime <= self.watermark

    def read_before(self, digest: str) -> str | None:
        """The path under which a file with these exact bytes was read completely before, if any."""
        return self.contents.get(digest)

    def mark_read(self, remote: RemoteFile, digest: str | None = None) -> None:
        self.files[remote.path] = remote.version
        if digest is not None:
            self.contents.pop(digest, None)
            self.contents[digest] = remote.path  # newest last
            while len(self.contents) > MAX_REMEMBERED_CONTENTS:
                del self.contents[next(iter(self.contents))]
        stamp = format_timestamp(remote.mtime)
        if self.cursor is None or stamp > self.cursor:
            self.cursor = stamp

    def prune(self, listed_paths: Iterable[str]) -> None:
        """Forget files no longer listed (moved or deleted): the file map stays as small as the folder."""
        listed = set(listed_paths)
        for path in [p for p in self.files if p not in listed]:
            del self.files[path]

    # -- records --------------------------------------------------------------------------------------------------

    def judge(self, key: str, record_hash: str, column: str, mtime: str) -> tuple[str, str]:
        """(verdict, short hash): UNCHANGED, STALE_HASH (a version this key already replaced), OLDER (than the
        emitted version, by column or else by file mtime) or NEWER (to be emitted, then `remember`ed)."""
        digest = short_hash(record_hash)
        stored_bytes = self._records.get(key)
        if stored_bytes is None:
            return NEWER, digest
        stored = stored_bytes.decode()
        if stored.startswith(digest) and stored[len(digest) : len(digest) + 1] in ("", "."):
            return UNCHANGED, digest
        parts = stored.split(".")
        if digest in parts[3:]:
            return STALE_HASH, digest
        stored_column = parts[1] if len(parts) > 1 else ""
        stored_mtime = parts[2] if len(parts) > 2 else ""
        if column and stored_column and column != stored_column:
            return (NEWER if _newer_or_equal(column, stored_column) else OLDER), digest
        if stored_mtime and not _newer_or_equal(mtime, stored_mtime):
            return OLDER, digest
        return NEWER, digest  # equal positions: a later row or file of the same moment, or a changed same-second file

    def remember(self, key: str, digest: str, column: str, mtime: str) -> None:
        stored = self._records.get(key)
        if stored is None:
            self._records[key] = f"{digest}.{column}.{mtime}".encode()
            return
        parts = stored.decode().split(".")
        older = [parts[0], *(h for h in parts[3:] if h != digest)][:MAX_OLDER_VERSIONS]
        self._records[key] = ".".join((digest, column, mtime, *older)).encode()


def _upgrade_format_1(records: dict[str, str], cursor: str | None) -> dict[str, str]:
    """hex16 per key -> "<hash>..<cursor mtime>": hashes kept; the emitted versions came from files up to the cursor."""
    moment = _parse_cursor(cursor) if cursor else None
    mtime = mtime_position(moment) if moment is not None else ""
    upgraded: dict[str, str] = {}
    for key, value in records.items():
        try:
            upgraded[key] = f"{short_hash(value)}..{mtime}"
        except ValueError:  # not hex: a state edited by hand; the key will count as new
            continue
    return upgraded


def _parse_cursor(text: str) -> datetime | None:
    # accepts our format and the file-based CDK's "<timestamp>_<uri>"
    stamp = text.split("_/", 1)[0].split("Z_", 1)[0].rstrip("Z")
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
