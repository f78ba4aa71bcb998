"""Authentication: basic (user + web service access key), OAuth client credentials, the real msal flow."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import msal
import pytest

from bc_emulator import BC_SCOPE, EmulatorServer
from bc_emulator.testing import cloud_client, error_of, trust

Factory = Callable[..., EmulatorServer]


def _token(emu: EmulatorServer, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "scope": BC_SCOPE,
        **overrides,
    }
    return httpx.post(emu.token_url, data=form, verify=trust(emu))


def test_basic_auth_on_premises(bc_emulator: EmulatorServer) -> None:
    url = f"{bc_emulator.onprem_api_base_url}/companies"
    http = httpx.Client(verify=trust(bc_emulator))
    ok = http.get(url, auth=(bc_emulator.basic_username.lower(), bc_emulator.basic_access_key))
    assert ok.status_code == 200
    wrong = http.get(url, auth=(bc_emulator.basic_username, "not-the-key"))
    assert error_of(wrong)[:2] == (401, "Authentication_InvalidCredentials")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    assert error_of(http.get(url))[:2] == (401, "Authentication_InvalidCredentials")


def test_basic_auth_is_refused_by_the_cloud_shape(bc_emulator: EmulatorServer) -> None:
    response = httpx.get(
        f"{bc_emulator.api_base_url}/companies", auth=(bc_emulator.basic_username, bc_emulator.basic_access_key)
    )
    status, code, message = error_of(response)
    assert (status, code) == (401, "Authentication_InvalidCredentials") and "OAuth" in message


def test_client_credentials_token_works_on_cloud_and_on_prem(bc_emulator: EmulatorServer) -> None:
    token = _token(bc_emulator).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    http = httpx.Client(headers={"Authorization": f"Bearer {token['access_token']}"}, verify=trust(bc_emulator))
    assert http.get(f"{bc_emulator.api_base_url}/companies").status_code == 200
    assert http.get(f"{bc_emulator.onprem_api_base_url}/companies").status_code == 200
    by_domain = f"{bc_emulator.url}/v2.0/{bc_emulator.settings.tenant_domain}/production/api/v2.0/companies"
    assert http.get(by_domain).status_code == 200
    tenantless = f"{bc_emulator.url}/v2.0/production/api/v2.0/companies"
    assert http.get(tenantless).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, 400, "unauthorized_client"),
        ({"scope": "https://graph.microsoft.com/.default"}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_rejects_bad_requests_like_entra(
    bc_emulator: EmulatorServer, overrides: dict[str, str], status: int, error: str
) -> None:
    response = _token(bc_emulator, **overrides)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"].startswith("AADSTS")
    assert bc_emulator.client_secret not in response.text


def test_wrong_tenant_or_environment(bc_emulator: EmulatorServer) -> None:
    with cloud_client(bc_emulator) as client:
        base = bc_emulator.url
        other_tenant = client.get(f"{base}/v2.0/11111111-1111-1111-1111-111111111111/production/api/v2.0/companies")
        assert error_of(other_tenant)[:2] == (401, "Authentication_InvalidCredentials")
        other_env = client.get(f"{base}/v2.0/{bc_emulator.tenant_id}/sandbox/api/v2.0/companies")
        status, _, message = error_of(other_env)
        assert status == 404 and "sandbox" in message
        unknown = httpx.post(f"{base}/no-such-tenant/oauth2/v2.0/token", data={"grant_type": "client_credentials"})
        assert unknown.status_code == 400 and "AADSTS90002" in unknown.json()["error_description"]


def test_expired_and_revoked_tokens_are_rejected(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory()
    token = _token(emu).json()["access_token"]
    url = f"{emu.api_base_url}/companies"
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    emu.expire_tokens()
    status, code, _ = error_of(httpx.get(url, headers={"Authorization": f"Bearer {token}"}))
    assert (status, code) == (401, "Authentication_InvalidCredentials")
    fresh = _token(emu).json()["access_token"]
    assert httpx.get(url, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200

    short = bc_emulator_factory(token_lifetime_s=1)
    short_token = _token(short).json()["access_token"]
    import time

    time.sleep(1.05)
    response = httpx.get(f"{short.api_base_url}/companies", headers={"Authorization": f"Bearer {short_token}"})
    assert error_of(response)[2].startswith("The access token has expired")


def test_token_lifetimes_run_on_the_simulated_clock(bc_emulator: EmulatorServer) -> None:
    issued = _token(bc_emulator).json()
    url = f"{bc_emulator.api_base_url}/companies"
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    bc_emulator.clock.advance(issued["expires_in"] - 60)
    assert httpx.get(url, headers=bearer).status_code == 200  # a minute left
    # Moved by the admin endpoint, as a demo or an end-to-end test in another process would.
    assert httpx.post(f"{bc_emulator.url}/_emulator/clock", json={"advance_seconds": 61}).status_code == 200
    status, code, message = error_of(httpx.get(url, headers=bearer))
    assert (status, code) == (401, "Authentication_InvalidCredentials") and message.startswith("The access token has")
    fresh = _token(bc_emulator).json()["access_token"]
    assert httpx.get(url, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_expire_tokens_through_the_admin_endpoint(bc_emulator: EmulatorServer) -> None:
    token = _token(bc_emulator).json()["access_token"]
    assert httpx.post(f"{bc_emulator.url}/_emulator/faults/expire-tokens").status_code == 204
    response = httpx.get(f"{bc_emulator.api_base_url}/companies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.fixture
def no_ca_bundle_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a Session's `verify` (psf/requests#3829), which
    silently defeats msal's `verify=` argument; remove them so the test exercises what msal is given."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.mark.parametrize("discovery", [False, "emulator"])
@pytest.mark.usefixtures("no_ca_bundle_override")
def test_real_msal_client_credentials_flow_over_tls(bc_emulator_factory: Factory, discovery: object) -> None:
    emu = bc_emulator_factory(tls=True)
    assert emu.url.startswith("https://") and "BEGIN CERTIFICATE" in (emu.ca_pem or "")
    instance_discovery = f"{emu.url}/common/discovery/instance" if discovery == "emulator" else discovery
    app = msal.ConfidentialClientApplication(
        emu.client_id,
        client_credential=emu.client_secret,
        authority=emu.authority_url,
        verify=str(emu.ca_file),
        instance_discovery=instance_discovery,
    )
    result = app.acquire_token_for_client(scopes=[BC_SCOPE])
    assert "access_token" in result, result
    again = app.acquire_token_for_client(scopes=[BC_SCOPE])
    assert again["access_token"] == result["access_token"]  # msal's cache, as the real client relies on
    response = httpx.get(
        f"{emu.api_base_url}/companies",
        headers={"Authorization": f"Bearer {result['access_token']}"},
        verify=str(emu.ca_file),
    )
    assert response.status_code == 200
    assert response.json()["value"][0]["name"] == "CRONUS USA, Inc."


@pytest.mark.usefixtures("no_ca_bundle_override")
def test_msal_reports_a_wrong_secret(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    app = msal.ConfidentialClientApplication(
        emu.client_id,
        client_credential="wrong-secret",
        authority=emu.authority_url,
        verify=str(emu.ca_file),
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[BC_SCOPE])
    assert result.get("error") == "invalid_client"


def test_tls_is_verified_not_bypassed(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    auth = "Basic " + base64.b64encode(f"{emu.basic_username}:{emu.basic_access_key}".encode()).decode()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{emu.onprem_api_base_url}/companies", headers={"Authorization": auth})
    trusted = httpx.get(
        f"{emu.onprem_api_base_url}/companies", headers={"Authorization": auth}, verify=str(emu.ca_file)
    )
    assert trusted.status_code == 200
