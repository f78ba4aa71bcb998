"""Fixtures for running the four connectors under PyAirbyte (`make pyairbyte-test`, its own virtualenv).

This virtualenv holds PyAirbyte and pytest only. The connectors are the console scripts of the repository's
`.venv` (`STAMPLI_NAV_VENV`, default `<repo>/.venv`), given to PyAirbyte as `local_executable`; the embedded SFTP
server and the BC emulator run in a separate process of that `.venv` (world.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

# PyAirbyte reads these when imported: no registry look-ups or telemetry (the connectors are local executables).
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REPO_VENV = Path(os.environ.get("STAMPLI_NAV_VENV") or REPO / ".venv")

# Fields that differ between two runs whatever the client (new ids, run times, entry order): not compared.
VOLATILE = frozenset({"id", "lastModifiedDateTime", "entryNumber", "transactionNumber", "accountId", "systemId"})


def connector(name: str) -> str:
    path = REPO_VENV / "bin" / name
    assert path.exists(), f"{path} is missing: run `make install` first (make pyairbyte-test does)"
    return str(path)


@dataclass
class World:
    """One embedded SFTP server with the sample Stampli exports and one emulated NAV company."""

    root: Path
    info: dict[str, Any]

    @property
    def sftp_root(self) -> Path:
        return Path(self.info["sftp_root"])

    def nav_dump(self) -> dict[str, Any]:
        context = ssl.create_default_context(cadata=self.info["ca_pem"])
        with urllib.request.urlopen(f"{self.info['emulator_url']}/_emulator/dump", context=context) as answer:
            return json.load(answer)["companies"][0]

    def postings(self) -> dict[str, list[tuple[tuple[str, str], ...]]]:
        """NAV's G/L and vendor ledger entries and vendors, without ids and times, amounts as exact decimals."""
        company = self.nav_dump()
        return {
            table: sorted(_comparable(row) for row in company[table])
            for table in ("generalLedgerEntries", "vendorLedgerEntries", "vendors")
        }

    def import_files(self) -> dict[str, list[dict[str, str]]]:
        """The rows of every import file in /inbound, per stream (file names carry a time and differ)."""
        rows: dict[str, list[dict[str, str]]] = {}
        for path in sorted(p for p in (self.sftp_root / "inbound").iterdir() if p.is_file()):
            stream = path.name.rsplit("_", 2)[0]
            rows.setdefault(stream, []).extend(csv.DictReader(io.StringIO(path.read_text("utf-8"), newline="")))
        return rows

    def manifest_keys(self, stream: str) -> set[str]:
        path = self.sftp_root / "inbound" / ".stampli-nav" / f"{stream}.manifest.json"
        return set(json.loads(path.read_text("utf-8"))["rows"]) if path.exists() else set()


def _comparable(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    def text(value: Any) -> str:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return str(Decimal(str(value)).normalize())
        return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)

    return tuple(sorted((key, text(value)) for key, value in row.items() if key not in VOLATILE))


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[Callable[[str], World]]:
    started: list[subprocess.Popen[str]] = []

    def start(name: str) -> World:
        root = tmp_path / name
        root.mkdir()
        process = subprocess.Popen(
            [str(REPO_VENV / "bin" / "python"), str(HERE / "world.py"), str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", f"world.py did not start (said {line!r})"
        return World(root=root, info=json.loads((root / "world.json").read_text("utf-8")))

    yield start
    for process in started:
        assert process.stdin is not None
        process.stdin.close()  # world.py stops its servers when its standard input closes
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def use_cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Put PyAirbyte's default cache (`<root>/default_cache/default_cache.duckdb`, which also keeps the state of
    `cache=False` syncs) in a folder of its own, so that one run's cached records and state never feed another's
    (AIRBYTE_CACHE_ROOT is read once, at import; the module attribute is what `get_default_cache` uses)."""
    import airbyte.caches.util

    def use(name: str) -> Path:
        root = tmp_path / f"pyairbyte-cache-{name}"
        monkeypatch.setattr(airbyte.caches.util, "DEFAULT_CACHE_ROOT", root)
        return root

    return use


@pytest.fixture
def python_executable(tmp_path: Path) -> Callable[[str, Path], str]:
    """A local executable that runs a Python script with this virtualenv's interpreter (PyAirbyte runs a path)."""

    def make(name: str, script: Path) -> str:
        path = tmp_path / name
        path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n', encoding="utf-8")
        path.chmod(0o755)
        return str(path)

    return make
