"""The stable event names and the destinations' audit action vocabulary (docs/internal-contracts.md §2).

A name never changes once released: the runner, saved run logs and users' own tools match on it.
"""

from __future__ import annotations

from typing import Literal

EVENT_PREFIX = "stampli_nav."
AUDIT_EVENT = "stampli_nav.audit"  # destinations: one per record, what was done with it
SUMMARY_EVENT = "stampli_nav.summary"  # destinations: one per run, counts per action
SOURCE_FILE_EVENT = "stampli_nav.source_file"  # source-stampli-sftp: one per file read or skipped
SOURCE_PROBLEM_EVENT = "stampli_nav.source_problem"  # source-stampli-sftp: one per reject, flag, stale version
SOURCE_STREAM_EVENT = "stampli_nav.source_stream"  # source-stampli-sftp: one per stream at the end of a read

# destination-dynamics-nav
NavAction = Literal[
    "posted",
    "skipped_duplicate",
    "rejected",
    "vendor_created",
    "vendor_updated",
    "vendor_unchanged",
    "reversed",
    "dry_run",
    "ignored",
]
NAV_ACTIONS: tuple[NavAction, ...] = (
    "posted",
    "skipped_duplicate",
    "rejected",
    "vendor_created",
    "vendor_updated",
    "vendor_unchanged",
    "reversed",
    "dry_run",
    "ignored",
)

# destination-stampli-sftp
StampliAction = Literal["file_written", "skipped_duplicate", "rejected", "ignored"]
STAMPLI_ACTIONS: tuple[StampliAction, ...] = ("file_written", "skipped_duplicate", "rejected", "ignored")

AUDIT_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys((*NAV_ACTIONS, *STAMPLI_ACTIONS)))

# source-stampli-sftp problem kinds: what happened to the rows or record named by the event
ProblemKind = Literal["rejected", "flagged", "superseded", "stale"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = ("rejected", "flagged", "superseded", "stale")
WARNING_KINDS: frozenset[str] = frozenset({"rejected", "flagged"})  # logged at WARN; the others at INFO
