"""Business Central's webhook payloads: the validation handshake and change notifications.

A notification POST looks like
    {"value": [{"subscriptionId": "...", "clientState": "...", "expirationDateTime": "...",
                "resource": "api/v2.0/companies(<id>)/vendors(<id>)", "changeType": "updated",
                "lastModifiedDateTime": "..."}]}
One POST may carry notifications of several subscriptions. It holds ids only, never entity data: the sync
re-reads. `changeType` is created, updated, deleted, or `collection` when more than 1,000 records changed in
BC's ~30 s window (its resource is then the collection URL with a lastModifiedDateTime filter).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

CHANGE_TYPES = frozenset({"created", "updated", "deleted", "collection"})


class MalformedPayloadError(ValueError):
    """The body is not a BC notification payload."""


@dataclass(frozen=True)
class Notification:
    subscription_id: str | None
    client_state: str | None
    resource: str | None
    change_type: str | None
    last_modified: str | None

    @property
    def entity_set(self) -> str | None:
        """`vendors` from `api/v2.0/companies(<id>)/vendors(<id>)` (or from a collection URL)."""
        if not self.resource:
            return None
        path = self.resource.split("?", 1)[0].rstrip("/")
        last = path.rsplit("/", 1)[-1]
        return last.split("(", 1)[0] or None


def parse_notifications(body: bytes) -> list[Notification]:
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedPayloadError(f"not JSON ({exc})") from None
    items = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise MalformedPayloadError("no 'value' array")
    notifications = []
    for item in items:
        if not isinstance(item, dict):
            continue

        def text(name: str, item: dict[str, Any] = item) -> str | None:
            value = item.get(name)
            return value if isinstance(value, str) else None

        notifications.append(
            Notification(
                subscription_id=text("subscriptionId"),
                client_state=text("clientState"),
                resource=text("resource"),
                change_type=(text("changeType") or "").lower() or None,
                last_modified=text("lastModifiedDateTime"),
            )
        )
    return notifications


def authentic(notifications: Iterable[Notification], client_state: str) -> tuple[list[Notification], int]:
    """The notifications carrying our clientState (compared in constant time), and how many did not."""
    expected = client_state.encode()
    accepted: list[Notification] = []
    rejected = 0
    for notification in notifications:
        presented = (notification.client_state or "").encode()
        if hmac.compare_digest(presented, expected):
            accepted.append(notification)
        else:
            rejected += 1
    return accepted, rejected
