"""Starting a sync of one connection through the Airbyte API: `POST {api}/v1/jobs`.

    POST https://api.airbyte.com/v1/jobs          (self-managed: http(s)://<host>/api/public/v1/jobs)
    Authorization: Bearer <access token>
    {"connectionId": "<uuid>", "jobType": "sync"}

Airbyte access tokens are short-lived (minutes). Either a ready token is given (`--token-env`), or the receiver
gets its own from the application's client id and secret (`POST {api}/v1/applications/token`) and renews it
before it expires. Airbyte answers 409 when the connection is already syncing: that sync may have started before
the change was committed, so the trigger reports "busy" and the caller tries again later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

logger = logging.getLogger("webhook_receiver")

TOKEN_MARGIN_SECONDS = 30.0
TriggerOutcome = Literal["started", "busy", "retry", "failed"]


@dataclass(frozen=True)
class TriggerResult:
    outcome: TriggerOutcome
    detail: str
    job_id: str | None = None


class TokenProvider:
    """A bearer token: fixed, or obtained with client credentials and renewed before it expires."""

    def __init__(
        self,
        *,
        token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_url: str | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not token and not (client_id and client_secret and token_url):
            raise ValueError("give an access token, or a client id, client secret and token URL")
        self._fixed = token
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    @property
    def renewable(self) -> bool:
        return self._fixed is None

    def token(self, *, refresh: bool = False) -> str:
        if self._fixed is not None:
            return self._fixed
        with self._lock:
            if refresh or self._token is None or self._clock() >= self._expires_at:
                self._token, lifetime = self._request_token()
                self._expires_at = self._clock() + max(0.0, lifetime - TOKEN_MARGIN_SECONDS)
            return self._token

    def _request_token(self) -> tuple[str, float]:
        assert self._http is not None and self._token_url is not None
        response = self._http.post(
            self._token_url,
            json={
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "grant-type": "client_credentials",
            },
        )
        if response.status_code >= 400:
            raise PermissionError(f"the Airbyte token endpoint answered HTTP {response.status_code}")
        payload = response.json()
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise PermissionError("the Airbyte token endpoint returned no access_token")
        lifetime = payload.get("expires_in")
        return token, float(lifetime) if isinstance(lifetime, int | float) else 180.0


class AirbyteSyncTrigger:
    """Starts sync jobs of one connection."""

    def __init__(self, api_url: str, connection_id: str, tokens: TokenProvider, http: httpx.Client) -> None:
        self.jobs_url = api_url.rstrip("/") + "/v1/jobs"
        self.connection_id = connection_id
        self._tokens = tokens
        self._http = http

    def trigger(self) -> TriggerResult:
        body = {"connectionId": self.connection_id, "jobType": "sync"}
        try:
            response = self._post(body, refresh=False)
            if response.status_code == 401 and self._tokens.renewable:
                response = self._post(body, refresh=True)
        except PermissionError as error:
            return TriggerResult("retry", str(error))
        except httpx.HTTPError as error:
            return TriggerResult("retry", f"Airbyte API unreachable ({type(error).__name__})")
        status = response.status_code
        if status in (200, 201):
            job_id = _job_id(response)
            return TriggerResult("started", f"sync job {job_id or '?'} started", job_id)
        if status == 409:
            return TriggerResult("busy", "a sync of this connection is already running")
        if status in (408, 429) or status >= 500:
            return TriggerResult("retry", f"Airbyte API answered HTTP {status}")
        # 400/401/403/404: wrong connection id or token; retrying will not help until someone fixes the setup.
        return TriggerResult("failed", f"Airbyte API refused the sync: HTTP {status} {_message(response)}")

    def _post(self, body: dict[str, str], *, refresh: bool) -> httpx.Response:
        token = self._tokens.token(refresh=refresh)
        return self._http.post(
            self.jobs_url,
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )


def _job_id(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    value = payload.get("jobId") if isinstance(payload, dict) else None
    return None if value is None else str(value)


def _message(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return ""
    if isinstance(payload, dict):
        for key in ("message", "detail", "title"):
            if isinstance(payload.get(key), str):
                return payload[key][:200]
    return ""
