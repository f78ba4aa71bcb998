"""Incremental cursors: which `$filter` a read starts from, which rows it skips, and the state it leaves.

`ModifiedCursor` (entities with `lastModifiedDateTime`). BC stamps SystemModifiedAt when a row is modified, but
the row becomes visible only when its transaction commits, possibly after rows stamped later. A plain
`gt <max seen>` would miss it. So each read starts `LOOKBACK` before the newest timestamp seen
(`lastModifiedDateTime ge cursor - LOOKBACK`, ordered by lastModifiedDateTime) and skips every row it already
emitted with that very timestamp: the state remembers (id, lastModifiedDateTime) for the rows inside the
look-back window. Rows sharing one timestamp, a read interrupted between them, and late commits are all covered,
and nothing is emitted twice for the same version of a row.

`EntryNumberCursor` (G/L entries): entries are immutable and numbered in commit order (posting locks the G/L
Entry table until it commits), so `entryNumber gt <last>` is exact.

`RecordHashCursor` (classic NAV page web services, issue 13): the Vendor Card, Chart of Accounts and Dimension
pages have no modification timestamp (NAV 2018's `Last Date Modified` is a date, and only on some tables), so
master data is read in full every sync and a record is emitted only when its content hash differs from the one
kept in state. Records deleted in NAV drop out of the state at the end of a complete read; nothing is emitted
for them (the API v2.0 mode cannot see deletions either).

State shapes (per stream, opaque to Airbyte):
    {"lastModifiedDateTime": "2026-11-25T10:00:00.123Z", "emitted_in_lookback": {"<id>": "<lastModifiedDateTime>"}}
    {"entryNumber": 1234}
    {"record_hashes": {"<id>": "<11 characters of base64url SHA-256>"}}
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from bc_client.odata import compare, modified_since

LOOKBACK = timedelta(minutes=5)
MODIFIED_FIELD = "lastModifiedDateTime"
ENTRY_NUMBER_FIELD = "entryNumber"
_DATETIME = TypeAdapter(datetime)


class InvalidStateError(ValueError):
    """The incoming state cannot be read (hand-edited or from another connector)."""


def parse_timestamp(value: Any) -> datetime | None:
    """BC's Edm.DateTimeOffset text (any precision, Z or offset) as an aware UTC datetime; None for null/blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed = _DATETIME.validate_python(value)
    except ValueError as exc:
        raise ValueError(f"not a timestamp: {str(value)[:40]!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without time zone: {value!r}")
    return parsed.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """UTC, microseconds only when needed, `Z`: the canonical form kept in state."""
    text = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return text


@dataclass
class ModifiedCursor:
    """Cursor on lastModifiedDateTime with a look-back window and de-duplication inside it.

    Reads ask BC for rows ordered by lastModifiedDateTime, so the state after any row is a safe checkpoint. If a
    server ignores the order (a row older than one already seen arrives), mid-read checkpoints fall back to the
    state the read started from until the read completes (`finish()`): a crash then re-reads, never skips.
    """

    cursor: datetime | None = None
    emitted: dict[str, datetime] = field(default_factory=dict)  # id -> the version last emitted
    lookback: timedelta = LOOKBACK
    read_from: datetime | None = None  # lower bound of the current read (cursor - lookback at its start)
    _start_state: dict[str, Any] = field(default_factory=dict, repr=False)
    _ordered: bool = True
    _finished: bool = True

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None, lookback: timedelta = LOOKBACK) -> ModifiedCursor:
        if not state:
            return cls(lookback=lookback)
        try:
            cursor = parse_timestamp(state.get(MODIFIED_FIELD))
            raw = state.get("emitted_in_lookback") or {}
            if not isinstance(raw, Mapping):
                raise ValueError("emitted_in_lookback must be an object")
            emitted: dict[str, datetime] = {}
            for key, value in raw.items():
                stamp = parse_timestamp(value)
                if stamp is not None:
                    emitted[str(key)] = stamp
        except ValueError as exc:
            raise InvalidStateError(f"cannot read the stream state ({exc})") from None
        return cls(cursor=cursor, emitted=emitted, lookback=lookback)

    def start_read(self) -> str | None:
        """Begin a read; returns its `$filter`: everything at or after the start of the look-back window."""
        self._start_state = self.state()
        self._ordered = True
        self._finished = False
        if self.cursor is None:
            self.read_from = None
            return None
        self.read_from = self.cursor - self.lookback
        return modified_since(self.read_from, field=MODIFIED_FIELD, inclusive=True)

    @property
    def orderby(self) -> str:
        return MODIFIED_FIELD

    def accept(self, row_id: str, modified: datetime | None) -> bool:
        """True when this version of the row is new (and records it); False when it was already emitted."""
        if modified is None:
            # No timestamp (not expected from BC): emit it; it cannot move the cursor.
            return True
        if self.emitted.get(row_id) == modified:
            return False
        if self.read_from is not None and modified < self.read_from:
            # Outside the window this read asked for (a server ignoring the filter): emitted by an earlier read.
            return False
        self.emitted[row_id] = modified
        if self.cursor is None or modified > self.cursor:
            self.cursor = modified
        elif modified < self.cursor:
            self._ordered = False
        return True

    def finish(self) -> None:
        """The read went through to the end: the state may now move past rows seen out of order."""
        self._finished = True

    def state(self) -> dict[str, Any]:
        if not self._finished and not self._ordered:
            return dict(self._start_state)
        if self.cursor is None:
            return {}
        horizon = self.cursor - self.lookback
        return {
            MODIFIED_FIELD: format_timestamp(self.cursor),
            "emitted_in_lookback": {
                row_id: format_timestamp(stamp) for row_id, stamp in sorted(self.emitted.items()) if stamp >= horizon
            },
        }


