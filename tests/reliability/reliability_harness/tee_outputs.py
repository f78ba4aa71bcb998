"""Run a connector command and keep a raw copy of everything it prints.

    python tee_outputs.py --into DIR -- destination-dynamics-nav write --config ...

The runner masks every resolved secret in what it writes; a secret scan of the runner's files alone would only
prove that masking works. This wrapper sits between the runner and a connector, passes stdin, stdout and stderr
through unchanged, and appends the connector's own, unmasked stdout and stderr to DIR/<pid>.<verb>.{stdout,stderr}.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from command_path import resolve  # type: ignore[import-not-found]  # run as a script: this folder is on sys.path


def _copy(source: IO[bytes], sink: IO[bytes], keep: Path) -> None:
    with keep.open("ab") as raw:
        for chunk in iter(lambda: source.readline(), b""):
            raw.write(chunk)
            raw.flush()
            sink.write(chunk)
            sink.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    args.into.mkdir(parents=True, exist_ok=True)
    verb = next((word for word in command[1:] if not word.startswith("-")), "run")
    stem = f"{os.getpid()}.{Path(command[0]).name}.{verb}"
    child = subprocess.Popen([resolve(command[0]), *command[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    threads = [
        threading.Thread(target=_copy, args=(child.stdout, sys.stdout.buffer, args.into / f"{stem}.stdout")),
        threading.Thread(target=_copy, args=(child.stderr, sys.stderr.buffer, args.into / f"{stem}.stderr")),
    ]
    for thread in threads:
        thread.start()
    exit_code = child.wait()
    for thread in threads:
        thread.join()
    return exit_code if exit_code >= 0 else 128 - exit_code


if __name__ == "__main__":
    sys.exit(main())
