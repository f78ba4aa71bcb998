"""Webhooks: handshake on create and renewal, 3-day expiry on the simulated clock, supported resources,
coalesced notifications, collection notifications, and what subscriber errors do."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from bc_emulator import EmulatorServer
from bc_emulator.clock import parse_datetime
from bc_emulator.testing import WebhookReceiver, error_of, onprem_client

Factory = Callable[..., EmulatorServer]


def subscribe(
    client: httpx.Client, emu: EmulatorServer, receiver: WebhookReceiver, entity_set: str = "vendors"
) -> httpx.Response:
    body = {
        "notificationUrl": receiver.url,
        "resource": f"/api/v2.0/companies({emu.company_id})/{entity_set}",
        "clientState": "shared-secret-123",
    }
    return client.post("subscriptions", json=body)


def test_create_requires_the_handshake(bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver) -> None:
    with onprem_client(bc_emulator) as client:
        created = subscribe(client, bc_emulator, webhook_receiver)
        assert created.status_code == 201, created.text
        subscription = created.json()
        assert len(webhook_receiver.handshakes) == 1 and webhook_receiver.handshakes[0]
        expires = parse_datetime(subscription["expirationDateTime"])
        assert expires - bc_emulator.clock.now() > timedelta(days=2, hours=23)
        listed = client.get("subscriptions").json()["value"]
        assert [s["subscriptionId"] for s in listed] == [subscription["subscriptionId"]]

        webhook_receiver.echo_token = False
        refused = subscribe(client, bc_emulator, webhook_receiver)
        assert error_of(refused)[1] == "Application_DialogException" and "validation token" in error_of(refused)[2]
        assert len(client.get("subscriptions").json()["value"]) == 1


@pytest.mark.parametrize("entity_set", ["dimensionValues", "journalLines"])
def test_resources_bc_does_not_support(
    bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver, entity_set: str
) -> None:
    with onprem_client(bc_emulator) as client:
        refused = subscribe(client, bc_emulator, webhook_receiver, entity_set)
    assert error_of(refused)[:2] == (400, "Application_DialogException")
    assert webhook_receiver.handshakes == []


def test_changes_are_coalesced_and_delivered(bc_emulator_factory: Factory, webhook_receiver: WebhookReceiver) -> None:
    bc_emulator = bc_emulator_factory(notification_delay_s=30)  # BC's window; flushed explicitly below
    with onprem_client(bc_emulator) as client:
        subscription = subscribe(client, bc_emulator, webhook_receiver).json()
        vendors = f"companies({bc_emulator.company_id})/vendors"
        vendor = client.post(vendors, json={"number": "W-1", "displayName": "Webhook"}).json()
        client.patch(f"{vendors}({vendor['id']})", json={"city": "Oslo"}, headers={"If-Match": "*"})
        client.patch(f"{vendors}({vendor['id']})", json={"city": "Bergen"}, headers={"If-Match": "*"})
        client.get(vendors)  # reads notify nobody
    bc_emulator.flush_notifications()  # as if the 30 s had passed
    payloads = webhook_receiver.wait_for(1)
    entries = webhook_receiver.entries()
    assert len(payloads) == 1 and len(entries) == 1
    entry = entries[0]
    assert entry["changeType"] == "created"  # created then updated inside the delay window
    assert entry["resource"] == f"api/v2.0/companies({bc_emulator.company_id})/vendors({vendor['id']})"
    assert entry["subscriptionId"] == subscription["subscriptionId"]
    assert entry["clientState"] == "shared-secret-123"
    assert entry["expirationDateTime"] == subscription["expirationDateTime"]


def test_many_changes_become_one_collection_notification(
    bc_emulator_factory: Factory, webhook_receiver: WebhookReceiver
) -> None:
    emu = bc_emulator_factory(notification_collection_threshold=3, notification_delay_s=30)
    with onprem_client(emu) as client:
        subscribe(client, emu, webhook_receiver)
        for number in range(5):
            client.post(f"companies({emu.company_id})/vendors", json={"number": f"C-{number}"})
        emu.flush_notifications()
        webhook_receiver.wait_for(1)
        entries = webhook_receiver.entries()
        assert [e["changeType"] for e in entries] == ["collection"]
        resource = entries[0]["resource"]
        assert resource.startswith(
            f"/api/v2.0/companies({emu.company_id})/vendors?$filter=lastModifiedDateTime%20gt%20"
        )
        since = resource.split("%20gt%20")[1]
        changed = client.get(
            f"companies({emu.company_id})/vendors", params={"$filter": f"lastModifiedDateTime gt {since}"}
        )
        assert {v["number"] for v in changed.json()["value"]} == {f"C-{n}" for n in range(5)}


def test_line_changes_notify_the_document_header(
    bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver
) -> None:
    company = f"companies({bc_emulator.company_id})"
    with onprem_client(bc_emulator) as client:
        invoice = client.post(f"{company}/purchaseInvoices", json={"vendorNumber": "V10000"}).json()
        subscribe(client, bc_emulator, webhook_receiver, "purchaseInvoices")
        client.post(
            f"{company}/purchaseInvoices({invoice['id']})/purchaseInvoiceLines",
            json={"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1, "unitCost": 3},
        )
    webhook_receiver.wait_for(1)
    entries = webhook_receiver.entries()
    assert [(e["changeType"], e["resource"].rsplit("(", 1)[1]) for e in entries] == [("updated", f"{invoice['id']})")]


def test_renewal_by_patch_repeats_the_handshake(bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver) -> None:
    with onprem_client(bc_emulator) as client:
        subscription = subscribe(client, bc_emulator, webhook_receiver).json()
        url = f"subscriptions('{subscription['subscriptionId']}')"
        bc_emulator.clock.advance(timedelta(days=2))
        assert error_of(client.patch(url, json={"clientState": "new"}))[:2] == (400, "BadRequest_InvalidToken")
        renewed = client.patch(url, json={"clientState": "new"}, headers={"If-Match": subscription["@odata.etag"]})
        assert renewed.status_code == 200, renewed.text
        assert len(webhook_receiver.handshakes) == 2
        assert renewed.json()["expirationDateTime"] > subscription["expirationDateTime"]
        webhook_receiver.handshake_status = 500
        failed = client.patch(url, json={}, headers={"If-Match": "*"})
        assert error_of(failed)[1] == "Application_DialogException"
        assert client.get(f"subscriptions({subscription['subscriptionId']})").status_code == 200


def test_subscriptions_expire_after_three_days(bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver) -> None:
    with onprem_client(bc_emulator) as client:
        subscribe(client, bc_emulator, webhook_receiver)
        bc_emulator.clock.advance(timedelta(days=3, seconds=1))
        assert client.get("subscriptions").json()["value"] == []
        client.post(f"companies({bc_emulator.company_id})/vendors", json={"number": "LATE-1"})
    bc_emulator.flush_notifications()
    assert webhook_receiver.notifications == []


def test_subscriber_errors_retry_or_delete(bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver) -> None:
    company = f"companies({bc_emulator.company_id})"
    with onprem_client(bc_emulator) as client:
        subscribe(client, bc_emulator, webhook_receiver)
        webhook_receiver.notification_status = 503
        client.post(f"{company}/vendors", json={"number": "R-1"})
        webhook_receiver.wait_for(1)
        webhook_receiver.notification_status = 202
        webhook_receiver.wait_for(2)  # retried after the 503
        assert len(client.get("subscriptions").json()["value"]) == 1

        webhook_receiver.notification_status = 410
        client.post(f"{company}/vendors", json={"number": "R-2"})
        webhook_receiver.wait_for(3)
        # Any other error status deletes the subscription (once the emulator has read the 410).
        deadline = time.monotonic() + 5
        while client.get("subscriptions").json()["value"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get("subscriptions").json()["value"] == []


def test_subscription_cap_and_delete(bc_emulator_factory: Factory, webhook_receiver: WebhookReceiver) -> None:
    emu = bc_emulator_factory(max_subscriptions=1)
    with onprem_client(emu) as client:
        first = subscribe(client, emu, webhook_receiver).json()
        assert "maximum number of subscriptions" in error_of(subscribe(client, emu, webhook_receiver))[2]
        url = f"subscriptions('{first['subscriptionId']}')"
        assert client.delete(url, headers={"If-Match": first["@odata.etag"]}).status_code == 204
        assert subscribe(client, emu, webhook_receiver).status_code == 201
