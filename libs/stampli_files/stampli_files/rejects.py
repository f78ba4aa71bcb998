"""Rejects: input the readers could not turn into records. Each names its file, row(s) and a reason code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reject:
    source: str  # remote file path (for zip members: "archive.zip!/member.csv")
    reason: str  # stable code, e.g. "wrong_field_count", "truncated_gzip", "xml_dtd_forbidden"
    detail: str  # human explanation; never contains secrets
    rows: tuple[int, ...] = ()  # 1-based rows (CSV, header = 1) or element ordinals (XML); empty: whole file

    @property
    def whole_file(self) -> bool:
        return not self.rows

    def describe(self) -> str:
        where = f"row {', '.join(map(str, self.rows))}" if self.rows else "whole file"
        return f"rejected {self.source} ({where}): {self.reason}: {self.detail}"


@dataclass(frozen=True)
class Issue:
    """A record was emitted but flagged (e.g. an invalid line amount): logged next to the record's validation_errors."""

    source: str
    key: str
    flag: str
    detail: str
    rows: tuple[int, ...] = ()

    def describe(self) -> str:
        where = f" row {', '.join(map(str, self.rows))}" if self.rows else ""
        return f"flagged {self.source}{where} key {self.key}: {self.flag}: {self.detail}"


@dataclass(frozen=True)
class Superseded:
    """Rows of a key replaced by a later row (or a later version of a line-level document) in the same file:
    the last one wins and only it becomes the record. Reported, so that no row disappears silently."""

    source: str
    key: str
    rows: tuple[int, ...]  # the replaced rows
    by_rows: tuple[int, ...]  # the rows that replaced them

    def describe(self) -> str:
        return (
            f"superseded {self.source} row {', '.join(map(str, self.rows))} key {self.key}: a later version of the "
            f"same key in this file (row {', '.join(map(str, self.by_rows))}) replaces it"
        )


RejectSink = Callable[[Reject], None]
IssueSink = Callable[[Issue], None]
SupersededSink = Callable[[Superseded], None]
