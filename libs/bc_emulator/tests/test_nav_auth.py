"""NAV 2018 mode authentication: NavUserPassword as basic, Windows as connection-bound NTLM (verified NTLMv2, driven
by pyspnego's real NTLM initiator over one keep-alive httpx connection), the schemes a server offers, and that no
password, key or NTLM hash shows in any answer or log."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import httpx
import pytest
import spnego

from bc_emulator import EmulatorServer
from bc_emulator.testing import NtlmTestAuth, error_of, nav_company_url

Factory = Callable[..., EmulatorServer]


def _vendor_url(emu: EmulatorServer) -> str:
    return nav_company_url(emu) + "/Vendor_Card('V10000')"


def _handshake(client: httpx.Client, url: str, username: str, password: str) -> httpx.Response:
    """Drive NTLM by hand on `client`'s connection: NEGOTIATE -> CHALLENGE -> AUTHENTICATE."""
    context = spnego.client(username, password, protocol="ntlm")
    first = client.get(url, headers={"Authorization": "NTLM " + base64.b64encode(context.step()).decode()})
    assert first.status_code == 401
    challenge = first.headers["www-authenticate"]
    assert challenge.startswith("NTLM ") and len(challenge) > 20
    token = context.step(base64.b64decode(challenge.split(" ", 1)[1]))
    return client.get(url, headers={"Authorization": "NTLM " + base64.b64encode(token).decode()})


def test_basic_auth_with_the_web_service_access_key(nav_emulator: EmulatorServer) -> None:
    url = _vendor_url(nav_emulator)
    ok = httpx.get(url, auth=(nav_emulator.basic_username, nav_emulator.basic_access_key))
    assert ok.status_code == 200 and ok.json()["No"] == "V10000"
    wrong = httpx.get(url, auth=(nav_emulator.basic_username, "wrong-key"))
    assert error_of(wrong)[:2] == (401, "Authentication_InvalidCredentials")
    assert wrong.headers.get_list("www-authenticate") == ["NTLM", 'Basic realm=""']


def test_no_credentials_offers_the_accepted_schemes(bc_emulator_factory: Factory) -> None:
    for nav_auth, offered in (("basic", ['Basic realm=""']), ("ntlm", ["NTLM"]), ("both", ["NTLM", 'Basic realm=""'])):
        emu = bc_emulator_factory(bc_version="nav2018", nav_auth=nav_auth)
        response = httpx.get(emu.odata_v4_url + "/")
        assert response.status_code == 401
        assert response.headers.get_list("www-authenticate") == offered


def test_ntlm_handshake_on_one_connection_authenticates_it(nav_emulator: EmulatorServer) -> None:
    url = _vendor_url(nav_emulator)
    with httpx.Client() as client:
        unauthenticated = client.get(url)
        assert unauthenticated.status_code == 401 and "NTLM" in unauthenticated.headers.get_list("www-authenticate")
        done = _handshake(client, url, nav_emulator.ntlm_username, nav_emulator.ntlm_password)
        assert done.status_code == 200 and done.json()["No"] == "V10000"
        # the connection stays authenticated (connection-based NTLM)
        assert client.get(nav_company_url(nav_emulator) + "/Dimensions").status_code == 200
    with httpx.Client() as other:
        assert other.get(url).status_code == 401  # a new connection starts unauthenticated


def test_ntlm_user_names_are_case_insensitive_and_the_auth_flow_helper_works(nav_emulator: EmulatorServer) -> None:
    auth = NtlmTestAuth("cronus\\STAMPLI", nav_emulator.ntlm_password)
    with httpx.Client(auth=auth) as client:
        created = client.post(
            nav_company_url(nav_emulator) + "/Journal_Batches", json={"Journal_Template_Name": "GENERAL", "Name": "N1"}
        )
        assert created.status_code == 201, created.text


