"""Benchmark: source-stampli-sftp vs Airbyte's source-sftp-bulk reading the same invoices export over SFTP.

Both connectors run as processes (`read`, as Airbyte runs them) against the same embedded SFTP server (its own
process, loopback) serving the same line-level invoices CSV (200k lines, ~33 MB). Printed per connector: wall
time, CPU time, records emitted and peak RSS (from wait4, per process), and the ratios. Our connector is also run
on a file twice as large, to show that its memory does not grow with the file.

    bash bench/run_source_bench.sh            # creates bench/.venv-sftp-bulk, then runs this
    python bench/bench_source.py --sftp-bulk bench/.venv-sftp-bulk/bin/source-sftp-bulk [--lines 200000]

This is a measurement, not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from stampli_files.declarations import CURSOR_FIELD, INVOICES, json_schema
from stampli_samples.exports import Invoice, make_invoices, write_invoices_csv

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "source"
OUR_SCRIPT = Path(sys.executable).parent / "source-stampli-sftp"


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    records: int
    peak_rss_mb: float
    exit_code: int


def invoices_for_lines(lines: int, seed: int = 1) -> list[Invoice]:
    """Sample invoices (1–9 lines each) totalling exactly `lines` lines."""
    invoices = make_invoices(max(1, lines // 5 + 50), seed=seed)
    result, total = [], 0
    for invoice in invoices:
        if total >= lines:
            break
        invoice.lines = invoice.lines[: lines - total]
        result.append(invoice)
        total += len(invoice.lines)
    while total < lines:  # the sample generator averages 5 lines; top up if it came short
        extra = make_invoices(1, seed=seed, start=len(result) + 1)[0]
        extra.lines = extra.lines[: lines - total]
        result.append(extra)
        total += len(extra.lines)
    return result


def start_server(root: Path, password: str) -> tuple[subprocess.Popen[str], int, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "embedded_sftp", "--root", str(root), "--port", "0", "--user", f"stampli:{password}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    first, key_line = process.stdout.readline(), process.stdout.readline()
    port = int(re.search(r":(\d+),", first).group(1))  # type: ignore[union-attr]
    return process, port, key_line.removeprefix("host key: ").strip()


def run_connector(name: str, args: list[str], output: Path) -> Run:
    """Runs one connector process; rusage from wait4 is that process's own (peak RSS included)."""
    with output.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        name=name,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        records=count_records(output),
        peak_rss_mb=usage.ru_maxrss / 1024,
        exit_code=process.returncode,
    )


def count_records(output: Path) -> int:
    count = 0
    with output.open("rb") as handle:
        for line in handle:
            if line.startswith(b'{"type":"RECORD"'):
                count += 1
    return count


def our_files(work: Path, port: int, password: str, host_key: str) -> tuple[Path, Path]:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "username": "stampli",
        "credentials": {"auth_method": "password", "password": password},
        "host_key": host_key,
        "folder": "/outbound",
        "file_patterns": {"invoices": "invoices_*.csv"},
    }
    stream = {
        "name": "invoices",
        "json_schema": json_schema(INVOICES),
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_cursor": True,
        "default_cursor_field": [CURSOR_FIELD],
        "source_defined_primary_key": [["invoice_id"]],
    }
    catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    return _write(work / "ours_config.json", config), _write(work / "ours_catalog.json", catalog)


