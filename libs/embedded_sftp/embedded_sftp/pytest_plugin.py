"""pytest fixtures: a running embedded SFTP server over a temporary root, and a source config pointing at it.

Registered in the repository's root conftest.py. Fixtures:
- `sftp_client_key` (session): an Ed25519 client key pair, authorized for the fixture user.
- `sftp_server`: a running `TestSftpServer` (an `EmbeddedSftpServer` with `username`, `password`,
  `client_key`, `outbound` and `source_config()`); the root holds an empty `outbound/` folder.
- `sftp_source_config`: a valid source-stampli-sftp config dict for `sftp_server` (password auth, host key pinned).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from embedded_sftp.keys import ClientKeyPair, generate_client_key_pair
from embedded_sftp.server import EmbeddedSftpServer

FIXTURE_USER = "stampli"


class TestSftpServer(EmbeddedSftpServer):
    """The fixture server plus the credentials it accepts."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, root: Path, password: str, client_key: ClientKeyPair, username: str = FIXTURE_USER) -> None:
        super().__init__(
            root=root, users={username: password}, authorized_keys={username: [client_key.public_key_line]}
        )
        self.username = username
        self.password = password
        self.client_key = client_key
        self.outbound = self.root / "outbound"
        self.outbound.mkdir(parents=True, exist_ok=True)

    def connection_config(self, *, auth: str = "password", pin_host_key: bool = True) -> dict[str, Any]:
        """The shared SFTP config block (`host, port, username, credentials, host_key`)."""
        if auth == "password":
            credentials: dict[str, Any] = {"auth_method": "password", "password": self.password}
        elif auth == "private_key":
            credentials = {"auth_method": "private_key", "private_key": self.client_key.private_key}
            if self.client_key.passphrase:
                credentials["passphrase"] = self.client_key.passphrase
        else:
            raise ValueError(f"unknown auth {auth!r}")
        config: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "credentials": credentials,
        }
        if pin_host_key:
            config["host_key"] = self.host_key_line
        return config

    def source_config(self, **overrides: Any) -> dict[str, Any]:
        """A valid source-stampli-sftp config for this server; keyword arguments override top-level fields."""
        config = self.connection_config()
        config["folder"] = "/outbound"
        config.update(overrides)
        return config


@pytest.fixture(scope="session")
def sftp_client_key() -> ClientKeyPair:
    return generate_client_key_pair("ed25519")


@pytest.fixture
def sftp_server(tmp_path: Path, sftp_client_key: ClientKeyPair) -> Iterator[TestSftpServer]:
    server = TestSftpServer(root=tmp_path / "sftp-root", password=secrets.token_urlsafe(12), client_key=sftp_client_key)
    with server:
        yield server


@pytest.fixture
def sftp_source_config(sftp_server: TestSftpServer) -> dict[str, Any]:
    return sftp_server.source_config()
