"""EmulatorServer: the in-process handle on a running emulator (also what the CLI runs)."""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bc_emulator.app import EmulatorApp
from bc_emulator.auth import Authenticator
from bc_emulator.clock import SimulatedClock
from bc_emulator.faults import FaultInjector
from bc_emulator.http_server import EmulatorHTTPServer
from bc_emulator.job_queue import JobQueue
from bc_emulator.limits import Limiter, merge_usage
from bc_emulator.notifications import Notifier
from bc_emulator.request_log import RequestLog
from bc_emulator.seeding import SeedSource, read_seed
from bc_emulator.service import ApiService
from bc_emulator.settings import EmulatorSettings
from bc_emulator.store import Store
from bc_emulator.tls import TlsMaterial, generate


class EmulatorServer:
    """A Business Central API emulator on a real socket, served from a background thread.

    with EmulatorServer(EmulatorSettings(page_size=50), seed="cronus") as emu:
        httpx.get(f"{emu.api_base_url}/companies", headers=...)
    """

    def __init__(self, settings: EmulatorSettings | None = None, seed: SeedSource = "cronus") -> None:
        self.settings = settings or EmulatorSettings()
        self.clock = SimulatedClock()
        self.store = Store(self.clock)
        self._seed_data = read_seed(seed)
        self.store.seed(self._seed_data)
        self.faults = FaultInjector(self.settings.random_seed)
        self.auth = Authenticator(self.settings, clock=self.clock.now)
        self.limiter = Limiter(self.settings)
        self.notifier = Notifier(self.store, self.settings)
        self.job_queue = JobQueue(self.store, self.settings)
        self.request_log = RequestLog()
        self.app = EmulatorApp(self)
        self.service = ApiService(inner_fault=self.app.inner_fault)
        self._tls: TlsMaterial | None = generate() if self.settings.tls else None
        if self._tls is not None:
            # Safety net for a server never started or never stopped: the folder holds a private key.
            weakref.finalize(self, self._tls.remove)
        self._httpd: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        if self._tls is not None:
            self._tls.write()  # again, if an earlier stop() removed the files
        context = self._tls.server_context() if self._tls else None
        self._httpd = EmulatorHTTPServer(
            (self.settings.host, self.settings.port),
            self.app,
            context,
            self.settings.connection_idle_timeout_s,
            clock=self.clock.now,
        )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="bc-emulator", daemon=True
        )
        self._thread.start()
        self.notifier.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.notifier.stop()
        self._httpd = None
        if self._tls is not None:
            self._tls.remove()  # no private key left in the temp directory (the CA stays in memory: ca_pem)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses and identities -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the emulator is not running; use start() or a with-block")
        return self._httpd.base_url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def api_base_url(self) -> str:
        """BC online shape: {url}/v2.0/{tenant}/{environment}/api/v2.0"""
        return f"{self.url}/v2.0/{self.tenant_id}/{self.environment}/api/v2.0"

    @property
    def onprem_api_base_url(self) -> str:
        """On-premises shape: {url}/{instance}/api/v2.0"""
        return f"{self.url}/{self.settings.server_instance}/api/v2.0"

    @property
    def nav_server_url(self) -> str:
        """NAV mode: the server's scheme://host:port (a NAV service tier listens on :7048 for OData)."""
        return self.url

    @property
    def odata_v4_url(self) -> str:
        """NAV mode: {nav_server_url}/{instance}/ODataV4, the root of the page web services."""
        return f"{self.nav_server_url}/{self.settings.server_instance}/ODataV4"

    @property
    def ntlm_username(self) -> str:
        """NAV mode: the first Windows user NTLM accepts ('CRONUS\\stampli' by default)."""
        return next(iter(self.settings.nav_ntlm_users))

    @property
    def ntlm_password(self) -> str:
        return self.settings.nav_ntlm_users[self.ntlm_username]

    @property
    def reports_finance_base_url(self) -> str:
        """Cloud-shaped root of api/microsoft/reportsFinance/beta (vendorLedgerEntries)."""
        return f"{self.url}/v2.0/{self.tenant_id}/{self.environment}/api/microsoft/reportsFinance/beta"

    @property
    def authority_url(self) -> str:
        """What msal takes as `authority` (its OIDC discovery and token endpoint live below it)."""
        return f"{self.url}/{self.tenant_id}"

    @property
    def token_url(self) -> str:
        return f"{self.authority_url}/oauth2/v2.0/token"

    @property
    def ca_pem(self) -> str | None:
        return self._tls.ca_pem if self._tls else None

    @property
    def ca_file(self) -> Path | None:
        return self._tls.ca_file if self._tls else None

    @property
    def tenant_id(self) -> str:
        return self.settings.tenant_id

    @property
    def environment(self) -> str:
        return self.settings.environment

    @property
    def server_instance(self) -> str:
        return self.settings.server_instance

    @property
    def client_id(self) -> str:
        return self.settings.client_id

    @property
    def client_secret(self) -> str:
        return self.settings.client_secret

    @property
    def basic_username(self) -> str:
        return self.settings.basic_username

    @property
    def basic_access_key(self) -> str:
        return self.settings.basic_access_key

    @property
    def company_id(self) -> str | None:
        """The first seeded company (CRONUS USA, Inc. with the cronus seed)."""
        first = next(iter(self.store.companies.values()), None)
        return None if first is None else first.id

    @property
    def company_name(self) -> str | None:
        first = next(iter(self.store.companies.values()), None)
        return None if first is None else first.name

    def info(self) -> dict[str, Any]:
        """Non-secret facts about this instance (also served at /_emulator/info)."""
        return {
            "url": self.url,
            "api_base_url": self.api_base_url,
            "onprem_api_base_url": self.onprem_api_base_url,
            "reports_finance_base_url": self.reports_finance_base_url,
            "authority_url": self.authority_url,
            "token_url": self.token_url,
            "tenant_id": self.tenant_id,
            "environment": self.environment,
            "server_instance": self.server_instance,
            "company_id": self.company_id,
            "company_name": self.company_name,
            "client_id": self.client_id,
            "basic_username": self.basic_username,
            "tls": self.settings.tls,
            "bc_version": self.settings.bc_version,
            **(
                {"odata_v4_url": self.odata_v4_url, "nav_published_services": self.settings.nav_published_services}
                if self.settings.bc_version == "nav2018"
                else {}
            ),
            "ca_file": str(self.ca_file) if self.ca_file else None,
        }

    # -- control ----------------------------------------------------------------------------------------

    def usage(self) -> dict[str, Any]:
        """{"users": {user: counters}, "total": counters}: http_requests, operations, throttled, max_concurrency..."""
        return merge_usage(self.limiter.snapshot())

    def operations(self, user: str | None = None) -> int:
        """API operations counted so far (each $batch inner request counts), for one user or all."""
        usage = self.usage()
        if user is None:
            return usage["total"].get("operations", 0)
        return usage["users"].get(user, {}).get("operations", 0)

    def expire_tokens(self) -> None:
        self.auth.expire_all()

    def dump(self) -> dict[str, Any]:
        return self.store.dump()

    def seed(self, source: SeedSource) -> None:
        """Replace the data (and make it what reset() returns to)."""
        self._seed_data = read_seed(source)
        self.store.seed(self._seed_data)
        self.notifier.clear()

    def reset(self) -> None:
        """Back to the initial seed; faults, usage counters and pending notifications cleared."""
        self.store.seed(self._seed_data)
        self.faults.clear()
        self.limiter.reset()
        self.notifier.clear()
        self.request_log.clear()

    def flush_notifications(self) -> None:
        self.notifier.flush()
