"""The HTTP endpoint Business Central calls: validation handshakes and change notifications.

Rules from BC's webhook contract:
- Handshake: on subscription creation AND renewal BC calls `notificationUrl?validationToken=<token>`; the
  subscription exists only if the answer is 200 with the raw token as the body (text/plain).
- Notifications: answer 2xx quickly. BC retries only 408/429/5xx; any other error DELETES the subscription. So
  every notification is answered 202 at once, whatever it holds, and the work happens on the debouncer's thread.
- `clientState` is checked on each notification: only ours can trigger a sync (others are logged and ignored).
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from webhook_receiver.debounce import Debouncer
from webhook_receiver.notifications import MalformedPayloadError, authentic, parse_notifications

logger = logging.getLogger("webhook_receiver")

MAX_BODY_BYTES = 8 << 20  # a collection burst of 1,000 notifications is well under 1 MB
READ_TIMEOUT_SECONDS = 10.0


class _Handler(BaseHTTPRequestHandler):
    server: WebhookHttpServer
    protocol_version = "HTTP/1.1"
    server_version = "stampli-nav-webhook-receiver"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(READ_TIMEOUT_SECONDS)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line may carry a validationToken: log the path only.
        logger.debug("%s %s", self.command, urlsplit(self.path).path)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        body = self._read_body()
        token = _validation_token(self.path)
        if token is not None:
            self.server.stats["handshakes"] += 1
            logger.info("Validation handshake answered (subscription created or renewed)")
            self._answer(HTTPStatus.OK, token.encode("utf-8"), "text/plain; charset=utf-8")
            return
        # Answer first: BC must never wait on us, and never see an error it would delete the subscription for.
        self._answer(HTTPStatus.ACCEPTED, b"", None)
        if self.command == "POST":
            self.server.accept_notifications(body)

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return b""
        if length > MAX_BODY_BYTES:
            # Read and drop it so the connection stays usable; the notification is logged as unusable.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)
            return b"\x00too-large"
        return self.rfile.read(length)

    def _answer(self, status: HTTPStatus, body: bytes, content_type: str | None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()


def _validation_token(path: str) -> str | None:
    query = parse_qs(urlsplit(path).query, keep_blank_values=True)
    for name, values in query.items():
        if name.lower() == "validationtoken" and values:
            return values[0]
    return None


class WebhookHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], client_state: str, debouncer: Debouncer) -> None:
        super().__init__(address, _Handler)
        self._client_state = client_state
        self.debouncer = debouncer
        self.stats: Counter[str] = Counter()

    def accept_notifications(self, body: bytes) -> None:
        if body == b"\x00too-large":
            self.stats["unusable"] += 1
            logger.warning("Notification ignored: body larger than %d bytes", MAX_BODY_BYTES)
            return
        try:
            notifications = parse_notifications(body)
        except MalformedPayloadError as error:
            self.stats["unusable"] += 1
            logger.warning("Notification ignored: %s", error)
            return
        accepted, rejected = authentic(notifications, self._client_state)
        if rejected:
            self.stats["rejected"] += rejected
            logger.warning("%d notification(s) ignored: their clientState is not ours", rejected)
        if not accepted:
            return
        self.stats["accepted"] += len(accepted)
        changes = Counter(f"{n.entity_set or '?'} {n.change_type or '?'}" for n in accepted)
        logger.info(
            "Notifications from Business Central: %s", ", ".join(f"{k} x{v}" for k, v in sorted(changes.items()))
        )
        for notification in accepted:
            if notification.change_type == "deleted":
                logger.warning(
                    "Deleted in Business Central: %s. Deletions are not propagated to Stampli; remove or deactivate "
                    "it in Stampli if needed.",
                    notification.resource,
                )
            elif notification.change_type == "collection":
                logger.info("Collection notification (more than 1,000 changes): %s", notification.resource)
        self.debouncer.notify(len(accepted))


class WebhookReceiver:
    """The receiver as a whole: HTTP server thread + debouncer thread. Use as a context manager or start/stop."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        client_state: str,
        debouncer: Debouncer,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.debouncer = debouncer
        self.httpd = WebhookHttpServer((host, port), client_state, debouncer)
        if tls_context is not None:
            # The TLS handshake happens on the handler thread (first read), not in the accept loop.
            self.httpd.socket = tls_context.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.tls = tls_context is not None
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="webhook-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/"

    def start(self) -> WebhookReceiver:
        self.debouncer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.debouncer.stop()
        self._thread.join(5.0)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
