"""`NavPageClient`: a classic NAV 2015-2018 server's OData V4 page web services, for one company.

The same machinery as the API v2.0 client (`bc_client.transport.Transport`): bounded concurrency, retries with
Retry-After, no blind resend of a POST whose answer was lost (`WriteOutcomeUnknownError`), TLS verification with
the optional ca_certificate, secrets redacted from every message. What differs is the addressing (published
service names and NAV's key syntax, `bc_client.nav.keys`), the values (option fields travel as captions such as
"G/L Account" and " ", which is what NAV sends, so nothing is decoded), and authentication (basic with the web
service access key, or NTLM, `bc_client.nav.ntlm`).

Roles, not service names, are what callers pass: `read("vendors")` reads whatever service the administrator
published for vendors (`services.vendors`, default Vendor_Card).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Self
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import ParseError

import httpx
from defusedxml import DefusedXmlException

from bc_client.auth import Authenticator, BasicAuthenticator
from bc_client.config import BasicAuth, BCConnectionConfig, NavWebServicesDeployment, NtlmAuth
from bc_client.errors import (
    NAV_ODATA_V4_HINT,
    AuthenticationError,
    BCError,
    CompanyNotFoundError,
    ConfigurationError,
    NotFoundError,
    Redactor,
)
from bc_client.jsonio import dumps, loads
from bc_client.metadata import ApiMetadata
from bc_client.nav.keys import KeyValue
from bc_client.nav.ntlm import ConnectionBoundPool, NtlmFlow
from bc_client.nav.urls import NavUrls, query_string
from bc_client.tls import TlsTrust
from bc_client.transport import HttpSender, RetryPolicy, Transport
from bc_client.usage import ApiUsage

logger = logging.getLogger("bc_client")

USER_AGENT = "stampli-nav-bc-client/0.1 (nav-odata-v4)"
NavKey = Mapping[str, Any] | KeyValue


class _NoHeaders:
    """NTLM authenticates inside the HTTP client (`NtlmFlow`), so the transport adds no header itself."""

    def headers(self) -> dict[str, str]:
        return {}

    def invalidate(self, rejected: dict[str, str]) -> bool:
        return False  # a refused NTLM handshake is refused again with the same password

    def close(self) -> None:
        pass


class NavPageClient:
    """Thread-safe client for one NAV company's page web services. Use as a context manager."""

    def __init__(
        self,
        config: BCConnectionConfig,
        *,
        max_in_flight: int = 5,
        timeout: float = 60.0,
        retry_policy: RetryPolicy | None = None,
        page_size: int | None = None,
    ) -> None:
        deployment = config.deployment
        if not isinstance(deployment, NavWebServicesDeployment):
            raise ConfigurationError(
                "NavPageClient needs deployment_type nav_web_services; use BusinessCentralClient for API v2.0"
            )
        self.config = config
        self.deployment = deployment
        self.services = deployment.services
        self.company = config.company.strip()
        self.urls = NavUrls(deployment, self.company)
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.page_size = page_size
        self.retry_policy = retry_policy or RetryPolicy()
        self.usage = ApiUsage()
        self._origin = self._origin_of(deployment.server_url)
        auth = deployment.auth
        secret = auth.web_service_access_key if isinstance(auth, BasicAuth) else auth.password
        self._redact = Redactor([secret.get_secret_value()])
        self._tls = TlsTrust(config.ca_certificate)
        self._http, self._auth = self._http_and_auth(auth)
        self._transport = Transport(
            http=self._http,
            authenticator=self._auth,
            usage=self.usage,
            redact=self._redact,
            max_in_flight=max_in_flight,
            retry_policy=self.retry_policy,
            on_premises=True,
            default_headers={"Accept": "application/json", "Accept-Language": "en-US"},
            server_hint=NAV_ODATA_V4_HINT,
        )
        self._published: list[str] | None = None
        self._published_lock = threading.Lock()
        self._metadata: ApiMetadata | None = None
        self._metadata_read = False
        self._metadata_lock = threading.Lock()
        if urlsplit(deployment.server_url).scheme == "http" and isinstance(auth, BasicAuth):
            logger.warning(
                "bc_client: basic authentication over plain http to %s sends the web service access key "
                "unencrypted; configure SSL on the NAV server (ODataServicesSSLEnabled) and use https",
                self._origin,
            )

    @classmethod
    def from_config(cls, config: BCConnectionConfig, **options: Any) -> Self:
        """Options as for `BusinessCentralClient`: max_in_flight, timeout, retry_policy, page_size."""
        return cls(config, **options)

    def _client(self, auth: httpx.Auth | None, connections: int) -> httpx.Client:
        return httpx.Client(
            verify=self._tls.ssl_context,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 30.0)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            follow_redirects=False,  # a redirect must never carry our credentials to another host
            headers={"User-Agent": USER_AGENT},
            auth=auth,
        )

    def _http_and_auth(self, auth: BasicAuth | NtlmAuth) -> tuple[HttpSender, Authenticator]:
        if isinstance(auth, BasicAuth):
            connections = self.max_in_flight + 4
            return self._client(None, connections), BasicAuthenticator(auth)
        flow = NtlmFlow(auth.username, auth.password, on_handshake=lambda: self.usage.record("ntlm_handshakes"))
        pool = ConnectionBoundPool(self.max_in_flight, lambda: self._client(flow, 1))
        return pool, _NoHeaders()

    # -- lifecycle ------------------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()  # type: ignore[attr-defined]  # httpx.Client and ConnectionBoundPool both close
        self._tls.close()

    def __repr__(self) -> str:
        return f"NavPageClient(odata_v4_url={self.urls.root!r}, company={self.company!r})"

    @staticmethod
    def _origin_of(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    # -- low level ------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """One request (with the transport's retries) to an absolute URL on the NAV server; the 2xx response."""
        if self._origin_of(url) != self._origin:
            raise ConfigurationError(
                f"refusing to send credentials to {self._origin_of(url)}: NAV is at {self._origin}"
            )
        if params:
            url += ("&" if "?" in url else "?") + query_string(params)
        request_headers = dict(headers or {})
        content = None
        if body is not None:
            content = dumps(body)
            request_headers.setdefault("Content-Type", "application/json")
        try:
            return self._transport.send(
                method, url, content=content, headers=request_headers, idempotent=idempotent, timeout=timeout
            )
        except AuthenticationError as error:
            error.message = f"{error.message} {self._authentication_hint()}"
            raise

    def _authentication_hint(self) -> str:
        auth = self.deployment.auth
        if isinstance(auth, NtlmAuth):
            return (
                f"NAV refused Windows (NTLM) authentication for {auth.username!r}: check the DOMAIN\\user name and "
                "password, that the user is set up in NAV, and that the server instance's credential type is Windows."
            )
        return (
            f"NAV refused basic authentication for {auth.username!r}: check username and web_service_access_key "
            "(the key from the user card) and that the server instance's credential type is NavUserPassword."
        )

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        return loads(response.content)  # decimals as Decimal

    def _collection(self, url: str, headers: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every entity of a collection, following `@odata.nextLink` (NAV pages with `$skiptoken`)."""
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            payload = self._json(self.request("GET", next_url, headers=headers))
            if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
                raise BCError("NAV did not return a collection (no 'value' array)", url=next_url, method="GET")
            yield from payload["value"]
            link = payload.get("@odata.nextLink")
            if link:
                if link in seen:
                    raise BCError("NAV sent the same nextLink twice; stopping to avoid a loop", url=next_url)
                seen.add(link)
                link = urljoin(next_url, link)  # checked to stay on the server's origin by request()
            next_url = link

    # -- what the server has --------------------------------------------------------------------------------
    def service_document(self) -> list[dict[str, Any]]:
        """The service document's entries (`name`, `kind`, `url`): every published OData V4 service."""
        payload = self._json(self.request("GET", self.urls.service_document))
        if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
            raise BCError(
                f"{self.urls.service_document} is not an OData V4 service document. {NAV_ODATA_V4_HINT}",
                url=self.urls.service_document,
                method="GET",
            )
        return [entry for entry in payload["value"] if isinstance(entry, dict)]

    def published_services(self) -> list[str]:
        """Names of the published services (entity sets) other than `Company`, as the service document lists
        them; read once per client."""
        with self._published_lock:
            if self._published is None:
                self._published = [
                    str(entry.get("name"))
                    for entry in self.service_document()
                    if entry.get("kind", "EntitySet") == "EntitySet" and entry.get("name") not in (None, "Company")
                ]
            return list(self._published)

    def metadata(self) -> ApiMetadata | None:
        """The server's `$metadata` (EDMX), read once; None when it cannot be read (fields then unknown)."""
        with self._metadata_lock:
            if not self._metadata_read:
                self._metadata_read = True
                try:
                    response = self.request("GET", self.urls.metadata, headers={"Accept": "application/xml"})
                    self._metadata = ApiMetadata.parse(response.content)
                except (BCError, ParseError, ValueError, DefusedXmlException) as exc:
                    logger.info("bc_client: NAV's $metadata could not be read (%s); fields are not checked", exc)
            return self._metadata

    def available_fields(self, role: str) -> frozenset[str] | None:
        """The fields a role's published page has on this server (pages differ by version and localisation:
        `Tax_Liable` is on the US Vendor Card only); None when $metadata does not say."""
        metadata = self.metadata()
        return None if metadata is None else metadata.properties(self.services.service(role))

    def select_existing(self, role: str, wanted: Sequence[str]) -> list[str] | None:
        """`wanted` less the fields this page lacks, for a `$select` that cannot fail; None when unknown (then
        select nothing and read every field rather than risk a 400 for one unknown name)."""
        available = self.available_fields(role)
        return None if available is None else [name for name in wanted if name in available]

    def companies(self) -> list[str]:
        """The names of the companies the user can see (`Company` entity set, field `Name`)."""
        return [str(row.get("Name")) for row in self._collection(self.urls.companies) if row.get("Name")]

    # -- reading --------------------------------------------------------------------------------------------
    def read(
        self,
        role: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every entity of a role's service, values as NAV sends them (option captions; decimals as Decimal)."""
        params: dict[str, str] = {}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = ",".join(select)
        if orderby:
            params["$orderby"] = orderby
        url = self.urls.service(role)
        if params:
            url += "?" + query_string(params)
        size = page_size or self.page_size
        headers = {"Prefer": f"odata.maxpagesize={size}"} if size else None
        try:
            yield from self._collection(url, headers)
        except NotFoundError as error:
            raise self._explain_not_found(role, error) from None

    def get(self, role: str, key: NavKey) -> dict[str, Any] | None:
        """One entity by its key, or None when NAV has no such record (an unknown company or an unpublished
        service still raise, naming what is missing)."""
        try:
            payload = self._json(self.request("GET", self.urls.entity(role, key)))
        except NotFoundError as error:
            explained = self._explain_not_found(role, error)
            if explained is not error:
                raise explained from None
            return None
        return payload if isinstance(payload, dict) else None

    def _explain_not_found(self, role: str, error: NotFoundError) -> BCError:
        """A 404 names the company, the service, or (the caller decides) the record."""
        if error.code and error.code.endswith("CompanyNotFound"):
            try:
                names = self.companies()
            except BCError:
                names = []
            listing = ", ".join(repr(name) for name in names) or "none"
            return CompanyNotFoundError(
                f"company {self.company!r} not found ({error.message}). Available companies: {listing}",
                available=names,
                status=error.status,
                code=error.code,
                method=error.method,
                url=error.url,
            )
        if self.services.service(role) not in self._published_or_unknown():
            return self._unpublished(role, error)
        return error

    def _published_or_unknown(self) -> list[str]:
        try:
            return self.published_services()
        except BCError:
            return [self.services.service(role) for role in self.services.roles()]  # cannot tell: assume published

    def _unpublished(self, role: str, error: NotFoundError) -> NotFoundError:
        service = self.services.service(role)
        return NotFoundError(
            f"{error.message} (service {service!r} for {role} is not published: publish it on NAV's Web Services "
            f"page, object type Page, or set services.{role} to the published name)",
            status=error.status,
            code=error.code,
            method=error.method,
            url=error.url,
        )

    # -- writing --------------------------------------------------------------------------------------------
    def insert(self, role: str, body: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """POST a new record through the page (NAV runs the page's OnInsert/validation triggers).

        Never resent after a lost answer: `WriteOutcomeUnknownError`, look up whether it exists first."""
        payload = self._json(self.request("POST", self.urls.service(role), body=dict(body), timeout=timeout))
        if not isinstance(payload, dict):
            raise BCError(f"NAV answered the insert into {self.services.service(role)} without the new record")
        return payload

    def modify(
        self, role: str, key: NavKey, changes: Mapping[str, Any], etag: str, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """PATCH with `If-Match: etag` (a stale etag raises `ConcurrencyConflictError`); the modified record."""
        if not etag:
            raise ValueError(f"modify({role!r}) needs the record's @odata.etag (or '*'): NAV requires If-Match")
        url = self.urls.entity(role, key)
        response = self.request("PATCH", url, body=dict(changes), headers={"If-Match": etag}, timeout=timeout)
        payload = self._json(response)
        if isinstance(payload, dict):
            return payload
        again = self.get(role, key)  # 204 No Content: read the new version (and its new etag)
        if again is None:
            raise NotFoundError(f"{self.services.service(role)} record vanished right after it was modified")
        return again

    def delete(self, role: str, key: NavKey, etag: str, *, timeout: float | None = None) -> None:
        if not etag:
            raise ValueError(f"delete({role!r}) needs the record's @odata.etag (or '*'): NAV requires If-Match")
        self.request("DELETE", self.urls.entity(role, key), headers={"If-Match": etag}, timeout=timeout)
