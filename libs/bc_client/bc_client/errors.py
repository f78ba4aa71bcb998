"""Errors raised by the client, classified the way Business Central classifies them.

BC answers errors as `{"error": {"code": "<Category>_<Name>", "message": "... CorrelationId: <guid>."}}`; the
category prefix (BadRequest_, Authentication_, Authorization_, Internal_, Application_) says whose fault it is.
Some HTTP situations matter more to a caller than the category (a stale ETag, a throttle, a missing entity), so
those get their own class; `.category` always carries BC's prefix whatever the class.

Messages never contain secrets: every message passes through `redact()` with the secrets the client knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

CATEGORIES = ("BadRequest", "Authentication", "Authorization", "Internal", "Application", "Request")

ON_PREMISES_API_HINT = (
    "On the Business Central / NAV server: set ApiServicesEnabled and ODataServicesEnabled to true on the "
    "service tier (Set-NAVServerConfiguration <instance> -KeyName ApiServicesEnabled -KeyValue true, same for "
    "ODataServicesEnabled) and restart it, run API Setup -> Integrate APIs in the client, and open the OData/API "
    "port (default 7048) in the firewall."
)

NAV_ODATA_V4_HINT = (
    "On the NAV server: in Microsoft Dynamics NAV Server Administration select the server instance and, on the "
    "OData Services tab, tick 'Enable OData V4 Services' (ODataServicesV4EndpointEnabled; Set-NAVServerConfiguration "
    "<instance> -KeyName ODataServicesV4EndpointEnabled -KeyValue true) and 'Enable OData Services', restart the "
    "instance, and open the OData port (default 7048) in the firewall."
)

_CORRELATION_ID = re.compile(r"CorrelationId:\s*([0-9a-fA-F-]{36})")


class BCError(Exception):
    """An API call failed. `status` is the HTTP status (None when no response arrived)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.url = url
        self.retry_after = retry_after

    @property
    def category(self) -> str | None:
        """BC's code prefix: BadRequest, Authentication, Authorization, Internal, Application, Request."""
        if not self.code:
            return None
        prefix = self.code.split("_", 1)[0]
        return prefix if prefix in CATEGORIES else None

    @property
    def correlation_id(self) -> str | None:
        match = _CORRELATION_ID.search(self.message)
        return match.group(1) if match else None

    def __str__(self) -> str:
        context = f" [{self.method} {self.url} -> {self.status}]" if self.method and self.url else ""
        code = f"{self.code}: " if self.code else ""
        return f"{code}{self.message}{context}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class BadRequestError(BCError):
    """BadRequest_*: the request is malformed or names something that does not exist."""


class AuthenticationError(BCError):
    """Authentication_* or a failed token request: credentials, tenant or audience are wrong."""


class AuthorizationError(BCError):
    """Authorization_*: authenticated, but the user/app lacks permissions in BC."""


class InternalError(BCError):
    """Internal_*: server-side data integrity problems (duplicate key, missing record, ...)."""


class EntityExistsError(InternalError):
    """Internal_EntityWithSameKeyExists: an insert collided with an existing primary key."""


class ApplicationError(BCError):
    """Application_*: BC business logic refused the operation (posting errors, field validation)."""


class NotFoundError(BCError):
    """HTTP 404: the entity, entity set or route does not exist."""


class ConcurrencyConflictError(BCError):
    """The record changed since its ETag was read (Request_EntityChanged, 409/412): re-read and retry."""


class ThrottledError(BCError):
    """HTTP 429 after the retry budget was spent."""


class ServiceUnavailableError(BCError):
    """502/503/504 after the retry budget was spent, or the server could not be reached at all."""


class ApiUnreachableError(ServiceUnavailableError):
    """No HTTP response: connection refused, DNS failure, TLS failure, or a timeout on a safe request."""


class ApiDisabledError(BCError):
    """405 from an on-premises server whose API/OData services are switched off."""


class CompanyNotFoundError(BCError):
    """The configured company matches no company the credentials can see."""

    def __init__(self, message: str, *, available: list[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.available = available


class ConfigurationError(BCError):
    """The connection configuration cannot work (bad URL, bad certificate, wrong tenant/environment)."""


class TLSVerificationError(ConfigurationError):
    """The server's TLS certificate did not verify against the trusted CAs (system bundle + ca_certificate)."""


class WriteOutcomeUnknownError(BCError):
    """A non-idempotent request (POST) was sent but no response arrived (timeout, dropped connection, 502/504).

    BC may or may not have committed it. The client never re-sends such a request blindly: the caller must look
    up whether the write happened (e.g. by its deterministic document number) before writing again.
    """

    def __init__(self, message: str, *, cause: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cause = cause


class BatchRolledBackError(BCError):
    """An atomic (`Isolation: snapshot`) $batch had a failing operation, so BC rolled every operation back.

    `failures` maps the index of each failing operation to its error; `results` holds every inner response.
    """

    def __init__(self, message: str, *, failures: dict[int, BCError], results: list[Any], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.failures = failures
        self.results = results


_BY_CODE: dict[str, type[BCError]] = {
    "Request_EntityChanged": ConcurrencyConflictError,
    "Internal_EntityWithSameKeyExists": EntityExistsError,
}
_BY_PREFIX: dict[str, type[BCError]] = {
    "BadRequest": BadRequestError,
    "Authentication": AuthenticationError,
    "Authorization": AuthorizationError,
    "Internal": InternalError,
    "Application": ApplicationError,
}


def error_class_for(status: int | None, code: str | None) -> type[BCError]:
    """The most useful class for a response: specific codes, then statuses a caller reacts to, then the prefix."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in (409, 412):
        return ConcurrencyConflictError
    if status == 429:
        return ThrottledError
    if status in (502, 503, 504):
        return ServiceUnavailableError
    if status == 404:
        return NotFoundError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return AuthorizationError
    prefix = code.split("_", 1)[0] if code else None
    if prefix in _BY_PREFIX:
        return _BY_PREFIX[prefix]
    if status is not None and status >= 500:
        return InternalError
    if status is not None and status >= 400:
        return BadRequestError
    return BCError


class Redactor:
    """Replaces known secret values by '***' in any text that may reach a log or an exception."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # Very short values would redact ordinary words; nobody configures a 3-character secret.
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text
