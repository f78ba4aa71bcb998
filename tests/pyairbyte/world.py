"""The demo's world for the PyAirbyte tests, run by the repository's own `.venv` (not PyAirbyte's).

    .venv/bin/python tests/pyairbyte/world.py ROOT

Starts the embedded SFTP server (sample Stampli exports in /outbound, /inbound empty) and the BC emulator over
HTTPS (runner's `DemoEnvironment`), writes `ROOT/world.json` (mode 0600: the four connector configs with the
throw-away servers' secrets resolved, since PyAirbyte hands connectors plain configs; the emulator URL and CA;
the SFTP root), prints one line `ready`, and keeps both servers up until its standard input closes.
PyAirbyte's virtualenv never imports this repository's packages: the servers live here, the connectors are the
`.venv`'s console scripts.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from stampli_nav_runner.demo.environment import SFTP_PASSWORD_ENV, DemoEnvironment


def _resolved(environment: DemoEnvironment) -> dict[str, Any]:
    emulator = environment.emulator
    sftp = environment.sftp_block()
    sftp["credentials"] = {"auth_method": "password", "password": os.environ[SFTP_PASSWORD_ENV]}
    nav = environment.nav_block()
    nav["deployment"]["client_secret"] = emulator.client_secret
    forward = environment.forward_connection()
    reverse = environment.reverse_connection()
    return {
        "forward": {
            "source": {**forward["source"]["config"], **sftp},
            "destination": {**forward["destination"]["config"], **nav},
            "streams": forward["streams"],
        },
        "reverse": {
            "source": nav,
            "destination": {**reverse["destination"]["config"], **sftp},
            "streams": reverse["streams"],
        },
        "emulator_url": emulator.url,
        "ca_pem": emulator.ca_pem,
        "sftp_root": str(environment.paths.sftp_root),
    }


def main(root: Path) -> int:
    with DemoEnvironment(root / "demo") as environment:
        path = root / "world.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps(_resolved(environment)), encoding="utf-8")
        print("ready", flush=True)
        sys.stdin.read()  # until the test closes our standard input (or ends)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
