"""The connector specification: the shared Business Central block plus the webhook fields."""

from __future__ import annotations

from typing import Any

from bc_client.spec import CONNECTION_REQUIRED, connection_properties
from source_dynamics_nav.config import MAX_CLIENT_STATE_LENGTH, MIN_CLIENT_STATE_LENGTH

DOCUMENTATION_URL = "https://github.com/stampli-nav/connectors/blob/main/docs/connectors/source-dynamics-nav.md"


def connection_specification() -> dict[str, Any]:
    properties = connection_properties(order_start=0)
    properties["webhook_notification_url"] = {
        "type": "string",
        "title": "Webhook notification URL (optional)",
        "description": (
            "Public HTTPS URL of the webhook receiver (the webhook-receiver service). When set, "
            "each sync makes sure Business Central notifies it of vendor, G/L account and dimension changes, and "
            "renews those subscriptions before their 3-day expiry. Polling stays the primary flow."
        ),
        "examples": ["https://hooks.example.com/business-central"],
        "pattern": "^(https?://.*)?$",
        "order": 4,
    }
    properties["webhook_client_state"] = {
        "type": "string",
        "title": "Webhook client state (secret)",
        "description": (
            f"A random secret of {MIN_CLIENT_STATE_LENGTH} to {MAX_CLIENT_STATE_LENGTH} characters, required with "
            "the notification URL. Business Central returns it with every notification; the receiver rejects "
            "notifications without it and the connector recognises its own subscriptions by it."
        ),
        "airbyte_secret": True,
        "maxLength": MAX_CLIENT_STATE_LENGTH,
        "order": 5,
    }
    properties["purchase_order_scope"] = {
        "type": "string",
        "title": "Purchase orders to send",
        "description": (
            "open (default): only purchase orders that are not completely invoiced; all: every purchase order, "
            "drafts and completely invoiced ones too. Either way an order sent as open is sent once more as "
            "closed when NAV has invoiced it completely."
        ),
        "enum": ["open", "all"],
        "default": "open",
        "order": 6,
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Microsoft Dynamics NAV / Business Central (reference data)",
        "type": "object",
        "required": list(CONNECTION_REQUIRED),
        "additionalProperties": True,
        "properties": properties,
    }


def spec() -> dict[str, Any]:
    return {
        "documentationUrl": DOCUMENTATION_URL,
        "connectionSpecification": connection_specification(),
    }
