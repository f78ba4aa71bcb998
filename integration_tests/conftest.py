"""End-to-end fixtures: the demo's world (embedded SFTP with the sample Stampli exports, the BC emulator over HTTPS)
with the real connectors run as console scripts by the runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from stampli_nav_runner.demo.environment import DemoEnvironment, sample_exports

DATA = Path(__file__).parent / "data"
STAMPLI_NAV = Path(sys.executable).parent / "stampli-nav"


@pytest.fixture
def make_environment(tmp_path: Path) -> Iterator[Callable[..., DemoEnvironment]]:
    started: list[DemoEnvironment] = []

    def start(exports: list[str] | None = None, emulator_settings: dict[str, Any] | None = None) -> DemoEnvironment:
        files = sample_exports()
        if exports is not None:
            files = [path for path in files if path.name in exports]
            assert len(files) == len(exports), f"unknown sample export in {exports}"
        environment = DemoEnvironment(tmp_path / "demo", exports=files, emulator_settings=emulator_settings)
        environment.__enter__()
        started.append(environment)
        return environment

    yield start
    for environment in started:
        environment.close()


class EndToEnd:
    """Helpers the tests reach through the `e2e` fixture (importlib mode gives test modules no shared import path)."""

    data = DATA

    @staticmethod
    def stampli_nav(environment: DemoEnvironment, *args: str) -> subprocess.CompletedProcess[str]:
        return stampli_nav(environment, *args)

    @staticmethod
    def ledger_by_document(environment: DemoEnvironment) -> dict[str, list[dict[str, Any]]]:
        return ledger_by_document(environment)

    @staticmethod
    def posted_amount(entries: list[dict[str, Any]]) -> Decimal:
        return posted_amount(entries)

    @staticmethod
    def nav_vendors(environment: DemoEnvironment) -> dict[str, dict[str, Any]]:
        return nav_vendors(environment)


@pytest.fixture
def e2e() -> type[EndToEnd]:
    return EndToEnd


def stampli_nav(environment: DemoEnvironment, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console script, as a user runs it (secrets reach it as environment variables)."""
    return subprocess.run(
        [str(STAMPLI_NAV), "--runs-dir", str(environment.paths.runs), *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ),
        check=False,
    )


def ledger_by_document(environment: DemoEnvironment) -> dict[str, list[dict[str, Any]]]:
    """NAV's general ledger entries per document number, straight from the emulator's store."""
    company = environment.emulator.dump()["companies"][0]
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in company["generalLedgerEntries"]:
        entries[entry["documentNumber"]].append(entry)
    return dict(entries)


def posted_amount(entries: list[dict[str, Any]], payables_account: str = "2100") -> Decimal:
    """The expense side of one posted document: net debit on every account but the vendor payables account."""
    return sum(
        (
            Decimal(str(e["debitAmount"])) - Decimal(str(e["creditAmount"]))
            for e in entries
            if e["accountNumber"] != payables_account
        ),
        Decimal("0"),
    )


def nav_vendors(environment: DemoEnvironment) -> dict[str, dict[str, Any]]:
    company = environment.emulator.dump()["companies"][0]
    return {vendor["number"]: vendor for vendor in company["vendors"]}
