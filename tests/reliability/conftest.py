"""Reliability and security proof (issue 9): options and fixtures.

`--crash-trials N` sets how many crash-anywhere trials run (default 3 inside `make test`; `make reliability` runs
100) and `--crash-seed S` replays a given sequence of crash points (the seed is printed with every run).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # importlib mode: test modules import the shared harness as a top-level package

from reliability_harness.world import Deployment, World, open_world  # noqa: E402

DEFAULT_CRASH_TRIALS = 3


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reliability", "reliability proof (tests/reliability)")
    group.addoption(
        "--crash-trials",
        type=int,
        default=DEFAULT_CRASH_TRIALS,
        help=f"crash-anywhere trials to run (default {DEFAULT_CRASH_TRIALS}; `make reliability` runs 100)",
    )
    group.addoption(
        "--crash-seed",
        type=int,
        default=None,
        help="seed of the crash-anywhere random number generator (default: a fresh one, printed)",
    )


# -- results table ------------------------------------------------------------------------------------------------
# When a session runs nothing but this folder (`make reliability`), it ends with one line per proof: the suite's
# own pass/fail table, next to the crash harness's table (printed with -s) and the load run's.

_RESULTS: list[tuple[str, str, float]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if HERE.name in report.nodeid and (report.when == "call" or report.outcome != "passed"):
        outcome = "xfail" if hasattr(report, "wasxfail") else report.outcome
        _RESULTS.append(
            (report.nodeid, f"{outcome} ({report.when})" if report.when != "call" else outcome, report.duration)
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    items = getattr(terminalreporter, "_numcollected", 0)
    if not _RESULTS or items != len({nodeid for nodeid, _, _ in _RESULTS}):
        return  # part of a wider run (make test): the usual summary is enough
    terminalreporter.section("reliability and security proof (issue 9)")
    width = max(len(nodeid.split("::", 1)[1]) for nodeid, _, _ in _RESULTS)
    for module in sorted({nodeid.split("::")[0] for nodeid, _, _ in _RESULTS}):
        rows = [(n.split("::", 1)[1], o, d) for n, o, d in _RESULTS if n.startswith(module + "::")]
        passed = sum(1 for _, outcome, _ in rows if outcome == "passed")
        terminalreporter.write_line(f"{Path(module).name}: {passed}/{len(rows)} passed")
        for name, outcome, duration in rows:
            terminalreporter.write_line(f"  {name:<{width}}  {outcome:<16} {duration:6.1f}s")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """SFTP (password auth, host key pinned) + emulator over http with on-premises basic auth."""
    with open_world(tmp_path) as opened:
        yield opened


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """Open more worlds: make_world(deployment="cloud"), make_world(emulator_settings={"latency_ms": 15})."""
    with ExitStack() as stack:

        def make(deployment: Deployment = "on_premises", name: str = "world", **options: Any) -> World:
            return stack.enter_context(open_world(tmp_path / name, deployment=deployment, **options))

        yield make
