"""The demo's world on one machine: Stampli's SFTP folder and a Business Central company, both as real servers.

- The embedded SFTP server (libs/embedded_sftp) serves a copy of the sample Stampli exports in demo/data/outbound,
  with each file's modification time set from the timestamp in its name, as Stampli would have written them.
- The BC emulator (libs/bc_emulator) serves the "cronus" company over HTTPS with its own throw-away CA.
- Two connection files reference their secrets, never hold them: the SFTP password as ${env:…} (a value only in
  this process's environment) and the NAV client secret as ${secret:…} (an encrypted secrets file under the demo
  folder, whose Fernet key exists only in this process's environment), the two ways docs/runner.md describes.

The integration tests use the same environment, so the demo data is exercised by `make test` too.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from stampli_nav_runner.connection_lock import ConnectionLock
from stampli_nav_runner.secret_store import SECRETS_FILE_ENV, SECRETS_KEY_ENV, SecretStore, generate_key

SFTP_USER = "stampli"
SFTP_PASSWORD_ENV = "STAMPLI_DEMO_SFTP_PASSWORD"
NAV_CLIENT_SECRET_NAME = "nav_client_secret"
OUTBOUND = "outbound"
INBOUND = "inbound"
FILE_TIMESTAMP = re.compile(r"_(\d{8})_(\d{4})\.")
COMPANY = "CRONUS USA, Inc."
LOCK_NAME = ".lock"


def sample_exports() -> list[Path]:
    """The sample Stampli export files shipped with the runner (also used by the integration tests)."""
    folder = resources.files("stampli_nav_runner.demo") / "data" / OUTBOUND
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.is_file())


def golive_exports() -> list[Path]:
    """Stampli exports keyed by Stampli's own vendor ids (S-…), for the go-live part of the demo (issue 15): two
    vendors NAV already has under its V-numbers, one new vendor, and an invoice for each side."""
    folder = resources.files("stampli_nav_runner.demo") / "data" / "golive"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.is_file())


def export_timestamp(name: str) -> datetime | None:
    """`invoices_20261124_1400.xml` → 2026-11-24 14:00 UTC: when Stampli wrote the file."""
    match = FILE_TIMESTAMP.search(name)
    if not match:
        return None
    return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M").replace(tzinfo=UTC)


def place_export(source: Path, folder: Path, mtime: datetime | None = None) -> Path:
    """Copy one export into the SFTP folder with the modification time Stampli would have given it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    moment = mtime or export_timestamp(source.name)
    if moment is not None:
        stamp = moment.timestamp()
        os.utime(target, (stamp, stamp))
    return target


