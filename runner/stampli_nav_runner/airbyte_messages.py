"""The few facts about Airbyte protocol messages the runner needs, on plain dicts parsed with orjson.

The runner forwards RECORD and STATE lines byte for byte; it only parses them to count, to key state, and to keep
audit digests. Using plain dicts (not the CDK's pydantic models) keeps a 100k-record sync cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

RECORD = "RECORD"
STATE = "STATE"
LOG = "LOG"
TRACE = "TRACE"
CATALOG = "CATALOG"
CONNECTION_STATUS = "CONNECTION_STATUS"
SPEC = "SPEC"
CONTROL = "CONTROL"

# Counters the platform stamps onto state messages; they differ between the source's copy and the echo.
STATE_STATS_KEYS = ("sourceStats", "destinationStats")


def parse_line(line: bytes) -> dict[str, Any] | None:
    """The message on one stdout line, or None when the line is not a JSON object (stray print output)."""
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return message if isinstance(message, dict) and isinstance(message.get("type"), str) else None


def stream_descriptor_key(descriptor: Mapping[str, Any] | None) -> str:
    if not descriptor:
        return ""
    namespace = descriptor.get("namespace")
    return f"{namespace}.{descriptor.get('name')}" if namespace else str(descriptor.get("name"))


def state_slot(state: Mapping[str, Any]) -> str:
    """Which part of the connection state a STATE message replaces: one stream, the global state, or legacy."""
    state_type = state.get("type") or ("LEGACY" if "data" in state else "STREAM")
    if state_type == "STREAM":
        return "stream:" + stream_descriptor_key((state.get("stream") or {}).get("stream_descriptor"))
    return state_type.lower()


def clean_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """The state message without per-sync statistics: what the source needs next time."""
    return {key: value for key, value in state.items() if key not in STATE_STATS_KEYS}


def state_fingerprint(state: Mapping[str, Any]) -> bytes:
    """Canonical bytes of a state, to match the destination's echo with the source's original."""
    return orjson.dumps(clean_state(state), option=orjson.OPT_SORT_KEYS)


def state_stream_name(state: Mapping[str, Any]) -> str | None:
    if (state.get("type") or "STREAM") != "STREAM":
        return None
    descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
    name = descriptor.get("name")
    return str(name) if name is not None else None


def trace_error_message(message: Mapping[str, Any]) -> str | None:
    trace = message.get("trace") or {}
    if trace.get("type") != "ERROR":
        return None
    error = trace.get("error") or {}
    return str(error.get("message") or error.get("internal_message") or "unnamed error")
