"""The webhook receiver over real HTTP: handshake echo, clientState check, always 2xx, debounced sync requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from webhook_receiver import AirbyteSyncTrigger, Debouncer, TokenProvider, WebhookReceiver

CLIENT_STATE = "receiver-test-client-state-42"
CONNECTION_ID = "0b7f7c2e-3c1d-4a57-9f0e-2d1c4b5a6e7f"


def eventually(condition, timeout: float = 5.0) -> bool:
    """The receiver's threads update their counters just after answering: poll briefly."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def notification(change: str = "updated", state: str = CLIENT_STATE, entity: str = "vendors(1)") -> dict:
    return {
        "subscriptionId": "s1",
        "clientState": state,
        "expirationDateTime": "2026-11-28T10:00:00Z",
        "resource": f"api/v2.0/companies(8b2e4bb1-0000-4000-8000-00000000c0de)/{entity}",
        "changeType": change,
        "lastModifiedDateTime": "2026-11-25T10:00:00Z",
    }


@pytest.fixture
def receiver(request: pytest.FixtureRequest, airbyte_api) -> Iterator[WebhookReceiver]:
    quiet = getattr(request, "param", 0.3)
    http = httpx.Client(timeout=5.0)
    trigger = AirbyteSyncTrigger(airbyte_api.url, CONNECTION_ID, TokenProvider(token="static-token"), http)
    debouncer = Debouncer(trigger.trigger, quiet_seconds=quiet, max_wait_seconds=quiet * 10, retry_seconds=0.2)
    with WebhookReceiver(host="127.0.0.1", port=0, client_state=CLIENT_STATE, debouncer=debouncer) as running:
        yield running
    http.close()


def test_validation_handshake_echoes_the_token_as_plain_text(receiver: WebhookReceiver) -> None:
    for method in ("GET", "POST"):  # BC documents a POST; the emulator (and some BC versions) use GET
        response = httpx.request(method, receiver.url, params={"validationToken": "tok-123 /+="})
        assert response.status_code == 200
        assert response.text == "tok-123 /+="
        assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("receiver", [1.5], indirect=True)  # a quiet window wide enough for a loaded machine
def test_a_burst_of_notifications_starts_one_sync_with_the_bearer_token(receiver: WebhookReceiver, airbyte_api) -> None:
    for _ in range(5):
        response = httpx.post(receiver.url, json={"value": [notification(), notification("created")]})
        assert response.status_code == 202  # answered before any sync is requested
    assert airbyte_api.jobs == []
    jobs = airbyte_api.wait_for_jobs(1)
    time.sleep(2.0)  # a second sync would have been requested by now
    assert len(airbyte_api.jobs) == 1
    assert jobs[0]["body"] == {"connectionId": CONNECTION_ID, "jobType": "sync"}
    assert jobs[0]["authorization"] == "Bearer static-token"
    assert eventually(lambda: receiver.debouncer.stats.started == 1)
    assert receiver.debouncer.stats.notifications == 10


def test_foreign_client_state_and_garbage_are_answered_2xx_but_start_nothing(
    receiver: WebhookReceiver, airbyte_api
) -> None:
    assert httpx.post(receiver.url, json={"value": [notification(state="forged-state-000000000")]}).status_code == 202
    assert httpx.post(receiver.url, content=b"{not json").status_code == 202
    assert httpx.post(receiver.url, json={"unexpected": True}).status_code == 202
    assert httpx.post(receiver.url, json={"value": [{"clientState": None}]}).status_code == 202
    assert eventually(lambda: receiver.httpd.stats["unusable"] == 2)
    time.sleep(0.5)
    assert airbyte_api.jobs == []
    assert receiver.httpd.stats["rejected"] == 2
    assert receiver.httpd.stats["unusable"] == 2


def test_collection_and_deleted_notifications_start_a_sync(receiver: WebhookReceiver, airbyte_api) -> None:
    collection = notification("collection", entity="vendors?$filter=lastModifiedDateTime%20gt%202026-11-25T09:59:00Z")
    httpx.post(receiver.url, json={"value": [collection, notification("deleted", entity="accounts(7)")]})
    assert len(airbyte_api.wait_for_jobs(1)) == 1


