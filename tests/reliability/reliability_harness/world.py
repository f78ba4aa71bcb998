"""One Stampli SFTP folder and one NAV company, both real servers in this process, and connector configs for them.

Every credential is a fresh random value per world (the emulator's fixed public test values are replaced), so that
the security tests can look for each of them in everything a run prints.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bc_emulator import EmulatorServer, EmulatorSettings
from embedded_sftp import EmbeddedSftpServer

SFTP_USER = "stampli"
OUTBOUND = "outbound"
Deployment = Literal["on_premises", "cloud"]


@dataclass
class World:
    root: Path
    sftp: EmbeddedSftpServer
    emulator: EmulatorServer
    sftp_password: str
    deployment: Deployment = "on_premises"
    folder: str = f"/{OUTBOUND}"
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    # -- Stampli side ----------------------------------------------------------------------------------------
    @property
    def outbound(self) -> Path:
        return self.sftp.root / self.folder.strip("/")

    def place(self, name: str, content: bytes | str, mtime: datetime | None = None, folder: str | None = None) -> Path:
        """Drop one export file into the SFTP folder, with the modification time Stampli would have given it."""
        target_folder = self.sftp.root / (folder or self.folder).strip("/")
        target_folder.mkdir(parents=True, exist_ok=True)
        target = target_folder / name
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        if mtime is not None:
            os.utime(target, (mtime.timestamp(), mtime.timestamp()))
        return target

    def sftp_block(self, *, password: str | None = None, host_key: str | None = None) -> dict[str, Any]:
        return {
            "host": self.sftp.host,
            "port": self.sftp.port,
            "username": SFTP_USER,
            "credentials": {"auth_method": "password", "password": password or self.sftp_password},
            "host_key": host_key or self.sftp.host_key_line,
        }

    def source_config(self, **overrides: Any) -> dict[str, Any]:
        return {**self.sftp_block(), "folder": self.folder, **overrides}

    # -- NAV side --------------------------------------------------------------------------------------------
    @property
    def nav_secret(self) -> str:
        """The secret the destination authenticates with: the OAuth client secret or the web service access key."""
        if self.deployment == "cloud":
            return self.emulator.client_secret
        return self.emulator.basic_access_key

    def nav_block(self, *, secret: str | None = None) -> dict[str, Any]:
        emulator = self.emulator
        if self.deployment == "cloud":
            block: dict[str, Any] = {
                "deployment": {
                    "deployment_type": "cloud",
                    "tenant_id": emulator.tenant_id,
                    "environment": emulator.environment,
                    "client_id": emulator.client_id,
                    "client_secret": secret or emulator.client_secret,
                    "authority_url": emulator.url,  # the emulator plays Entra ID (MSAL needs https)
                },
                "api_base_url": emulator.api_base_url,
            }
        else:
            block = {
                "deployment": {
                    "deployment_type": "on_premises",
                    "server_url": emulator.url,
                    "server_instance": emulator.server_instance,
                    "auth": {
                        "auth_type": "basic",
                        "username": emulator.basic_username,
                        "web_service_access_key": secret or emulator.basic_access_key,
                    },
                }
            }
        block["company"] = emulator.company_name
        if emulator.ca_pem:
            block["ca_certificate"] = emulator.ca_pem
        return block

    def destination_config(self, **overrides: Any) -> dict[str, Any]:
        return {**self.nav_block(), "local_currency_code": "USD", "journal_batch": "STAMPLI", **overrides}

    def secrets(self) -> dict[str, str]:
        """Every secret a connection of this world is configured with (name -> value)."""
        return {"sftp_password": self.sftp_password, "nav_secret": self.nav_secret}

    def close(self) -> None:
        self._stack.close()


@contextmanager
def open_world(
    root: Path,
    *,
    deployment: Deployment = "on_premises",
    tls: bool | None = None,
    emulator_settings: dict[str, Any] | None = None,
) -> Iterator[World]:
    """Start both servers over `root`; cloud deployments need TLS (MSAL refuses an http authority)."""
    use_tls = deployment == "cloud" if tls is None else tls
    stack = ExitStack()
    try:
        password = secrets.token_urlsafe(18)
        sftp = stack.enter_context(EmbeddedSftpServer(root=root / "sftp", users={SFTP_USER: password}))
        (sftp.root / OUTBOUND).mkdir(parents=True, exist_ok=True)
        settings = EmulatorSettings(
            tls=use_tls,
            client_secret="cs-" + secrets.token_urlsafe(24),
            basic_access_key="ak-" + secrets.token_urlsafe(24),
            notification_delay_s=0.05,
            **(emulator_settings or {}),
        )
        emulator = stack.enter_context(EmulatorServer(settings, seed="cronus"))
        world = World(root=root, sftp=sftp, emulator=emulator, sftp_password=password, deployment=deployment)
        world._stack = stack
        yield world
    finally:
        stack.close()
