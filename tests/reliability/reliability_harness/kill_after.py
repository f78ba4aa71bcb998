"""Run a connector command and SIGKILL it once it has been fed N input messages (and a further delay has passed).

    python kill_after.py --after N --delay-ms D --report FILE -- destination-dynamics-nav write --config ...

Used as a connection's destination `command` by the crash-anywhere harness: the runner starts this wrapper as if it
were the destination; the wrapper starts the real destination with stdout and stderr inherited (its STATE echoes
and audit lines reach the runner unchanged) and forwards stdin one line at a time. After N messages it forwards no
more, waits until the destination has read them out of the pipe (a connector spends its first seconds importing;
killing it then would prove nothing), then waits the delay — during which the destination gets part-way through
what those messages started: looking NAV up, creating vendors, writing journal lines, posting, confirming — and
kills it. The wrapper then exits 137, as a process killed by SIGKILL does, and writes what happened to FILE (JSON).
With --pid-file (and a large N) the kill can come from outside instead: the harness SIGKILLs the pid written there.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from command_path import resolve  # type: ignore[import-not-found]  # run as a script: this folder is on sys.path

KILLED_EXIT_CODE = 128 + signal.SIGKILL
READ_TIMEOUT_SECONDS = 120.0


def unread_bytes(pipe_fd: int) -> int:
    """Bytes written into the pipe that the reader has not taken yet (Linux answers FIONREAD on either end)."""
    return int(struct.unpack("i", fcntl.ioctl(pipe_fd, termios.FIONREAD, b"\0\0\0\0"))[0])


def wait_until_read(child: subprocess.Popen[bytes], pipe_fd: int) -> float:
    """Seconds until the child drained its stdin pipe (or ended)."""
    started = time.monotonic()
    while child.poll() is None and unread_bytes(pipe_fd) > 0 and time.monotonic() - started < READ_TIMEOUT_SECONDS:
        time.sleep(0.002)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=int, required=True, help="input messages to forward before the kill")
    parser.add_argument("--delay-ms", type=int, default=0, help="then wait this long before SIGKILL")
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--pid-file", type=Path, help="write the connector's pid here (for a kill from outside)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    started = time.monotonic()
    child = subprocess.Popen([resolve(command[0]), *command[1:]], stdin=subprocess.PIPE)
    assert child.stdin is not None
    if args.pid_file is not None:
        args.pid_file.write_text(str(child.pid))
    forwarded = 0
    killed = False
    waited_for_read = 0.0
    try:
        for line in sys.stdin.buffer:
            child.stdin.write(line)
            child.stdin.flush()
            if line.strip():
                forwarded += 1
            if forwarded >= args.after:
                waited_for_read = wait_until_read(child, child.stdin.fileno())
                time.sleep(args.delay_ms / 1000)
                if child.poll() is None:
                    os.kill(child.pid, signal.SIGKILL)
                    killed = True
                break
        else:
            child.stdin.close()
    except BrokenPipeError:
        pass  # the destination ended on its own (e.g. it failed): report its exit code
    exit_code = child.wait()
    args.report.write_text(
        json.dumps(
            {
                "after": args.after,
                "delay_ms": args.delay_ms,
                "forwarded": forwarded,
                "killed": killed,
                "waited_for_read_s": round(waited_for_read, 3),
                "child_exit": exit_code,
                "seconds": round(time.monotonic() - started, 3),
            }
        )
    )
    if killed or exit_code == -signal.SIGKILL:
        os._exit(KILLED_EXIT_CODE)  # no cleanup, no flush: the pipe to the runner just ends, as on a real crash
    return exit_code if exit_code >= 0 else 128 - exit_code


if __name__ == "__main__":
    sys.exit(main())
