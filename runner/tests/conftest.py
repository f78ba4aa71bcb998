"""Fixtures for the runner's own tests: hand-written protocol connectors run as real processes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stampli_nav_runner.connection import Connection, load_connection
from stampli_nav_runner.workspace import Workspace

FAKES = Path(__file__).parent / "fake_connectors"


def write_connection(
    folder: Path,
    source_config: dict[str, Any] | None = None,
    destination_config: dict[str, Any] | None = None,
    name: str = "fake",
    streams: list[Any] | None = None,
) -> Path:
    document: dict[str, Any] = {
        "name": name,
        "source": {"command": [sys.executable, str(FAKES / "fake_source.py")], "config": source_config or {}},
        "destination": {
            "command": [sys.executable, str(FAKES / "fake_destination.py")],
            "config": destination_config or {},
        },
    }
    if streams is not None:
        document["streams"] = streams
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "runs")


@pytest.fixture
def make_connection(tmp_path: Path):
    def make(**kwargs: Any) -> Connection:
        return load_connection(str(write_connection(tmp_path, **kwargs)))

    return make
