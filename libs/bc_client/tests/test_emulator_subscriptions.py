"""Webhook subscriptions at the API root: create (handshake), list, renew (PATCH + If-Match), delete."""

from __future__ import annotations

import pytest

from bc_client import ApplicationError, BusinessCentralClient
from bc_emulator import EmulatorServer
from bc_emulator.testing import WebhookReceiver

from ._configs import basic_config


def test_subscription_lifecycle(bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver) -> None:
    with BusinessCentralClient(basic_config(bc_emulator)) as bc:
        resource = bc.subscriptions.resource_for("vendors")
        assert resource == f"/api/v2.0/companies({bc_emulator.company_id})/vendors"
        created = bc.subscriptions.create(
            notification_url=webhook_receiver.url, resource=resource, client_state="stampli-nav:test"
        )
        assert created.subscription_id and created.expiration_date_time and created.etag
        assert len(webhook_receiver.handshakes) == 1  # BC validated the endpoint
        assert [s.subscription_id for s in bc.subscriptions.list()] == [created.subscription_id]

        bc_emulator.clock.advance(3600)
        renewed = bc.subscriptions.renew(created)
        assert renewed.expiration_date_time > created.expiration_date_time  # type: ignore[operator]
        assert len(webhook_receiver.handshakes) == 2  # renewal validates again
        assert renewed.client_state == "stampli-nav:test"

        bc.subscriptions.delete(renewed)
        assert bc.subscriptions.list() == []


def test_unsupported_resources_and_failed_handshakes(
    bc_emulator: EmulatorServer, webhook_receiver: WebhookReceiver
) -> None:
    with BusinessCentralClient(basic_config(bc_emulator)) as bc:
        with pytest.raises(ValueError, match="no webhooks for 'dimensionValues'"):
            bc.subscriptions.resource_for("dimensionValues")
        webhook_receiver.echo_token = False
        with pytest.raises(ApplicationError):
            bc.subscriptions.create(
                notification_url=webhook_receiver.url, resource=bc.subscriptions.resource_for("accounts")
            )
        assert bc.subscriptions.list() == []
        with pytest.raises(ValueError, match="2048"):
            bc.subscriptions.create(notification_url=webhook_receiver.url, resource="x", client_state="x" * 2049)
