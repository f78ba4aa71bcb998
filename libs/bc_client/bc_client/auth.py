"""How requests are authenticated: Entra ID via MSAL (cloud), basic or OAuth2 client credentials (on-premises).

Each authenticator hands out request headers and can be told that BC rejected its credentials (401), in which
case a token-based one drops its cached token so that the next call fetches a fresh one. Tokens are requested
outside the client's concurrency limit (they go to the identity provider, not to BC) and one thread at a time
(a burst of threads with an empty cache makes one token request, not five).
"""

from __future__ import annotations

import base64
import functools
import logging
import threading
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import msal
import requests

from bc_client.config import (
    BUSINESS_CENTRAL_SCOPE,
    BasicAuth,
    CloudDeployment,
    OAuth2ClientCredentials,
)
from bc_client.errors import (
    ApiUnreachableError,
    AuthenticationError,
    ConfigurationError,
    Redactor,
    TLSVerificationError,
)
from bc_client.jsonio import loads
from bc_client.tls import TlsTrust, is_certificate_failure
from bc_client.usage import ApiUsage

logger = logging.getLogger("bc_client")

# Refresh a token this long before it expires, so that no request leaves with a token about to lapse.
REFRESH_MARGIN_SECONDS = 300.0


class Authenticator(Protocol):
    def headers(self) -> dict[str, str]:
        """Headers that authenticate one request (fetching a token when needed)."""

    def invalidate(self, rejected: dict[str, str]) -> bool:
        """BC answered 401 to a request sent with `rejected` headers: forget that token (unless another thread
        already replaced it). True when a retry with fresh credentials may succeed."""

    def close(self) -> None: ...


class BasicAuthenticator:
    """NavUserPassword: `Authorization: Basic base64(user:web service access key)`."""

    def __init__(self, auth: BasicAuth) -> None:
        token = f"{auth.username}:{auth.web_service_access_key.get_secret_value()}".encode()
        self._header = "Basic " + base64.b64encode(token).decode("ascii")
        self.username = auth.username

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header}

    def invalidate(self, rejected: dict[str, str]) -> bool:
        return False  # the same key would be rejected again

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"BasicAuthenticator(username={self.username!r})"


def _token_error(source: str, payload: dict[str, Any], redact: Redactor) -> AuthenticationError:
    error = str(payload.get("error") or "unknown_error")
    description = str(payload.get("error_description") or "").strip()
    hint = ""
    if error == "invalid_client" or "AADSTS7000215" in description or "AADSTS700016" in description:
        hint = " Check client_id and client_secret (and that the app registration exists in this tenant)."
    elif "AADSTS90002" in description or "AADSTS900023" in description:
        hint = " Check tenant_id."
    elif error == "invalid_scope":
        hint = " Check the scope."
    message = f"{source} refused the token request: {error}: {description}{hint}"
    return AuthenticationError(redact(message), code=f"Authentication_{error}")


