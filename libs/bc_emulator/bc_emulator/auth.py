"""Entra ID (client credentials) and BC basic authentication, emulated.

The identity half serves exactly what `msal.ConfidentialClientApplication` needs for an authority
`{url}/{tenant}`: OIDC discovery (`/{tenant}/v2.0/.well-known/openid-configuration`), optional instance
discovery (`/common/discovery/instance`), and the token endpoint (`/{tenant}/oauth2/v2.0/token`).
Token lifetimes run on the emulator's simulated clock: it keeps pace with the wall clock, and advancing it past
a token's expiry expires the token (a test that jumps three days ahead meets what a real client would).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bc_emulator import errors
from bc_emulator.resources.base import User
from bc_emulator.settings import BC_SCOPE, EmulatorSettings

_USER_NAMESPACE = uuid.UUID("5a0f3c5e-3c1e-4f0e-9f57-2a9d1f8e6b10")


@dataclass(frozen=True)
class IssuedToken:
    client_id: str
    tenant_id: str
    expires_at: datetime  # on the simulated clock
    generation: int


@dataclass
class OAuthError(Exception):
    """An Entra ID style error answer: {"error": ..., "error_description": ..., "error_codes": [...]}."""

    status: int
    error: str
    description: str
    code: int

    def body(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.description}",
            "error_codes": [self.code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        }


def user_for(name: str) -> User:
    return User(name=name, id=str(uuid.uuid5(_USER_NAMESPACE, name.upper())))


class Authenticator:
    """Issues and checks bearer tokens; checks basic credentials; can revoke everything (a fault)."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self._now = clock or (lambda: datetime.now(UTC))
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self._generation = 0

    # -- identity endpoints -----------------------------------------------------------------------------

    def resolve_tenant(self, tenant: str) -> str | None:
        if tenant.lower() in (self.settings.tenant_id.lower(), self.settings.tenant_domain.lower()):
            return self.settings.tenant_id
        return None

    def openid_configuration(self, base_url: str, tenant: str) -> dict[str, Any]:
        tenant_id = self.resolve_tenant(tenant)
        if tenant_id is None:
            raise OAuthError(400, "invalid_tenant", f"Tenant '{tenant}' not found.", 90002)
        root = f"{base_url}/{tenant_id}"
        return {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base_url}/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
        }

    def instance_discovery(self, base_url: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        """What login.microsoftonline.com/common/discovery/instance answers for a known authority."""
        endpoint = dict(params).get("authorization_endpoint", "")
        parts = urlsplit(endpoint).path.strip("/").split("/")
        tenant = parts[0] if parts and parts[0] else "common"
        host = urlsplit(base_url).netloc
        return {
            "tenant_discovery_endpoint": f"{base_url}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }

    def issue_token(self, tenant: str, form_body: bytes, authorization: str | None) -> dict[str, Any]:
        tenant_id = self.resolve_tenant(tenant)
        if tenant_id is None:
            raise OAuthError(400, "invalid_request", f"Tenant '{tenant}' not found.", 90002)
        form = dict(parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True))
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization and authorization.lower().startswith("basic "):
            client_id, client_secret = _basic_pair(authorization) or (client_id, client_secret)
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(
                400, "unsupported_grant_type", "The provided grant type is not supported by this emulator.", 70003
            )
        apps = self.settings.apps()
        if client_id not in apps:
            raise OAuthError(
                400,
                "unauthorized_client",
                f"Application with identifier '{client_id}' was not found in the directory '{tenant}'.",
                700016,
            )
        if not client_secret or not secrets.compare_digest(client_secret, apps[client_id]):
            raise OAuthError(401, "invalid_client", f"Invalid client secret provided for app '{client_id}'.", 7000215)
        scopes = form.get("scope", "").split()
        if BC_SCOPE not in scopes:
            raise OAuthError(
                400, "invalid_scope", f"The provided value for scope {form.get('scope', '')} is not valid.", 1002012
            )
        token = "emu." + secrets.token_urlsafe(32)
        lifetime = self.settings.token_lifetime_s
        with self._lock:
            expires_at = self._now() + timedelta(seconds=lifetime)
            self._tokens[token] = IssuedToken(client_id, tenant_id, expires_at, self._generation)
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}

    # -- API authentication -----------------------------------------------------------------------------

    def authenticate(self, authorization: str | None, *, cloud: bool, tenant_id: str | None) -> User:
        """The caller behind an Authorization header, or 401 Authentication_InvalidCredentials."""
        if not authorization:
            raise self._challenge(errors.invalid_credentials("The request has no credentials."), cloud)
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            with self._lock:
                issued = self._tokens.get(value.strip())
                generation = self._generation
            if issued is None or issued.generation != generation:
                raise self._challenge(errors.invalid_credentials("The credentials provided are incorrect."), cloud)
            if issued.expires_at <= self._now():
                raise self._challenge(errors.invalid_credentials("The access token has expired."), cloud)
            if tenant_id is not None and issued.tenant_id != tenant_id:
                raise self._challenge(
                    errors.invalid_credentials("The access token was issued for a different tenant."), cloud
                )
            return user_for(issued.client_id)
        if scheme.lower() == "basic":
            if cloud and not self.settings.allow_basic_auth_on_cloud:
                raise self._challenge(
                    errors.invalid_credentials(
                        "Basic authentication with web service access keys is not supported for Business Central "
                        "online; use OAuth."
                    ),
                    cloud,
                )
            pair = _basic_pair(authorization)
            if pair is not None:
                name, key = pair
                for user, expected in self.settings.basic_users().items():
                    if user.upper() == name.upper() and secrets.compare_digest(key, expected):
                        return user_for(user)
            raise self._challenge(errors.invalid_credentials(), cloud)
        raise self._challenge(errors.invalid_credentials(), cloud)

    def expire_all(self) -> None:
        """Fault: every token issued so far stops working (clients must fetch a new one)."""
        with self._lock:
            self._generation += 1
            self._tokens.clear()

    def _challenge(self, error: errors.ApiError, cloud: bool) -> errors.ApiError:
        if cloud:
            error.headers["WWW-Authenticate"] = (
                'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                'resource_id="https://api.businesscentral.dynamics.com"'
            )
        else:
            error.headers["WWW-Authenticate"] = 'Basic realm=""'
        return error


def _basic_pair(authorization: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(authorization.split(" ", 1)[1].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, IndexError):
        return None
    name, sep, key = decoded.partition(":")
    return (name, key) if sep else None
