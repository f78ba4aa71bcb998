"""pytest fixtures for the Business Central emulator (registered in the repository's root conftest.py).

- `bc_emulator`: a running emulator with the CRONUS seed and default settings (fresh per test).
- `bc_emulator_factory(seed="cronus", **settings)`: start emulators with other settings or seeds.
- `webhook_receiver`: a local subscriber endpoint for webhook tests (see bc_emulator.testing).
- `nav_emulator`: a classic NAV 2018 server (bc_version="nav2018", CRONUS seed): OData V4 page web services at
  `nav_emulator.odata_v4_url`, basic (`basic_username`/`basic_access_key`) and NTLM (`ntlm_username`/`ntlm_password`).
  Other NAV settings: `bc_emulator_factory(bc_version="nav2018", nav_auth="ntlm", nav_published_services={...})`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bc_emulator.seeding import SeedSource
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings
from bc_emulator.testing import WebhookReceiver

# Webhook coalescing is 30 s in BC; tests want it in milliseconds.
_TEST_DEFAULTS: dict[str, Any] = {"notification_delay_s": 0.05}


@pytest.fixture
def bc_emulator_factory() -> Iterator[Callable[..., EmulatorServer]]:
    started: list[EmulatorServer] = []

    def make(seed: SeedSource = "cronus", **settings: Any) -> EmulatorServer:
        server = EmulatorServer(EmulatorSettings(**{**_TEST_DEFAULTS, **settings}), seed=seed)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def bc_emulator(bc_emulator_factory: Callable[..., EmulatorServer]) -> EmulatorServer:
    return bc_emulator_factory()


@pytest.fixture
def nav_emulator(bc_emulator_factory: Callable[..., EmulatorServer]) -> EmulatorServer:
    return bc_emulator_factory(bc_version="nav2018")


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
