"""Edge cases that a real server cannot produce on demand, on a mocked transport (respx).

Everything else (paging, batching, throttling, auth, concurrency) is tested against the emulator over real HTTP.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx

from bc_client import (
    ApiDisabledError,
    ApiUnreachableError,
    BadRequestError,
    BCConnectionConfig,
    BusinessCentralClient,
    ConcurrencyConflictError,
    ConfigurationError,
    RetryPolicy,
    ServiceUnavailableError,
    ThrottledError,
    WriteOutcomeUnknownError,
)
from bc_client.errors import BCError
from bc_client.transport import parse_retry_after

BASE = "https://bc.test/BC/api/v2.0"
COMPANY_ID = "11111111-2222-3333-4444-555555555555"
COMPANY = f"{BASE}/companies({COMPANY_ID})"
SECRET = "basic-access-key-1234"
FAST = RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.005)


def _config(base: str = BASE) -> BCConnectionConfig:
    return BCConnectionConfig.model_validate(
        {
            "deployment": {
                "deployment_type": "on_premises",
                "server_url": "https://bc.test",
                "auth": {"auth_type": "basic", "username": "ADMIN", "web_service_access_key": SECRET},
            },
            "api_base_url": base,
            "company": "CRONUS",
        }
    )


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{BASE}/companies").respond(json={"value": [{"id": COMPANY_ID, "name": "CRONUS"}]})
        yield router


@pytest.fixture
def bc(mock: respx.MockRouter) -> Iterator[BusinessCentralClient]:
    with BusinessCentralClient(_config(), retry_policy=FAST) as client:
        yield client


def test_post_timeout_is_never_resent(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.post(f"{COMPANY}/vendors").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(WriteOutcomeUnknownError) as excinfo:
        bc.create("vendors", {"number": "V1"})
    assert route.call_count == 1
    assert "ReadTimeout" in excinfo.value.cause
    assert "look up" in str(excinfo.value)
    assert bc.usage.snapshot()["retries"] == 0


def test_post_gateway_error_is_never_resent(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.post(f"{COMPANY}/journals(x)/Microsoft.NAV.post").respond(502, text="Bad Gateway")
    with pytest.raises(WriteOutcomeUnknownError) as excinfo:
        bc.invoke_action("journals(x)", "Microsoft.NAV.post")
    assert route.call_count == 1 and excinfo.value.status == 502


def test_post_connect_failure_is_resent_because_nothing_was_sent(
    bc: BusinessCentralClient, mock: respx.MockRouter
) -> None:
    route = mock.post(f"{COMPANY}/vendors")
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(201, json={"id": COMPANY_ID, "number": "V1"})]
    assert bc.create("vendors", {"number": "V1"})["number"] == "V1"
    assert route.call_count == 2


def test_post_throttled_is_resent_because_bc_did_not_run_it(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.post(f"{COMPANY}/vendors")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(201, json={"number": "V1"}),
    ]
    bc.create("vendors", {"number": "V1"})
    usage = bc.usage.snapshot()
    assert route.call_count == 3 and usage["retries"] == 2 and usage["throttled"] == 1 and usage["server_busy"] == 1


def test_get_gateway_errors_and_timeouts_are_retried(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.get(f"{COMPANY}/vendors(x)")
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(504), httpx.Response(200, json={"number": "V1"})]
    assert bc.get("vendors(x)") == {"number": "V1"}
    assert route.call_count == 3


def test_retry_budget_exhausted_raises_the_last_error(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.get(f"{COMPANY}/vendors").respond(
        429, headers={"Retry-After": "0"}, json={"error": {"code": "Throttled", "message": "Too many requests"}}
    )
    with pytest.raises(ThrottledError) as excinfo:
        list(bc.iter_entities("vendors"))
    assert route.call_count == FAST.max_attempts
    assert excinfo.value.retry_after == 0.0 and excinfo.value.status == 429


def test_patch_conflict_after_a_lost_response_says_it_may_have_applied(
    bc: BusinessCentralClient, mock: respx.MockRouter
) -> None:
    route = mock.patch(f"{COMPANY}/vendors(x)")
    route.side_effect = [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.Response(409, json={"error": {"code": "Request_EntityChanged", "message": "Another user changed it."}}),
    ]
    with pytest.raises(ConcurrencyConflictError) as excinfo:
        bc.update("vendors(x)", {"displayName": "n"}, 'W/"1"')
    assert "may already have been applied" in str(excinfo.value)
    assert route.calls[0].request.headers["If-Match"] == 'W/"1"'


def test_delete_gone_after_a_lost_response_counts_as_deleted(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.delete(f"{COMPANY}/vendors(x)")
    route.side_effect = [httpx.ReadTimeout("lost"), httpx.Response(404)]
    bc.delete("vendors(x)", "*")
    assert route.call_count == 2


def test_next_link_to_another_host_is_refused(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    mock.get(f"{COMPANY}/vendors").respond(
        json={"value": [{"id": 1}], "@odata.nextLink": "https://evil.example/steal?$skiptoken=1"}
    )
    evil = mock.get(url__startswith="https://evil.example")
    with pytest.raises(ConfigurationError, match="refusing to send credentials"):
        list(bc.iter_entities("vendors"))
    assert evil.call_count == 0


def test_repeated_next_link_stops_instead_of_looping(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    link = f"{COMPANY}/vendors?$skiptoken=1"
    mock.get(f"{COMPANY}/vendors").respond(json={"value": [1], "@odata.nextLink": link})
    mock.get(link).respond(json={"value": [2], "@odata.nextLink": link})
    with pytest.raises(BCError, match="same nextLink twice"):
        list(bc.iter_entities("vendors"))


def test_405_without_bc_code_means_disabled_services(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    mock.get(f"{COMPANY}/vendors").respond(405, text="<html>Method Not Allowed</html>")
    with pytest.raises(ApiDisabledError, match="ApiServicesEnabled") as excinfo:
        list(bc.iter_entities("vendors"))
    assert "7048" in str(excinfo.value) and "Integrate APIs" in str(excinfo.value)


def test_405_with_bc_code_is_a_plain_bad_request(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    mock.patch(f"{COMPANY}/accounts(x)").respond(
        405, json={"error": {"code": "BadRequest_MethodNotAllowed", "message": "'PATCH' requests are not allowed."}}
    )
    with pytest.raises(BadRequestError) as excinfo:
        bc.update("accounts(x)", {"blocked": True}, "*")
    assert not isinstance(excinfo.value, ApiDisabledError) and excinfo.value.code == "BadRequest_MethodNotAllowed"


def test_secret_echoed_by_a_server_is_redacted(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    mock.get(f"{COMPANY}/vendors").respond(
        400, json={"error": {"code": "BadRequest_Weird", "message": f"bad header Basic ADMIN:{SECRET}"}}
    )
    with pytest.raises(BadRequestError) as excinfo:
        list(bc.iter_entities("vendors"))
    assert SECRET not in str(excinfo.value) and SECRET not in repr(excinfo.value)
    assert SECRET not in repr(bc)


def test_non_json_error_body_is_summarised(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    mock.get(f"{COMPANY}/vendors").respond(500, text="upstream exploded")
    with pytest.raises(BCError, match="upstream exploded"):
        list(bc.iter_entities("vendors"))


def test_connection_refused_on_premises_gives_the_enablement_hint() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = _config(base=f"http://127.0.0.1:{port}/BC/api/v2.0")
    with BusinessCentralClient(config, retry_policy=RetryPolicy(max_attempts=2, backoff_base=0.001)) as bc:
        with pytest.raises(ApiUnreachableError) as excinfo:
            _ = bc.company
        assert isinstance(excinfo.value, ServiceUnavailableError)
        assert "ApiServicesEnabled" in str(excinfo.value) and "7048" in str(excinfo.value)
        assert bc.usage.snapshot()["transport_errors"] == 2


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=lambda: now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=lambda: now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_query_strings_are_percent_encoded_for_odata(bc: BusinessCentralClient, mock: respx.MockRouter) -> None:
    route = mock.get(url__startswith=f"{COMPANY}/vendors").respond(json={"value": []})
    list(bc.iter_entities("vendors", filter="displayName eq 'A+B & C#1'", select=["id", "number"], page_size=50))
    request = route.calls[0].request
    assert request.url.raw_path.decode().endswith(
        "/vendors?$filter=displayName%20eq%20'A%2BB%20%26%20C%231'&$select=id,number"
    )
    assert request.headers["Prefer"] == "odata.maxpagesize=50"
    assert request.headers["Accept-Language"] == "en-US"


def test_a_check_policy_reports_a_refused_connection_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = _config(base=f"http://127.0.0.1:{port}/BC/api/v2.0")
    with BusinessCentralClient(config, retry_policy=RetryPolicy(retry_connect_errors=False)) as bc:
        with pytest.raises(ApiUnreachableError, match="ApiServicesEnabled"):
            _ = bc.company
        assert bc.usage.snapshot()["transport_errors"] == 1 and bc.usage.snapshot()["retries"] == 0
