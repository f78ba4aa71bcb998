"""A sync with both connectors in this process: source-stampli-sftp's `read` (through the CDK entrypoint, as a
process would run it) piped into destination-dynamics-nav's `write`, keeping only the state the destination echoes.

This is the runner's contract (docs/runner.md: "state is destination-confirmed") in a few lines, used by the fault
matrix and the corpus where a fault is about the network or the data rather than about processes: it costs a
fraction of a second where two connector processes cost ~5 s of CPU. What the source emitted before it failed
still reaches the destination, which commits it and echoes its state — as in the runner, where the destination
reads end-of-input when the source dies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
    Type,
)
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.models.outcome import ExpectedOutcome

from destination_dynamics_nav import DestinationDynamicsNav
from source_stampli_sftp import SourceStampliSftp
from stampli_nav_runner.connection_state import ConnectionState

FORWARD_STREAMS = ("vendors", "gl_accounts", "invoices")  # vendors first: invoices may need a vendor created
AUDIT_EVENT = "stampli_nav.audit"
SUMMARY_EVENT = "stampli_nav.summary"


def configured_catalog(source_config: Mapping[str, Any], streams: Sequence[str]) -> ConfiguredAirbyteCatalog:
    """The source's own discovered streams, incremental + append, in the order given (as the runner configures)."""
    discovered = {s.name: s for s in SourceStampliSftp().discover(logging.getLogger("airbyte"), source_config).streams}
    return ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=discovered[name],
                sync_mode=SyncMode.incremental,
                destination_sync_mode=DestinationSyncMode.append,
                cursor_field=discovered[name].default_cursor_field,
            )
            for name in streams
        ]
    )


@dataclass
class SyncOutcome:
    forwarded: list[AirbyteMessage] = field(default_factory=list)  # RECORD and STATE, in the source's order
    source_logs: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    source_error: str | None = None
    source_failure_type: str | None = None
    destination_messages: list[AirbyteMessage] = field(default_factory=list)
    destination_error: BaseException | None = None
    states_emitted: int = 0
    states_confirmed: int = 0

    @property
    def succeeded(self) -> bool:
        return self.source_error is None and self.destination_error is None

    @property
    def records(self) -> list[tuple[str, dict[str, Any]]]:
        return [(m.record.stream, m.record.data) for m in self.forwarded if m.type == Type.RECORD and m.record]

    def logs(self) -> list[dict[str, Any]]:
        """The destination's structured LOG lines (contract §2)."""
        events = []
        for message in self.destination_messages:
            if message.type == Type.LOG and message.log is not None and message.log.message.startswith("{"):
                events.append(orjson.loads(message.log.message))
        return events

    def audit(self, stream: str | None = "invoices") -> list[dict[str, Any]]:
        return [e for e in self.logs() if e.get("event") == AUDIT_EVENT and (stream is None or e["stream"] == stream)]

    def actions(self, stream: str = "invoices") -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for event in self.audit(stream):
            grouped.setdefault(str(event["key"]), []).append(event["action"])
        return grouped

    @property
    def summary(self) -> dict[str, Any] | None:
        return next((e for e in self.logs() if e.get("event") == SUMMARY_EVENT), None)

    @property
    def destination_failure_type(self) -> str | None:
        failure = getattr(self.destination_error, "failure_type", None)
        return None if failure is None else str(failure.value)

    def error_text(self) -> str:
        parts = []
        if self.source_error:
            parts.append(f"source: {self.source_error}")
        if self.destination_error is not None:
            parts.append(f"destination: {getattr(self.destination_error, 'message', None) or self.destination_error}")
        return " | ".join(parts)

    def source_warnings(self) -> list[str]:
        return [text for level, text in self.source_logs if level in ("WARN", "WARNING", "ERROR", "FATAL")]


class InProcessConnection:
    """A forward connection whose state survives between `sync()` calls, like a runner's state.json."""

    def __init__(
        self,
        source_config: Mapping[str, Any],
        destination_config: Mapping[str, Any],
        streams: Sequence[str] = FORWARD_STREAMS,
    ) -> None:
        self.source_config = dict(source_config)
        self.destination_config = dict(destination_config)
        self.catalog = configured_catalog(self.source_config, streams)
        self.state = ConnectionState()

    def sync(self) -> SyncOutcome:
        outcome = SyncOutcome()
        state = [AirbyteStateMessageSerializer.load(m) for m in self.state.messages()] or None
        output = read(
            SourceStampliSftp(),
            self.source_config,
            self.catalog,
            state,
            expected_outcome=ExpectedOutcome.ALLOW_ANY,
        )
        outcome.forwarded = list(output.records_and_state_messages)
        outcome.states_emitted = sum(1 for m in outcome.forwarded if m.type == Type.STATE)
        outcome.source_logs = [(m.log.level.value, m.log.message) for m in output.logs if m.log is not None]
        # The stream's own error comes first; the CDK then adds "the following streams did not sync successfully".
        # An uncaught exception arrives here too, as a TRACE error. The runner reports every one of them.
        errors = [m.trace.error for m in output.errors if m.trace is not None and m.trace.error is not None]
        if errors:
            outcome.source_error = " | ".join(error.message or "unnamed source error" for error in errors)
            failure = errors[0].failure_type
            outcome.source_failure_type = failure.value if failure is not None else None
        self._write(outcome)
        return outcome

    def _write(self, outcome: SyncOutcome) -> None:
        destination = DestinationDynamicsNav()
        try:
            for message in destination.write(self.destination_config, self.catalog, iter(outcome.forwarded)):
                outcome.destination_messages.append(message)
                if message.type == Type.STATE and message.state is not None:
                    self.state.apply(AirbyteMessageSerializer.dump(message)["state"])
                    outcome.states_confirmed += 1
        except Exception as error:  # the sync failed: whatever was echoed before stays confirmed
            outcome.destination_error = error


def messages_text(messages: Iterable[AirbyteMessage]) -> str:
    """Messages as the JSON lines a process would print (for secret scans)."""
    return "\n".join(orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() for m in messages)
