"""Start a connector as a real process, the way Airbyte does: `<command> <verb> --config f [--catalog f] [--state f]`.

Resolved configs are written to a private temporary folder (0700, files 0600) that is deleted when the run ends,
so a secret exists on disk only while the connector that needs it is running. Connectors run in their own process
group: a Ctrl-C in the terminal reaches the runner only, which then decides how to stop them cleanly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.secret_store import SECRETS_KEY_ENV


class ConnectorNotFoundError(Exception):
    """The connector executable is not installed where the runner looks."""


def resolve_executable(command: Sequence[str]) -> list[str]:
    """The venv's own bin folder first (so `make demo` works without an activated venv), then PATH."""
    program = command[0]
    if os.sep in program:
        return list(command)
    venv_bin = Path(sys.executable).parent / program
    if venv_bin.is_file() and os.access(venv_bin, os.X_OK):
        return [str(venv_bin), *command[1:]]
    found = shutil.which(program)
    if not found:
        raise ConnectorNotFoundError(
            f"connector command {program!r} not found in {venv_bin.parent} or on PATH (is its package installed?)"
        )
    return [found, *command[1:]]


class PrivateFiles:
    """A 0700 temporary folder for connector configs, catalogs and state; removed on exit."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="stampli-nav-"))

    def write_json(self, name: str, value: Any) -> Path:
        path = self.path / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(value))
        return path

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> PrivateFiles:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def connector_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # Least privilege: connectors get resolved values, never the key that unlocks every secret.
    env.pop(SECRETS_KEY_ENV, None)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


def start_connector(
    argv: Sequence[str], env: Mapping[str, str], stdin: int | IO[bytes] | None = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(argv),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        start_new_session=True,
    )


def pump_stderr(stream: IO[bytes], destination: Path, masker: SecretMasker) -> threading.Thread:
    """Copy a connector's stderr to a log file, masking secrets (tracebacks see raw values)."""

    def copy() -> None:
        with destination.open("ab") as log:
            for line in iter(stream.readline, b""):
                log.write(masker.mask_bytes(line))
                log.flush()

    thread = threading.Thread(target=copy, name=f"stderr:{destination.name}", daemon=True)
    thread.start()
    return thread
