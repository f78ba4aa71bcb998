"""Weak ETags in BC's style and `If-Match` evaluation."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from bc_emulator import errors
from bc_emulator.store import ROW_VERSION


def etag_for(record: dict[str, Any], salt: str = "") -> str:
    """W/"<base64>" derived from the record's id and row version (changes on every modification)."""
    digest = hashlib.sha256(f"{record.get('id')}|{record.get(ROW_VERSION)}|{salt}".encode()).digest()
    inner = f"'44;{base64.b64encode(digest).decode()}1;00;'"
    return 'W/"' + base64.b64encode(inner.encode()).decode() + '"'


def check_if_match(header: str | None, current_etag: str) -> None:
    """BC requires If-Match on PATCH/DELETE: missing -> 400 BadRequest_InvalidToken, stale -> 409."""
    if header is None or not header.strip():
        raise errors.missing_if_match()
    # base64 never contains a comma, so splitting a list of W/"..." tags on commas is exact
    candidates = [part.strip() for part in header.split(",") if part.strip()]
    if "*" in candidates:
        return
    if current_etag not in candidates and current_etag.removeprefix("W/") not in candidates:
        raise errors.entity_changed()
