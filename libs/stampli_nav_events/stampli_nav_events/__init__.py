"""stampli_nav_events: the structured events of the stampli-nav connectors, defined once.

    from stampli_nav_events import SOURCE_FILE_EVENT, SourceFileEvent, log_text, find_event

Names and action vocabulary: `names`; shapes: `models`; how they travel in Airbyte LOG messages: `codec`.
Documented in docs/internal-contracts.md §2.
"""

from stampli_nav_events.codec import PAYLOAD_MARKER, find_event, human_text, log_text, payload_text
from stampli_nav_events.models import (
    AuditEvent,
    SourceFileEvent,
    SourceProblemEvent,
    SourceStreamEvent,
    SummaryEvent,
    validate_event,
)
from stampli_nav_events.names import (
    AUDIT_ACTIONS,
    AUDIT_EVENT,
    EVENT_PREFIX,
    NAV_ACTIONS,
    PROBLEM_KINDS,
    SOURCE_FILE_EVENT,
    SOURCE_PROBLEM_EVENT,
    SOURCE_STREAM_EVENT,
    STAMPLI_ACTIONS,
    SUMMARY_EVENT,
    WARNING_KINDS,
    NavAction,
    ProblemKind,
    StampliAction,
)

__all__ = [
    "AUDIT_ACTIONS",
    "AUDIT_EVENT",
    "EVENT_PREFIX",
    "NAV_ACTIONS",
    "PAYLOAD_MARKER",
    "PROBLEM_KINDS",
    "SOURCE_FILE_EVENT",
    "SOURCE_PROBLEM_EVENT",
    "SOURCE_STREAM_EVENT",
    "STAMPLI_ACTIONS",
    "SUMMARY_EVENT",
    "WARNING_KINDS",
    "AuditEvent",
    "NavAction",
    "ProblemKind",
    "SourceFileEvent",
    "SourceProblemEvent",
    "SourceStreamEvent",
    "StampliAction",
    "SummaryEvent",
    "find_event",
    "human_text",
    "log_text",
    "payload_text",
    "validate_event",
]
