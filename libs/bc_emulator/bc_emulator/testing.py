"""Helpers for tests that talk to the emulator: a webhook receiver and ready-made raw HTTP clients."""

from __future__ import annotations

import contextlib
import functools
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from bc_emulator import jsonio
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import BC_SCOPE


def as_json(body: Any) -> dict[str, Any]:
    """httpx request kwargs sending `body` with Decimal money as exact JSON numbers: client.post(url, **as_json(b))."""
    return {"content": jsonio.dumps(body), "headers": {"Content-Type": "application/json"}}


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """(status, BC error code, message) of an error response."""
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["message"]


def read_all(client: httpx.Client, url: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    """GET a collection and follow @odata.nextLink to the end; returns (rows, pages)."""
    rows: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, **kwargs)
        response.raise_for_status()
        body = response.json()
        rows.extend(body["value"])
        pages += 1
        next_url = body.get("@odata.nextLink")
        kwargs.pop("params", None)  # the next link carries the query options
    return rows, pages


@functools.cache
def _trust(ca_file: str | None) -> ssl.SSLContext:
    """One verifying SSL context per CA (building one costs ~80 ms, which adds up over a test suite)."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def trust(emu: EmulatorServer) -> ssl.SSLContext:
    """The `verify=` for httpx talking to `emu`: system CAs plus the emulator's throw-away CA in TLS mode."""
    return _trust(str(emu.ca_file) if emu.ca_file else None)


def onprem_client(emu: EmulatorServer, **kwargs: Any) -> httpx.Client:
    """httpx client on the on-premises API root with basic auth (user + web service access key)."""
    return httpx.Client(
        base_url=emu.onprem_api_base_url + "/",
        auth=(emu.basic_username, emu.basic_access_key),
        verify=trust(emu),
        **kwargs,
    )


def nav_company_url(emu: EmulatorServer, company: str | None = None) -> str:
    """NAV mode: {odata_v4_url}/Company('<name>') with the name's quotes doubled and the rest percent-encoded."""
    name = (company or emu.company_name or "").replace("'", "''")
    return f"{emu.odata_v4_url}/Company('{quote(name, safe='')}')"


def nav_client(emu: EmulatorServer, **kwargs: Any) -> httpx.Client:
    """NAV mode: httpx client on Company('<first company>')/ with basic auth (NavUserPassword / web service key)."""
    return httpx.Client(
        base_url=nav_company_url(emu) + "/",
        auth=(emu.basic_username, emu.basic_access_key),
        verify=trust(emu),
        **kwargs,
    )


class NtlmTestAuth(httpx.Auth):
    """httpx auth flow doing NTLM like a Windows client (pyspnego's NTLM initiator): 401 -> NEGOTIATE -> CHALLENGE
    -> AUTHENTICATE, all on the client's keep-alive connection. For tests of NAV mode; it never prints secrets."""

    requires_response_body = True

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password

    def auth_flow(self, request: httpx.Request) -> Any:
        import base64

        import spnego

        response = yield request
        if response.status_code != 401 or not any(
            v.split(" ")[0].upper() == "NTLM" for v in response.headers.get_list("www-authenticate")
        ):
            return
        context = spnego.client(self._username, self._password, protocol="ntlm")
        request.headers["Authorization"] = "NTLM " + base64.b64encode(context.step() or b"").decode()
        response = yield request
        challenge = next(
            (v for v in response.headers.get_list("www-authenticate") if v.upper().startswith("NTLM ")), None
        )
        if response.status_code != 401 or challenge is None:
            return
        token = context.step(base64.b64decode(challenge.split(" ", 1)[1]))
        request.headers["Authorization"] = "NTLM " + base64.b64encode(token or b"").decode()
        yield request


def cloud_client(emu: EmulatorServer, **kwargs: Any) -> httpx.Client:
    """httpx client on the cloud-shaped API root with a bearer token from the emulated token endpoint."""
    token = httpx.post(
        emu.token_url,
        verify=trust(emu),
        data={
            "grant_type": "client_credentials",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "scope": BC_SCOPE,
        },
    ).json()["access_token"]
    return httpx.Client(
        base_url=emu.api_base_url + "/", headers={"Authorization": f"Bearer {token}"}, verify=trust(emu), **kwargs
    )


class WebhookReceiver:
    """A subscriber endpoint: echoes `validationToken` (handshake) and records notification POSTs.

    Set `handshake_status` / `echo_token` to break the handshake, `notification_status` to answer
    notifications with an error (408/429/5xx are retried by the emulator; others delete the subscription).
    """

    def __init__(self) -> None:
        self.handshakes: list[str] = []
        self.notifications: list[dict[str, Any]] = []
        self.handshake_status = 200
        self.echo_token = True
        self.notification_status = 202
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                token = parse_qs(urlsplit(self.path).query).get("validationToken", [""])[0]
                with receiver._cond:
                    receiver.handshakes.append(token)
                body = token.encode() if receiver.echo_token else b"nope"
                self._answer(receiver.handshake_status, body, "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                with receiver._cond:
                    receiver.notifications.append(payload)
                    receiver._cond.notify_all()
                self._answer(receiver.notification_status, b"", "text/plain")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until `count` notification POSTs arrived (or the timeout passes); returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.notifications) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.notifications)

    def entries(self) -> list[dict[str, Any]]:
        """All notification entries received, flattened across POSTs."""
        with self._cond:
            return [entry for payload in self.notifications for entry in payload.get("value", [])]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            self._server.shutdown()
        self._server.server_close()
