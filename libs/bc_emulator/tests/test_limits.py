"""BC's per-user limits, scaled down: processing slots with a queue, 429 when full or over budget, 503 when
queued too long, usage counters, and the on-premises disabled-API mode."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of, onprem_client, trust

Factory = Callable[..., EmulatorServer]


def _parallel(emu: EmulatorServer, count: int, path: str = "companies") -> list[httpx.Response]:
    with onprem_client(emu, limits=httpx.Limits(max_connections=count)) as client, ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: client.get(path), range(count)))


def test_requests_beyond_the_concurrency_limit_queue_and_succeed(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(max_concurrent_requests=2, latency_ms=250)
    started = time.monotonic()
    responses = _parallel(emu, 6)
    elapsed = time.monotonic() - started
    assert [r.status_code for r in responses] == [200] * 6
    usage = emu.usage()["users"][emu.basic_username]
    assert usage["max_concurrency"] == 2
    assert usage["http_requests"] == 6 and usage["operations"] == 6
    assert elapsed >= 0.75  # three rounds of two


def test_a_full_queue_answers_429_with_retry_after(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(
        max_concurrent_requests=1, max_queued_requests=1, latency_ms=600, throttle_retry_after_s=2
    )
    responses = _parallel(emu, 4)
    throttled = [r for r in responses if r.status_code == 429]
    assert len(throttled) == 2 and sum(r.status_code == 200 for r in responses) == 2
    assert all(r.headers["Retry-After"] == "2" for r in throttled)
    assert emu.usage()["users"][emu.basic_username]["throttled"] == 2


def test_waiting_too_long_in_the_queue_answers_503(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(max_concurrent_requests=1, queue_timeout_s=0.1, latency_ms=600)
    statuses = sorted(r.status_code for r in _parallel(emu, 2))
    assert statuses == [200, 503]


def test_request_budget_per_window_counts_batch_operations(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(rate_limit_requests=5, rate_limit_window_s=60)
    with onprem_client(emu) as client:
        assert all(client.get("companies").status_code == 200 for _ in range(3))
        batch = {"requests": [{"id": str(i), "method": "GET", "url": "companies"} for i in range(3)]}
        refused = client.post("$batch", json=batch)  # 3 + 3 operations > 5
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert client.get("companies").status_code == 200  # operation 4
        assert client.get("companies").status_code == 200  # operation 5: the budget is spent
        assert client.get("companies").status_code == 429
    assert emu.operations(emu.basic_username) == 5


def test_limits_are_per_user(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(rate_limit_requests=1, extra_basic_users={"SECOND": "second-key"})
    url = f"{emu.onprem_api_base_url}/companies"
    with httpx.Client(verify=trust(emu)) as http:
        assert http.get(url, auth=(emu.basic_username, emu.basic_access_key)).status_code == 200
        assert http.get(url, auth=(emu.basic_username, emu.basic_access_key)).status_code == 429
        assert http.get(url, auth=("SECOND", "second-key")).status_code == 200
    assert set(emu.usage()["users"]) == {emu.basic_username, "SECOND"}


def test_disabled_api_answers_405_like_on_premises(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(api_disabled=True)
    with onprem_client(emu) as client:
        response = client.get("companies")
        assert response.status_code == 405 and not response.headers["Content-Type"].startswith("application/json")
        assert httpx.patch(f"{emu.url}/_emulator/settings", json={"api_disabled": False}).status_code == 200
        assert client.get("companies").status_code == 200


def test_unsupported_verbs_are_bc_method_not_allowed(bc_emulator: EmulatorServer) -> None:
    with onprem_client(bc_emulator) as client:
        status, code, _ = error_of(client.post("companies", json={"name": "New"}))
        assert (status, code) == (405, "BadRequest_MethodNotAllowed")
        accounts = client.post(f"companies({bc_emulator.company_id})/accounts", json={"number": "1"})
        assert error_of(accounts)[:2] == (405, "BadRequest_MethodNotAllowed")
