"""Fixtures for the emulator's own tests: raw HTTP clients on a running emulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.testing import onprem_client


@pytest.fixture
def api(bc_emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """Basic-auth client on the on-premises root of a CRONUS emulator."""
    with onprem_client(bc_emulator) as client:
        yield client


@pytest.fixture
def company(bc_emulator: EmulatorServer) -> str:
    """companies(<CRONUS id>) path prefix."""
    return f"companies({bc_emulator.company_id})"
