"""Events on the wire: an Airbyte LOG message whose text holds the event as compact JSON.

Destinations log the JSON alone. source-stampli-sftp logs its human text first and the JSON after it (one line
serves the person reading the Airbyte log and the tools), so the payload starts at PAYLOAD_MARKER, wherever it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel

from stampli_nav_events.names import EVENT_PREFIX

PAYLOAD_MARKER = '{"event":"' + EVENT_PREFIX  # payloads always start with their name (see payload_text)


def payload_text(event: BaseModel | Mapping[str, Any]) -> str:
    """Compact JSON with "event" first, so that PAYLOAD_MARKER finds it."""
    data = event.model_dump(mode="json") if isinstance(event, BaseModel) else dict(event)
    name = data.pop("event")
    return orjson.dumps({"event": name, **data}).decode()


def log_text(human: str, event: BaseModel | Mapping[str, Any]) -> str:
    """The human text, then the payload: one LOG line for both readers."""
    return f"{human} {payload_text(event)}"


def find_event(text: str) -> dict[str, Any] | None:
    """The event payload inside a LOG message's text, or None for ordinary log text."""
    start = text.find(PAYLOAD_MARKER)
    if start < 0:
        return None
    try:
        event = orjson.loads(text[start:])
    except orjson.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


def human_text(text: str) -> str:
    """The part of a LOG message's text before its payload (all of it when there is none)."""
    start = text.find(PAYLOAD_MARKER)
    return text if start < 0 else text[:start].rstrip()
