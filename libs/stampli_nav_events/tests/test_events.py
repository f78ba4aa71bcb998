"""The shared event schema: names, the wire form, and that consumers find payloads behind human text."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from stampli_nav_events import (
    AUDIT_ACTIONS,
    NAV_ACTIONS,
    PAYLOAD_MARKER,
    STAMPLI_ACTIONS,
    SourceFileEvent,
    SourceProblemEvent,
    find_event,
    human_text,
    log_text,
    payload_text,
    validate_event,
)


def test_payload_starts_with_the_event_name_so_the_marker_finds_it() -> None:
    event = SourceProblemEvent(
        stream="invoices", kind="rejected", file="/outbound/a {b}.csv", rows=[9], code="wrong_field_count", message="x"
    )
    text = payload_text(event)
    assert text.startswith(PAYLOAD_MARKER + "source_problem")
    line = log_text("rejected /outbound/a {b}.csv (row 9): wrong_field_count: x", event)
    assert human_text(line) == "rejected /outbound/a {b}.csv (row 9): wrong_field_count: x"
    found = find_event(line)
    assert found is not None and found["rows"] == [9] and found["file"] == "/outbound/a {b}.csv"
    assert validate_event(found) == event


def test_plain_destination_json_and_plain_text() -> None:
    audit = orjson.dumps({"event": "stampli_nav.audit", "stream": "invoices", "key": "I-1", "action": "posted"})
    assert find_event(audit.decode())["action"] == "posted"  # type: ignore[index]
    assert find_event("Marking stream invoices as RUNNING") is None
    assert find_event('broken {"event":"stampli_nav.audit", "key"') is None
    assert human_text("plain") == "plain"
    spaced = '{"event": "stampli_nav.audit", "key": "K"}'  # json.dumps' default separators
    assert find_event(spaced) == {"event": "stampli_nav.audit", "key": "K"}
    assert find_event('{"event": "someone.else"}') is None


def test_unknown_fields_are_kept_and_unknown_names_refused() -> None:
    parsed = validate_event({"event": "stampli_nav.source_file", "stream": "s", "path": "/p", "size": 1,
                             "mtime": "2026-01-01T00:00:00.000000Z", "added_later": 3})  # fmt: skip
    assert isinstance(parsed, SourceFileEvent) and parsed.model_extra == {"added_later": 3}
    with pytest.raises(ValidationError):
        validate_event({"event": "stampli_nav.nope"})


def test_action_vocabulary_is_the_union_of_both_destinations() -> None:
    assert set(AUDIT_ACTIONS) == set(NAV_ACTIONS) | set(STAMPLI_ACTIONS)
    assert "posted" in NAV_ACTIONS and "file_written" in STAMPLI_ACTIONS