def test_a_busy_connection_is_retried_until_the_sync_starts(receiver: WebhookReceiver, airbyte_api) -> None:
    airbyte_api.job_statuses = [409, 503]
    httpx.post(receiver.url, json={"value": [notification()]})
    jobs = airbyte_api.wait_for_jobs(3)
    assert [job["status"] for job in jobs] == [409, 503, 200]
    stats = receiver.debouncer.stats
    assert eventually(lambda: stats.started == 1)
    assert (stats.busy, stats.retries, stats.started) == (1, 1, 1)


def test_a_setup_error_is_not_retried(receiver: WebhookReceiver, airbyte_api) -> None:
    airbyte_api.job_statuses = [404]
    httpx.post(receiver.url, json={"value": [notification()]})
    airbyte_api.wait_for_jobs(1)
    assert eventually(lambda: receiver.debouncer.stats.failed == 1)
    time.sleep(0.5)
    assert len(airbyte_api.jobs) == 1


def test_client_credentials_token_is_fetched_and_renewed_on_401(airbyte_api) -> None:
    http = httpx.Client(timeout=5.0)
    tokens = TokenProvider(
        client_id="app", client_secret="app-secret", token_url=f"{airbyte_api.url}/v1/applications/token", http=http
    )
    trigger = AirbyteSyncTrigger(airbyte_api.url, CONNECTION_ID, tokens, http)
    airbyte_api.job_statuses = [401]
    result = trigger.trigger()
    assert result.outcome == "started"
    assert [job["authorization"] for job in airbyte_api.jobs] == ["Bearer token-1", "Bearer token-2"]
    assert airbyte_api.token_requests[0] == {
        "client_id": "app",
        "client_secret": "app-secret",
        "grant-type": "client_credentials",
    }
    http.close()


def test_the_module_runs_on_its_own_and_reads_secrets_from_the_environment(airbyte_api, tmp_path: Path) -> None:
    env = {**os.environ, "NAV_STATE": CLIENT_STATE, "AIRBYTE_TOKEN": "env-token"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "webhook_receiver",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--client-state-env",
            "NAV_STATE",
            "--airbyte-api-url",
            airbyte_api.url,
            "--connection-id",
            CONNECTION_ID,
            "--token-env",
            "AIRBYTE_TOKEN",
            "--quiet-seconds",
            "0.2",
        ],  # fmt: skip
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 20
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if "Listening on " in line:
                url = line.split("Listening on ", 1)[1].split(" ", 1)[0].replace("0.0.0.0", "127.0.0.1")
        assert url, "the receiver did not start"
        assert httpx.get(url, params={"validationToken": "abc"}).text == "abc"
        httpx.post(url, json={"value": [notification()]})
        jobs = airbyte_api.wait_for_jobs(1, timeout=10)
        assert jobs[0]["authorization"] == "Bearer env-token"
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[1]
    assert CLIENT_STATE not in output and "env-token" not in output
    assert process.returncode == 0


def test_payload_parsing_keeps_the_entity_set() -> None:
    from webhook_receiver.notifications import parse_notifications

    parsed = parse_notifications(json.dumps({"value": [notification(entity="dimensions(9)")]}).encode())
    assert parsed[0].entity_set == "dimensions"
    assert parsed[0].change_type == "updated"


def test_a_steady_trickle_still_starts_a_sync_after_the_maximum_wait(airbyte_api) -> None:
    """Notifications that never pause long enough for the quiet window must not postpone the sync forever."""
    http = httpx.Client(timeout=5.0)
    trigger = AirbyteSyncTrigger(airbyte_api.url, CONNECTION_ID, TokenProvider(token="t"), http)
    debouncer = Debouncer(trigger.trigger, quiet_seconds=0.5, max_wait_seconds=1.0, retry_seconds=0.2).start()
    try:
        started = time.monotonic()
        while time.monotonic() - started < 3.0 and not airbyte_api.jobs:
            debouncer.notify()
            time.sleep(0.1)
        assert airbyte_api.jobs, "no sync while notifications kept coming"
        assert time.monotonic() - started < 3.0
    finally:
        debouncer.stop()
        http.close()


def test_the_console_script_is_installed_and_answers_help() -> None:
    script = Path(sys.executable).with_name("webhook-receiver")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: webhook-receiver") and "--client-state-env" in result.stdout
