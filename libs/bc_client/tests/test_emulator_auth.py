"""Authentication end to end against the emulator over real HTTP: MSAL (HTTPS + private CA), basic, OAuth2."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bc_client import (
    AuthenticationError,
    BusinessCentralClient,
    ConfigurationError,
    TLSVerificationError,
)
from bc_emulator import EmulatorServer

from ._configs import FAST_RETRIES, basic_config, cloud_config, oauth2_config

Factory = Callable[..., EmulatorServer]


def test_msal_client_credentials_over_https_with_the_configured_ca(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    with BusinessCentralClient(cloud_config(emu)) as bc:
        assert str(bc.company.id) == emu.company_id
        assert len(bc.list_entities("vendors")) > 0
        usage = bc.usage.snapshot()
    assert usage["token_requests"] == 1  # cached by MSAL across requests
    assert usage["http_requests"] == 2 and usage["auth_retries"] == 0


def test_msal_refreshes_a_token_before_it_expires(bc_emulator_factory: Factory) -> None:
    # MSAL treats a token as expired 5 minutes early: a 301 s token is due for refresh after 1 s.
    emu = bc_emulator_factory(tls=True, token_lifetime_s=301)
    with BusinessCentralClient(cloud_config(emu)) as bc:
        _ = bc.company
        time.sleep(1.2)
        bc.get("vendors", params={"$top": "1"})
        usage = bc.usage.snapshot()
    assert usage["token_requests"] == 2
    assert usage["auth_retries"] == 0  # refreshed before BC could reject it


def test_rejected_token_is_replaced_once(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    with BusinessCentralClient(cloud_config(emu)) as bc:
        _ = bc.company
        emu.expire_tokens()
        assert bc.list_entities("vendors")
        usage = bc.usage.snapshot()
    assert usage["auth_retries"] == 1 and usage["token_requests"] == 2


def test_wrong_client_secret_is_an_authentication_error_without_the_secret(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    config = cloud_config(emu, deployment={"client_secret": "definitely-wrong-secret"})
    with BusinessCentralClient(config) as bc, pytest.raises(AuthenticationError) as excinfo:
        _ = bc.company
    message = str(excinfo.value)
    assert "client_secret" in message and "invalid_client" in message
    assert "definitely-wrong-secret" not in message


def test_wrong_tenant_is_a_configuration_error(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    config = cloud_config(emu, deployment={"tenant_id": "00000000-0000-0000-0000-000000000000"})
    with BusinessCentralClient(config) as bc, pytest.raises(ConfigurationError, match="tenant_id"):
        _ = bc.company


def test_untrusted_server_certificate_names_the_ca_setting(bc_emulator_factory: Factory) -> None:
    # A certificate that does not verify is a configuration problem: named, never retried.
    emu = bc_emulator_factory(tls=True)
    config = cloud_config(emu, ca_certificate=None)
    with BusinessCentralClient(config) as bc, pytest.raises(TLSVerificationError, match="ca_certificate"):
        _ = bc.company
    onprem = basic_config(emu, ca_certificate=None)
    with BusinessCentralClient(onprem, retry_policy=FAST_RETRIES) as bc:
        with pytest.raises(TLSVerificationError, match="ca_certificate"):
            _ = bc.company
        assert bc.usage.snapshot()["retries"] == 0


def test_basic_auth_on_premises(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator)) as bc:
        assert bc.company.name == bc_emulator.company_name
        assert bc.usage.snapshot()["token_requests"] == 0


def test_wrong_access_key_says_which_setting_and_is_not_retried(bc_emulator: EmulatorServer) -> None:
    config = basic_config(bc_emulator, auth={"web_service_access_key": "not-the-key-0000"})
    with BusinessCentralClient(config) as bc:
        with pytest.raises(AuthenticationError) as excinfo:
            _ = bc.company
        assert bc.usage.snapshot()["http_requests"] == 1
    assert "web_service_access_key" in str(excinfo.value)
    assert excinfo.value.code == "Authentication_InvalidCredentials"
    assert "not-the-key-0000" not in str(excinfo.value)


def test_oauth2_on_premises_caches_refreshes_and_replaces_tokens(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True, token_lifetime_s=2)
    with BusinessCentralClient(oauth2_config(emu)) as bc:
        _ = bc.company
        bc.get("vendors", params={"$top": "1"})
        assert bc.usage.snapshot()["token_requests"] == 1  # cached
        time.sleep(1.1)  # past half-life: refreshed before expiry
        bc.get("vendors", params={"$top": "1"})
        assert bc.usage.snapshot()["token_requests"] == 2
        emu.expire_tokens()
        bc.get("vendors", params={"$top": "1"})
        usage = bc.usage.snapshot()
    assert usage["token_requests"] == 3 and usage["auth_retries"] == 1


def test_oauth2_wrong_secret(bc_emulator: EmulatorServer) -> None:
    config = oauth2_config(bc_emulator, auth={"client_secret": "bad-secret-value"})
    with BusinessCentralClient(config) as bc, pytest.raises(AuthenticationError) as excinfo:
        _ = bc.company
    assert "invalid_client" in str(excinfo.value) and "bad-secret-value" not in str(excinfo.value)
