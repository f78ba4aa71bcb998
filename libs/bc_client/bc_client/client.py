"""`BusinessCentralClient`: the one way the connectors talk to the Business Central API v2.0.

Paths are company-relative (`"vendors"`, `"journals(<id>)/journalLines"`) unless they start with "/" (relative
to the API root: `"/companies"`, `"/subscriptions"`). Absolute URLs are accepted only on the API's own origin
(server-driven paging links). Other Microsoft APIs on the same server (e.g. `microsoft/reportsFinance/beta`
for vendor ledger entries) are reached with `api_route=`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar, overload
from urllib.parse import quote, urljoin, urlsplit
from uuid import UUID
from xml.etree.ElementTree import ParseError

import httpx
from defusedxml import DefusedXmlException

from bc_client.auth import Authenticator, BasicAuthenticator, ClientCredentialsAuthenticator, MsalAuthenticator
from bc_client.batch import BatchOperation, BatchResult
from bc_client.batch_runner import BatchRunner
from bc_client.config import BasicAuth, BCConnectionConfig, CloudDeployment, OnPremisesDeployment
from bc_client.enums import decode_entity, decode_payload, encode_body
from bc_client.errors import (
    ON_PREMISES_API_HINT,
    AuthenticationError,
    AuthorizationError,
    BCError,
    CompanyNotFoundError,
    ConfigurationError,
    NotFoundError,
    Redactor,
)
from bc_client.jsonio import dumps, loads
from bc_client.metadata import ApiMetadata
from bc_client.models import BCEntity, Company
from bc_client.tls import TlsTrust
from bc_client.transport import RetryPolicy, Transport
from bc_client.usage import ApiUsage

logger = logging.getLogger("bc_client")

ModelT = TypeVar("ModelT", bound=BCEntity)
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

USER_AGENT = "stampli-nav-bc-client/0.1"
# Characters left readable in query strings; everything else (space, +, &, #, %) is percent-encoded.
_QUERY_SAFE = "'(),:$*/"


def _query_string(params: Mapping[str, str]) -> str:
    return "&".join(f"{quote(key, safe='$')}={quote(value, safe=_QUERY_SAFE)}" for key, value in params.items())


class BusinessCentralClient:
    """Thread-safe client for one company. Use as a context manager (it owns an HTTP connection pool)."""

    def __init__(
        self,
        config: BCConnectionConfig,
        *,
        max_in_flight: int = 5,
        timeout: float = 60.0,
        retry_policy: RetryPolicy | None = None,
        page_size: int | None = None,
    ) -> None:
        if config.is_nav_web_services:
            raise ConfigurationError(
                "deployment_type nav_web_services is a classic NAV server without API v2.0: "
                "use bc_client.nav.NavPageClient"
            )
        self.config = config
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.page_size = page_size
        self.retry_policy = retry_policy or RetryPolicy()
        self.usage = ApiUsage()
        self.api_base_url = config.resolved_api_base_url
        self._origin = self._origin_of(self.api_base_url)
        self._redact = Redactor(self._secrets(config))
        self._tls = TlsTrust(config.ca_certificate)
        self._http = httpx.Client(
            verify=self._tls.ssl_context,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)),
            limits=httpx.Limits(max_connections=max_in_flight + 4, max_keepalive_connections=max_in_flight + 4),
            follow_redirects=False,  # a redirect must never carry our credentials to another host
            headers={"User-Agent": USER_AGENT},
        )
        self._auth = self._authenticator(config)
        self._transport = Transport(
            http=self._http,
            authenticator=self._auth,
            usage=self.usage,
            redact=self._redact,
            max_in_flight=max_in_flight,
            retry_policy=self.retry_policy,
            on_premises=config.is_on_premises,
            default_headers={"Accept": "application/json", "Accept-Language": "en-US"},
        )
        self._batches = BatchRunner(
            transport=self._transport,
            usage=self.usage,
            retry_policy=self.retry_policy,
            redact=self._redact,
            api_root=self.api_root,
            batch_url=self.batch_url,
        )
        self._company: Company | None = None
        self._company_lock = threading.Lock()
        self._metadata: dict[str, ApiMetadata] = {}
        self._metadata_lock = threading.Lock()
        from bc_client.subscriptions import Subscriptions  # circular: Subscriptions uses the client

        self.subscriptions = Subscriptions(self)
        deployment = config.deployment
        if (
            isinstance(deployment, OnPremisesDeployment)
            and isinstance(deployment.auth, BasicAuth)
            and urlsplit(self.api_base_url).scheme == "http"
        ):
            logger.warning(
                "bc_client: basic authentication over plain http to %s sends the web service access key "
                "unencrypted; configure SSL on the service tier (ODataServicesSSLEnabled) and use https",
                self._origin,
            )

    # -- lifecycle ------------------------------------------------------------------------------------------
    def __enter__(self) -> BusinessCentralClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._auth.close()
        self._tls.close()

    def __repr__(self) -> str:
        return f"BusinessCentralClient(api_base_url={self.api_base_url!r}, company={self.config.company!r})"

    @staticmethod
    def _secrets(config: BCConnectionConfig) -> list[str]:
        deployment = config.deployment
        if isinstance(deployment, CloudDeployment):
            return [deployment.client_secret.get_secret_value()]
        auth = deployment.auth
        if isinstance(auth, BasicAuth):
            return [auth.web_service_access_key.get_secret_value()]
        return [auth.client_secret.get_secret_value()]

    def _authenticator(self, config: BCConnectionConfig) -> Authenticator:
        deployment = config.deployment
        if isinstance(deployment, CloudDeployment):
            return MsalAuthenticator(
                deployment, tls=self._tls, timeout=self.timeout, usage=self.usage, redact=self._redact
            )
        if isinstance(deployment.auth, BasicAuth):
            return BasicAuthenticator(deployment.auth)
        return ClientCredentialsAuthenticator(deployment.auth, http=self._http, usage=self.usage, redact=self._redact)

    # -- URLs -----------------------------------------------------------------------------------------------
    @staticmethod
    def _origin_of(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def api_root(self, api_route: str | None = None) -> str:
        """`.../api/v2.0`, or the root of another API on the same server (`api_route="microsoft/reportsFinance/beta"`)."""
        if not api_route:
            return self.api_base_url
        if not self.api_base_url.endswith("/v2.0"):
            raise ConfigurationError(
                f"cannot derive the {api_route} API from api_base_url {self.api_base_url!r} (expected it to end in /api/v2.0)"
            )
        return self.api_base_url[: -len("/v2.0")] + "/" + api_route.strip("/")

    def url(self, path: str, *, api_route: str | None = None) -> str:
        """The absolute URL for a path (see the module docstring for the rules)."""
        if path.startswith(("http://", "https://")):
            if self._origin_of(path) != self._origin:
                raise ConfigurationError(
                    f"refusing to send credentials to {self._origin_of(path)}: the API lives at {self._origin}"
                )
            return path
        if path.startswith("/"):
            return self.api_root(api_route) + path
        return f"{self.api_root(api_route)}/companies({self.company_id})/{path}"

    def batch_url(self, path: str) -> str:
        """An inner $batch URL: relative to the API root."""
        if path.startswith("/"):
            return path.lstrip("/")
        return f"companies({self.company_id})/{path}"

    # -- company --------------------------------------------------------------------------------------------
    def list_companies(self) -> list[Company]:
        return list(self.iter_entities("/companies", model=Company))

    @property
    def company(self) -> Company:
        """The configured company (matched by id, else name, else display name), resolved once."""
        if self._company is None:
            with self._company_lock:
                if self._company is None:
                    self._company = self._resolve_company()
        return self._company

    @property
    def company_id(self) -> str:
        return str(self.company.id)

    def _resolve_company(self) -> Company:
        try:
            companies = self.list_companies()
        except NotFoundError as exc:
            raise ConfigurationError(self._api_root_not_found(exc), status=exc.status, code=exc.code) from None
        except AuthenticationError as exc:
            raise AuthenticationError(
                f"{exc.message} {self._authentication_hint()}", status=exc.status, code=exc.code, url=exc.url
            ) from None
        except AuthorizationError as exc:
            raise AuthorizationError(
                f"{exc.message} The credentials work but lack permission to read companies: "
                "assign permission sets to the user or Entra application in Business Central.",
                status=exc.status,
                code=exc.code,
                url=exc.url,
            ) from None
        wanted = self.config.company.strip()
        try:
            wanted_id: UUID | None = UUID(wanted)
        except ValueError:
            wanted_id = None
        matchers: list[Callable[[Company], bool]] = [
            lambda c: wanted_id is not None and c.id == wanted_id,
            lambda c: c.name == wanted,
            lambda c: c.display_name == wanted,
            lambda c: (c.name or "").casefold() == wanted.casefold(),
            lambda c: (c.display_name or "").casefold() == wanted.casefold(),
        ]
        for matches in matchers:
            found = [company for company in companies if matches(company)]
            if len(found) == 1:
                logger.info("bc_client: company %r resolved to %s", wanted, found[0].id)
                return found[0]
        names = sorted(company.name or str(company.id) for company in companies)
        if not names:
            message = (
                f"company {wanted!r} not found: these credentials see no company at all. In Business Central, "
                "give the user or Entra application permission sets that include the company."
            )
        else:
            message = f"company {wanted!r} not found. Available companies: " + ", ".join(repr(n) for n in names)
            message += " (set company to one of these names or to the company id)."
        raise CompanyNotFoundError(message, available=names)

    def _api_root_not_found(self, exc: BCError) -> str:
        deployment = self.config.deployment
        where = f"the API root {self.api_base_url} answered 404 ({exc.message})."
        override = " and api_base_url" if self.config.api_base_url else ""
        if isinstance(deployment, CloudDeployment):
            return (
                f"{where} Check tenant_id ({deployment.tenant_id!r}), environment ({deployment.environment!r})"
                f"{override}: the environment name must match one in the Business Central admin center."
            )
        return f"{where} Check server_instance ({deployment.server_instance!r}){override}. {ON_PREMISES_API_HINT}"

    def _authentication_hint(self) -> str:
        deployment = self.config.deployment
        if isinstance(deployment, CloudDeployment):
            return (
                "Check that the Entra app has the Dynamics 365 Business Central API.ReadWrite.All application "
                "permission with admin consent, and that it is registered and enabled on the Business Central page "
                f"'Microsoft Entra Applications' of environment {deployment.environment!r}."
            )
        if isinstance(deployment.auth, BasicAuth):
            return "Check username and web_service_access_key (the key from the user card, not the password)."
        return "Check the OAuth2 client and that the service tier accepts its tokens (ValidAudiences)."

    @property
    def bc_version(self) -> str | None:
        """The application version the tenant runs (the company's `systemVersion`, e.g. "21.6.53372.0")."""
        return self.company.system_version

    @property
    def bc_major_version(self) -> int | None:
        """The major release (18, 21, 28, ...) of `bc_version`, None when BC does not say."""
        head = (self.bc_version or "").split(".", 1)[0]
        return int(head) if head.isdigit() else None

    # -- what the tenant's API has --------------------------------------------------------------------------
    def metadata(self, *, api_route: str | None = None) -> ApiMetadata:
        """The API's `$metadata`, read once per client and API route (BC adds fields release by release)."""
        key = api_route or ""
        with self._metadata_lock:
            cached = self._metadata.get(key)
            if cached is None:
                response = self.request("GET", "/$metadata", headers={"Accept": "application/xml"}, api_route=api_route)
                try:
                    cached = ApiMetadata.parse(response.content)
                except (ParseError, ValueError, DefusedXmlException) as exc:
                    raise BCError(f"the API's $metadata could not be read: {exc}", url=str(response.url)) from None
                self._metadata[key] = cached
        return cached

    def available_fields(self, entity_set: str, *, api_route: str | None = None) -> frozenset[str] | None:
        """The properties `entity_set` (e.g. "accounts", "journals") has on this tenant; None if $metadata
        does not describe it."""
        return self.metadata(api_route=api_route).properties(entity_set)

    def select_existing(self, entity_set: str, wanted: Iterable[str], *, api_route: str | None = None) -> list[str]:
        """`wanted` less the fields this tenant's release lacks, in order: a `$select` that cannot fail with
        "Could not find a property". All of `wanted` when $metadata does not describe the set."""
        names = list(wanted)
        available = self.available_fields(entity_set, api_route=api_route)
        if available is None:
            return names
        return [name for name in names if name in available]

    def has_field(self, entity_set: str, name: str, *, api_route: str | None = None) -> bool:
        available = self.available_fields(entity_set, api_route=api_route)
        return available is None or name in available

    # -- low level ------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        api_route: str | None = None,
        idempotent: bool | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send one request (with retries) and return the 2xx response; raise a `BCError` otherwise."""
        url = self.url(path, api_route=api_route)
        if params:
            url += ("&" if "?" in url else "?") + _query_string(params)
        request_headers = dict(headers or {})
        content = None
        if body is not None:
            content = dumps(body)
            request_headers.setdefault("Content-Type", "application/json")
        return self._transport.send(
            method, url, content=content, headers=request_headers, idempotent=idempotent, timeout=timeout
        )

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        return loads(response.content)

    # -- reading --------------------------------------------------------------------------------------------
    @staticmethod
    def query_params(
        *,
        filter: str | None = None,
        select: Sequence[str] | str | None = None,
        expand: Sequence[str] | str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        params: dict[str, str] = {}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = select if isinstance(select, str) else ",".join(select)
        if expand:
            params["$expand"] = expand if isinstance(expand, str) else ",".join(expand)
        if orderby:
            params["$orderby"] = orderby
        if top is not None:
            params["$top"] = str(top)
        params.update(extra or {})
        return params

    def iter_pages(
        self,
        path: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | str | None = None,
        expand: Sequence[str] | str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        page_size: int | None = None,
        params: Mapping[str, str] | None = None,
        api_route: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page of a collection, following `@odata.nextLink` until BC stops sending one.

        Paging is server-driven only (Microsoft warns against $top/$skip paging); `page_size` asks BC for
        smaller pages with `Prefer: odata.maxpagesize`.
        """
        query = self.query_params(filter=filter, select=select, expand=expand, orderby=orderby, top=top, extra=params)
        size = page_size or self.page_size
        headers = {"Prefer": f"odata.maxpagesize={size}"} if size else {}
        url: str | None = self.url(path, api_route=api_route)
        if query:
            url += "?" + _query_string(query)
        seen: set[str] = set()
        while url:
            payload = self._json(self._transport.send("GET", url, headers=headers))
            if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
                raise BCError(f"GET {path} did not return a collection (no 'value' array)", url=url, method="GET")
            yield decode_entity(payload["value"])  # enum member names -> plain captions (enums.py)
            next_link = payload.get("@odata.nextLink")
            if next_link:
                if next_link in seen:
                    raise BCError(f"GET {path}: the server sent the same nextLink twice; stopping to avoid a loop")
                seen.add(next_link)
                # Absolute in BC; resolved against the current page in case a server sends a relative one.
                next_link = self.url(urljoin(url, next_link))  # and checked to stay on the API's origin
            url = next_link

    @overload
    def iter_entities(self, path: str, *, model: None = None, **query: Any) -> Iterator[dict[str, Any]]: ...
    @overload
    def iter_entities(self, path: str, *, model: type[ModelT], **query: Any) -> Iterator[ModelT]: ...
    def iter_entities(self, path: str, *, model: type[ModelT] | None = None, **query: Any) -> Iterator[Any]:
        """Every entity of a collection across all pages (dicts, or `model` instances).

        Keyword arguments are those of `iter_pages`: filter, select, expand, orderby, top, page_size, params,
        api_route."""
        for page in self.iter_pages(path, **query):
            for entity in page:
                yield model.model_validate(entity) if model else entity

    def list_entities(self, path: str, *, model: type[ModelT] | None = None, **query: Any) -> list[Any]:
        return list(self.iter_entities(path, model=model, **query))

    def get(
        self,
        path: str,
        *,
        select: Sequence[str] | str | None = None,
        expand: Sequence[str] | str | None = None,
        params: Mapping[str, str] | None = None,
        api_route: str | None = None,
        model: type[ModelT] | None = None,
    ) -> Any:
        """One entity (`"vendors(<id>)"`) as a dict (or `model`)."""
        query = self.query_params(select=select, expand=expand, extra=params)
        payload = decode_payload(self._json(self.request("GET", path, params=query, api_route=api_route)))
        return model.model_validate(payload) if model else payload

    # -- writing --------------------------------------------------------------------------------------------
    def create(self, path: str, body: Any, *, model: type[ModelT] | None = None, timeout: float | None = None) -> Any:
        """POST a new entity; nested arrays make a deep insert (e.g. a purchase invoice with its lines).

        Never resent after a lost response: see `WriteOutcomeUnknownError`."""
        payload = decode_payload(self._json(self.request("POST", path, body=encode_body(body), timeout=timeout)))
        return model.model_validate(payload) if model and payload is not None else payload

    def update(
        self, path: str, body: Any, etag: str, *, model: type[ModelT] | None = None, timeout: float | None = None
    ) -> Any:
        """PATCH with `If-Match: etag` ("*" overwrites whatever is there). Returns the updated entity."""
        if not etag:
            raise ValueError(f"update({path!r}) needs the entity's etag (or '*'): BC requires If-Match")
        response = self.request("PATCH", path, body=encode_body(body), headers={"If-Match": etag}, timeout=timeout)
        payload = decode_payload(self._json(response))
        return model.model_validate(payload) if model and payload is not None else payload

    def delete(self, path: str, etag: str, *, timeout: float | None = None) -> None:
        if not etag:
            raise ValueError(f"delete({path!r}) needs the entity's etag (or '*'): BC requires If-Match")
        self.request("DELETE", path, headers={"If-Match": etag}, timeout=timeout)

    def invoke_action(
        self, path: str, action: str, body: Any = None, *, timeout: float | None = None
    ) -> dict[str, Any] | None:
        """A bound action, e.g. `invoke_action("journals(<id>)", "Microsoft.NAV.post")` (BC answers 204)."""
        response = self.request("POST", f"{path.rstrip('/')}/{action}", body=body, timeout=timeout)
        payload = self._json(response)
        return payload if isinstance(payload, dict) else None

    # -- $batch ---------------------------------------------------------------------------------------------
    def batch(
        self, operations: Iterable[BatchOperation], *, atomic: bool = False, timeout: float | None = None
    ) -> list[BatchResult]:
        """Run operations through JSON `$batch`, ≤ 100 per request, results in input order.

        `atomic=True` sends `Isolation: snapshot`: BC runs the batch as one transaction, so one failure rolls
        everything back and this raises `BatchRolledBackError`. An atomic batch must fit one request (≤ 100
        operations); larger ones are refused rather than silently split into several transactions.
        Without `atomic`, each result carries its own `error`; operations BC refused unprocessed (429/503) are
        resent after BC's Retry-After (within the retry budget). Execution lives in `bc_client.batch_runner`."""
        return self._batches.run(operations, atomic=atomic, timeout=timeout)

    # -- concurrency ----------------------------------------------------------------------------------------
    def map_concurrently(
        self,
        fn: Callable[[ItemT], ResultT],
        items: Iterable[ItemT],
        *,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """`[fn(item) for item in items]`, run on up to `max_in_flight` threads; results in input order.

        The HTTP limit holds whatever `fn` does: every request waits for one of the `max_in_flight` slots.
        On the first failure (in input order) the remaining unstarted calls are cancelled and it is raised,
        unless `return_exceptions=True`, which puts exceptions in the result list instead."""
        work = list(items)
        if not work:
            return []
        results: list[Any] = []
        first_error: BaseException | None = None
        with ThreadPoolExecutor(max_workers=min(self.max_in_flight, len(work)), thread_name_prefix="bc-client") as pool:
            futures: list[Future[ResultT]] = [pool.submit(fn, item) for item in work]
            for future in futures:
                if first_error is not None:
                    future.cancel()
                    continue
                try:
                    results.append(future.result())
                except Exception as exc:
                    if return_exceptions:
                        results.append(exc)
                    else:
                        first_error = exc
        if first_error is not None:
            raise first_error
        return results
