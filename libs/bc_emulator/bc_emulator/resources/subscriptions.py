"""Webhook subscriptions at the API root: handshake on create and renewal, 3-day expiry, a cap on count."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from bc_emulator import entities, errors
from bc_emulator.clock import format_datetime, parse_datetime
from bc_emulator.resources.base import EntitySet, RequestContext, Scope
from bc_emulator.store import Transaction

# API v2.0 entity sets that BC supports for webhooks and that this emulator serves (BC also lists customers,
# items, ... which the emulator does not have). NOT dimensionValues, NOT journalLines: line changes notify
# the header instead.
WEBHOOK_RESOURCES = frozenset(
    {"vendors", "accounts", "dimensions", "journals", "purchaseInvoices", "generalLedgerEntries"}
)
_RESOURCE = re.compile(r"^/?api/v2\.0/companies\(([0-9a-fA-F-]{36})\)/([A-Za-z]+)/?$")


class Subscriptions(EntitySet):
    name = "subscriptions"
    schema = entities.SUBSCRIPTION
    methods = frozenset({"GET", "POST", "PATCH", "DELETE"})

    def candidates(self, ctx: RequestContext, scope: Scope, equalities: list[tuple[str, Any]]) -> Iterable[dict]:
        now = ctx.store.clock.now()
        return [s for s in ctx.store.subscriptions.values() if not is_expired(s, now)]

    def find(self, ctx: RequestContext, scope: Scope, key: str) -> dict[str, Any] | None:
        record = ctx.store.subscriptions.get(key)
        if record is None or is_expired(record, ctx.store.clock.now()):
            return None
        return record

    def key_text(self, key: str) -> str:
        return f"Subscription Id='{key}'"

    # Handshakes are network calls: the service runs prepare() before taking the store lock.

    def prepare(self, ctx: RequestContext, method: str, record: dict[str, Any] | None, body: Any) -> dict[str, Any]:
        if method == "POST":
            values = self.fields_from_body(body)
            for required in ("notificationUrl", "resource"):
                if not values.get(required):
                    raise errors.ApiError(
                        400, "BadRequest_RequiredParamNotProvided", f"Field '{required}' must not be blank or empty."
                    )
            company_id, entity_set = parse_resource(values["resource"])
            if ctx.store.company(company_id) is None:
                raise errors.ApiError(404, "Internal_CompanyNotFound", f"The company '{company_id}' does not exist.")
            if entity_set not in WEBHOOK_RESOURCES:
                raise errors.dialog(f"The resource '{entity_set}' does not support webhook subscriptions.")
            count = len(list(self.candidates(ctx, Scope(None), [])))
            if count >= ctx.settings.max_subscriptions:
                raise errors.dialog(
                    f"You have reached the maximum number of subscriptions ({ctx.settings.max_subscriptions})."
                )
            handshake(ctx, values["notificationUrl"])
            return values
        if method == "PATCH":
            assert record is not None
            values = self.fields_from_body(body)
            if "resource" in values and values["resource"] != record["resource"]:
                raise errors.dialog("The resource of a subscription can't be changed.")
            handshake(ctx, values.get("notificationUrl", record["notificationUrl"]))
            return values
        return {}

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        values = body  # already validated by prepare()
        now = txn.now()
        subscription_id = uuid.uuid4().hex
        record = {
            **self.schema.defaults(),
            **values,
            "id": subscription_id,
            "subscriptionId": subscription_id,
            "userId": ctx.user.id,
            "timestamp": 0,
            "expirationDateTime": format_datetime(now + timedelta(seconds=ctx.settings.subscription_lifetime_s)),
            "systemCreatedAt": format_datetime(now),
            "systemCreatedBy": ctx.user.id,
            "systemModifiedAt": format_datetime(now),
            "systemModifiedBy": ctx.user.id,
            "lastModifiedDateTime": "",
        }
        return txn.insert(None, "subscriptions", record)

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        now = txn.now()
        renewed = {
            **record,
            **body,
            "timestamp": record["timestamp"] + 1,
            "expirationDateTime": format_datetime(now + timedelta(seconds=ctx.settings.subscription_lifetime_s)),
            "systemModifiedAt": format_datetime(now),
            "systemModifiedBy": ctx.user.id,
        }
        return txn.update(None, "subscriptions", renewed)

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        txn.delete(None, "subscriptions", record["id"])


def is_expired(record: dict[str, Any], now: Any) -> bool:
    return parse_datetime(record["expirationDateTime"]) <= now


def parse_resource(resource: str) -> tuple[str, str]:
    """("<company id>", "<entity set>") from "/api/v2.0/companies(<id>)/vendors" (absolute URLs accepted)."""
    path = resource
    if "://" in resource:
        path = urlsplit(resource).path
    index = path.find("api/v2.0/")
    match = _RESOURCE.match(path[index:] if index >= 0 else path)
    if match is None:
        raise errors.dialog(
            f"The resource '{resource}' is not valid. Use a collection such as /api/v2.0/companies(<id>)/vendors."
        )
    return match.group(1).lower(), match.group(2)


def handshake(ctx: RequestContext, notification_url: str) -> None:
    """BC calls notificationUrl?validationToken=... and requires 200 with the token echoed in the body."""
    if not notification_url.lower().startswith(("http://", "https://")):
        raise errors.dialog(f"The notification URL '{notification_url}' is not a valid http(s) URL.")
    token = secrets.token_urlsafe(24)
    failure = "The subscription could not be validated: the notification URL did not echo the validation token."
    try:
        response = ctx.services.notifier.http.get(
            notification_url, params={"validationToken": token}, timeout=ctx.settings.handshake_timeout_s
        )
    except httpx.HTTPError as exc:
        raise errors.dialog(f"{failure} ({type(exc).__name__})") from exc
    if response.status_code != 200 or response.text.strip() != token:
        raise errors.dialog(f"{failure} (HTTP {response.status_code})")
