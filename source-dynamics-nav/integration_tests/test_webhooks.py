"""Webhooks end to end against the emulator: syncs create and renew subscriptions (3-day expiry on the simulated
clock), the receiver answers BC's handshakes, and a change in NAV starts a sync through the Airbyte API."""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from airbyte_cdk.test.entrypoint_wrapper import _run_command, make_file

from bc_client import BusinessCentralClient
from bc_emulator import EmulatorServer
from source_dynamics_nav.cursors import parse_timestamp
from source_dynamics_nav.source import SourceDynamicsNav
from webhook_receiver import AirbyteSyncTrigger, Debouncer, TokenProvider, WebhookReceiver

CLIENT_STATE = "integration-client-state-5f2c9e"
CONNECTION_ID = "6a1e8d64-0d0b-4a3e-9a52-5b8a4d1f2c33"


class AirbyteJobs:
    """The Airbyte API's `POST /v1/jobs`, standing in for Airbyte (an external system)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        jobs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with jobs._cond:
                    jobs.requests.append(body)
                    jobs._cond.notify_all()
                payload = json.dumps({"jobId": len(jobs.requests), "status": "pending"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> int:
        with self._cond:
            self._cond.wait_for(lambda: len(self.requests) >= count, timeout)
            return len(self.requests)


@pytest.fixture
def airbyte_jobs() -> Iterator[AirbyteJobs]:
    jobs = AirbyteJobs()
    yield jobs
    jobs.server.shutdown()
    jobs.server.server_close()


@pytest.fixture
def receiver(airbyte_jobs: AirbyteJobs) -> Iterator[WebhookReceiver]:
    http = httpx.Client(timeout=5.0)
    trigger = AirbyteSyncTrigger(airbyte_jobs.url, CONNECTION_ID, TokenProvider(token="airbyte-token"), http)
    debouncer = Debouncer(trigger.trigger, quiet_seconds=0.2, max_wait_seconds=1.0, retry_seconds=0.2)
    with WebhookReceiver(host="127.0.0.1", port=0, client_state=CLIENT_STATE, debouncer=debouncer) as running:
        yield running
    http.close()


def expiry(record: dict[str, Any]) -> datetime:
    moment = parse_timestamp(record["expirationDateTime"])
    assert moment is not None
    return moment


def subscriptions(emulator: EmulatorServer) -> dict[str, dict[str, Any]]:
    """The emulator's live subscriptions by entity set (dump: what BC holds, seen from outside)."""
    now = emulator.clock.now()
    live = {}
    for record in emulator.dump()["subscriptions"]:
        if expiry(record) > now:
            live.setdefault(record["resource"].rsplit("/", 1)[-1], []).append(record)
    return live


def test_syncs_create_renew_and_recreate_subscriptions_on_the_3_day_expiry(
    h: Any, run_read: Any, config: dict, emulator: EmulatorServer, receiver: WebhookReceiver
) -> None:
    webhook_config = {**config, "webhook_notification_url": receiver.url, "webhook_client_state": CLIENT_STATE}
    created_at = emulator.clock.now()
    output = run_read(webhook_config, streams=["dimensions"])
    live = subscriptions(emulator)
    assert sorted(live) == ["accounts", "dimensions", "vendors"]  # never dimensionValues: BC has no webhooks for them
    for records in live.values():
        assert len(records) == 1
        assert records[0]["clientState"] == CLIENT_STATE and records[0]["notificationUrl"] == receiver.url
        assert abs(expiry(records[0]) - (created_at + timedelta(days=3))) < timedelta(minutes=1)
    assert receiver.httpd.stats["handshakes"] == 3
    assert output.is_in_logs("Webhook subscription for vendors created; it expires")
    assert CLIENT_STATE not in json.dumps([m.log.message for m in output.logs])

    # 23 h later: 49 h left, nothing to renew.
    emulator.clock.advance(timedelta(hours=23))
    output = run_read(webhook_config, streams=["dimensions"])
    assert {r["subscriptionId"]: expiry(r) for rs in subscriptions(emulator).values() for r in rs} == {
        r["subscriptionId"]: expiry(r) for rs in live.values() for r in rs
    }
    assert receiver.httpd.stats["handshakes"] == 3
    assert output.is_in_logs("Webhook subscription for accounts is valid until")

    # 2 h more: 47 h left, renewed (with a handshake) to 3 days from now.
    emulator.clock.advance(timedelta(hours=2))
    renewed_at = emulator.clock.now()
    output = run_read(webhook_config, streams=["dimensions"])
    after = subscriptions(emulator)
    assert {rs[0]["subscriptionId"] for rs in after.values()} == {rs[0]["subscriptionId"] for rs in live.values()}
    for records in after.values():
        assert abs(expiry(records[0]) - (renewed_at + timedelta(days=3))) < timedelta(minutes=1)
    assert receiver.httpd.stats["handshakes"] == 6
    assert output.is_in_logs("Webhook subscription for dimensions renewed; it now expires")

    # No sync for 4 days: BC let them expire. The next sync subscribes again.
    emulator.clock.advance(timedelta(days=4))
    assert subscriptions(emulator) == {}
    run_read(webhook_config, streams=["dimensions"])
    assert sorted(subscriptions(emulator)) == ["accounts", "dimensions", "vendors"]


def test_a_vendor_changed_in_nav_starts_a_sync_through_the_airbyte_api(
    run_read: Any,
    config: dict,
    emulator: EmulatorServer,
    receiver: WebhookReceiver,
    airbyte_jobs: AirbyteJobs,
    bc: BusinessCentralClient,
) -> None:
    webhook_config = {**config, "webhook_notification_url": receiver.url, "webhook_client_state": CLIENT_STATE}
    run_read(webhook_config, streams=["vendors"])
    vendor = next(iter(bc.iter_entities("vendors", filter="number eq 'V10000'")))
    bc.update(f"vendors({vendor['id']})", {"phoneNumber": "404-555-0199"}, vendor["@odata.etag"])
    bc.update(f"vendors({vendor['id']})", {"phoneNumber": "404-555-0100"}, "*")
    emulator.notifier.flush()
    assert airbyte_jobs.wait_for(1) == 1
    assert airbyte_jobs.requests[0] == {"connectionId": CONNECTION_ID, "jobType": "sync"}
    assert receiver.httpd.stats["accepted"] >= 1


def test_subscriptions_of_others_are_left_alone_and_a_dead_receiver_does_not_fail_the_sync(
    run_read: Any, config: dict, emulator: EmulatorServer, receiver: WebhookReceiver, bc: BusinessCentralClient
) -> None:
    foreign = bc.subscriptions.create(
        notification_url=receiver.url,
        resource=bc.subscriptions.resource_for("vendors"),
        client_state="another-application-state-77",
    )
    dead_url = "http://127.0.0.1:9/never-answers"
    output = run_read(
        {**config, "webhook_notification_url": dead_url, "webhook_client_state": CLIENT_STATE}, streams=["dimensions"]
    )
    assert len(output.records) == 2  # polling still works
    assert output.is_in_logs("the webhook receiver must be running and reachable")
    remaining = [r for rs in subscriptions(emulator).values() for r in rs]
    assert [r["subscriptionId"] for r in remaining] == [foreign.subscription_id]


def test_webhook_url_without_client_state_is_refused_by_check(config: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = make_file(Path(folder) / "config.json", {**config, "webhook_notification_url": "https://h.example/x"})
        output = _run_command(SourceDynamicsNav(), ["check", "--config", path])
    status = output.connection_status_messages[0].connectionStatus
    assert status.status.value == "FAILED"
    assert "webhook_client_state" in status.message
