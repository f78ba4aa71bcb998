"""Command line: run the emulator until interrupted.

python -m bc_emulator --port 8080 [--seed cronus|empty|file.json] [--tls] [--page-size N] [--latency-ms N]
    [--bc-version 18|21|current|nav2018]   (nav2018: a classic NAV 2018 server with OData V4 page web services)
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from pydantic import ValidationError

from bc_emulator.seeding import SeedError
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bc_emulator", description="Business Central API v2.0 emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--seed", default="cronus", help="cronus (default), empty, or a seed JSON file")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away CA (its path is printed)")
    parser.add_argument("--page-size", type=int, default=None, help="server-driven page size")
    parser.add_argument("--latency-ms", type=int, default=None, help="latency added to every API request")
    parser.add_argument("--environment", default=None, help="cloud environment name (default production)")
    parser.add_argument(
        "--instance",
        default=None,
        help="on-premises server instance (default BC; DynamicsNAV110 with --bc-version nav2018)",
    )
    parser.add_argument("--api-disabled", action="store_true", help="answer 405 like on-prem with APIs off")
    parser.add_argument(
        "--bc-version",
        choices=("18", "21", "current", "nav2018"),
        default=None,
        help="release whose API fields to serve; nav2018 serves NAV 2018 page web services instead of API v2.0",
    )
    parser.add_argument("--random-seed", type=int, default=None, help="seed for random faults and latency")
    parser.add_argument("--verbose", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    overrides = {
        "host": args.host,
        "port": args.port,
        "tls": args.tls,
        "page_size": args.page_size,
        "latency_ms": args.latency_ms,
        "environment": args.environment,
        "server_instance": args.instance,
        "api_disabled": args.api_disabled or None,
        "random_seed": args.random_seed,
        "bc_version": args.bc_version,
    }
    try:
        settings = EmulatorSettings(**{k: v for k, v in overrides.items() if v is not None})
        emulator = EmulatorServer(settings, seed=args.seed)
    except (ValidationError, SeedError) as exc:
        print(f"bc_emulator: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with emulator:
        # One JSON line first (machine-readable for scripts that start the emulator), then a human summary.
        print(json.dumps(emulator.info()), flush=True)
        if settings.bc_version == "nav2018":
            print(
                f"Dynamics NAV 2018 emulator on {emulator.url}\n"
                f"  OData V4:    {emulator.odata_v4_url}\n"
                f"  services:    {', '.join(settings.nav_published_services)}\n"
                f"  auth:        {settings.nav_auth} (NTLM user {emulator.ntlm_username})\n"
                f"  admin:       {emulator.url}/_emulator/info, POST {emulator.url}/_emulator/nav/post-batch\n"
                "Credentials are the documented defaults in bc_emulator.settings. Ctrl+C stops.",
                file=sys.stderr,
                flush=True,
            )
            stop.wait()
            return 0
        print(
            f"Business Central emulator on {emulator.url}\n"
            f"  cloud API:   {emulator.api_base_url}\n"
            f"  on-prem API: {emulator.onprem_api_base_url}\n"
            f"  authority:   {emulator.authority_url} (client id {emulator.client_id})\n"
            f"  admin:       {emulator.url}/_emulator/info\n"
            "Credentials are the documented defaults in bc_emulator.settings. Ctrl+C stops.",
            file=sys.stderr,
            flush=True,
        )
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
