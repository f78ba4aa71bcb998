"""Load run (issue 9): 50,000 Stampli invoices posted by destination-dynamics-nav into the BC emulator while 1% of
the API requests are refused at random with 429 (Retry-After) or 503 — then every invoice must be in NAV's ledger
exactly once, balanced, and every STATE confirmed.

    .venv/bin/python bench/load_run.py [--invoices 50000] [--fault-rate 0.01] [--retry-after 1] [--latency-ms 0]
                                       [--baseline-share 0.1] [--seed 7]

Baseline measured in the same run: the first `--baseline-share` of the invoice count posted into a fresh company
without faults; the faulted run's throughput is printed next to it. Exit code 1 when any invoice is missing or
doubled, a STATE is left unconfirmed, or the sync fails. The destination runs in this process (the emulator too).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStream,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    StreamDescriptor,
    SyncMode,
    Type,
)

from bc_emulator import EmulatorServer, EmulatorSettings
from destination_dynamics_nav import DestinationDynamicsNav
from destination_dynamics_nav.document_numbers import document_number

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reliability"))
from reliability_harness.ledger import Books, ExpectedPosting, posting_problems

VENDORS = ("V10000", "V10010", "V10020", "V10030", "V10040", "V10050", "V10060", "V10070")
ACCOUNTS = ("6100", "6110", "6120", "6200", "6210", "6300", "6310", "6400", "6410", "6500", "6600", "8100", "8300")
DEPARTMENTS = ("ADM", "FIN", "IT", "MKT", "PROD", "SALES")
LOCATIONS = ("EAST", "WEST", "NORTH", "SOUTH")
STATE_EVERY = 500
JOURNAL_POST = "companies/journals/Microsoft.NAV.post"
CATALOG = ConfiguredAirbyteCatalog(
    streams=[
        ConfiguredAirbyteStream(
            stream=AirbyteStream(name="invoices", json_schema={}, supported_sync_modes=[SyncMode.incremental]),
            sync_mode=SyncMode.incremental,
            destination_sync_mode=DestinationSyncMode.append,
        )
    ]
)


def invoice(number: int, rng: random.Random) -> dict[str, Any]:
    """One approved Stampli invoice (contract §1 shape) of 1-4 coded lines."""
    lines = []
    for line_number in range(1, rng.randint(1, 4) + 1):
        lines.append(
            {
                "line_number": line_number,
                "description": f"Load line {line_number}",
                "gl_account": rng.choice(ACCOUNTS),
                "amount": str(Decimal(rng.randint(100, 500_000)) / 100),
                "department": rng.choice(DEPARTMENTS),
                "location": rng.choice(LOCATIONS),
                "po_number": None,
            }
        )
    total = str(sum((Decimal(line["amount"]) for line in lines), Decimal(0)))
    return {
        "invoice_id": f"L{number:06d}",
        "invoice_number": f"LOAD-{number:06d}",
        "vendor_id": rng.choice(VENDORS),
        "vendor_name": None,
        "invoice_date": f"2026-11-{1 + number % 28:02d}",
        "due_date": None,
        "approved_date": None,
        "currency": "USD",
        "invoice_total": total,
        "status": "Approved",
        "po_number": None,
        "lines": lines,
        "lines_total": total,
        "balanced": True,
        "validation_errors": [],
        "_ab_source_file_url": "/outbound/load.csv",
        "_ab_source_file_last_modified": "2026-11-25T10:00:00.000000Z",
        "_stampli_source_rows": [number + 2],
        "_stampli_record_hash": f"{number:064x}",
    }


def messages(count: int, seed: int, expected: dict[str, ExpectedPosting]) -> Iterator[AirbyteMessage]:
    """Invoice records with a STATE every 500; fills `expected` as it goes (no 50,000-record list in memory)."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        data = invoice(number, rng)
        expected[data["invoice_id"]] = ExpectedPosting(
            vendor=data["vendor_id"],
            external_document_number=data["invoice_number"],
            total=Decimal(data["invoice_total"]),
            document_number=document_number("STP", data["invoice_id"]),
            posting_date=data["invoice_date"],
        )
        yield AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream="invoices", data=data, emitted_at=0))
        if number % STATE_EVERY == 0 or number == count:
            yield AirbyteMessage(
                type=Type.STATE,
                state=AirbyteStateMessage(
                    type=AirbyteStateType.STREAM,
                    stream=AirbyteStreamState(
                        stream_descriptor=StreamDescriptor(name="invoices"), stream_state=AirbyteStateBlob(n=number)
                    ),
                ),
            )


def config_for(emulator: EmulatorServer) -> dict[str, Any]:
    return {
        "deployment": {
            "deployment_type": "on_premises",
            "server_url": emulator.url,
            "server_instance": emulator.server_instance,
            "auth": {
                "auth_type": "basic",
                "username": emulator.basic_username,
                "web_service_access_key": emulator.basic_access_key,
            },
        },
        "company": emulator.company_name,
        "local_currency_code": "USD",
    }


