"""HTTP-level behaviour: keep-alive, Host-based links, malformed bodies, a stopped emulator really stops."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.testing import error_of, onprem_client

Factory = Callable[..., EmulatorServer]


def test_links_use_the_host_the_client_called(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=2)
    base = emu.onprem_api_base_url.replace("127.0.0.1", "localhost")
    with httpx.Client(auth=(emu.basic_username, emu.basic_access_key)) as client:
        body = client.get(f"{base}/companies({emu.company_id})/vendors").json()
    assert body["@odata.nextLink"].startswith(f"{base}/companies({emu.company_id})/vendors?")
    assert body["@odata.context"].startswith(f"{base}/$metadata#")


def test_malformed_json_and_unsupported_verbs(api: httpx.Client, company: str) -> None:
    broken = api.post(f"{company}/vendors", content=b"{not json", headers={"Content-Type": "application/json"})
    assert error_of(broken)[:2] == (400, "BadRequest")
    not_object = api.post(f"{company}/vendors", json=["a"])
    assert error_of(not_object)[0] == 400
    assert error_of(api.put(f"{company}/vendors", json={}))[:2] == (405, "BadRequest_MethodNotAllowed")
    assert api.get("").json()["value"][0]["name"] == "companies"  # the service document


def test_metadata_documents_list_the_entity_sets(bc_emulator: EmulatorServer, api: httpx.Client) -> None:
    v2 = api.get("$metadata")
    assert v2.status_code == 200 and v2.headers["Content-Type"].startswith("application/xml")
    assert '<EntitySet Name="purchaseInvoices"' in v2.text and '<Action Name="post"' in v2.text
    finance = api.get(f"{bc_emulator.url}/BC/api/microsoft/reportsFinance/beta/$metadata")
    assert '<EntitySet Name="vendorLedgerEntries"' in finance.text and "purchaseInvoices" not in finance.text


@pytest.mark.parametrize("tls", [False, True])
def test_a_stopped_emulator_drops_keep_alive_connections(bc_emulator_factory: Factory, tls: bool) -> None:
    emu = bc_emulator_factory(tls=tls)
    client = onprem_client(emu)
    assert client.get("companies").status_code == 200  # the connection stays open (keep-alive)
    emu.stop()
    with pytest.raises(httpx.TransportError):
        client.get("companies")
    client.close()


@pytest.mark.parametrize("tls", [False, True])
def test_accepted_connections_have_nagle_off(bc_emulator_factory: Factory, tls: bool) -> None:
    """TCP_NODELAY on the server side: otherwise a response waits for the client's delayed ACK (~40 ms)."""
    emu = bc_emulator_factory(tls=tls)
    with onprem_client(emu) as client:
        assert client.get("companies").status_code == 200  # keep-alive: the accepted socket stays open
        httpd = emu._httpd
        assert httpd is not None
        with httpd._connections_lock:
            accepted = list(httpd._connections)
        assert accepted
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted)


def test_unknown_routes(bc_emulator: EmulatorServer) -> None:
    with httpx.Client(auth=(bc_emulator.basic_username, bc_emulator.basic_access_key)) as client:
        other_instance = client.get(f"{bc_emulator.url}/NAV/api/v2.0/companies")
        assert error_of(other_instance)[:2] == (404, "BadRequest_NotFound")
        other_api = client.get(f"{bc_emulator.url}/BC/api/contoso/custom/v1.0/companies")
        assert error_of(other_api)[:2] == (404, "BadRequest_NotFound")
        only_ledger = client.get(
            f"{bc_emulator.url}/BC/api/microsoft/reportsFinance/beta/companies({bc_emulator.company_id})/vendors"
        )
        assert error_of(only_ledger)[:2] == (404, "BadRequest_NotFound")


def test_date_header_follows_the_simulated_clock(bc_emulator: EmulatorServer, api: httpx.Client) -> None:
    # Clients take BC's "now" from the Date header (webhook expiry is judged on BC's clock, not the caller's).
    bc_emulator.clock.set(datetime(2031, 5, 6, 7, 8, 9, 500_000, tzinfo=UTC))
    bc_emulator.clock.freeze()
    answered = api.get("companies")
    assert parsedate_to_datetime(answered.headers["Date"]) == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    bc_emulator.clock.freeze(False)
    bc_emulator.clock.advance(timedelta(days=3))
    expected = bc_emulator.clock.now()
    rejected = httpx.get(f"{bc_emulator.onprem_api_base_url}/companies")  # errors carry it too
    assert rejected.status_code == 401
    assert abs(parsedate_to_datetime(rejected.headers["Date"]) - expected) < timedelta(seconds=5)
