"""The HTTP transport: stdlib ThreadingHTTPServer (one thread per connection, HTTP/1.1 keep-alive, optional TLS).

The stdlib server gives full control over the socket, which the faults need: hanging a request, and closing a
connection with a TCP reset after the write was committed but before any response byte is sent.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

log = logging.getLogger(__name__)

MAX_BODY = 350 * 1024 * 1024  # BC online: 350 MB request body


@dataclass
class HttpRequest:
    method: str
    target: str  # path and query as sent
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # scheme://host:port this server is reached at
    # State that lives as long as the TCP connection (NTLM's handshake and the identity it established are bound to
    # the connection, not to a request). One dict per connection, shared by its requests in order.
    connection: dict[str, object] = field(default_factory=dict)


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: bool = False  # close the connection (TCP reset) instead of answering
    repeated_headers: list[tuple[str, str]] = field(default_factory=list)  # e.g. one WWW-Authenticate per scheme


class Application(Protocol):
    def handle(self, request: HttpRequest) -> HttpResponse: ...


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        app: Application,
        ssl_context: ssl.SSLContext | None,
        idle_timeout: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.app = app
        self.clock = clock or (lambda: datetime.now(UTC))
        self.ssl_context = ssl_context
        self.idle_timeout = idle_timeout
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Cut keep-alive connections too, so a stopped emulator really is gone (connection refused/reset)."""
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        scheme = "https" if self.ssl_context else "http"
        if ":" in str(host):
            host = f"[{host}]"
        return f"{scheme}://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up (timeouts, dropped connections, failed TLS handshakes) are normal here.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BusinessCentralEmulator/1.0"
    sys_version = ""
    server: EmulatorHTTPServer
    # TCP_NODELAY on every accepted socket (StreamRequestHandler.setup applies it): a small write waiting for the
    # client's delayed ACK under Nagle's algorithm stalls a keep-alive response by ~40 ms. Real BC has no such stall.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        self.connection_state: dict[str, object] = {}
        self.request.settimeout(self.server.idle_timeout)
        self._raw_socket = self.request
        self.server.track(self._raw_socket, True)
        if self.server.ssl_context is not None:
            # The TLS handshake runs here, in the connection's own thread, never in the accept loop.
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
            # wrap_socket detached the plain socket (its descriptor is gone): track the TLS one, so that stopping
            # the emulator can still cut this connection.
            self.server.track(self._raw_socket, False)
            self._raw_socket = self.request
            self.server.track(self._raw_socket, True)
        super().setup()

    def finish(self) -> None:
        self.server.track(self._raw_socket, False)
        with contextlib.suppress(OSError):
            super().finish()
        if self.server.ssl_context is not None:
            with contextlib.suppress(OSError):
                self.request.close()

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header: the emulator's simulated clock, not wall time. Clients read BC's time from this
        header (source-dynamics-nav judges webhook subscription expiry on it), so an advanced clock must show."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        return format_datetime(self.server.clock().astimezone(UTC), usegmt=True)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(HttpResponse(413 if length > MAX_BODY else 400, {"Content-Type": "text/plain"}, b"bad length"))
            return
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=headers,
            body=body,
            base_url=self._base_url(headers),
            connection=self.connection_state,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:  # never let a bug kill the connection thread silently
            log.exception("unhandled error for %s %s", self.command, self.path)
            response = HttpResponse(500, {"Content-Type": "text/plain"}, b"emulator error")
        if response.drop:
            self._drop()
            return
        self._send(response)

    def _base_url(self, headers: dict[str, str]) -> str:
        """The URL the client used (Host header), as BC builds @odata.nextLink and Location from it."""
        host = headers.get("host", "").strip()
        if not host or any(c in host for c in "/\\ @?#"):
            return self.server.base_url
        return f"{'https' if self.server.ssl_context else 'http'}://{host}"

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in (*response.headers.items(), *response.repeated_headers):
            self.send_header(name, value)
        body = b"" if self.command == "HEAD" else response.body
        self.send_header("Content-Length", str(len(response.body)))
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        # end_headers() without its flush: headers and body leave in one write (one segment for small answers).
        self._headers_buffer.append(b"\r\n")
        if body:
            self._headers_buffer.append(body)
        self.flush_headers()

    def _drop(self) -> None:
        """Abort the connection with a TCP reset: the client sees a connection error, never a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()
