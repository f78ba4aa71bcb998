"""Connection files: which source feeds which destination, with what config, streams and schedule.

A connection is a small YAML (or JSON) file. Secret values are references (`${env:NAME}`, `${secret:name}`),
resolved in memory for each run; see secret_references.py.

```yaml
name: forward
source:
  command: source-stampli-sftp
  config: {host: sftp.example.com, username: acme, credentials: {auth_method: password, password: "${secret:sftp}"}}
destination:
  command: destination-dynamics-nav
  config: {company: "CRONUS USA, Inc.", deployment: {...}}
streams: [invoices, vendors]          # default: every stream the source discovers
schedule: 15m                         # used by `sync --every` when no interval is given
```
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

CONNECTIONS_DIR_ENV = "STAMPLI_NAV_CONNECTIONS_DIR"
DEFAULT_CONNECTIONS_DIR = Path("connections")
CONNECTION_FILE_SUFFIXES = (".yaml", ".yml", ".json")
INTERVAL_PATTERN = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class ConnectionFileError(Exception):
    """A connection file is missing or invalid."""


class ConnectorCommand(BaseModel):
    """How to start one connector: an executable (console script or path) plus its config."""

    model_config = ConfigDict(extra="forbid")

    command: list[str] = Field(min_length=1, description="argv prefix, e.g. ['source-stampli-sftp']")
    config: dict[str, Any] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict, description="extra environment for the connector process")

    @field_validator("command", mode="before")
    @classmethod
    def split_command_string(cls, value: Any) -> Any:
        return shlex.split(value) if isinstance(value, str) else value


class StreamSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    # None: incremental when the source supports it, else full refresh.
    sync_mode: Literal["incremental", "full_refresh"] | None = None
    # None: append_dedup when the stream has a primary key, else append.
    destination_sync_mode: Literal["append", "append_dedup", "overwrite"] | None = None
    cursor_field: list[str] | None = None


class Connection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
    description: str | None = None
    source: ConnectorCommand
    destination: ConnectorCommand
    streams: list[StreamSelection] | None = None
    schedule: str | None = Field(default=None, description="default interval for `sync --every`, e.g. 15m")
    timeout: str | None = Field(default=None, description="end a sync that runs longer than this, e.g. 2h")
    keep_runs: int | None = Field(default=None, ge=1, description="keep the logs of the last N runs (default: all)")
    _file: Path | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path | None:
        """The file this connection was loaded from (kept in run records so `report` can find it again)."""
        return self._file

    @field_validator("streams", mode="before")
    @classmethod
    def accept_stream_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("schedule", "timeout")
    @classmethod
    def schedule_is_an_interval(cls, value: str | None) -> str | None:
        if value is not None:
            parse_interval(value)
        return value

    def stream_names(self) -> list[str] | None:
        return None if self.streams is None else [stream.name for stream in self.streams]


def parse_interval(text: str) -> float:
    """'15m' → 900.0; accepts h/m/s combinations ('1h30m') or plain seconds ('90')."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned.isdigit():
        seconds = int(cleaned)
    else:
        match = INTERVAL_PATTERN.match(cleaned)
        if not match or not any(match.groups()):
            raise ValueError(f"{text!r} is not an interval such as 30s, 15m, 1h or 1h30m")
        hours, minutes, secs = (int(group or 0) for group in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds <= 0:
        raise ValueError(f"interval {text!r} must be longer than zero")
    return float(seconds)


def connections_dir() -> Path:
    return Path(os.environ.get(CONNECTIONS_DIR_ENV) or DEFAULT_CONNECTIONS_DIR)


def resolve_connection_path(reference: str) -> Path:
    """A path to a connection file, or a bare name looked up as connections/<name>.yaml|.yml|.json."""
    candidate = Path(reference)
    if candidate.suffix in CONNECTION_FILE_SUFFIXES or os.sep in reference:
        if candidate.is_file():
            return candidate
        raise ConnectionFileError(f"connection file {candidate} does not exist")
    for suffix in CONNECTION_FILE_SUFFIXES:
        path = connections_dir() / f"{reference}{suffix}"
        if path.is_file():
            return path
    raise ConnectionFileError(
        f"no connection named {reference!r}: looked for {connections_dir()}/{reference}.yaml|.yml|.json "
        f"(set {CONNECTIONS_DIR_ENV} or pass a file path)"
    )


def load_connection(reference: str) -> Connection:
    path = resolve_connection_path(reference)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConnectionFileError(f"{path} is not valid YAML/JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConnectionFileError(f"{path} must hold a mapping with name, source, destination")
    raw.setdefault("name", path.stem)
    try:
        connection = Connection.model_validate(raw)
    except ValidationError as exc:
        # Pydantic echoes input values; connection files hold references, not secrets, so this is safe to show.
        raise ConnectionFileError(f"{path} is not a valid connection: {exc}") from exc
    connection._file = path.resolve()
    return connection