@dataclass
class Result:
    name: str
    invoices: int
    seconds: float
    http_requests: int
    operations: int
    faults_fired: int
    client_retries: int
    states_sent: int
    states_confirmed: int
    posted: int
    problems: list[str]
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems and self.states_confirmed == self.states_sent

    @property
    def invoices_per_second(self) -> float:
        return self.invoices / self.seconds if self.seconds else 0.0


def run(name: str, emulator: EmulatorServer, count: int, seed: int) -> Result:
    expected: dict[str, ExpectedPosting] = {}
    states_sent = -(-count // STATE_EVERY)
    states = posted = 0
    summary: dict[str, Any] = {}
    error = None
    started = time.perf_counter()
    try:
        for message in DestinationDynamicsNav().write(config_for(emulator), CATALOG, messages(count, seed, expected)):
            if message.type == Type.STATE:
                states += 1
                print(f"  {name}: {states * STATE_EVERY:>6,} invoices confirmed, {time.perf_counter() - started:6.1f}s",
                      end="\r", flush=True)  # fmt: skip
            elif message.type == Type.LOG and message.log is not None:
                text = message.log.message
                if '"action":"posted"' in text:
                    posted += 1
                elif '"event":"stampli_nav.summary"' in text:
                    summary = orjson.loads(text)
    except Exception as exc:  # reported in the table; the ledger is still checked
        error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
    seconds = time.perf_counter() - started
    print()
    usage = emulator.usage()["total"]
    fired = sum(rule.fired for rule in emulator.faults.rules() if rule.kind == "status")
    problems = posting_problems(Books.of(emulator), expected)
    return Result(
        name=name,
        invoices=count,
        seconds=seconds,
        http_requests=int(usage.get("http_requests", 0)),
        operations=int(usage.get("operations", 0)),
        faults_fired=fired,
        client_retries=int(summary.get("api", {}).get("retries", 0)),
        states_sent=states_sent,
        states_confirmed=states,
        posted=posted,
        problems=problems,
        error=error,
    )


def table(results: list[Result]) -> str:
    header = (
        f"{'run':<26} {'invoices':>9} {'seconds':>8} {'inv/s':>7} {'HTTP req':>9} {'API ops':>9} {'faults':>7} "
        f"{'retries':>8} {'states':>9} {'posted':>8}  result"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<26} {r.invoices:>9,} {r.seconds:>8.1f} {r.invoices_per_second:>7.1f} {r.http_requests:>9,} "
            f"{r.operations:>9,} {r.faults_fired:>7,} {r.client_retries:>8,} {r.states_confirmed:>4}/{r.states_sent:<4} "
            f"{r.posted:>8,}  {'ok' if r.ok else 'FAIL'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--fault-rate", type=float, default=0.01, help="share of API requests refused (429 or 503)")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds sent with the faults")
    parser.add_argument("--latency-ms", type=int, default=0, help="latency added to every API request")
    parser.add_argument("--baseline-share", type=float, default=0.1, help="baseline size, as a share of --invoices")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    settings = EmulatorSettings(latency_ms=args.latency_ms, random_seed=args.seed, rate_limit_requests=10**9)
    results: list[Result] = []
    with EmulatorServer(settings, seed="cronus") as emulator:
        baseline_count = max(STATE_EVERY, int(args.invoices * args.baseline_share))
        print(f"baseline: {baseline_count:,} invoices, no faults")
        results.append(run("baseline (no faults)", emulator, baseline_count, args.seed))

        emulator.reset()
        # Faults hit whole HTTP requests, as BC's throttling and busy answers do (a $batch is refused as one request):
        # every GET, every $batch POST and every journal post. Two independent seeded draws per request, each with
        # p = 1 - sqrt(1 - rate), so that a request is refused with probability `rate` and the run is repeatable.
        each = 1 - (1 - args.fault_rate) ** 0.5
        for status in (429, 503):
            for route, methods in (("*", ["GET"]), ("$batch", ["POST"]), (JOURNAL_POST, ["POST"])):
                emulator.faults.add(
                    kind="status", status=status, route=route, methods=methods, probability=each,
                    retry_after_s=args.retry_after,
                )  # fmt: skip
        print(f"load run: {args.invoices:,} invoices, {args.fault_rate:.1%} of API requests refused (429/503)")
        results.append(run(f"load ({args.fault_rate:.0%} 429/503)", emulator, args.invoices, args.seed))

    print()
    print(table(results))
    load = results[-1]
    ratio = load.invoices_per_second / results[0].invoices_per_second if results[0].invoices_per_second else 0.0
    print(
        f"\nload run: {load.invoices:,} invoices in {load.seconds:.1f}s ({load.invoices_per_second:.1f}/s, "
        f"{ratio:.0%} of the fault-free baseline's {results[0].invoices_per_second:.1f}/s); {load.http_requests:,} HTTP "
        f"requests, {load.operations:,} API operations ({load.operations / max(load.invoices, 1):.2f} per invoice); "
        f"{load.faults_fired:,} injected faults absorbed with {load.client_retries:,} client retries"
    )
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAIL {r.name}: {r.error or ''} {r.problems[:10]} ({len(r.problems)} problem(s))")
    if not failed:
        print(f"every invoice posted exactly once ({load.posted:,} posted, ledger checked), every STATE confirmed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
