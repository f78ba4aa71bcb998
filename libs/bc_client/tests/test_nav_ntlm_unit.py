"""The NTLM flow's reading of a server's 401 (no network): which scheme it offers and its challenge token."""

from __future__ import annotations

import base64

import httpx

from bc_client.nav.ntlm import ConnectionBoundPool, challenge_token, offered_scheme


def _401(*values: str) -> httpx.Response:
    return httpx.Response(401, headers=[("WWW-Authenticate", value) for value in values])


def test_ntlm_is_preferred_to_negotiate_and_basic_alone_is_not_windows() -> None:
    assert offered_scheme(_401("Negotiate", "NTLM")) == "NTLM"  # http.sys with Windows credentials
    assert offered_scheme(_401("Negotiate")) == "Negotiate"
    assert offered_scheme(_401('Basic realm=""')) is None
    assert offered_scheme(_401('Basic realm="", NTLM')) == "NTLM"  # one header, comma-separated


def test_challenge_token_is_decoded_only_for_the_scheme_used() -> None:
    token = b"NTLMSSP\x00\x02\x00\x00\x00"
    response = _401("NTLM " + base64.b64encode(token).decode())
    assert challenge_token(response, "NTLM") == token
    assert challenge_token(response, "Negotiate") is None
    assert challenge_token(_401("NTLM not*base64"), "NTLM") is None


def test_connection_bound_pool_lends_each_client_to_one_request_at_a_time() -> None:
    made: list[httpx.Client] = []

    def factory() -> httpx.Client:
        client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, text="ok")))
        made.append(client)
        return client

    pool = ConnectionBoundPool(2, factory)
    assert pool.request("GET", "http://nav.test/").text == "ok"
    assert pool.request("GET", "http://nav.test/").text == "ok"
    assert len(made) == 1  # an idle client is reused before a new one is made
    pool.close()
    assert made[0].is_closed
