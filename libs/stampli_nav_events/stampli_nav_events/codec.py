"""Events on the wire: an Airbyte LOG message whose text holds the event as compact JSON.

Destinations log the JSON alone. source-stampli-sftp logs its human text first and the JSON after it (one line
serves the person reading the Airbyte log and the tools), so the payload is found by its opening `{"event"`,
wherever it is, and must name an event of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel

from stampli_nav_events.names import EVENT_PREFIX

PAYLOAD_MARKER = '{"event":"' + EVENT_PREFIX  # how payload_text's output starts
_OPENING = '{"event"'  # what find_event looks for: also matches JSON written with spaces ('{"event": "...')


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
    start = text.find(_OPENING)
    if start < 0:
        return None
    try:
        event = orjson.loads(text[start:])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(event, dict) or not str(event.get("event", "")).startswith(EVENT_PREFIX):
        return None
    return event


def human_text(text: str) -> str:
    """The part of a LOG message's text before its payload (all of it when there is none)."""
    start = text.find(_OPENING)
    return text if start < 0 or find_event(text) is None else text[:start].rstrip()
