"""Webhook subscriptions (API root, not company-scoped): list, create, renew, delete.

BC validates a subscription by calling `notificationUrl?validationToken=...` and expecting the token echoed with
200, on creation and on every renewal, so both calls can take as long as the subscriber does to answer.
Subscriptions expire after 3 days; renewal is a PATCH with `If-Match` and the same body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bc_client.models import Subscription
from bc_client.odata import key_segment

if TYPE_CHECKING:
    from bc_client.client import BusinessCentralClient

# API v2.0 entity sets BC can notify about (not dimensionValues, not journalLines: line changes notify the header).
WEBHOOK_SUPPORTED_ENTITY_SETS = frozenset(
    {
        "accounts",
        "companyInformation",
        "countriesRegions",
        "currencies",
        "customerPaymentJournals",
        "customers",
        "dimensions",
        "employees",
        "generalLedgerEntries",
        "itemCategories",
        "items",
        "journals",
        "paymentMethods",
        "paymentTerms",
        "purchaseInvoices",
        "salesCreditMemos",
        "salesInvoices",
        "salesOrders",
        "salesQuotes",
        "shipmentMethods",
        "unitsOfMeasure",
        "vendors",
    }
)


class Subscriptions:
    def __init__(self, client: BusinessCentralClient) -> None:
        self._client = client

    def resource_for(self, entity_set: str) -> str:
        """The `resource` value for a company entity set: `/api/v2.0/companies(<id>)/vendors`."""
        if entity_set not in WEBHOOK_SUPPORTED_ENTITY_SETS:
            raise ValueError(
                f"Business Central offers no webhooks for {entity_set!r} (supported: "
                + ", ".join(sorted(WEBHOOK_SUPPORTED_ENTITY_SETS))
                + "); poll it with a lastModifiedDateTime filter instead"
            )
        return f"/api/v2.0/companies({self._client.company_id})/{entity_set}"

    def list(self) -> list[Subscription]:
        return list(self._client.iter_entities("/subscriptions", model=Subscription))

    def get(self, subscription_id: str) -> Subscription:
        return self._client.get(
            "/" + key_segment("subscriptions", subscription_id, string_key=True), model=Subscription
        )

    def create(
        self,
        *,
        notification_url: str,
        resource: str,
        client_state: str | None = None,
        timeout: float | None = None,
    ) -> Subscription:
        """Subscribe `notification_url` to `resource` (see `resource_for`). `client_state` (≤ 2048 chars) comes
        back in every notification: use it to recognise your own subscriptions and to authenticate BC."""
        if client_state is not None and len(client_state) > 2048:
            raise ValueError("client_state is limited to 2048 characters by Business Central")
        body = {"notificationUrl": notification_url, "resource": resource}
        if client_state is not None:
            body["clientState"] = client_state
        return self._client.create("/subscriptions", body, model=Subscription, timeout=timeout)

    def renew(self, subscription: Subscription, *, timeout: float | None = None) -> Subscription:
        """Extend a subscription by another 3 days: PATCH with the same body and `If-Match` (its etag, else *)."""
        if not subscription.subscription_id:
            raise ValueError("renew() needs a subscription with its subscriptionId")
        body = {"notificationUrl": subscription.notification_url, "resource": subscription.resource}
        if subscription.client_state is not None:
            body["clientState"] = subscription.client_state
        return self._client.update(
            "/" + key_segment("subscriptions", subscription.subscription_id, string_key=True),
            body,
            subscription.etag or "*",
            model=Subscription,
            timeout=timeout,
        )

    def delete(self, subscription: Subscription | str) -> None:
        if isinstance(subscription, Subscription):
            subscription_id, etag = subscription.subscription_id, subscription.etag or "*"
        else:
            subscription_id, etag = subscription, "*"
        if not subscription_id:
            raise ValueError("delete() needs a subscriptionId")
        self._client.delete("/" + key_segment("subscriptions", subscription_id, string_key=True), etag)
