"""Echo suppression: never send Stampli a row whose content Stampli already has.

The loop to break: a vendor changed in Stampli goes to NAV (forward connection), NAV stamps a new
lastModifiedDateTime, the reverse connection reads it back... and must not send it to Stampli as a change.
Timestamps cannot tell an echo from a real change; content can. Each NAV row (in import columns) is compared with

1. Stampli's current content: its latest export of the stream (vendors, G/L accounts) in its outbound folder.
   Compared column by column the way the forward connection writes NAV: trimmed, case-insensitive, Stampli text
   cut to NAV's field length, status by meaning (active/inactive), "Modified Date" ignored. A column NAV leaves
   empty is filled from Stampli first (NAV has nothing to say about it: e.g. payment terms NAV does not know),
   exactly as the forward connection leaves a NAV field alone when Stampli's is empty.
2. The manifest of what this destination already sent: a row sent before, that Stampli has not exported since,
   is still on its way (Stampli imports asynchronously) and is not sent again.

Anything else is a real NAV-side change and is sent once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from destination_stampli_sftp.import_formats import Cells, Column, ImportFormat
from stampli_nav_rules import is_inactive_status

_SPACES = re.compile(r"\s+")
_TRUE = frozenset({"true", "t", "yes", "y", "1", "active", "enabled", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "inactive", "disabled", "off", "blocked"})


def canonical(column: Column, value: str) -> str:
    text = _SPACES.sub(" ", value.strip()).casefold()
    if column.comparison == "status":
        return "" if not text else ("inactive" if is_inactive_status(text) else "active")
    if column.comparison == "yes_no":
        if text in _TRUE:
            return "yes"
        if text in _FALSE:
            return "no"
    return text


def same_cell(column: Column, nav: str, stampli: str) -> bool:
    if column.comparison == "ignore":
        return True
    left, right = canonical(column, nav), canonical(column, stampli)
    if left == right:
        return True
    # The forward connection cuts Stampli's text to NAV's field length: NAV holding exactly that cut is no change.
    if column.nav_length and len(nav.strip()) == column.nav_length and column.comparison == "text":
        return canonical(column, stampli.strip()[: column.nav_length]) == left
    return False


def merge(fmt: ImportFormat, nav: Cells, stampli: Cells | None) -> Cells:
    """NAV's row, with the cells NAV leaves empty taken from Stampli's current row (and Stampli's key spelling)."""
    if stampli is None:
        return dict(nav)
    merged = dict(nav)
    for column in fmt.columns:
        header = column.header
        if column.key:
            if stampli.get(header):
                merged[header] = stampli[header]  # same key, case-insensitively: keep the spelling Stampli knows
            continue
        if not nav.get(header, "").strip() and stampli.get(header, "").strip() and column.comparison != "ignore":
            merged[header] = stampli[header]
    return merged


def equivalent(fmt: ImportFormat, nav: Cells, stampli: Cells) -> bool:
    return all(same_cell(column, nav.get(column.header, ""), stampli.get(column.header, "")) for column in fmt.columns)


def row_hash(fmt: ImportFormat, cells: Mapping[str, str]) -> str:
    """Hash of a row's compared content (canonical cells, ignored columns left out), as kept in the manifest."""
    digest = hashlib.sha256()
    for column in fmt.columns:
        if column.comparison == "ignore":
            continue
        digest.update(canonical(column, cells.get(column.header, "")).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class StampliRow:
    cells: Cells
    source_file: str
    exported_at: datetime  # mtime of the export file the row came from


@dataclass(frozen=True)
class SentRow:
    hash: str
    sent_at: datetime
    file: str


@dataclass(frozen=True)
class Decision:
    send: bool
    cells: Cells  # what would be / is written
    hash: str
    reason: Literal["new_to_stampli", "changed_in_nav", "stampli_has_it", "already_sent"]
    detail: str


def decide(fmt: ImportFormat, nav: Cells, stampli: StampliRow | None, sent: SentRow | None) -> Decision:
    merged = merge(fmt, nav, stampli.cells if stampli else None)
    digest = row_hash(fmt, merged)
    if stampli is not None and equivalent(fmt, merged, stampli.cells):
        return Decision(
            False,
            merged,
            digest,
            "stampli_has_it",
            f"Stampli's export {stampli.source_file} already holds this content",
        )
    stampli_is_newer = stampli is not None and sent is not None and stampli.exported_at > sent.sent_at
    if sent is not None and sent.hash == digest and not stampli_is_newer:
        return Decision(
            False,
            merged,
            digest,
            "already_sent",
            f"sent in {sent.file} and Stampli has not exported since; its import is still pending",
        )
    if stampli is None and sent is None:
        return Decision(True, merged, digest, "new_to_stampli", "not in Stampli's export nor sent before")
    return Decision(True, merged, digest, "changed_in_nav", "differs from Stampli's current content")
