"""Syncs through the real runner (`stampli_nav_runner.SyncRunner`), with the connectors as processes.

The connection file is what a user writes: connector configs with secrets as `${env:…}` references, resolved by
the runner in memory. The runner stores only destination-confirmed state in `<runs>/<connection>/state.json`, so a
sync after a killed one starts exactly where the product would.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from reliability_harness.world import World
from stampli_nav_runner.connection import Connection, load_connection
from stampli_nav_runner.sync_run import SyncResult, SyncRunner
from stampli_nav_runner.workspace import Workspace

HERE = Path(__file__).resolve().parent
KILL_AFTER = HERE / "kill_after.py"
TEE_OUTPUTS = HERE / "tee_outputs.py"
SFTP_PASSWORD_ENV = "RELIABILITY_SFTP_PASSWORD"
NAV_SECRET_ENV = "RELIABILITY_NAV_SECRET"


def secret_environment(world: World) -> dict[str, str]:
    """The environment variables the connection files' `${env:…}` references read."""
    return {SFTP_PASSWORD_ENV: world.sftp_password, NAV_SECRET_ENV: world.nav_secret}


def kill_after(messages: int, delay_ms: int, report: Path, pid_file: Path | None = None) -> list[str]:
    """A command prefix that SIGKILLs the wrapped connector after `messages` input messages plus `delay_ms`
    (and writes its pid to `pid_file`, for a kill from outside)."""
    extra = ["--pid-file", str(pid_file)] if pid_file is not None else []
    return [sys.executable, str(KILL_AFTER), "--after", str(messages), "--delay-ms", str(delay_ms),
            "--report", str(report), *extra, "--"]  # fmt: skip


def tee_outputs(into: Path) -> list[str]:
    """A command prefix that keeps the wrapped connector's raw stdout and stderr in `into`."""
    return [sys.executable, str(TEE_OUTPUTS), "--into", str(into), "--"]


def _with_secret_references(world: World, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with every secret value replaced by its `${env:…}` reference (connection files hold no secrets)."""
    replacements = {
        world.sftp_password: f"${{env:{SFTP_PASSWORD_ENV}}}",
        world.nav_secret: f"${{env:{NAV_SECRET_ENV}}}",
    }

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and value in replacements:
            return replacements[value]
        return value

    return walk(dict(config))  # type: ignore[no-any-return]


class RunnerConnections:
    """Connection files and a runs folder for one world; `sync(...)` runs one through the runner."""

    def __init__(self, world: World, root: Path) -> None:
        self.world = world
        self.root = root
        self.connections = root / "connections"
        self.runs = root / "runs"
        self.connections.mkdir(parents=True, exist_ok=True)
        self.workspace = Workspace(self.runs)

    def forward(
        self,
        *,
        name: str = "forward",
        streams: Sequence[str] = ("vendors", "gl_accounts", "invoices"),
        source_wrapper: Sequence[str] = (),
        destination_wrapper: Sequence[str] = (),
        source: Mapping[str, Any] | None = None,
        destination: Mapping[str, Any] | None = None,
    ) -> Connection:
        """Write (or rewrite) the forward connection file and load it as the runner would."""
        document = {
            "name": name,
            "source": {
                "command": [*source_wrapper, "source-stampli-sftp"],
                "config": _with_secret_references(self.world, source or self.world.source_config()),
            },
            "destination": {
                "command": [*destination_wrapper, "destination-dynamics-nav"],
                "config": _with_secret_references(self.world, destination or self.world.destination_config()),
            },
            "streams": list(streams),
        }
        return self._write(name, document)

    def reverse(self, *, name: str = "reverse", wrapper: Sequence[str] = (), folder: str = "/inbound") -> Connection:
        document = {
            "name": name,
            "source": {
                "command": [*wrapper, "source-dynamics-nav"],
                "config": _with_secret_references(self.world, self.world.nav_block()),
            },
            "destination": {
                "command": [*wrapper, "destination-stampli-sftp"],
                "config": _with_secret_references(self.world, {**self.world.sftp_block(), "folder": folder}),
            },
            "streams": ["vendors", "gl_accounts", "dimensions", "dimension_values"],
        }
        return self._write(name, document)

    def _write(self, name: str, document: dict[str, Any]) -> Connection:
        path = self.connections / f"{name}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False, width=120), encoding="utf-8")
        return load_connection(str(path))

    def sync(self, connection: Connection) -> SyncResult:
        missing = [name for name in (SFTP_PASSWORD_ENV, NAV_SECRET_ENV) if name not in os.environ]
        assert not missing, f"set {missing} (reliability_harness.processes.secret_environment) before syncing"
        return SyncRunner(self.workspace).run(connection)
