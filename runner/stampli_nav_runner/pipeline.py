"""The heart of a sync: `<source> read` piped into `<destination> write`, as the Airbyte platform does it.

- RECORD and STATE lines go to the destination unchanged (byte for byte).
- Every other source line (LOG, TRACE, stray output) goes to the run's source log, masked.
- The destination's STATE echoes are matched with the states the source emitted; only then are they stored. An
  echo confirms every state emitted before it too (a destination commits in order).
- The destination's LOG lines go to its log; its audit lines (contract §2) also to audit.jsonl.

Four threads: source stdout, destination stdout, and one per stderr. The calling thread watches, reports progress
and reacts to a stop request by terminating the source: the destination then reads end-of-input, commits what it
has and echoes the last state it made durable.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from stampli_nav_events import human_text
from stampli_nav_runner.airbyte_messages import (
    LOG,
    RECORD,
    STATE,
    TRACE,
    parse_line,
    state_fingerprint,
    state_slot,
    trace_error_message,
)
from stampli_nav_runner.audit_events import (
    AUDIT_EVENT,
    SOURCE_FILE_EVENT,
    SOURCE_PROBLEM_EVENT,
    SOURCE_STREAM_EVENT,
    SUMMARY_EVENT,
    log_level,
    log_text,
    structured_event,
)
from stampli_nav_runner.connector_process import pump_stderr, start_connector
from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.progress import ProgressReporter
from stampli_nav_runner.record_digest import digest_record
from stampli_nav_runner.sync_counters import SyncCounters
from stampli_nav_runner.workspace import RunDirectory

TERMINATE_GRACE_SECONDS = 15.0
FLUSH_INTERVAL_SECONDS = 1.0
WARNING_LEVELS = {"WARN", "WARNING", "ERROR", "FATAL"}


@dataclass
class PipelineOutcome:
    source_exit: int | None = None
    destination_exit: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: bool = False
    unconfirmed_states: int = 0
    destination_summary: dict[str, Any] | None = None
    source_summary: dict[str, Any] | None = None


@dataclass
class PipelineCommand:
    argv: list[str]
    env: dict[str, str]


@dataclass
class _PendingState:
    fingerprint: bytes
    slot: str
    state: dict[str, Any]


class ConnectorPipeline:
    def __init__(
        self,
        run_dir: RunDirectory,
        source: PipelineCommand,
        destination: PipelineCommand,
        primary_keys: Mapping[str, Sequence[Sequence[str]]],
        masker: SecretMasker,
        counters: SyncCounters,
        reporter: ProgressReporter,
        on_state_confirmed: Callable[[dict[str, Any]], None],
        abort_requested: threading.Event,
        kill_requested: threading.Event,
        timeout_seconds: float | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.source_command = source
        self.destination_command = destination
        self.primary_keys = primary_keys
        self.masker = masker
        self.counters = counters
        self.reporter = reporter
        self.on_state_confirmed = on_state_confirmed
        self.abort_requested = abort_requested
        self.kill_requested = kill_requested
        self.timeout_seconds = timeout_seconds
        self.outcome = PipelineOutcome()
        self._pending: deque[_PendingState] = deque()
        self._pending_lock = threading.Lock()
        self._errors_lock = threading.Lock()
        self._audit_lock = threading.Lock()
        self._audit_file: IO[bytes] | None = None

    # -- running -------------------------------------------------------------------------------------------------

    def run(self) -> PipelineOutcome:
        destination = start_connector(self.destination_command.argv, self.destination_command.env, subprocess.PIPE)
        try:
            source = start_connector(self.source_command.argv, self.source_command.env)
        except BaseException:
            self._terminate(destination)
            destination.wait()
            raise
        threads = [
            threading.Thread(target=self._pump_source, args=(source, destination), name="source", daemon=True),
            threading.Thread(target=self._pump_destination, args=(destination,), name="destination", daemon=True),
            pump_stderr(source.stderr, self.run_dir.stderr_path("source"), self.masker),  # type: ignore[arg-type]
            pump_stderr(destination.stderr, self.run_dir.stderr_path("destination"), self.masker),  # type: ignore[arg-type]
        ]
        for thread in threads[:2]:
            thread.start()
        self.counters.phase = "syncing"
        terminate_sent_at: float | None = None
        started = time.monotonic()
        while any(thread.is_alive() for thread in threads[:2]):
            timed_out = self.timeout_seconds is not None and time.monotonic() - started > self.timeout_seconds
            if timed_out and terminate_sent_at is None and source.poll() is None:
                self._error(
                    f"the sync ran longer than its timeout ({self.timeout_seconds:.0f}s): the source was ended; "
                    "what the destination confirmed is kept"
                )
                terminate_sent_at = time.monotonic()
                self._terminate(source)
            if self.kill_requested.is_set():
                self._kill(source)
                self._kill(destination)
            elif self.abort_requested.is_set() and terminate_sent_at is None and source.poll() is None:
                self.outcome.stopped = True
                terminate_sent_at = time.monotonic()
                self.reporter.phase("stopping: ending the source; the destination commits what it has")
                self._terminate(source)
            elif terminate_sent_at is not None and time.monotonic() - terminate_sent_at > TERMINATE_GRACE_SECONDS:
                self._kill(source)
            self.reporter.tick(self.counters)
            for thread in threads[:2]:
                thread.join(timeout=0.25)
        self.outcome.source_exit = source.wait()
        self.outcome.destination_exit = destination.wait()
        for thread in threads[2:]:
            thread.join(timeout=5)
        if self._audit_file is not None:
            self._audit_file.close()
        self.reporter.tick(self.counters)
        self._finish()
        return self.outcome

    def _finish(self) -> None:
        outcome = self.outcome
        with self._pending_lock:
            outcome.unconfirmed_states = len(self._pending)
        if outcome.source_exit not in (0, None) and not outcome.stopped:
            self._error(f"source exited with code {outcome.source_exit} ({self._stderr_tail('source')})")
        if outcome.destination_exit not in (0, None):
            self._error(f"destination exited with code {outcome.destination_exit} ({self._stderr_tail('destination')})")
        if outcome.unconfirmed_states and not outcome.errors and not outcome.stopped:
            self._error(
                f"the destination did not confirm the last {outcome.unconfirmed_states} state(s): the records after "
                "the last confirmed state will be sent again next sync"
            )

    def _stderr_tail(self, role: str) -> str:
        try:
            lines = self.run_dir.stderr_path(role).read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except FileNotFoundError:
            lines = []
        return lines[-1][:300] if lines else f"see {self.run_dir.log_path(role)}"

    @staticmethod
    def _terminate(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def _error(self, text: str) -> None:
        with self._errors_lock:
            masked = self.masker.mask(text)
            if masked not in self.outcome.errors:
                self.outcome.errors.append(masked)

    def _warning(self, text: str) -> None:
        with self._errors_lock:
            self.outcome.warnings.append(self.masker.mask(text))

    # -- source side ---------------------------------------------------------------------------------------------

    def _pump_source(self, source: subprocess.Popen[bytes], destination: subprocess.Popen[bytes]) -> None:
        stdout: IO[bytes] = source.stdout  # type: ignore[assignment]
        sink: IO[bytes] = destination.stdin  # type: ignore[assignment]
        destination_open = True
        last_flush = time.monotonic()
        with (
            self.run_dir.log_path("source").open("ab") as log,
            self.run_dir.records_path.open("ab") as records,
        ):
            for line in stdout:
                message = parse_line(line)
                message_type = message["type"] if message else None
                if message_type in (RECORD, STATE):
                    assert message is not None
                    if message_type == RECORD:
                        self._note_record(message, records)
                    else:
                        self._note_source_state(message)
                    if destination_open:
                        try:
                            sink.write(line if line.endswith(b"\n") else line + b"\n")
                            now = time.monotonic()
                            if message_type == STATE or now - last_flush > FLUSH_INTERVAL_SECONDS:
                                sink.flush()
                                records.flush()
                                last_flush = now
                        except (BrokenPipeError, ValueError, OSError):
                            destination_open = False
                            self._error("the destination stopped reading its input before the source finished")
                            self._terminate(source)
                    continue
                log.write(self.masker.mask_bytes(line if line.endswith(b"\n") else line + b"\n"))
                if message is not None:
                    self._note_source_message(message)
            log.flush()
        with contextlib.suppress(BrokenPipeError, OSError):
            sink.close()

    def _note_record(self, message: dict[str, Any], records: IO[bytes]) -> None:
        record = message.get("record") or {}
        stream = str(record.get("stream"))
        self.counters.records_by_stream[stream] += 1
        data = record.get("data")
        if isinstance(data, dict):
            digest = digest_record(stream, data, self.primary_keys.get(stream, []))
            records.write(orjson.dumps(digest) + b"\n")

    def _note_source_state(self, message: dict[str, Any]) -> None:
        state = message.get("state") or {}
        with self._pending_lock:
            self._pending.append(_PendingState(state_fingerprint(state), state_slot(state), state))
        self.counters.states_emitted += 1

    def _note_source_message(self, message: dict[str, Any]) -> None:
        if message["type"] == TRACE:
            error = trace_error_message(message)
            if error:
                self._error(f"source: {error}")
                self.reporter.connector_log("source", "ERROR", self.masker.mask(error))
            return
        if message["type"] != LOG:
            return
        event = structured_event(message)
        level = log_level(message)
        if event is not None:
            name = event.get("event")
            if name == SUMMARY_EVENT:
                self.outcome.source_summary = event
            elif name == SOURCE_PROBLEM_EVENT:  # every audit line names an action: source_rejected, source_flagged, …
                self._write_audit_event({**event, "action": f"source_{event.get('kind')}"}, role="source")
            elif name not in (SOURCE_FILE_EVENT, SOURCE_STREAM_EVENT):  # those stay in the source log only
                self._write_audit_event(event, role="source")
            if name != SOURCE_PROBLEM_EVENT or level not in WARNING_LEVELS:
                return
        if level in WARNING_LEVELS:  # a reject or flag is shown in its human words, like any source warning
            self.counters.source_problems += 1
            self.reporter.connector_log("source", level, self.masker.mask(human_text(log_text(message))))

    # -- destination side ----------------------------------------------------------------------------------------

    def _pump_destination(self, destination: subprocess.Popen[bytes]) -> None:
        stdout: IO[bytes] = destination.stdout  # type: ignore[assignment]
        with self.run_dir.log_path("destination").open("ab") as log:
            for line in stdout:
                log.write(self.masker.mask_bytes(line if line.endswith(b"\n") else line + b"\n"))
                message = parse_line(line)
                if message is None:
                    continue
                if message["type"] == STATE:
                    self._confirm_state(message.get("state") or {})
                elif message["type"] == LOG:
                    self._note_destination_log(message)
                elif message["type"] == TRACE:
                    error = trace_error_message(message)
                    if error:
                        self._error(f"destination: {error}")
                        self.reporter.connector_log("destination", "ERROR", self.masker.mask(error))
                log.flush()

    def _confirm_state(self, echoed: dict[str, Any]) -> None:
        fingerprint = state_fingerprint(echoed)
        slot = state_slot(echoed)
        with self._pending_lock:
            position = next((i for i, p in enumerate(self._pending) if p.fingerprint == fingerprint), None)
            if position is None:
                # Not byte-identical after the destination's round trip: fall back to the oldest state of the
                # same stream, which is the one a well-behaved destination echoes next.
                position = next((i for i, p in enumerate(self._pending) if p.slot == slot), None)
                if position is not None:
                    self._warning(f"the destination's echo of a {slot} state differs from what the source emitted")
            if position is None:
                confirmed: list[_PendingState] = []
            else:
                # An echo means everything before this state is durable, including earlier unechoed states.
                confirmed = [self._pending.popleft() for _ in range(position + 1)]
        if not confirmed:
            self._error(f"the destination echoed a {slot} state the source never emitted; it was not stored")
            return
        for pending in confirmed:
            self.on_state_confirmed(pending.state)
            self.counters.states_confirmed += 1

    def _note_destination_log(self, message: dict[str, Any]) -> None:
        event = structured_event(message)
        if event is None:
            level = log_level(message)
            if level in WARNING_LEVELS:
                self.reporter.connector_log("destination", level, self.masker.mask(log_text(message)))
            return
        if event.get("event") == SUMMARY_EVENT:
            self.outcome.destination_summary = event
            return
        if event.get("event") == AUDIT_EVENT:
            self._write_audit_event(event, role="destination")

    def _write_audit_event(self, event: dict[str, Any], role: str) -> None:
        stamped = {
            **event,
            "logged_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "role": role,
            "run_id": self.run_dir.run_id,
            "connection": self.run_dir.connection,
        }
        if role == "destination" and event.get("action"):
            self.counters.actions[str(event["action"])] += 1
        line = self.masker.mask_bytes(orjson.dumps(stamped)) + b"\n"
        with self._audit_lock:
            if self._audit_file is None:
                self._audit_file = self.run_dir.audit_path.open("ab")
            self._audit_file.write(line)
        self.reporter.audit_event(stamped)
