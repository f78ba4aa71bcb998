"""`make demo`: the whole product on one machine, in about a minute.

Starts Stampli's SFTP folder (embedded server, sample exports) and a Business Central company (emulator, seed
"cronus"), runs the forward connection twice and the reverse connection once with the real connectors as processes,
keeps state and logs under .demo/, prints a summary and writes the reconciliation report. Then the go-live part
(issue 15): Stampli vendors under their own ids, the duplicate guard, `match-vendors` and the open purchase
orders the reverse sync delivered to Stampli's import folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.connection_lock import ConnectionLockedError
from stampli_nav_runner.demo.environment import DemoEnvironment
from stampli_nav_runner.demo.golive import golive_summary, run_golive
from stampli_nav_runner.demo.nav_classic import run_classic_demo
from stampli_nav_runner.demo.summary import DemoOutcome, summary_lines
from stampli_nav_runner.progress import ConsoleProgress
from stampli_nav_runner.report import write_report
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace


def say(text: str = "") -> None:
    print(text, flush=True)


def run_demo(root: Path, with_reverse: bool = True) -> int:
    started = time.monotonic()
    say("Stampli → Dynamics NAV demo: embedded SFTP + Business Central emulator, real connectors as processes")
    say(f"Setting up {root}/ from scratch …")
    with DemoEnvironment(root) as env:
        paths = env.paths
        say(
            f"  Stampli SFTP   sftp://stampli@{env.sftp.host}:{env.sftp.port}/outbound  host key {env.sftp.host_key_fingerprint} (pinned)"
        )
        for export in sorted(paths.outbound.iterdir()):
            say(f"                 {export.name}")
        say(f"  NAV (emulator) {env.emulator.url}  company “{env.emulator.company_name}”, HTTPS with a demo CA, OAuth2")
        say(f"  connections    {env.forward_path}, {env.reverse_path}")
        say(f"                 secrets as references: ${{env:…}} and ${{secret:…}} (encrypted in {paths.secrets_file})")
        workspace = Workspace(paths.runs)
        runner = SyncRunner(workspace, reporter=ConsoleProgress(interval_seconds=1.0))
        forward = load_connection(str(env.forward_path))

        say("\n[1/3] forward sync: source-stampli-sftp → destination-dynamics-nav")
        first = runner.run(forward)
        say("\n[2/3] forward sync again: nothing changed on SFTP, so nothing may be posted")
        second = runner.run(forward)
        reverse_result = None
        if with_reverse:
            say("\n[3/3] reverse sync: source-dynamics-nav → destination-stampli-sftp")
            reverse_result = runner.run(load_connection(str(env.reverse_path)))

        say("\nReading NAV's general ledger back for the reconciliation report …")
        reconciliation = write_report(workspace, paths.report, connection=forward)
        outcome = DemoOutcome(first, second, reverse_result, reconciliation, str(paths.report))
        for line in summary_lines(workspace, outcome):
            say(line)
        golive = None
        if with_reverse:
            # Issue 15, after the classic summary: vendor ids that differ, the guard, match-vendors, open POs.
            golive = run_golive(env, runner, workspace, say)
            for line in golive_summary(golive):
                say(line)
    say("")
    say(f"Open the report:   {paths.report}")
    say(f"Trace an invoice:  .venv/bin/stampli-nav --runs-dir {paths.runs} audit INV-1003")
    say(f"List the runs:     .venv/bin/stampli-nav --runs-dir {paths.runs} runs")
    say(f"Done in {time.monotonic() - started:.1f}s.")
    results = [first, second] + ([reverse_result] if reverse_result else [])
    healthy = all(result.succeeded for result in results) and not reconciliation.mismatches
    healthy = healthy and (golive is None or golive.healthy)
    return 0 if healthy else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stampli_nav_runner.demo", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(".demo"), help="demo folder (recreated each time)")
    parser.add_argument("--skip-reverse", action="store_true", help="run only the forward connection")
    parser.add_argument(
        "--nav-classic",
        choices=["basic", "ntlm"],
        help="run against a classic NAV 2018 server (page web services) with this authentication instead",
    )
    args = parser.parse_args(argv)
    try:
        if args.nav_classic:
            return run_classic_demo(args.root, say, auth=args.nav_classic)
        return run_demo(args.root, with_reverse=not args.skip_reverse)
    except ConnectionLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
