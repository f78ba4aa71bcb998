"""One sync (or replay) of a connection, from resolving its secrets to the run record on disk."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stampli_nav_runner.atomic_files import write_json_atomic
from stampli_nav_runner.catalog import CatalogError, configure_catalog, primary_keys
from stampli_nav_runner.connection import Connection, StreamSelection, parse_interval
from stampli_nav_runner.connection_state import ConnectionState
from stampli_nav_runner.connector_process import (
    ConnectorNotFoundError,
    PrivateFiles,
    connector_environment,
    resolve_executable,
)
from stampli_nav_runner.discovery import ConnectorCommandError, discover_catalog
from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.pipeline import ConnectorPipeline, PipelineCommand, PipelineOutcome
from stampli_nav_runner.progress import ProgressReporter, SilentProgress, format_counts
from stampli_nav_runner.secret_references import SecretReferenceError, SecretResolver
from stampli_nav_runner.secret_store import SecretStoreError
from stampli_nav_runner.sync_counters import SyncCounters
from stampli_nav_runner.workspace import RunDirectory, Workspace

SUCCEEDED = "succeeded"
FAILED = "failed"
STOPPED = "stopped"


def utc_now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class SyncRequest:
    kind: str = "sync"  # "sync" | "replay"
    start_state: ConnectionState | None = None  # None: the connection's current confirmed state
    start_state_origin: str = "current state"
    full_refresh_streams: Sequence[str] = ()
    only_streams: Sequence[str] | None = None
    refresh_schema: bool = False


@dataclass
class SyncResult:
    connection: str
    run_id: str
    kind: str
    status: str
    started_at: str
    finished_at: str
    duration_seconds: float
    records_by_stream: dict[str, int] = field(default_factory=dict)
    states_emitted: int = 0
    states_confirmed: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    start_state_origin: str = "current state"
    full_refresh_streams: list[str] = field(default_factory=list)
    destination_summary: dict[str, Any] | None = None
    source_summary: dict[str, Any] | None = None
    source_exit: int | None = None
    destination_exit: int | None = None
    run_dir: str = ""
    connection_file: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def records(self) -> int:
        return sum(self.records_by_stream.values())

    def to_record(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items()}

    def summary_lines(self) -> list[str]:
        lines = [
            f"{self.kind} {self.status} in {self.duration_seconds:.1f}s: {self.records:,} records "
            f"({format_counts(self.records_by_stream)}), state {self.states_confirmed}/{self.states_emitted} confirmed",
        ]
        if self.actions:
            lines.append(f"  destination: {format_counts(self.actions)}")
        lines.extend(f"  error: {error}" for error in self.errors)
        lines.append(f"  logs: {self.run_dir}")
        return lines


class SyncRunner:
    """Runs syncs of connections inside one workspace; safe to call repeatedly (the scheduler does)."""

    def __init__(
        self,
        workspace: Workspace,
        resolver: SecretResolver | None = None,
        reporter: ProgressReporter | None = None,
        abort_requested: threading.Event | None = None,
        kill_requested: threading.Event | None = None,
    ) -> None:
        self.workspace = workspace
        self.resolver = resolver or SecretResolver()
        self.reporter: ProgressReporter = reporter or SilentProgress()
        self.abort_requested = abort_requested or threading.Event()
        self.kill_requested = kill_requested or threading.Event()

    def run(self, connection: Connection, request: SyncRequest | None = None) -> SyncResult:
        request = request or SyncRequest()
        run_dir = self.workspace.new_run(connection.name)
        counters = SyncCounters()
        started_at = utc_now_text()
        description = request.kind if request.kind != "replay" else f"replay from {request.start_state_origin}"
        if request.full_refresh_streams:
            description += f", full refresh of {', '.join(request.full_refresh_streams)}"
        self.reporter.run_started(connection.name, run_dir.run_id, description)
        outcome = PipelineOutcome()
        masker = SecretMasker()
        try:
            outcome = self._run_pipeline(connection, request, run_dir, counters, masker)
        except (
            SecretReferenceError,
            SecretStoreError,
            ConnectorCommandError,
            ConnectorNotFoundError,
            CatalogError,
            OSError,
            ValueError,
        ) as exc:
            outcome.errors.append(masker.mask(str(exc)))
        if outcome.stopped:
            status = STOPPED
        elif outcome.errors:
            status = FAILED
        else:
            status = SUCCEEDED
        result = SyncResult(
            connection=connection.name,
            run_id=run_dir.run_id,
            kind=request.kind,
            status=status,
            started_at=started_at,
            finished_at=utc_now_text(),
            duration_seconds=round(counters.elapsed_seconds, 3),
            records_by_stream=dict(counters.records_by_stream),
            states_emitted=counters.states_emitted,
            states_confirmed=counters.states_confirmed,
            actions=dict(counters.actions),
            errors=outcome.errors,
            warnings=outcome.warnings,
            start_state_origin=request.start_state_origin,
            full_refresh_streams=list(request.full_refresh_streams),
            destination_summary=outcome.destination_summary,
            source_summary=outcome.source_summary,
            source_exit=outcome.source_exit,
            destination_exit=outcome.destination_exit,
            run_dir=str(run_dir.path),
            connection_file=str(connection.file) if connection.file else None,
        )
        run_dir.write_record(result.to_record())
        if connection.keep_runs:
            self.workspace.prune_runs(connection.name, keep=connection.keep_runs)
        self.reporter.run_finished(result.summary_lines())
        return result

    def _run_pipeline(
        self,
        connection: Connection,
        request: SyncRequest,
        run_dir: RunDirectory,
        counters: SyncCounters,
        masker: SecretMasker,
    ) -> PipelineOutcome:
        counters.phase = "resolving secrets"
        source_config = self.resolver.resolve(connection.source.config)
        destination_config = self.resolver.resolve(connection.destination.config)
        source_env = self.resolver.resolve(connection.source.env)
        destination_env = self.resolver.resolve(connection.destination.env)
        for resolved in (source_config, destination_config, source_env, destination_env):
            masker.add(resolved.secret_values)

        counters.phase = "discovering streams"
        discovered = discover_catalog(
            connection.source,
            source_config.config,
            masker,
            cache_path=self.workspace.discovered_catalog_path(connection.name),
            refresh=request.refresh_schema,
            log_path=run_dir.log_path("source"),
        )
        selections = connection.streams
        if request.only_streams is not None:
            base = selections if selections is not None else [StreamSelection(name=n) for n in request.only_streams]
            selections = [selection for selection in base if selection.name in request.only_streams]
            missing = set(request.only_streams) - {selection.name for selection in selections}
            if missing:
                raise CatalogError(f"{', '.join(sorted(missing))} is not a stream of connection {connection.name}")
        configured = configure_catalog(discovered, selections, request.full_refresh_streams)
        write_json_atomic(run_dir.catalog_path, configured)

        state_path = self.workspace.state_path(connection.name)
        current = ConnectionState.load(state_path)
        start = request.start_state if request.start_state is not None else current
        start = start.without_streams(request.full_refresh_streams)
        start.save(run_dir.state_in_path)

        def confirm(state: dict[str, Any]) -> None:
            current.apply(state)
            current.save(state_path)

        with PrivateFiles() as private:
            source_argv = [
                *resolve_executable(connection.source.command),
                "read",
                "--config",
                str(private.write_json("source_config.json", source_config.config)),
                "--catalog",
                str(private.write_json("catalog.json", configured)),
            ]
            if start:
                source_argv += ["--state", str(private.write_json("state.json", start.messages()))]
            destination_argv = [
                *resolve_executable(connection.destination.command),
                "write",
                "--config",
                str(private.write_json("destination_config.json", destination_config.config)),
                "--catalog",
                str(private.write_json("catalog.json", configured)),
            ]
            pipeline = ConnectorPipeline(
                run_dir=run_dir,
                source=PipelineCommand(source_argv, connector_environment(source_env.config)),
                destination=PipelineCommand(destination_argv, connector_environment(destination_env.config)),
                primary_keys=primary_keys(configured),
                masker=masker,
                counters=counters,
                reporter=self.reporter,
                on_state_confirmed=confirm,
                abort_requested=self.abort_requested,
                kill_requested=self.kill_requested,
                timeout_seconds=parse_interval(connection.timeout) if connection.timeout else None,
            )
            outcome = pipeline.run()
        current.save(run_dir.state_out_path)
        return outcome
