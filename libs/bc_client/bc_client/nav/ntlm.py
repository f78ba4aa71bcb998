"""NTLM (Windows authentication) for httpx, with pyspnego doing the cryptography.

NAV's server tier with `ClientServicesCredentialType=Windows` answers an unauthenticated request with
`401 WWW-Authenticate: Negotiate` / `NTLM` (http.sys). The handshake is three legs:
  request -> 401 (offer) ; Authorization: NTLM <Type 1 negotiate> -> 401 WWW-Authenticate: NTLM <Type 2 challenge>
  ; Authorization: NTLM <Type 3 authenticate> -> the real answer.
NTLM authenticates the TCP connection, not the request: legs 2 and 3 must travel on the same keep-alive
connection, so the client using this flow sends through `ConnectionBoundPool` (one connection per httpx client).

Secrets: the password is read only to build the Type 3 message; neither it, its NT hash nor the handshake
tokens are ever logged (httpx logs method, URL and status only).
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import urlsplit

import httpx
import spnego
from pydantic import SecretStr

logger = logging.getLogger("bc_client")

_SCHEMES = ("NTLM", "Negotiate")  # NTLM preferred: Negotiate would try Kerberos first, which needs a KDC


def offered_scheme(response: httpx.Response) -> str | None:
    """Which of NTLM / Negotiate the server offers in its 401, None when neither (e.g. only Basic)."""
    offered = {
        value.strip().split(" ", 1)[0].casefold()
        for header in response.headers.get_list("WWW-Authenticate")
        for value in header.split(",")
        if value.strip()
    }
    return next((scheme for scheme in _SCHEMES if scheme.casefold() in offered), None)


def challenge_token(response: httpx.Response, scheme: str) -> bytes | None:
    """The server's Type 2 challenge from `WWW-Authenticate: NTLM <base64>`."""
    for header in response.headers.get_list("WWW-Authenticate"):
        for value in header.split(","):
            name, _, token = value.strip().partition(" ")
            if name.casefold() == scheme.casefold() and token.strip():
                try:
                    return base64.b64decode(token.strip(), validate=True)
                except ValueError:
                    return None
    return None


class NtlmFlow(httpx.Auth):
    """`httpx.Auth` doing the NTLM handshake for every request that gets a 401 offering NTLM/Negotiate."""

    requires_response_body = True  # the 401 bodies are read so the connection can carry the next leg

    def __init__(self, username: str, password: SecretStr, *, on_handshake: Callable[[], None] | None = None) -> None:
        self._username = username
        self._password = password
        self._on_handshake = on_handshake

    def __repr__(self) -> str:
        return f"NtlmFlow(username={self._username!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # Leg 1 goes out without credentials: a connection NTLM already authenticated (http.sys keeps it so)
        # answers straight away, and a server that does not use Windows authentication says what it wants.
        response = yield request
        if response.status_code != 401:
            return
        scheme = offered_scheme(response)
        if scheme is None:
            return  # not an NTLM server: the 401 goes to the caller as an authentication error
        host = urlsplit(str(request.url)).hostname or "localhost"
        context = spnego.client(
            self._username, self._password.get_secret_value(), hostname=host, service="HTTP", protocol="ntlm"
        )
        negotiate = context.step()
        assert negotiate is not None
        request.headers["Authorization"] = f"{scheme} {base64.b64encode(negotiate).decode('ascii')}"
        response = yield request
        challenge = challenge_token(response, scheme) if response.status_code == 401 else None
        if challenge is None:
            return  # no Type 2: the server refused the negotiation (the 401/other answer is the result)
        try:
            authenticate = context.step(challenge)
        except spnego.exceptions.SpnegoError as exc:
            # Only the error's class: pyspnego's text may quote the server's token.
            logger.warning("bc_client: the server's NTLM challenge could not be answered (%s)", type(exc).__name__)
            return
        assert authenticate is not None
        request.headers["Authorization"] = f"{scheme} {base64.b64encode(authenticate).decode('ascii')}"
        if self._on_handshake is not None:
            self._on_handshake()
        yield request


class ConnectionBoundPool:
    """httpx clients of exactly one connection each, lent to one request at a time.

    The three NTLM legs of a request go through one client, hence one TCP connection, whatever other threads
    do meanwhile (a shared pool could hand leg 3 a different connection than leg 2, and NTLM would fail).
    Duck-types the `request()` of `httpx.Client` that `bc_client.transport.Transport` uses."""

    def __init__(self, size: int, factory: Callable[[], httpx.Client]) -> None:
        if size < 1:
            raise ValueError("ConnectionBoundPool needs at least one client")
        self._size = size
        self._factory = factory
        self._idle: queue.LifoQueue[httpx.Client] = queue.LifoQueue()
        self._all: list[httpx.Client] = []
        self._lock = threading.Lock()

    def _checkout(self) -> httpx.Client:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._all) < self._size:
                client = self._factory()
                self._all.append(client)
                return client
        return self._idle.get()  # all lent out: wait for one (the transport's slots keep this short)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        client = self._checkout()
        try:
            return client.request(method, url, **kwargs)
        finally:
            self._idle.put(client)

    def close(self) -> None:
        with self._lock:
            for client in self._all:
                client.close()
            self._all.clear()
