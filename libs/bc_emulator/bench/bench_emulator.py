"""Throughput of the emulator for the benchmarks that depend on it.

Target: >= 1,000 journal lines/s through JSON $batch (100 lines per request, 5 requests in flight, the BC
limit) with 20 ms injected latency per request. Baseline, measured in the same run: the same lines posted one
request per line (what a client without $batch would get), then the post of the batch itself.

    python libs/bc_emulator/bench/bench_emulator.py [--lines 5000] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bc_emulator import EmulatorServer, EmulatorSettings
from bc_emulator.testing import onprem_client

IN_FLIGHT = 5
PER_BATCH = 100


def _line(journal_path: str, index: int) -> dict[str, Any]:
    document = f"BENCH-{index // 2:06d}"
    if index % 2 == 0:
        body = {"documentNumber": document, "postingDate": "2026-06-30", "accountNumber": "6100", "amount": 12.5}
    else:
        body = {
            "documentNumber": document,
            "postingDate": "2026-06-30",
            "accountType": "Vendor",
            "accountNumber": "V10000",
            "externalDocumentNumber": f"EXT-{index // 2:06d}",
            "amount": -12.5,
        }
    return {"id": str(index), "method": "POST", "url": f"{journal_path}/journalLines", "body": body}


def _journal(client: httpx.Client, company: str, code: str) -> str:
    created = client.post(f"{company}/journals", json={"code": code})
    created.raise_for_status()
    return f"{company}/journals({created.json()['id']})"


def run(lines: int, latency_ms: int) -> None:
    settings = EmulatorSettings(latency_ms=latency_ms, page_size=1000, rate_limit_requests=10**9)
    with (
        EmulatorServer(settings) as emu,
        onprem_client(emu, timeout=120, limits=httpx.Limits(max_connections=IN_FLIGHT)) as client,
    ):
        company = f"companies({emu.company_id})"

        journal = _journal(client, company, "BATCHED")
        requests = [_line(journal, i) for i in range(lines)]
        chunks = [requests[i : i + PER_BATCH] for i in range(0, lines, PER_BATCH)]

        def send(chunk: list[dict[str, Any]]) -> int:
            response = client.post("$batch", json={"requests": chunk}, headers={"Isolation": "snapshot"})
            response.raise_for_status()
            return sum(r["status"] == 201 for r in response.json()["responses"])

        started = time.perf_counter()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            created = sum(pool.map(send, chunks))
        batched = time.perf_counter() - started
        assert created == lines, created

        started = time.perf_counter()
        posted = client.post(f"{journal}/Microsoft.NAV.post")
        post_seconds = time.perf_counter() - started
        assert posted.status_code == 204, posted.text

        single = _journal(client, company, "SINGLE")
        sample = min(lines, 500)
        singles = [_line(single, i)["body"] for i in range(sample)]

        def one(body: dict[str, Any]) -> None:
            client.post(f"{single}/journalLines", json=body).raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            list(pool.map(one, singles))
        single_seconds = time.perf_counter() - started
        usage = emu.usage()["total"]

    print(
        f"journal lines via $batch ({PER_BATCH}/request, {IN_FLIGHT} in flight, {latency_ms} ms latency): "
        f"{lines / batched:,.0f} lines/s  ({lines} lines in {batched:.2f} s; target >= 1,000 lines/s)"
    )
    print(
        f"baseline, one request per line (same latency, {IN_FLIGHT} in flight):             "
        f"{sample / single_seconds:,.0f} lines/s  ({sample} lines in {single_seconds:.2f} s)"
    )
    print(
        f"posting the {lines}-line batch (Microsoft.NAV.post):                     "
        f"{lines / post_seconds:,.0f} lines/s  ({post_seconds:.2f} s)"
    )
    print(
        f"server-side max concurrency observed: {usage['max_concurrency']}, operations counted: {usage['operations']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    run(args.lines, args.latency_ms)


if __name__ == "__main__":
    main()