@dataclass
class EntryNumberCursor:
    """Cursor on the G/L entry number: immutable entries, numbered in commit order.

    `filter_field` is the server's name of the entry number (`entryNumber` in API v2.0, `Entry_No` on NAV's
    General Ledger Entries page); the state always says `entryNumber`."""

    last: int | None = None
    filter_field: str = ENTRY_NUMBER_FIELD
    _read_after: int | None = None
    _ordered: bool = True
    _finished: bool = True

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None, filter_field: str = ENTRY_NUMBER_FIELD) -> EntryNumberCursor:
        if not state or state.get(ENTRY_NUMBER_FIELD) is None:
            return cls(filter_field=filter_field)
        value = state.get(ENTRY_NUMBER_FIELD)
        if isinstance(value, bool):
            raise InvalidStateError("cannot read the stream state: entryNumber is not a number")
        try:
            return cls(last=int(str(value)), filter_field=filter_field)
        except ValueError:
            raise InvalidStateError(f"cannot read the stream state: entryNumber {value!r} is not a number") from None

    def start_read(self) -> str | None:
        self._read_after = self.last
        self._ordered = True
        self._finished = False
        return None if self.last is None else compare(self.filter_field, "gt", self.last)

    @property
    def orderby(self) -> str:
        return self.filter_field

    def accept(self, entry_number: int | None) -> bool:
        if entry_number is None:
            return True
        if self._read_after is not None and entry_number <= self._read_after:
            return False  # a server ignoring the filter: emitted by an earlier read
        if self.last is None or entry_number > self.last:
            self.last = entry_number
        else:
            self._ordered = False
        return True

    def finish(self) -> None:
        self._finished = True

    def state(self) -> dict[str, Any]:
        last = self.last if self._finished or self._ordered else self._read_after
        return {} if last is None else {ENTRY_NUMBER_FIELD: last}


RECORD_HASHES_FIELD = "record_hashes"


def record_hash(record: Mapping[str, Any]) -> str:
    """A short, stable digest of a record's content (keys sorted, values as their JSON text)."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest[:8]).decode("ascii").rstrip("=")


@dataclass
class RecordHashCursor:
    """Change detection without timestamps: emit a record when its content hash is new for its id."""

    hashes: dict[str, str] = field(default_factory=dict)  # id -> hash last emitted
    _seen: dict[str, str] = field(default_factory=dict)  # ids read by the current read
    _finished: bool = True

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> RecordHashCursor:
        if not state:
            return cls()
        raw = state.get(RECORD_HASHES_FIELD)
        if raw is None:
            return cls()  # e.g. the state of an API v2.0 sync: everything is emitted once more
        if not isinstance(raw, Mapping) or not all(isinstance(value, str) for value in raw.values()):
            raise InvalidStateError("cannot read the stream state: record_hashes must map ids to hash strings")
        return cls(hashes={str(key): value for key, value in raw.items()})

    def start_read(self) -> None:
        self._seen = {}
        self._finished = False

    def accept(self, row_id: str, record: Mapping[str, Any]) -> bool:
        """True when this content of the record was not emitted before (and records it)."""
        digest = record_hash(record)
        self._seen[row_id] = digest
        if self.hashes.get(row_id) == digest:
            return False
        self.hashes[row_id] = digest
        return True

    def finish(self) -> None:
        """A complete read: ids NAV no longer has leave the state."""
        self.hashes = {row_id: self.hashes[row_id] for row_id in sorted(self._seen) if row_id in self.hashes}
        self._finished = True

    def state(self) -> dict[str, Any]:
        return {RECORD_HASHES_FIELD: dict(sorted(self.hashes.items()))} if self.hashes else {}
