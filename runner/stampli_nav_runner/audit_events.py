"""Recognise the structured events connectors log (contract §2, schema in stampli_nav_events) in LOG messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stampli_nav_events import (
    AUDIT_EVENT,
    EVENT_PREFIX,
    SOURCE_FILE_EVENT,
    SOURCE_PROBLEM_EVENT,
    SOURCE_STREAM_EVENT,
    SUMMARY_EVENT,
    find_event,
)

__all__ = ["AUDIT_EVENT", "EVENT_PREFIX", "SOURCE_FILE_EVENT", "SOURCE_PROBLEM_EVENT", "SOURCE_STREAM_EVENT",
           "SUMMARY_EVENT", "log_level", "log_text", "structured_event"]  # fmt: skip


def structured_event(log_message: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON object inside a LOG message's text, when it is one of ours; None for ordinary log text."""
    text = (log_message.get("log") or {}).get("message")
    if not isinstance(text, str) or EVENT_PREFIX not in text:
        return None
    return find_event(text)


def log_level(log_message: Mapping[str, Any]) -> str:
    return str((log_message.get("log") or {}).get("level") or "INFO").upper()


def log_text(log_message: Mapping[str, Any]) -> str:
    return str((log_message.get("log") or {}).get("message") or "")
