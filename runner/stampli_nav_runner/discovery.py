"""Run the short connector commands (`discover`, `check`) and cache the discovered catalog.

Discovery costs a process start and an SFTP/API round trip, so its result is cached per connection and reused
while the source command and its (unresolved) config stay the same; `--refresh-schema` forces a new discover.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from stampli_nav_runner.airbyte_messages import CATALOG, CONNECTION_STATUS, LOG, TRACE, parse_line, trace_error_message
from stampli_nav_runner.atomic_files import read_json, write_json_atomic
from stampli_nav_runner.connection import ConnectorCommand
from stampli_nav_runner.connector_process import PrivateFiles, connector_environment, resolve_executable
from stampli_nav_runner.masking import SecretMasker

COMMAND_TIMEOUT_SECONDS = 300.0


class ConnectorCommandError(Exception):
    """A connector command failed; the message carries the connector's own error (masked)."""


@dataclass
class CommandOutput:
    messages: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exit_code: int = 0

    def first(self, message_type: str) -> dict[str, Any] | None:
        return next((message for message in self.messages if message.get("type") == message_type), None)


def run_connector_command(
    connector: ConnectorCommand,
    resolved_config: Mapping[str, Any],
    verb: str,
    masker: SecretMasker,
    log_path: Path | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> CommandOutput:
    argv = resolve_executable(connector.command)
    with PrivateFiles() as private:
        config_path = private.write_json("config.json", dict(resolved_config))
        try:
            completed = subprocess.run(
                [*argv, verb, "--config", str(config_path)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=connector_environment(connector.env),
                timeout=timeout,
                check=False,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConnectorCommandError(
                f"{verb} did not finish within {timeout:.0f}s (is the server reachable?)"
            ) from exc
    output = CommandOutput(exit_code=completed.returncode)
    log_lines: list[bytes] = []
    for line in completed.stdout.splitlines():
        message = parse_line(line)
        if message is None:
            log_lines.append(masker.mask_bytes(line))
            continue
        if message["type"] in (LOG, TRACE):
            log_lines.append(masker.mask_bytes(line))
        if message["type"] == TRACE and (error := trace_error_message(message)):
            output.errors.append(masker.mask(error))
        output.messages.append(message)
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            for line in log_lines:
                log.write(line + b"\n")
            if completed.stderr:
                log.write(masker.mask_bytes(completed.stderr))
    if completed.returncode != 0 and not output.errors:
        stderr_lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = masker.mask(stderr_lines[-1]) if stderr_lines else "no output on stderr"
        output.errors.append(f"{verb} exited with code {completed.returncode}: {tail}")
    return output


def catalog_fingerprint(connector: ConnectorCommand) -> str:
    # Unresolved config: references, not values, so the cache file reveals nothing and survives key rotation.
    payload = orjson.dumps({"command": connector.command, "config": connector.config}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


def discover_catalog(
    connector: ConnectorCommand,
    resolved_config: Mapping[str, Any],
    masker: SecretMasker,
    cache_path: Path,
    refresh: bool = False,
    log_path: Path | None = None,
) -> dict[str, Any]:
    fingerprint = catalog_fingerprint(connector)
    cached = read_json(cache_path, default=None)
    if not refresh and isinstance(cached, dict) and cached.get("fingerprint") == fingerprint:
        return cached["catalog"]
    output = run_connector_command(connector, resolved_config, "discover", masker, log_path=log_path)
    catalog_message = output.first(CATALOG)
    if catalog_message is None or output.exit_code != 0:
        reason = "; ".join(output.errors) or f"discover exited with code {output.exit_code} and no catalog"
        raise ConnectorCommandError(f"discover failed: {reason}")
    catalog = catalog_message["catalog"]
    write_json_atomic(cache_path, {"fingerprint": fingerprint, "catalog": catalog})
    return catalog


def check_connector(
    connector: ConnectorCommand, resolved_config: Mapping[str, Any], masker: SecretMasker
) -> tuple[bool, str]:
    output = run_connector_command(connector, resolved_config, "check", masker)
    status = output.first(CONNECTION_STATUS)
    if status is None:
        return False, "; ".join(output.errors) or "check returned no CONNECTION_STATUS"
    outcome = status.get("connectionStatus") or {}
    return outcome.get("status") == "SUCCEEDED", masker.mask(str(outcome.get("message") or ""))