def test_ntlm_wrong_password_unknown_user_and_stray_authenticate_are_refused(nav_emulator: EmulatorServer) -> None:
    url = _vendor_url(nav_emulator)
    with httpx.Client() as client:
        wrong = _handshake(client, url, nav_emulator.ntlm_username, "not-the-password")
        assert error_of(wrong)[:2] == (401, "Authentication_InvalidCredentials")
        assert client.get(url).status_code == 401
    with httpx.Client() as client:
        assert _handshake(client, url, "CRONUS\\nobody", nav_emulator.ntlm_password).status_code == 401
    # an AUTHENTICATE computed for a challenge sent on another connection is refused
    context = spnego.client(nav_emulator.ntlm_username, nav_emulator.ntlm_password, protocol="ntlm")
    with httpx.Client() as first:
        answer = first.get(url, headers={"Authorization": "NTLM " + base64.b64encode(context.step()).decode()})
        token = context.step(base64.b64decode(answer.headers["www-authenticate"].split(" ", 1)[1]))
    with httpx.Client() as second:
        stray = second.get(url, headers={"Authorization": "NTLM " + base64.b64encode(token).decode()})
        assert stray.status_code == 401
    garbage = httpx.get(url, headers={"Authorization": "NTLM bm90IG50bG0="})
    assert garbage.status_code == 401


def test_each_server_accepts_only_its_credential_type(bc_emulator_factory: Factory) -> None:
    basic_only = bc_emulator_factory(bc_version="nav2018", nav_auth="basic")
    with httpx.Client() as client:
        response = client.get(_vendor_url(basic_only), headers={"Authorization": "NTLM " + base64.b64encode(
            spnego.client(basic_only.ntlm_username, basic_only.ntlm_password, protocol="ntlm").step()
        ).decode()})  # fmt: skip
        assert response.status_code == 401 and response.headers.get_list("www-authenticate") == ['Basic realm=""']
    ntlm_only = bc_emulator_factory(bc_version="nav2018", nav_auth="ntlm")
    basic = httpx.get(_vendor_url(ntlm_only), auth=(ntlm_only.basic_username, ntlm_only.basic_access_key))
    assert basic.status_code == 401
    with httpx.Client(auth=NtlmTestAuth(ntlm_only.ntlm_username, ntlm_only.ntlm_password)) as client:
        assert client.get(_vendor_url(ntlm_only)).status_code == 200


def test_no_secret_in_answers_or_logs(nav_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    from spnego._ntlm_raw.crypto import ntowfv1

    password = nav_emulator.ntlm_password
    nt_hash = ntowfv1(password)
    secrets = [password, nt_hash.hex(), base64.b64encode(nt_hash).decode(), nav_emulator.basic_access_key]
    seen: list[str] = []
    with httpx.Client() as client:
        for response in (
            _handshake(client, _vendor_url(nav_emulator), nav_emulator.ntlm_username, "wrong"),
            _handshake(client, _vendor_url(nav_emulator), nav_emulator.ntlm_username, password),
            client.get(_vendor_url(nav_emulator), auth=(nav_emulator.basic_username, "bad")),
        ):
            seen.append(response.text)
            seen.extend(f"{k}: {v}" for k, v in response.headers.multi_items())
    info = httpx.get(f"{nav_emulator.url}/_emulator/info").text
    for secret in secrets:
        assert all(secret.lower() not in text.lower() for text in seen)
        assert secret.lower() not in info.lower()
        assert secret.lower() not in caplog.text.lower()


def test_a_tampered_authenticate_message_fails_its_mic(nav_emulator: EmulatorServer) -> None:
    url = _vendor_url(nav_emulator)
    context = spnego.client(nav_emulator.ntlm_username, nav_emulator.ntlm_password, protocol="ntlm")
    with httpx.Client() as client:
        answer = client.get(url, headers={"Authorization": "NTLM " + base64.b64encode(context.step()).decode()})
        token = bytearray(context.step(base64.b64decode(answer.headers["www-authenticate"].split(" ", 1)[1])))
        token[60] ^= 0x10  # a negotiate flag bit of the AUTHENTICATE message, covered by the MIC
        tampered = client.get(url, headers={"Authorization": "NTLM " + base64.b64encode(bytes(token)).decode()})
        assert tampered.status_code == 401