def bulk_files(work: Path, port: int, password: str, bulk: Path) -> tuple[Path, Path]:
    """sftp-bulk's equivalent config (same server, folder and files, CSV as is) and the catalog its discover gives."""
    config = {
        "host": "127.0.0.1",
        "port": port,
        "username": "stampli",
        "credentials": {"auth_type": "password", "password": password},
        "folder_path": "/outbound",
        # sftp-bulk matches globs against the full path
        "streams": [{"name": "invoices", "globs": ["**/invoices_*.csv"], "format": {"filetype": "csv"}}],
    }
    config_path = _write(work / "bulk_config.json", config)
    discovered = subprocess.run(
        [str(bulk), "discover", "--config", str(config_path)], capture_output=True, text=True, check=True
    )
    catalog_message = next(json.loads(line) for line in discovered.stdout.splitlines() if '"CATALOG"' in line)
    (stream,) = catalog_message["catalog"]["streams"]
    catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    return config_path, _write(work / "bulk_catalog.json", catalog)


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def generate(lines: int) -> None:
    invoices = invoices_for_lines(lines)
    write_invoices_csv(WORK / "root" / "outbound" / "invoices_bench.csv", invoices)
    (WORK / "invoice_count").write_text(str(len(invoices)))
    more = invoices_for_lines(lines, seed=2)
    for n, invoice in enumerate(more, len(invoices) + 1):
        invoice.invoice_id = f"STP-D{n:07d}"
    write_invoices_csv(WORK / "double" / "outbound" / "invoices_bench.csv", invoices + more)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--generate":
        generate(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sftp-bulk", type=Path, required=True, help="the source-sftp-bulk console script")
    parser.add_argument("--lines", type=int, default=200_000, help="invoice lines in the benchmark file")
    parser.add_argument("--repeat", type=int, default=1, help="runs per connector (median reported)")
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    print(f"generating line-level invoices CSVs with {args.lines} and {2 * args.lines} lines ...", flush=True)
    # In a child process: wait4's peak RSS of a connector counts the memory of the process it was forked from.
    subprocess.run([sys.executable, __file__, "--generate", str(args.lines)], check=True)
    csv_path = WORK / "root" / "outbound" / "invoices_bench.csv"
    double_path = WORK / "double" / "outbound" / "invoices_bench.csv"
    size_mb = csv_path.stat().st_size / 1e6
    invoice_count = int((WORK / "invoice_count").read_text())
    print(f"  {csv_path.name}: {size_mb:.1f} MB, {invoice_count} invoices", flush=True)

    password = secrets.token_urlsafe(12)
    server, port, host_key = start_server(WORK / "root", password)
    double_server, double_port, double_key = start_server(WORK / "double", password)
    (WORK / "double").mkdir(exist_ok=True)
    try:
        ours_config, ours_catalog = our_files(WORK, port, password, host_key)
        bulk_config, bulk_catalog = bulk_files(WORK, port, password, args.sftp_bulk)
        ours_args = [str(OUR_SCRIPT), "read", "--config", str(ours_config), "--catalog", str(ours_catalog)]
        bulk_args = [str(args.sftp_bulk), "read", "--config", str(bulk_config), "--catalog", str(bulk_catalog)]
        ours_runs, bulk_runs = [], []
        for attempt in range(1, args.repeat + 1):
            print(f"run {attempt}/{args.repeat}: source-stampli-sftp ...", flush=True)
            ours_runs.append(run_connector("source-stampli-sftp", ours_args, WORK / "ours_output.jsonl"))
            print(f"run {attempt}/{args.repeat}: source-sftp-bulk ...", flush=True)
            bulk_runs.append(run_connector("source-sftp-bulk", bulk_args, WORK / "bulk_output.jsonl"))
        double_config, double_catalog = our_files(WORK / "double", double_port, password, double_key)
        print("source-stampli-sftp on the doubled file ...", flush=True)
        double_run = run_connector(
            "source-stampli-sftp (2x file)",
            [str(OUR_SCRIPT), "read", "--config", str(double_config), "--catalog", str(double_catalog)],
            WORK / "double_output.jsonl",
        )
    finally:
        server.terminate()
        double_server.terminate()

    ours, bulk = _median(ours_runs), _median(bulk_runs)
    print()
    print(f"File: {args.lines} invoice lines ({invoice_count} invoices), {size_mb:.1f} MB CSV, SFTP over loopback")
    print(
        f"{'connector':<32}{'wall s':>9}{'CPU s':>9}{'records':>10}{'records/s':>11}{'CSV rows/s':>12}"
        f"{'peak RSS MB':>13}{'exit':>6}"
    )
    for run, rows in ((ours, args.lines), (bulk, args.lines), (double_run, 2 * args.lines)):
        print(
            f"{run.name:<32}{run.wall:>9.2f}{run.cpu:>9.2f}{run.records:>10}{run.records / run.wall:>11.0f}"
            f"{rows / run.wall:>12.0f}{run.peak_rss_mb:>13.1f}{run.exit_code:>6}"
        )
    print(f"load average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print()
    best_ours, best_bulk = min(r.wall for r in ours_runs), min(r.wall for r in bulk_runs)
    print(f"speed-up, wall time: {bulk.wall / ours.wall:.1f}x median, {best_bulk / best_ours:.1f}x best of "
          f"{args.repeat}   (target >= 5x)")  # fmt: skip
    print(f"speed-up, CPU time:  {bulk.cpu / ours.cpu:.1f}x")
    growth = (double_run.peak_rss_mb / ours.peak_rss_mb - 1) * 100
    print(
        f"our peak RSS: {ours.peak_rss_mb:.1f} MB at {size_mb:.0f} MB, {double_run.peak_rss_mb:.1f} MB at "
        f"{double_path.stat().st_size / 1e6:.0f} MB ({growth:+.0f}%)   (target <= 120 MB, flat: <= +10% at 2x)"
    )
    print(
        f"records: ours {ours.records} assembled invoices (lines nested) vs sftp-bulk {bulk.records} rows "
        f"(one per CSV line, no assembly)"
    )
    return 0


def _median(runs: list[Run]) -> Run:
    by_wall = sorted(runs, key=lambda r: r.wall)
    middle = by_wall[len(by_wall) // 2]
    middle.cpu = statistics.median(r.cpu for r in runs)
    return middle


if __name__ == "__main__":
    sys.exit(main())
