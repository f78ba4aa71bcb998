"""Per-stream state: which files were fully read, and a short content hash per record key already emitted.

Shape (one Airbyte STREAM state per stream):
    {"files": {"/outbound/invoices_1.csv": "<size>:<mtime seconds>", ...},   # pruned to files still listed
     "records": {"INV-1001": "<first 16 hex of the record hash>", ...},
     "_ab_source_file_last_modified": "<newest mtime of a fully read file>",   # the cursor, informational
     "format": 1}
100k keys take about 3.3 MB. The mapping handed to the CDK shares the live dicts (no copy per record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from stampli_files.declarations import CURSOR_FIELD
from stampli_files.listing import RemoteFile
from stampli_files.records import format_timestamp

STATE_FORMAT = 1
HASH_PREFIX_LENGTH = 16  # 64 bits: a changed record going unnoticed is a 1-in-2^64 event per change


class StreamState:
    def __init__(
        self,
        files: dict[str, str] | None = None,
        records: dict[str, str] | None = None,
        cursor: str | None = None,
        watermark: datetime | None = None,
    ) -> None:
        self.files = files if files is not None else {}
        self.records = records if records is not None else {}
        self.cursor = cursor
        # Only for a state this connector did not write (a bare cursor): files up to it count as read.
        self.watermark = watermark

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> StreamState:
        if not mapping:
            return cls()
        files = mapping.get("files")
        records = mapping.get("records")
        cursor = mapping.get(CURSOR_FIELD)
        watermark = None
        if not isinstance(files, dict) and isinstance(cursor, str):
            watermark = _parse_cursor(cursor)
        return cls(
            files={str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
            records={str(k): str(v) for k, v in records.items()} if isinstance(records, dict) else {},
            cursor=cursor if isinstance(cursor, str) else None,
            watermark=watermark,
        )

    def to_mapping(self) -> dict[str, Any]:
        mapping: dict[str, Any] = {"format": STATE_FORMAT, "files": self.files, "records": self.records}
        if self.cursor is not None:
            mapping[CURSOR_FIELD] = self.cursor
        return mapping

    # -- files ----------------------------------------------------------------------------------------------------

    def is_read(self, remote: RemoteFile) -> bool:
        if self.files.get(remote.path) == remote.version:
            return True
        return self.watermark is not None and remote.path not in self.files and remote.mtime <= self.watermark

    def mark_read(self, remote: RemoteFile) -> None:
        self.files[remote.path] = remote.version
        stamp = format_timestamp(remote.mtime)
        if self.cursor is None or stamp > self.cursor:
            self.cursor = stamp

    def prune(self, listed_paths: Iterable[str]) -> None:
        """Forget files no longer listed (moved or deleted): the file map stays as small as the folder."""
        listed = set(listed_paths)
        for path in [p for p in self.files if p not in listed]:
            del self.files[path]

    # -- records --------------------------------------------------------------------------------------------------

    def is_new_or_changed(self, key: str, record_hash: str) -> bool:
        return self.records.get(key) != record_hash[:HASH_PREFIX_LENGTH]

    def remember(self, key: str, record_hash: str) -> None:
        self.records[key] = record_hash[:HASH_PREFIX_LENGTH]


def _parse_cursor(text: str) -> datetime | None:
    # accepts our format and the file-based CDK's "<timestamp>_<uri>"
    stamp = text.split("_/", 1)[0].split("Z_", 1)[0].rstrip("Z")
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
