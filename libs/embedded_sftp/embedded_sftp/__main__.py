"""`python -m embedded_sftp --root DIR --port 2222 --user stampli:secret [--host-key FILE]`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from embedded_sftp.server import EmbeddedSftpServer


def _user(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return name, password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="embedded-sftp", description="Run an SFTP server chrooted to a folder.")
    parser.add_argument("--root", type=Path, required=True, help="folder served as / (created if missing)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2222, help="0 picks a free port")
    parser.add_argument("--user", type=_user, action="append", default=[], help="USER:PASSWORD (repeatable)")
    parser.add_argument(
        "--authorized-key", action="append", default=[], metavar="USER:KEYFILE", help="OpenSSH public key file for USER"
    )
    parser.add_argument("--host-key", type=Path, help="host private key file; created when missing (stable identity)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    authorized: dict[str, list[str]] = {}
    for item in args.authorized_key:
        user, _, key_file = item.partition(":")
        authorized.setdefault(user, []).extend(
            line for line in Path(key_file).read_text().splitlines() if line.strip() and not line.startswith("#")
        )
    if not args.user and not authorized:
        parser.error("give at least one --user or --authorized-key")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with EmbeddedSftpServer(
        root=args.root,
        users=dict(args.user),
        authorized_keys=authorized,
        host_key_path=args.host_key,
        host=args.host,
        port=args.port,
    ) as server:
        print(f"SFTP server on {server.host}:{server.port}, root {server.root}", flush=True)
        print(f"host key: {server.host_key_line}", flush=True)
        print(f"fingerprint: {server.host_key_fingerprint}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
