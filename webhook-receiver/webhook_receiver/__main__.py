"""`webhook-receiver` (or `python -m webhook_receiver`): run the receiver until interrupted.

Secrets come from environment variables (named on the command line), never from arguments: a command line is
visible to every user of the machine (`ps`).

Example (Airbyte OSS):
    export NAV_WEBHOOK_CLIENT_STATE=...   # the source's webhook_client_state
    export AIRBYTE_CLIENT_ID=... AIRBYTE_CLIENT_SECRET=...
    webhook-receiver --port 8787 --client-state-env NAV_WEBHOOK_CLIENT_STATE \\
        --airbyte-api-url http://localhost:8000/api/public --connection-id <uuid> \\
        --client-id-env AIRBYTE_CLIENT_ID --client-secret-env AIRBYTE_CLIENT_SECRET
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import ssl
import sys
import threading
import uuid
from collections.abc import Sequence

import httpx

from webhook_receiver.airbyte_api import AirbyteSyncTrigger, TokenProvider
from webhook_receiver.debounce import Debouncer
from webhook_receiver.server import WebhookReceiver

logger = logging.getLogger("webhook_receiver")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webhook-receiver",
        description=(
            "Receive Business Central webhook notifications (vendors, G/L accounts, dimensions) and start a sync "
            "of the reverse Airbyte connection, debounced. Answers BC's validation handshakes."
        ),
    )
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=8787, help="port to listen on (default 8787)")
    parser.add_argument("--client-state-env", required=True, help="environment variable holding webhook_client_state")
    parser.add_argument(
        "--airbyte-api-url",
        required=True,
        help="Airbyte API root without /v1: https://api.airbyte.com (Cloud) or http://<host>:8000/api/public (self-managed)",
    )
    parser.add_argument("--connection-id", required=True, help="id of the NAV -> Stampli connection in Airbyte")
    parser.add_argument("--token-env", help="environment variable holding an Airbyte access token")
    parser.add_argument("--client-id-env", help="environment variable holding the Airbyte application client id")
    parser.add_argument("--client-secret-env", help="environment variable holding the application client secret")
    parser.add_argument("--token-url", help="token endpoint (default: <airbyte-api-url>/v1/applications/token)")
    parser.add_argument("--quiet-seconds", type=float, default=30.0, help="wait for this long without notifications")
    parser.add_argument("--max-wait-seconds", type=float, default=120.0, help="but never longer after the first one")
    parser.add_argument("--retry-seconds", type=float, default=60.0, help="retry delay when Airbyte is busy or down")
    parser.add_argument(
        "--tls-cert", help="PEM certificate chain to serve HTTPS directly (else put a TLS proxy in front)"
    )
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--log-level", default="INFO")
    return parser


def _secret(parser: argparse.ArgumentParser, variable: str | None, what: str) -> str | None:
    if not variable:
        return None
    value = os.environ.get(variable, "")
    if not value.strip():
        parser.error(f"environment variable {variable} ({what}) is empty or not set")
    return value.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    client_state = _secret(parser, args.client_state_env, "the webhook client state")
    assert client_state is not None
    try:
        uuid.UUID(args.connection_id)
    except ValueError:
        parser.error("--connection-id must be the connection's UUID")
    token = _secret(parser, args.token_env, "an Airbyte access token")
    client_id = _secret(parser, args.client_id_env, "the Airbyte client id")
    client_secret = _secret(parser, args.client_secret_env, "the Airbyte client secret")
    if not token and not (client_id and client_secret):
        parser.error("give --token-env, or --client-id-env and --client-secret-env")
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    api_url = args.airbyte_api_url.rstrip("/")

    http = httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=False)
    tokens = TokenProvider(
        token=token,
        client_id=client_id,
        client_secret=client_secret,
        token_url=args.token_url or f"{api_url}/v1/applications/token",
        http=http,
    )
    trigger = AirbyteSyncTrigger(api_url, args.connection_id, tokens, http)
    debouncer = Debouncer(
        trigger.trigger,
        quiet_seconds=args.quiet_seconds,
        max_wait_seconds=args.max_wait_seconds,
        retry_seconds=args.retry_seconds,
    )
    tls_context = None
    if args.tls_cert:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.minimum_version = ssl.TLSVersion.TLSv1_2
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)
    receiver = WebhookReceiver(
        host=args.host, port=args.port, client_state=client_state, debouncer=debouncer, tls_context=tls_context
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with receiver:
        logger.info(
            "Listening on %s for Business Central notifications; syncs go to connection %s via %s",
            receiver.url,
            args.connection_id,
            trigger.jobs_url,
        )
        stop.wait()
        if debouncer.pending:
            logger.warning(
                "Stopping with notifications not yet turned into a sync; the next scheduled sync covers them"
            )
    http.close()
    return 0


def run() -> None:
    """The `webhook-receiver` console script."""
    sys.exit(main())


if __name__ == "__main__":
    run()
