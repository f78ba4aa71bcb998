"""One HTTP exchange with BC, done safely: bounded concurrency, authentication, retries, error classification.

Retry rules (BC online documents 429/502/503/504 as transient and sends `Retry-After` with them):
- A request that never reached the server (connection refused, connect timeout) is always safe to resend.
- 429 and 503 mean BC refused the request before running it (throttled / queue full): safe to resend, even a POST.
- 502, 504, read timeouts and dropped connections leave the outcome unknown. Idempotent methods (GET, PUT,
  PATCH with If-Match, DELETE) are resent; a POST is NOT: BC may have committed it, so the caller gets a
  `WriteOutcomeUnknownError` and must look up what happened before writing again.
- A 401 gets exactly one immediate resend with a freshly acquired token (it does not consume the retry budget).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from bc_client.auth import Authenticator
from bc_client.errors import (
    ON_PREMISES_API_HINT,
    ApiDisabledError,
    ApiUnreachableError,
    BCError,
    ConcurrencyConflictError,
    Redactor,
    TLSVerificationError,
    WriteOutcomeUnknownError,
    error_class_for,
)
from bc_client.jsonio import loads
from bc_client.tls import is_certificate_failure
from bc_client.usage import ApiUsage

logger = logging.getLogger("bc_client")

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429, 503})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
# Transport failures raised before any byte of the request left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class HttpSender(Protocol):
    """What the transport needs of its HTTP client: `httpx.Client`, or NTLM's connection-bound pool."""

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Waits use full-jitter exponential backoff unless BC sends Retry-After."""

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    # A refused or unresolvable connection (httpx.ConnectError) is worth retrying in a sync (a service tier
    # restarting), not in a `check` where a person waits: there it usually means a wrong URL, port or firewall.
    retry_connect_errors: bool = True


class _Transient(Exception):
    """An attempt failed in a way worth retrying; carries the error to raise if the budget runs out."""

    def __init__(self, error: BCError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


@dataclass
class _ExchangeState:
    auth_retried: bool = False
    uncertain: bool = False  # an earlier attempt may have reached BC without us seeing the response


def parse_retry_after(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or unparsable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def server_wait(retry_after: float, policy: RetryPolicy) -> float:
    """The wait before resending after BC's Retry-After: honoured (capped by the policy), plus a little jitter so
    that parallel workers do not return in lockstep. Used for top-level requests and $batch inner operations."""
    wait = min(retry_after, policy.max_retry_after)
    return wait + random.uniform(0, min(1.0, wait * 0.1))


def describe_url(url: str) -> str:
    """Path and query of a URL, shortened: enough to recognise the call in a message."""
    parts = urlsplit(url)
    text = parts.path + (f"?{parts.query}" if parts.query else "")
    return text if len(text) <= 240 else text[:237] + "..."


class Transport:
    def __init__(
        self,
        *,
        http: HttpSender,
        authenticator: Authenticator,
        usage: ApiUsage,
        redact: Redactor,
        max_in_flight: int,
        retry_policy: RetryPolicy,
        on_premises: bool,
        default_headers: Mapping[str, str],
        sleep: Callable[[float], None] = time.sleep,
        server_hint: str = ON_PREMISES_API_HINT,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._http = http
        self._auth = authenticator
        self._usage = usage
        self._redact = redact
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._policy = retry_policy
        self._on_premises = on_premises
        self._server_hint = server_hint  # what to switch on at the server tier (API v2.0 or NAV's OData V4)
        self._default_headers = dict(default_headers)
        self._sleep = sleep
        self._backoff = wait_random_exponential(multiplier=retry_policy.backoff_base, max=retry_policy.backoff_max)

    def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        operations: int = 1,
        idempotent: bool | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send until a 2xx arrives or the error is final; return the 2xx response."""
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        state = _ExchangeState()
        retrying = Retrying(
            stop=stop_after_attempt(self._policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            before_sleep=self._before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(method, url, content, headers or {}, operations, safe, timeout, state)
        except _Transient as exhausted:
            raise exhausted.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    # -- one attempt ---------------------------------------------------------------------------------------
    def _attempt(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: Mapping[str, str],
        operations: int,
        idempotent: bool,
        timeout: float | None,
        state: _ExchangeState,
    ) -> httpx.Response:
        auth_headers = self._auth.headers()  # outside the slot: token requests do not go to BC
        request_headers = {**self._default_headers, **headers, **auth_headers}
        try:
            with self._slots:
                self._usage.enter_flight()
                try:
                    response = self._http.request(
                        method,
                        url,
                        content=content,
                        headers=request_headers,
                        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    )
                finally:
                    self._usage.leave_flight()
        except httpx.TransportError as exc:
            return self._transport_failure(exc, method, url, operations, idempotent, state)

        self._usage.record_request(method, operations)
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 401 and not state.auth_retried and self._auth.invalidate(auth_headers):
            state.auth_retried = True
            self._usage.record("auth_retries")
            logger.info("bc_client: %s %s got 401; retrying once with a fresh token", method, describe_url(url))
            return self._attempt(method, url, content, headers, operations, idempotent, timeout, state)
        if status == 404 and method == "DELETE" and state.uncertain:
            # The earlier attempt whose response was lost did delete it: DELETE is idempotent.
            logger.info("bc_client: DELETE %s: already gone after a lost response; treating as deleted", url)
            return response
        error = self.error_from_response(response, method, url)
        if status in RETRYABLE_STATUSES:
            self._usage.record("throttled" if status == 429 else "server_busy")
            if idempotent or status in NOT_PROCESSED_STATUSES:
                raise _Transient(error, parse_retry_after(response.headers.get("Retry-After")))
            raise WriteOutcomeUnknownError(
                self._redact(
                    f"{method} {describe_url(url)} got {status} from a gateway: Business Central may or may not have "
                    f"committed it. Not resent automatically; look up whether it happened before writing again. "
                    f"({error.message})"
                ),
                cause=f"HTTP {status}",
                status=status,
                code=error.code,
                method=method,
                url=describe_url(url),
            )
        if state.uncertain and isinstance(error, ConcurrencyConflictError):
            error.message += (
                " (an earlier attempt of this request got no response and may already have been applied: "
                "re-read the entity before deciding)"
            )
        raise error

    def _transport_failure(
        self,
        exc: httpx.TransportError,
        method: str,
        url: str,
        operations: int,
        idempotent: bool,
        state: _ExchangeState,
    ) -> httpx.Response:
        self._usage.record("transport_errors")
        if is_certificate_failure(exc):
            # The same certificate fails the same way on every attempt: only a config change (ca_certificate) or a
            # fixed server certificate helps, so say so at once instead of retrying into a transient error.
            raise self.certificate_error(exc, url) from None
        sent = not isinstance(exc, _NOT_SENT)
        if sent:
            self._usage.record_request(method, operations)  # it may have reached BC and counted there
        description = self._redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        if sent and not idempotent:
            raise WriteOutcomeUnknownError(
                f"{method} {describe_url(url)} was sent but no response arrived ({description}). Business Central "
                "may or may not have committed it. Not resent automatically; look up whether it happened before "
                "writing again.",
                cause=description,
                method=method,
                url=describe_url(url),
            ) from None
        state.uncertain = state.uncertain or sent
        if not self._policy.retry_connect_errors and isinstance(exc, httpx.ConnectError):
            raise self.unreachable_error(exc, method, url) from None  # nothing reached BC; say so at once
        raise _Transient(self.unreachable_error(exc, method, url), None)

    # -- errors ---------------------------------------------------------------------------------------------
    def certificate_error(self, exc: httpx.TransportError, url: str) -> TLSVerificationError:
        parts = urlsplit(url)
        detail = self._redact(str(exc) or type(exc).__name__)
        return TLSVerificationError(
            f"TLS verification of {parts.scheme}://{parts.netloc} failed ({detail}). If the server uses a "
            "certificate from a private CA, put that CA's PEM in ca_certificate (verification cannot be switched off)."
        )

    def unreachable_error(self, exc: httpx.TransportError, method: str, url: str) -> ApiUnreachableError:
        parts = urlsplit(url)
        where = f"{parts.scheme}://{parts.netloc}"
        detail = self._redact(str(exc) or type(exc).__name__)
        if isinstance(exc, httpx.TimeoutException):
            message = f"{method} {describe_url(url)} timed out talking to {where} ({type(exc).__name__})."
        else:
            message = f"cannot reach {where} ({detail})."
            if self._on_premises:
                message += " " + self._server_hint
        return ApiUnreachableError(message, method=method, url=describe_url(url))

    def error_from_response(self, response: httpx.Response, method: str, url: str) -> BCError:
        code: str | None = None
        message: str | None = None
        try:
            payload = loads(response.content) if response.content else None
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            code = payload["error"].get("code") or None
            message = payload["error"].get("message") or None
        if message is None:
            text = response.text.strip()
            message = text[:500] if text and not text.lstrip().startswith("<") else response.reason_phrase
        status = response.status_code
        common = {
            "status": status,
            "code": code,
            "method": method,
            "url": describe_url(url),
            "retry_after": parse_retry_after(response.headers.get("Retry-After")),
        }
        if status == 405 and code in (None, "", "Unknown"):
            return ApiDisabledError(
                self._redact(
                    f"the API answered 405 Method Not Allowed: its services look disabled. {self._server_hint}"
                ),
                **common,
            )
        return error_class_for(status, code)(self._redact(str(message)), **common)

    # -- tenacity hooks -------------------------------------------------------------------------------------
    def _wait(self, retry_state: RetryCallState) -> float:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(failure, _Transient) and failure.retry_after is not None:
            return server_wait(failure.retry_after, self._policy)
        return float(self._backoff(retry_state))

    def _before_sleep(self, retry_state: RetryCallState) -> None:
        self._usage.record("retries")
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
        logger.warning(
            "bc_client: attempt %d failed (%s); retrying in %.2fs",
            retry_state.attempt_number,
            failure.error if isinstance(failure, _Transient) else failure,
            wait,
        )
