"""The events as pydantic models: what each field means, and the one place their shape is defined.

Consumers must ignore fields they do not know (extra="allow" here): fields are only ever added.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from stampli_nav_events.names import (
    AUDIT_EVENT,
    SOURCE_FILE_EVENT,
    SOURCE_PROBLEM_EVENT,
    SOURCE_STREAM_EVENT,
    SUMMARY_EVENT,
    ProblemKind,
)


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class SourceFileEvent(_Event):
    """One export file the source listed for a stream: read (counts) or skipped (`why`)."""

    event: Literal["stampli_nav.source_file"] = SOURCE_FILE_EVENT
    stream: str
    path: str  # remote path
    size: int  # bytes, as listed
    mtime: str  # ISO-8601 UTC with Z
    sha256: str | None = None  # hex SHA-256 of the downloaded bytes; None when skipped before downloading
    skipped: bool = False
    why: str | None = None  # when skipped: "same_content_as:<path>", "still_being_written", "disappeared"
    rows: int = 0  # data rows (CSV records after the header; XML record elements) read
    records: int = 0  # records assembled from them
    emitted: int = 0  # records sent (new, or newer than what was sent for their key)
    unchanged: int = 0  # records identical to what was last sent for their key
    stale: int = 0  # records older than what was already sent for their key (not sent)
    superseded: int = 0  # rows replaced by a later row of the same key in this file
    rejected: int = 0  # rejects (rows or whole documents)
    flagged: int = 0  # flags on emitted records
    reasons: dict[str, int] = Field(default_factory=dict)  # reject and flag codes -> count (all, even unlogged)
    seconds: float = 0.0  # download, parse and emit


class SourceProblemEvent(_Event):
    """Rows or a record the source could not use as is: rejected, flagged, superseded in the file, or stale."""

    event: Literal["stampli_nav.source_problem"] = SOURCE_PROBLEM_EVENT
    stream: str
    kind: ProblemKind
    file: str  # remote path (zip members: "archive.zip!/member.csv")
    rows: list[int] = Field(default_factory=list)  # CSV rows (header = 1) or XML element ordinals; empty: whole file
    key: str | None = None  # the record key when known
    code: str  # stable reason code, e.g. "wrong_field_count", "lines_do_not_sum_to_total", "older_version"
    message: str  # human explanation, never secrets


class SourceStreamEvent(_Event):
    """The end of one stream's read: totals over its files, and the size of the state it leaves."""

    event: Literal["stampli_nav.source_stream"] = SOURCE_STREAM_EVENT
    stream: str
    files_listed: int = 0
    files_read: int = 0
    files_skipped: int = 0
    emitted: int = 0
    unchanged: int = 0
    stale: int = 0
    superseded: int = 0
    rejected: int = 0
    flagged: int = 0
    state_keys: int = 0
    state_bytes: int = 0


class AuditEvent(_Event):
    """Destinations: what was done with one record (destination-specific fields are extras, e.g. nav_*)."""

    event: Literal["stampli_nav.audit"] = AUDIT_EVENT
    stream: str
    key: str | None
    action: str  # one of names.AUDIT_ACTIONS
    source_file: str | None = None
    source_rows: list[int] = Field(default_factory=list)
    record_hash: str | None = None
    reason: str | None = None  # "<code>: <explanation>"


class SummaryEvent(_Event):
    """Destinations: one per run, counts per action (plus destination-specific extras, e.g. api, files)."""

    event: Literal["stampli_nav.summary"] = SUMMARY_EVENT
    counts: dict[str, int] = Field(default_factory=dict)


SourceEvent = Annotated[SourceFileEvent | SourceProblemEvent | SourceStreamEvent, Field(discriminator="event")]
AnyEvent = Annotated[
    SourceFileEvent | SourceProblemEvent | SourceStreamEvent | AuditEvent | SummaryEvent, Field(discriminator="event")
]
_ANY_EVENT: TypeAdapter[Any] = TypeAdapter(AnyEvent)


def validate_event(
    payload: dict[str, Any],
) -> SourceFileEvent | SourceProblemEvent | SourceStreamEvent | AuditEvent | SummaryEvent:
    """The model of a decoded payload; raises pydantic.ValidationError for an unknown name or a bad shape."""
    return _ANY_EVENT.validate_python(payload)  # type: ignore[no-any-return]
