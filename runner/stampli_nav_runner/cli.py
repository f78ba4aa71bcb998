"""`stampli-nav`: run the Stampli ⇄ NAV connections on one machine, without Airbyte.

stampli-nav sync forward                     one sync
stampli-nav sync forward --every 15m         keep syncing every 15 minutes (Ctrl-C finishes the current sync)
stampli-nav replay forward --from-state <run id>|<state file>
stampli-nav replay forward --full-refresh invoices
stampli-nav audit INV-1001                   file, rows, hash, NAV document, ledger entries, reversal
stampli-nav report                           reconciliation HTML: Stampli totals vs NAV's ledger
stampli-nav runs [forward]                   the kept runs and their outcome
stampli-nav check forward                    both connectors' `check`
stampli-nav match-vendors forward [--accept high | --apply REVIEW.csv]   go-live vendor pairing
stampli-nav secrets generate-key|set|list|delete
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from stampli_nav_runner.audit_lookup import find_audit_trail, format_audit_trail
from stampli_nav_runner.connection import Connection, ConnectionFileError, load_connection, parse_interval
from stampli_nav_runner.connection_lock import ConnectionLock, ConnectionLockedError
from stampli_nav_runner.connection_state import ConnectionState
from stampli_nav_runner.connector_process import ConnectorNotFoundError
from stampli_nav_runner.discovery import ConnectorCommandError, check_connector
from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.progress import ConsoleProgress, ProgressReporter, QuietProgress
from stampli_nav_runner.scheduler import run_every
from stampli_nav_runner.secret_references import SecretReferenceError, SecretResolver, plain_text_secret_paths
from stampli_nav_runner.secret_store import SECRETS_KEY_ENV, SecretStore, SecretStoreError, generate_key
from stampli_nav_runner.stop_signals import StopSignals
from stampli_nav_runner.sync_run import SyncRequest, SyncResult, SyncRunner
from stampli_nav_runner.workspace import Workspace

EXIT_OK = 0
EXIT_SYNC_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stampli-nav",
        description="Run Stampli ⇄ Dynamics NAV connections without Airbyte.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Connections are YAML/JSON files (connections/<name>.yaml, or pass a path). Secrets are written as\n"
            "${env:NAME} or ${secret:name}; see `stampli-nav secrets --help` and docs/runner.md."
        ),
    )
    parser.add_argument("--runs-dir", type=Path, help="where state and run logs are kept (default .runs)")
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")
    # The same two options are accepted after the command too (`stampli-nav audit X --runs-dir d`); SUPPRESS keeps a
    # value given before the command when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--runs-dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sync = commands.add_parser("sync", parents=[common], help="run a connection once, or on a schedule with --every")
    sync.add_argument("connection", help="connection name or file")
    sync.add_argument(
        "--every",
        nargs="?",
        const="",
        metavar="INTERVAL",
        help="repeat every INTERVAL (15m, 30m, 1h); without a value, the connection's schedule",
    )
    sync.add_argument("--max-runs", type=int, help="with --every: stop after this many syncs")
    sync.add_argument("--refresh-schema", action="store_true", help="run the source's discover again")

    replay = commands.add_parser(
        "replay", parents=[common], help="re-run from an earlier state, or fully refresh streams"
    )
    replay.add_argument("connection")
    origin = replay.add_mutually_exclusive_group(required=True)
    origin.add_argument(
        "--from-state",
        metavar="RUN_ID|FILE",
        help="a run id (re-run from the state that run started with; RUN_ID:end for the state it ended with) "
        "or a JSON file of Airbyte STATE messages",
    )
    origin.add_argument(
        "--full-refresh", action="append", metavar="STREAM", help="re-read this stream from scratch (repeatable)"
    )

    audit = commands.add_parser("audit", parents=[common], help="the trail of one invoice (or any record key)")
    audit.add_argument("key", help="e.g. an invoice id such as INV-1001")
    audit.add_argument("--connection", help="only this connection's runs")
    audit.add_argument("--stream", help="only this stream (default: any)")
    audit.add_argument("--json", action="store_true", help="machine-readable output")

    report = commands.add_parser("report", parents=[common], help="write the reconciliation report (HTML)")
    report.add_argument(
        "--connection", default=None, help="the forward connection (default: the only one with invoices)"
    )
    report.add_argument("--output", type=Path, help="HTML file to write (default <runs dir>/reconciliation.html)")
    report.add_argument("--no-readback", action="store_true", help="do not read NAV's ledger back (offline)")

    runs = commands.add_parser("runs", parents=[common], help="list kept runs")
    runs.add_argument("connection", nargs="?")
    runs.add_argument("--last", type=int, default=20)

    check = commands.add_parser("check", parents=[common], help="run both connectors' check with the resolved configs")
    check.add_argument("connection")

    match = commands.add_parser(
        "match-vendors",
        parents=[common],
        help="pair Stampli's vendors with NAV's and fill vendor_number_mapping (go-live)",
        description=(
            "Reads Stampli's latest vendor export (through the connection's source) and NAV's vendors, pairs them "
            "(tax id, name + postal code, e-mail domain / phone) and writes a review file (CSV + HTML). "
            "--accept high merges the high-confidence pairs into the connection's vendor_number_mapping; "
            "--apply merges the rows of an edited review file whose accept column says yes."
        ),
    )
    match.add_argument("connection", help="the forward connection (its destination holds vendor_number_mapping)")
    match.add_argument("--output-dir", type=Path, help="where the review files go (default <runs dir>/vendor-matching)")
    accept = match.add_mutually_exclusive_group()
    accept.add_argument("--accept", choices=["high"], help="merge every high-confidence pair into the mapping")
    accept.add_argument("--apply", type=Path, metavar="REVIEW_CSV", help="merge the accepted rows of a review file")

    secrets = commands.add_parser(
        "secrets",
        help="manage the encrypted secrets file",
        description=(
            f"Secrets live in an encrypted file (default secrets/stampli-nav.secrets, or STAMPLI_NAV_SECRETS_FILE), "
            f"encrypted with the Fernet key in {SECRETS_KEY_ENV}. Reference them in connections as ${{secret:name}}."
        ),
    )
    secret_commands = secrets.add_subparsers(dest="secrets_command", required=True, metavar="ACTION")
    secret_commands.add_parser("generate-key", help=f"print a new key to export as {SECRETS_KEY_ENV}")
    secret_set = secret_commands.add_parser("set", help="store a secret (value read from the terminal or stdin)")
    secret_set.add_argument("name")
    secret_set.add_argument("--from-env", metavar="VAR", help="take the value from this environment variable")
    secret_commands.add_parser("list", help="list secret names (never values)")
    secret_delete = secret_commands.add_parser("delete", help="remove a secret")
    secret_delete.add_argument("name")
    return parser


def _reporter(args: argparse.Namespace) -> ProgressReporter:
    return QuietProgress() if args.quiet else ConsoleProgress()


def _load(reference: str) -> Connection:
    connection = load_connection(reference)
    for role, connector in (("source", connection.source), ("destination", connection.destination)):
        for path in plain_text_secret_paths(connector.config):
            print(
                f"warning: {connection.name}: {role}.config.{path} holds a plain-text value; "
                "use ${env:NAME} or ${secret:name}",
                file=sys.stderr,
            )
    return connection


def _exit_code(results: Sequence[SyncResult]) -> int:
    return EXIT_OK if results and all(r.succeeded for r in results) else EXIT_SYNC_FAILED


def cmd_sync(args: argparse.Namespace, workspace: Workspace) -> int:
    connection = _load(args.connection)
    reporter = _reporter(args)
    signals = StopSignals(notify=lambda text: print(text, file=sys.stderr, flush=True))
    runner = SyncRunner(
        workspace,
        reporter=reporter,
        abort_requested=signals.abort_current,
        kill_requested=signals.kill_connectors,
    )
    interval = None
    if args.every is not None:
        text = args.every or connection.schedule
        if not text:
            raise ConnectionFileError(f"--every needs an interval: {connection.name} has no schedule")
        interval = parse_interval(text)
    signals.install()
    try:
        with ConnectionLock(workspace.lock_path(connection.name), connection.name):
            if interval is None:
                result = runner.run(connection, SyncRequest(refresh_schema=args.refresh_schema))
                return _exit_code([result])
            results = run_every(
                runner, connection, interval, signals.finish_then_stop, reporter, max_runs=args.max_runs
            )
            failed = sum(1 for r in results if not r.succeeded)
            print(f"{connection.name}: {len(results)} sync(s), {failed} failed", flush=True)
            return EXIT_OK if results and not failed else EXIT_SYNC_FAILED
    finally:
        signals.restore()


def _replay_state(workspace: Workspace, connection: str, reference: str) -> tuple[ConnectionState, str]:
    run_id, _, which = reference.partition(":")
    run = workspace.find_run(connection, run_id)
    if run is not None:
        if which not in ("", "start", "end"):
            raise ConnectionFileError(f"{reference}: use RUN_ID, RUN_ID:start or RUN_ID:end")
        path = run.state_out_path if which == "end" else run.state_in_path
        if not path.exists():
            raise ConnectionFileError(f"run {run_id} kept no {path.name} (it failed before starting the source)")
        return ConnectionState.load(path), f"run {run_id} ({'end' if which == 'end' else 'start'})"
    path = Path(reference)
    if path.is_file():
        return ConnectionState.load(path), f"state file {path}"
    raise ConnectionFileError(
        f"{reference} is neither a run of {connection} (see `stampli-nav runs {connection}`) nor a file"
    )


def cmd_replay(args: argparse.Namespace, workspace: Workspace) -> int:
    connection = _load(args.connection)
    if args.from_state:
        state, origin = _replay_state(workspace, connection.name, args.from_state)
        request = SyncRequest(kind="replay", start_state=state, start_state_origin=origin)
    else:
        streams = list(dict.fromkeys(args.full_refresh))
        request = SyncRequest(
            kind="replay",
            full_refresh_streams=streams,
            only_streams=streams,
            start_state_origin="current state",
        )
    signals = StopSignals(notify=lambda text: print(text, file=sys.stderr, flush=True))
    runner = SyncRunner(
        workspace,
        reporter=_reporter(args),
        abort_requested=signals.abort_current,
        kill_requested=signals.kill_connectors,
    )
    signals.install()
    try:
        with ConnectionLock(workspace.lock_path(connection.name), connection.name):
            result = runner.run(connection, request)
    finally:
        signals.restore()
    return _exit_code([result])


def cmd_audit(args: argparse.Namespace, workspace: Workspace) -> int:
    trail = find_audit_trail(workspace, args.key, connection=args.connection, stream=args.stream)
    if args.json:
        print(orjson.dumps(trail.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        print(format_audit_trail(trail))
    return EXIT_OK if trail.found else EXIT_SYNC_FAILED


def cmd_report(args: argparse.Namespace, workspace: Workspace) -> int:
    from stampli_nav_runner.report import write_report  # imports the BC client only when a report is asked for

    connection = _load(args.connection) if args.connection else None
    output = args.output or workspace.root / "reconciliation.html"
    report = write_report(workspace, output, connection=connection, read_back=not args.no_readback)
    for line in report.summary_lines():
        print(line)
    print(f"report: {output.resolve()}")
    return EXIT_OK


def cmd_runs(args: argparse.Namespace, workspace: Workspace) -> int:
    runs = workspace.runs(args.connection)[-args.last :]
    if not runs:
        print("no runs kept yet")
        return EXIT_OK
    for run in runs:
        record = run.read_record()
        records = sum((record.get("records_by_stream") or {}).values())
        actions = ", ".join(f"{k} {v}" for k, v in sorted((record.get("actions") or {}).items()))
        print(
            f"{run.run_id}  {run.connection:<12} {record.get('kind', '?'):<7} {record.get('status', 'running?'):<9} "
            f"{records:>7} records  {actions}"
        )
    return EXIT_OK


def cmd_check(args: argparse.Namespace, workspace: Workspace) -> int:
    connection = _load(args.connection)
    resolver = SecretResolver()
    all_ok = True
    for role, connector in (("source", connection.source), ("destination", connection.destination)):
        resolved = resolver.resolve(connector.config)
        ok, message = check_connector(connector, resolved.config, SecretMasker(resolved.secret_values))
        all_ok &= ok
        print(f"{role:<12} {' '.join(connector.command)}: {'OK' if ok else 'FAILED'} {message}".rstrip())
    return EXIT_OK if all_ok else EXIT_SYNC_FAILED


def cmd_match_vendors(args: argparse.Namespace, workspace: Workspace) -> int:
    from bc_client import BCError
    from stampli_nav_runner.vendor_matching_cli import command  # the BC client only when matching is asked for

    connection = _load(args.connection)
    if args.apply is not None:
        result = command.apply_review_file(connection, args.apply)
    else:
        try:
            run = command.run_matching(connection, args.output_dir or workspace.root / "vendor-matching")
        except BCError as exc:
            print(f"error: reading NAV's vendors failed: {exc.message}", file=sys.stderr)
            return EXIT_SYNC_FAILED
        print(f"{connection.name}: {run.stampli_count} Stampli vendors, {run.nav_count} NAV vendors")
        for label, count in run.report.counts().items():
            print(f"  {label.replace('_', ' '):<18} {count}")
        print(f"review file: {run.csv_path.resolve()}")
        print(f"review page: {run.html_path.resolve()}")
        if args.accept != "high":
            print("nothing merged: use --accept high, or edit the review file and pass it with --apply")
            return EXIT_OK
        result = command.accept_high(connection, run)
    for stampli, nav in sorted(result.added.items()):
        print(f"mapped {stampli} -> {nav}")
    for conflict in result.conflicts:
        print(f"not merged: {conflict}", file=sys.stderr)
    where = connection.file or args.connection
    print(
        f"{len(result.added)} pair(s) added to vendor_number_mapping in {where}, {len(result.unchanged)} already there"
    )
    return EXIT_OK


def cmd_secrets(args: argparse.Namespace) -> int:
    if args.secrets_command == "generate-key":
        print(generate_key())
        print(
            f"# export {SECRETS_KEY_ENV}=<the key above>; keep it out of the repository and the secrets file's folder",
            file=sys.stderr,
        )
        return EXIT_OK
    store = SecretStore.from_environment()
    if args.secrets_command == "list":
        for name in store.names():
            print(name)
        return EXIT_OK
    if args.secrets_command == "delete":
        if not store.delete(args.name):
            print(f"no secret named {args.name}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    # set: never from argv (shell history, `ps`), only from the terminal, stdin or a named environment variable.
    if args.from_env:
        value = os.environ.get(args.from_env)
        if value is None:
            print(f"environment variable {args.from_env} is not set", file=sys.stderr)
            return EXIT_USAGE
    elif sys.stdin.isatty():
        value = getpass.getpass(f"value of {args.name}: ")
    else:
        value = sys.stdin.read().rstrip("\r\n")
    if not value:
        print("refusing to store an empty secret", file=sys.stderr)
        return EXIT_USAGE
    store.set(args.name, value)
    print(f"stored {args.name} in {store.path}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    workspace = Workspace(args.runs_dir)
    handlers = {
        "sync": cmd_sync,
        "replay": cmd_replay,
        "audit": cmd_audit,
        "report": cmd_report,
        "runs": cmd_runs,
        "check": cmd_check,
        "match-vendors": cmd_match_vendors,
    }
    try:
        if args.command == "secrets":
            return cmd_secrets(args)
        return handlers[args.command](args, workspace)
    except ConnectionLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (ConnectorCommandError, ConnectorNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SYNC_FAILED
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    except (ConnectionFileError, SecretStoreError, SecretReferenceError, ValueError) as exc:  # ReviewFileError too
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