class _ReadableDumper(yaml.SafeDumper):
    """YAML a person can read: multi-line values (the CA certificate) as literal blocks."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_ReadableDumper.add_representer(str, _represent_text)


@dataclass
class DemoPaths:
    root: Path

    @property
    def sftp_root(self) -> Path:
        return self.root / "sftp"

    @property
    def outbound(self) -> Path:
        return self.sftp_root / OUTBOUND

    @property
    def inbound(self) -> Path:
        return self.sftp_root / INBOUND

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def connections(self) -> Path:
        return self.root / "connections"

    @property
    def report(self) -> Path:
        return self.root / "reconciliation.html"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets" / "stampli-nav.secrets"


class DemoEnvironment:
    """Start with `with DemoEnvironment(Path('.demo')) as env:`; everything stops when the block ends."""

    def __init__(
        self,
        root: Path,
        *,
        exports: list[Path] | None = None,
        fresh: bool = True,
        emulator_settings: dict[str, Any] | None = None,
    ) -> None:
        self.paths = DemoPaths(root.resolve())
        self.exports = sample_exports() if exports is None else exports
        self.fresh = fresh
        self.emulator_settings = emulator_settings or {}
        self._stack = ExitStack()
        self._saved_env: dict[str, str | None] = {}
        self.sftp: Any = None
        self.emulator: Any = None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def __enter__(self) -> DemoEnvironment:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _set_env(self, name: str, value: str) -> None:
        self._saved_env.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def _start(self) -> None:
        # Imported here: the demo extras are needed only when the demo (or an end-to-end test) actually runs.
        from bc_emulator import EmulatorServer, EmulatorSettings
        from embedded_sftp import EmbeddedSftpServer

        paths = self.paths
        # One demo per folder: a second one would wipe the first one's servers' files and mix their runs.
        paths.root.mkdir(parents=True, exist_ok=True)
        self._stack.enter_context(ConnectionLock(paths.root / LOCK_NAME, str(paths.root), kind="demo folder"))
        if self.fresh:
            for entry in paths.root.iterdir():
                if entry.name != LOCK_NAME:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for folder in (paths.outbound, paths.inbound, paths.runs, paths.connections):
            folder.mkdir(parents=True, exist_ok=True)
        for export in self.exports:
            place_export(export, paths.outbound)

        sftp_password = secrets.token_urlsafe(18)
        self._set_env(SFTP_PASSWORD_ENV, sftp_password)
        self.sftp = self._stack.enter_context(
            EmbeddedSftpServer(root=paths.sftp_root, users={SFTP_USER: sftp_password}, host_key_path=None)
        )
        settings = EmulatorSettings(**{"tls": True, **self.emulator_settings})
        self.emulator = self._stack.enter_context(EmulatorServer(settings, seed="cronus"))
        secrets_key = generate_key()
        self._set_env(SECRETS_KEY_ENV, secrets_key)
        self._set_env(SECRETS_FILE_ENV, str(paths.secrets_file))
        SecretStore(paths.secrets_file, secrets_key).set(NAV_CLIENT_SECRET_NAME, self.emulator.client_secret)
        self.write_connections()

    # -- connector configs (secrets as references) -------------------------------------------------------------------

    def sftp_block(self) -> dict[str, Any]:
        return {
            "host": self.sftp.host,
            "port": self.sftp.port,
            "username": SFTP_USER,
            "credentials": {"auth_method": "password", "password": f"${{env:{SFTP_PASSWORD_ENV}}}"},
            "host_key": self.sftp.host_key_line,  # pinned: any other key fails check and read
        }

    def nav_block(self) -> dict[str, Any]:
        emulator = self.emulator
        return {
            "deployment": {
                "deployment_type": "cloud",
                "tenant_id": emulator.tenant_id,
                "environment": emulator.environment,
                "client_id": emulator.client_id,
                "client_secret": f"${{secret:{NAV_CLIENT_SECRET_NAME}}}",
                # The emulator plays Entra ID too; MSAL needs an HTTPS authority, verified with the demo CA.
                "authority_url": emulator.url,
            },
            "api_base_url": emulator.api_base_url,
            "company": emulator.company_name,
            "ca_certificate": emulator.ca_pem,
        }

    def forward_connection(self) -> dict[str, Any]:
        return {
            "name": "forward",
            "description": "Stampli exports on SFTP → NAV general ledger (approved invoices, vendors)",
            "source": {
                "command": "source-stampli-sftp",
                "config": {**self.sftp_block(), "folder": f"/{OUTBOUND}"},
            },
            "destination": {
                "command": "destination-dynamics-nav",
                "config": {
                    **self.nav_block(),
                    "posting_mode": "journal",
                    "journal_batch": "STAMPLI",
                    "local_currency_code": "USD",
                },
            },
            # Vendors first, so that an invoice from a vendor new to NAV finds it created.
            "streams": ["vendors", "gl_accounts", "invoices"],
            "schedule": "15m",
        }

    def reverse_connection(self) -> dict[str, Any]:
        return {
            "name": "reverse",
            "description": (
                "NAV reference data and open purchase orders / receipts → Stampli import files on SFTP "
                "(vendors, G/L accounts, dimensions, POs and receipts for PO matching)"
            ),
            "source": {"command": "source-dynamics-nav", "config": self.nav_block()},
            "destination": {
                "command": "destination-stampli-sftp",
                "config": {**self.sftp_block(), "folder": f"/{INBOUND}"},
            },
            "streams": [
                "vendors",
                "gl_accounts",
                "dimensions",
                "dimension_values",
                "purchase_orders",
                "purchase_receipts",
            ],
            "schedule": "30m",
        }

    def write_connections(self) -> None:
        for document in (self.forward_connection(), self.reverse_connection()):
            path = self.paths.connections / f"{document['name']}.yaml"
            text = yaml.dump(document, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, width=120)
            path.write_text(text, encoding="utf-8")

    @property
    def forward_path(self) -> Path:
        return self.paths.connections / "forward.yaml"

    @property
    def reverse_path(self) -> Path:
        return self.paths.connections / "reverse.yaml"

    def add_export(self, source: Path, mtime: datetime | None = None) -> Path:
        """Drop one more export into the outbound folder (tests: 'a new file with repeats')."""
        return place_export(source, self.paths.outbound, mtime)

    def inbound_files(self) -> Iterator[Path]:
        return iter(sorted(path for path in self.paths.inbound.rglob("*") if path.is_file()))
