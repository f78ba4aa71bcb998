"""Recognise the structured audit and summary lines connectors log (contract §2) inside Airbyte LOG messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

AUDIT_EVENT = "stampli_nav.audit"
SUMMARY_EVENT = "stampli_nav.summary"
EVENT_PREFIX = "stampli_nav."


def structured_event(log_message: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON object inside a LOG message's text, when it is one of ours; None for ordinary log text."""
    text = (log_message.get("log") or {}).get("message")
    if not isinstance(text, str) or EVENT_PREFIX not in text:
        return None
    start = text.find("{")
    if start < 0:
        return None
    try:
        event = orjson.loads(text[start:])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(event, dict) or not str(event.get("event", "")).startswith(EVENT_PREFIX):
        return None
    return event


def log_level(log_message: Mapping[str, Any]) -> str:
    return str((log_message.get("log") or {}).get("level") or "INFO").upper()


def log_text(log_message: Mapping[str, Any]) -> str:
    return str((log_message.get("log") or {}).get("message") or "")
