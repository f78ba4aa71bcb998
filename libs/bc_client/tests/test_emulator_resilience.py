"""Throttling, transient faults, lost responses and the concurrency limit, against the emulator over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from bc_client import BusinessCentralClient, RetryPolicy, Vendor, WriteOutcomeUnknownError
from bc_client.odata import eq
from bc_emulator import EmulatorServer

from ._configs import FAST_RETRIES, basic_config

Factory = Callable[..., EmulatorServer]


def _server_max_concurrency(emu: EmulatorServer) -> int:
    return int(emu.usage()["total"]["max_concurrency"])


def test_retry_after_is_honoured(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as bc:
        _ = bc.company
        bc_emulator.faults.add(kind="status", status=429, retry_after_s=1, route="vendors", times=1)
        started = time.monotonic()
        assert len(bc.list_entities("vendors")) == 13
        elapsed = time.monotonic() - started
        usage = bc.usage.snapshot()
    assert elapsed >= 1.0  # the fast backoff policy alone would have waited ~10 ms
    assert usage["retries"] == 1 and usage["throttled"] == 1


def test_transient_errors_without_retry_after_back_off_and_recover(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as bc:
        _ = bc.company
        for nth, status in enumerate((502, 503, 504)):  # one after the other on consecutive attempts
            bc_emulator.faults.add(kind="status", status=status, route="vendors", methods=["GET"], times=1, after=nth)
        assert len(bc.list_entities("vendors")) == 13
        assert bc.usage.snapshot()["retries"] == 3


def test_the_request_budget_429_is_waited_out(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(rate_limit_requests=4, rate_limit_window_s=1.0, throttle_retry_after_s=1)
    with BusinessCentralClient(basic_config(emu), retry_policy=FAST_RETRIES) as bc:
        for _ in range(6):
            bc.get("vendors", params={"$top": "1"})
        usage = bc.usage.snapshot()
    assert usage["throttled"] >= 1 and usage["http_requests"] == 7 + usage["throttled"]


def test_a_timed_out_read_is_retried(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), timeout=0.5, retry_policy=FAST_RETRIES) as bc:
        _ = bc.company
        bc_emulator.faults.add(kind="timeout", hang_s=1.0, route="vendors", methods=["GET"], times=1)
        assert len(bc.list_entities("vendors")) == 13
        assert bc.usage.snapshot()["transport_errors"] == 1


def test_a_post_whose_response_is_lost_is_not_sent_twice(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as bc:
        _ = bc.company
        bc_emulator.faults.add(kind="drop_after_commit", route="vendors", methods=["POST"], times=1)
        with pytest.raises(WriteOutcomeUnknownError) as excinfo:
            bc.create("vendors", {"number": "VLOST", "displayName": "Lost response"})
        assert "look up" in str(excinfo.value)
        assert bc.usage.snapshot()["by_method"]["POST"] == 1
        # The write was committed: the caller's look-up finds it, exactly once.
        assert len(bc.list_entities("vendors", filter=eq("number", "VLOST"))) == 1


def test_a_batch_whose_response_is_lost_reports_unknown_outcomes(bc_emulator: EmulatorServer) -> None:
    from bc_client import BatchOperation

    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as bc:
        _ = bc.company
        bc_emulator.faults.add(kind="drop_after_commit", route="$batch", times=1)
        operations = [BatchOperation("POST", "vendors", body={"number": f"VLB{i}"}) for i in range(3)]
        results = bc.batch(operations)
        assert all(isinstance(r.error, WriteOutcomeUnknownError) and r.status == 0 for r in results)
        assert len(bc.list_entities("vendors", filter=eq("number", "VLB1"))) == 1


def test_a_patch_whose_response_is_lost_is_retried_and_reports_the_conflict(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as bc:
        vendor = bc.list_entities("vendors", filter=eq("number", "V10030"), model=Vendor)[0]
        bc_emulator.faults.add(kind="drop_after_commit", route="vendors", methods=["PATCH"], times=1)
        with pytest.raises(Exception, match="may already have been applied"):
            bc.update(f"vendors({vendor.id})", {"city": "Chicago"}, vendor.etag or "")
        assert bc.get(f"vendors({vendor.id})")["city"] == "Chicago"


@pytest.mark.parametrize("limit", [5, 2])
def test_never_more_requests_in_flight_than_the_limit(bc_emulator_factory: Factory, limit: int) -> None:
    emu = bc_emulator_factory(latency_ms=40, max_concurrent_requests=20)
    with BusinessCentralClient(basic_config(emu), max_in_flight=limit, retry_policy=FAST_RETRIES) as bc:
        _ = bc.company
        ids = [v["id"] for v in bc.list_entities("vendors")]
        results = bc.map_concurrently(lambda vendor_id: bc.get(f"vendors({vendor_id})")["id"], ids * 2)
        # Threads outside map_concurrently share the same limit.
        workers = [threading.Thread(target=lambda: bc.get("vendors", params={"$top": "1"})) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        client_max = bc.usage.snapshot()["max_in_flight"]
    assert results == ids * 2  # in input order
    # The limit is reached (the work runs in parallel) and never exceeded, as seen by the server.
    assert _server_max_concurrency(emu) == limit == client_max


def test_map_concurrently_raises_the_first_failure_or_returns_it(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=RetryPolicy(max_attempts=1)) as bc:
        _ = bc.company
        paths = ["vendors", "nonexistentEntities", "accounts"]
        outcomes = bc.map_concurrently(lambda path: len(bc.list_entities(path)), paths, return_exceptions=True)
        assert outcomes[0] == 13 and isinstance(outcomes[1], Exception) and outcomes[2] > 13
        with pytest.raises(Exception, match="nonexistentEntities"):
            bc.map_concurrently(lambda path: bc.list_entities(path), paths)