class _PinnedVerifySession(requests.Session):
    """A requests session that keeps its own `verify`.

    Plain requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE silently replace `session.verify` (psf/requests
    #3829), which would drop the extra CA from the ca_certificate setting. Proxies still come from the
    environment as usual."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None or verify is True:
            settings["verify"] = self.verify
        return settings


class MsalAuthenticator:
    """Business Central online: OAuth2 client credentials through Microsoft Entra ID, with MSAL's token cache."""

    def __init__(
        self, deployment: CloudDeployment, *, tls: TlsTrust, timeout: float, usage: ApiUsage, redact: Redactor
    ) -> None:
        self._deployment = deployment
        self._tls = tls
        self._timeout = timeout
        self._usage = usage
        self._redact = redact
        self._lock = threading.Lock()
        self._app: msal.ConfidentialClientApplication | None = None

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            deployment = self._deployment
            host = urlsplit(deployment.authority_url).hostname or ""
            known = host in msal.authority.WELL_KNOWN_AUTHORITY_HOSTS
            session = _PinnedVerifySession()
            session.verify = self._tls.requests_verify()
            session.request = functools.partial(session.request, timeout=self._timeout)  # type: ignore[method-assign]
            try:
                # MSAL fetches the tenant's OpenID configuration here, so a wrong tenant fails now.
                self._app = msal.ConfidentialClientApplication(
                    deployment.client_id,
                    client_credential=deployment.client_secret.get_secret_value(),
                    authority=deployment.authority,
                    http_client=session,
                    # Instance discovery asks login.microsoftonline.com about the host: pointless for a known
                    # Entra host and impossible for a private authority (tests, sovereign proxies).
                    instance_discovery=None if known else False,
                )
            except ValueError as exc:
                raise ConfigurationError(
                    self._redact(
                        f"Microsoft Entra ID at {deployment.authority_url} does not know tenant "
                        f"{deployment.tenant_id!r}: check tenant_id. ({exc})"
                    )
                ) from None
            except requests.exceptions.SSLError as exc:
                raise TLSVerificationError(
                    self._redact(
                        f"TLS verification of {deployment.authority_url} failed ({exc}). If it uses a private CA, "
                        "put that CA's PEM in ca_certificate."
                    )
                ) from None
            except requests.exceptions.RequestException as exc:
                raise ApiUnreachableError(
                    self._redact(f"cannot reach Microsoft Entra ID at {deployment.authority_url}: {exc}")
                ) from None
        return self._app

    def headers(self) -> dict[str, str]:
        with self._lock:
            app = self._application()
            try:
                result = app.acquire_token_for_client(scopes=[BUSINESS_CENTRAL_SCOPE])
            except requests.exceptions.RequestException as exc:
                raise ApiUnreachableError(
                    self._redact(f"cannot reach the Entra ID token endpoint of {self._deployment.authority}: {exc}")
                ) from None
        if not result or "access_token" not in result:
            raise _token_error("Microsoft Entra ID", result or {}, self._redact)
        if result.get("token_source") == "identity_provider":
            self._usage.record("token_requests")
            logger.info("bc_client: acquired an Entra ID token (expires in %ss)", result.get("expires_in"))
        token = result["access_token"]
        self._redact.add(token)
        return {"Authorization": f"{result.get('token_type', 'Bearer')} {token}"}

    def invalidate(self, rejected: dict[str, str]) -> bool:
        with self._lock:
            if self._app is not None:
                try:
                    cached = self._app.acquire_token_for_client(scopes=[BUSINESS_CENTRAL_SCOPE]) or {}
                except requests.exceptions.RequestException:
                    cached = {}
                if cached.get("token_source") == "identity_provider":
                    self._usage.record("token_requests")
                token = cached.get("access_token")
                if not token or rejected.get("Authorization", "").endswith(token):
                    self._app.remove_tokens_for_client()
        return True

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"MsalAuthenticator(authority={self._deployment.authority!r}, client_id={self._deployment.client_id!r})"


class ClientCredentialsAuthenticator:
    """On-premises OAuth2: a plain client-credentials POST to the configured token URL, token cached until
    shortly before it expires."""

    def __init__(self, auth: OAuth2ClientCredentials, *, http: httpx.Client, usage: ApiUsage, redact: Redactor) -> None:
        self._auth = auth
        self._http = http
        self._usage = usage
        self._redact = redact
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_type = "Bearer"
        self._refresh_at = 0.0

    def _fetch(self) -> None:
        auth = self._auth
        try:
            response = self._http.post(
                auth.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": auth.client_id,
                    "client_secret": auth.client_secret.get_secret_value(),
                    "scope": auth.scope,
                },
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as exc:
            if is_certificate_failure(exc):
                raise TLSVerificationError(
                    self._redact(
                        f"TLS verification of the token URL {auth.token_url} failed ({exc}). If it uses a private "
                        "CA, put that CA's PEM in ca_certificate."
                    )
                ) from None
            raise ApiUnreachableError(self._redact(f"cannot reach the token URL {auth.token_url}: {exc}")) from None
        self._usage.record("token_requests")
        try:
            payload = loads(response.content) if response.content else {}
        except ValueError:
            payload = {}
        if response.status_code != 200 or not isinstance(payload, dict) or "access_token" not in payload:
            if not isinstance(payload, dict) or "error" not in payload:
                payload = {"error": f"http_{response.status_code}", "error_description": response.text[:300]}
            raise _token_error(f"The token endpoint {auth.token_url}", payload, self._redact)
        lifetime = float(payload.get("expires_in") or 3600)
        self._token = str(payload["access_token"])
        self._token_type = str(payload.get("token_type") or "Bearer")
        # Short-lived tokens (tests, strict servers) refresh at half-life instead of 5 minutes before expiry.
        self._refresh_at = time.monotonic() + lifetime - min(REFRESH_MARGIN_SECONDS, lifetime / 2)
        self._redact.add(self._token)
        logger.info("bc_client: acquired an OAuth2 token from %s (expires in %.0fs)", auth.token_url, lifetime)

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                self._fetch()
            token_type = "Bearer" if self._token_type.lower() == "bearer" else self._token_type
            return {"Authorization": f"{token_type} {self._token}"}

    def invalidate(self, rejected: dict[str, str]) -> bool:
        with self._lock:
            if self._token and rejected.get("Authorization", "").endswith(self._token):
                self._token = None
        return True

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"ClientCredentialsAuthenticator(token_url={self._auth.token_url!r}, client_id={self._auth.client_id!r})"
