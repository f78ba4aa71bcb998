"""Fault injection: statuses with Retry-After, hangs, dropped connections after commit, latency, determinism,
inner $batch failures, and the admin HTTP endpoints that drive them from another process."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from bc_emulator import EmulatorServer, FaultRule
from bc_emulator.testing import error_of, onprem_client, trust

Factory = Callable[..., EmulatorServer]


def test_status_fault_fires_on_its_route_and_method_only(bc_emulator: EmulatorServer) -> None:
    bc_emulator.faults.add(kind="status", status=429, route="vendors", methods=["GET"], times=1, retry_after_s=3)
    with onprem_client(bc_emulator) as client:
        vendors = f"companies({bc_emulator.company_id})/vendors"
        assert client.get("companies").status_code == 200
        throttled = client.get(vendors)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
        assert client.get(vendors).status_code == 200  # times=1: spent
    assert bc_emulator.faults.rules()[0].fired == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_each_transient_status_in_bc_error_shape(bc_emulator: EmulatorServer, status: int) -> None:
    bc_emulator.faults.add(kind="status", status=status, route="companies")
    with onprem_client(bc_emulator) as client:
        response = client.get("companies")
    assert response.status_code == status and "CorrelationId" in response.json()["error"]["message"]


def test_random_faults_are_deterministic_for_a_seed(bc_emulator_factory: Factory) -> None:
    outcomes = []
    for _ in range(2):
        emu = bc_emulator_factory(random_seed=42)
        emu.faults.add(kind="status", status=503, route="companies", probability=0.5)
        with onprem_client(emu) as client:
            outcomes.append([client.get("companies").status_code for _ in range(12)])
    assert outcomes[0] == outcomes[1]
    assert {200, 503} == set(outcomes[0])


def test_drop_after_commit_loses_the_response_but_keeps_the_write(bc_emulator: EmulatorServer) -> None:
    bc_emulator.faults.add(kind="drop_after_commit", route="vendors", methods=["POST"], times=1)
    with onprem_client(bc_emulator) as client:
        vendors = f"companies({bc_emulator.company_id})/vendors"
        with pytest.raises(httpx.TransportError):
            client.post(vendors, json={"number": "DROP-1", "displayName": "Written, never acknowledged"})
        retry = client.post(vendors, json={"number": "DROP-1", "displayName": "naive retry"})
        assert error_of(retry)[1] == "Internal_EntityWithSameKeyExists"  # the double-post a naive retry causes
        found = client.get(vendors, params={"$filter": "number eq 'DROP-1'"}).json()["value"]
    assert [v["displayName"] for v in found] == ["Written, never acknowledged"]


def test_timeout_fault_hangs_without_committing(bc_emulator: EmulatorServer) -> None:
    bc_emulator.faults.add(kind="timeout", route="vendors", methods=["POST"], hang_s=1.0, times=1)
    with onprem_client(bc_emulator, timeout=0.3) as client:
        vendors = f"companies({bc_emulator.company_id})/vendors"
        with pytest.raises(httpx.ReadTimeout):
            client.post(vendors, json={"number": "HANG-1"})
    time.sleep(0.8)
    with onprem_client(bc_emulator) as client:
        assert client.get(vendors, params={"$filter": "number eq 'HANG-1'"}).json()["value"] == []


def test_latency_fault_and_base_latency(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(latency_ms=50)
    emu.faults.add(kind="latency", route="vendors", latency_ms=150, latency_max_ms=200)
    with onprem_client(emu) as client:
        started = time.monotonic()
        client.get("companies")
        base = time.monotonic() - started
        started = time.monotonic()
        client.get(f"companies({emu.company_id})/vendors")
        slow = time.monotonic() - started
    assert base >= 0.05 and slow >= 0.2
    assert emu.faults.rules()[0].fired == 1  # the vendors request only


def test_status_fault_on_an_inner_batch_request_fails_that_request_only(bc_emulator: EmulatorServer) -> None:
    bc_emulator.faults.add(kind="status", status=500, route="vendors", methods=["POST"], times=1)
    company = f"companies({bc_emulator.company_id})"
    requests = [
        {"id": "1", "method": "POST", "url": f"{company}/vendors", "body": {"number": "IN-1"}},
        {"id": "2", "method": "POST", "url": f"{company}/vendors", "body": {"number": "IN-2"}},
    ]
    with onprem_client(bc_emulator) as client:
        responses = client.post(
            "$batch", json={"requests": requests}, headers={"Prefer": "odata.continue-on-error"}
        ).json()["responses"]
    assert [r["status"] for r in responses] == [500, 201]


def test_faults_clock_usage_and_reset_over_admin_http(bc_emulator: EmulatorServer) -> None:
    admin = f"{bc_emulator.url}/_emulator"
    http = httpx.Client(verify=trust(bc_emulator))
    rule = http.post(
        f"{admin}/faults", json={"kind": "status", "status": 503, "route": "companies", "retry_after_s": 1}
    )
    assert rule.status_code == 201 and rule.json()["id"] >= 1
    bad = http.post(f"{admin}/faults", json={"kind": "status", "status": 418})
    assert bad.status_code == 400
    with onprem_client(bc_emulator) as client:
        assert client.get("companies").status_code == 503
        listed = http.get(f"{admin}/faults").json()["value"]
        assert listed[0]["fired"] == 1
        assert http.delete(f"{admin}/faults").status_code == 204
        assert client.get("companies").status_code == 200
    before = http.get(f"{admin}/clock").json()["now"]
    after = http.post(f"{admin}/clock", json={"advance_seconds": 86400}).json()["now"]
    assert after[:10] > before[:10]
    usage = http.get(f"{admin}/usage").json()
    assert usage["users"][bc_emulator.basic_username]["http_requests"] == 2
    info = http.get(f"{admin}/info").json()
    assert info["company_name"] == "CRONUS USA, Inc." and bc_emulator.client_secret not in str(info)
    assert http.post(f"{admin}/reset").status_code == 204
    assert http.get(f"{admin}/usage").json()["total"] == {}
    http.close()


def test_fault_rule_validation() -> None:
    with pytest.raises(ValueError):
        FaultRule(kind="status", status=200)
    with pytest.raises(ValueError):
        FaultRule(kind="latency", latency_ms=100, latency_max_ms=50)
