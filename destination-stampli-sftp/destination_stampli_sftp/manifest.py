"""The manifest: which row content this destination already sent to Stampli, kept on the SFTP server.

One JSON file per stream in the manifest folder (default `<folder>/.stampli-nav/`, hidden from Stampli's
importer), replaced atomically after each import file is in place:

    {"format": 1, "stream": "vendors",
     "rows": {"<key>": {"hash": "<row hash>", "sent_at": "2026-11-25T10:00:00Z", "file": "/inbound/vendors_....csv"}}}

Kept on the server rather than in Airbyte state so that a reset of the connection, a second Airbyte instance or
a replay still knows what Stampli was sent. A missing or unreadable manifest only means rows may be sent again.
"""

from __future__ import annotations

import contextlib
import io
import logging
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from destination_stampli_sftp.echo import SentRow
from stampli_files.sftp import SftpConnection

logger = logging.getLogger("airbyte")

FORMAT_VERSION = 1


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Manifest:
    stream: str
    path: str
    rows: dict[str, SentRow] = field(default_factory=dict)

    def get(self, key: str) -> SentRow | None:
        return self.rows.get(key)

    def record(self, key: str, sent: SentRow) -> None:
        self.rows[key] = sent

    def to_bytes(self) -> bytes:
        payload: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "stream": self.stream,
            "rows": {
                key: {"hash": row.hash, "sent_at": _timestamp(row.sent_at), "file": row.file}
                for key, row in sorted(self.rows.items())
            },
        }
        return orjson.dumps(payload)


def manifest_path(folder: str, stream: str) -> str:
    return posixpath.join(folder, f"{stream}.manifest.json")


def _parse(stream: str, path: str, data: bytes) -> Manifest:
    payload = orjson.loads(data)
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT_VERSION:
        raise ValueError("unknown manifest format")
    rows: dict[str, SentRow] = {}
    for key, entry in (payload.get("rows") or {}).items():
        sent_at = datetime.fromisoformat(str(entry["sent_at"]).replace("Z", "+00:00"))
        rows[str(key)] = SentRow(
            hash=str(entry["hash"]), sent_at=sent_at.astimezone(UTC), file=str(entry.get("file", ""))
        )
    return Manifest(stream=stream, path=path, rows=rows)


def load_manifest(connection: SftpConnection, folder: str, stream: str) -> Manifest:
    path = manifest_path(folder, stream)
    buffer = io.BytesIO()
    try:
        connection.download(path, buffer)
    except FileNotFoundError:
        return Manifest(stream=stream, path=path)
    try:
        return _parse(stream, path, buffer.getvalue())
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        logger.warning(
            "The manifest %s cannot be read (%s); starting a new one: rows already sent may be sent once more",
            path,
            type(error).__name__,
        )
        return Manifest(stream=stream, path=path)


def ensure_folder(connection: SftpConnection, folder: str) -> None:
    """Create `folder` (and missing parents) on the server."""
    if connection.is_dir(folder):
        return
    parent = posixpath.dirname(folder.rstrip("/"))
    if parent and parent != folder and not connection.is_dir(parent):
        ensure_folder(connection, parent)
    with contextlib.suppress(OSError):  # created meanwhile by someone else: checked below
        connection.sftp.mkdir(folder)
    if not connection.is_dir(folder):
        raise FileNotFoundError(f"cannot create folder {folder} on the SFTP server")


def save_manifest(connection: SftpConnection, manifest: Manifest) -> None:
    ensure_folder(connection, posixpath.dirname(manifest.path))
    connection.upload_atomic(manifest.to_bytes(), manifest.path)
