"""`check` answers a person waiting: a refused connection fails fast with the same helpful message."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

from airbyte_cdk.models import Status

from source_dynamics_nav.source import SourceDynamicsNav


def _refused_port() -> int:
    """A port that was free a moment ago: nothing listens there, so a connect is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_on_a_refused_port_fails_within_3_seconds_with_the_hint(config: dict[str, Any]) -> None:
    config["deployment"]["server_url"] = f"http://127.0.0.1:{_refused_port()}"
    started = time.monotonic()
    status = SourceDynamicsNav().check(logging.getLogger("airbyte"), config)
    elapsed = time.monotonic() - started
    assert status.status == Status.FAILED
    assert "cannot reach http://127.0.0.1:" in (status.message or "")
    assert "ApiServicesEnabled" in (status.message or "")
    assert elapsed < 3.0, f"check took {elapsed:.1f}s on a refused connection"


def test_check_still_passes_against_a_listening_server(config: dict[str, Any]) -> None:
    status = SourceDynamicsNav().check(logging.getLogger("airbyte"), config)
    assert status.status == Status.SUCCEEDED, status.message
