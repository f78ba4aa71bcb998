"""Webhook subscription upkeep, run at the start of each sync when `webhook_notification_url` is set.

Business Central deletes a subscription 3 days after its creation or last renewal. With syncs every 15–30
minutes, renewing whatever expires within 48 hours means a subscription is renewed about once a day and can
never lapse, even across a day of failed syncs.

Ours are the subscriptions whose `clientState` is our secret, for this company's vendors, accounts and dimensions
(dimension values have no webhooks in BC: they are polled). Anything else — other connections, other companies,
other applications — is left alone. BC allows 200 subscriptions per environment: none is created past that.

Upkeep never fails a sync: polling stays the primary flow, webhooks only make it faster.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from bc_client import BCError, BusinessCentralClient, NotFoundError, Subscription, WriteOutcomeUnknownError
from bc_client.jsonio import loads

logger = logging.getLogger("airbyte")

WEBHOOK_ENTITY_SETS: tuple[str, ...] = ("vendors", "accounts", "dimensions")
RENEW_WITHIN = timedelta(hours=48)
MAX_SUBSCRIPTIONS = 200  # BC online, per environment
HANDSHAKE_TIMEOUT_SECONDS = 60.0


def normalise_resource(resource: str | None) -> str:
    """`/api/v2.0/companies(ABC)/vendors` and `api/v2.0/companies(abc)/vendors` are the same resource."""
    return (resource or "").strip().lstrip("/").rstrip("/").casefold()


def _is_ours(subscription: Subscription, client_state: str) -> bool:
    theirs = subscription.client_state or ""
    return hmac.compare_digest(theirs.encode(), client_state.encode())


@dataclass(frozen=True)
class Step:
    action: Literal["keep", "renew", "create", "delete"]
    entity_set: str | None
    resource: str | None
    subscription: Subscription | None = None
    reason: str = ""


@dataclass
class UpkeepPlan:
    steps: list[Step] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # entity sets not subscribed because of the limit

    def of(self, action: str) -> list[Step]:
        return [step for step in self.steps if step.action == action]


def plan_upkeep(
    existing: Sequence[Subscription],
    *,
    wanted: Mapping[str, str],
    notification_url: str,
    client_state: str,
    now: datetime,
    renew_within: timedelta = RENEW_WITHIN,
    limit: int = MAX_SUBSCRIPTIONS,
) -> UpkeepPlan:
    """What to do, given BC's subscriptions. `wanted` maps entity set -> resource path. Pure: no I/O."""
    plan = UpkeepPlan()
    wanted_by_resource = {normalise_resource(resource): entity_set for entity_set, resource in wanted.items()}
    ours: dict[str, list[Subscription]] = {entity_set: [] for entity_set in wanted}
    for subscription in existing:
        entity_set = wanted_by_resource.get(normalise_resource(subscription.resource))
        if entity_set is not None and _is_ours(subscription, client_state):
            ours[entity_set].append(subscription)

    count = len(existing)
    for entity_set, resource in wanted.items():
        candidates = ours[entity_set]
        current = [s for s in candidates if (s.notification_url or "").strip() == notification_url]
        for stale in (s for s in candidates if s not in current):
            # Ours, but for a notification URL the config no longer names.
            plan.steps.append(Step("delete", entity_set, resource, stale, "notification URL changed"))
            count -= 1
        current.sort(key=lambda s: s.expiration_date_time or datetime.min.replace(tzinfo=UTC), reverse=True)
        for duplicate in current[1:]:
            plan.steps.append(Step("delete", entity_set, resource, duplicate, "duplicate subscription"))
            count -= 1
        if current:
            keeper = current[0]
            expires = keeper.expiration_date_time
            if expires is None or expires - now <= renew_within:
                plan.steps.append(Step("renew", entity_set, resource, keeper, "expires within 48 hours"))
            else:
                plan.steps.append(Step("keep", entity_set, resource, keeper))
            continue
        if count >= limit:
            plan.refused.append(entity_set)
            continue
        plan.steps.append(Step("create", entity_set, resource))
        count += 1
    return plan


def server_time(response: httpx.Response) -> datetime | None:
    """The `Date` header of a response as an aware UTC datetime, when present and readable."""
    header = response.headers.get("Date")
    if not header:
        return None
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _expiry_text(subscription: Subscription | None) -> str:
    expires = subscription.expiration_date_time if subscription else None
    return expires.astimezone(UTC).isoformat().replace("+00:00", "Z") if expires else "unknown"


@dataclass
class UpkeepReport:
    """What happened, per entity set, for the log and for tests."""

    expiries: dict[str, datetime | None] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    deleted: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


class SubscriptionUpkeep:
    def __init__(
        self,
        bc: BusinessCentralClient,
        *,
        notification_url: str,
        client_state: str,
        entity_sets: Iterable[str] = WEBHOOK_ENTITY_SETS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.bc = bc
        self.notification_url = notification_url
        self._client_state = client_state
        self.entity_sets = tuple(entity_sets)
        self._clock = clock

    def run(self) -> UpkeepReport:
        report = UpkeepReport()
        try:
            wanted = {entity_set: self.bc.subscriptions.resource_for(entity_set) for entity_set in self.entity_sets}
            existing, server_now = self._list()
        except BCError as error:
            logger.warning("Webhook upkeep skipped: could not list Business Central subscriptions (%s)", error.message)
            report.failed["*"] = error.message
            return report
        now = self._clock() if self._clock else server_now or datetime.now(UTC)
        plan = plan_upkeep(
            existing,
            wanted=wanted,
            notification_url=self.notification_url,
            client_state=self._client_state,
            now=now,
        )
        for step in plan.steps:
            self._apply(step, report)
        for entity_set in plan.refused:
            report.refused.append(entity_set)
            logger.warning(
                "Webhook subscription for %s not created: the environment already has %d subscriptions, Business "
                "Central's limit is %d. Changes to %s still arrive by polling.",
                entity_set,
                len(existing),
                MAX_SUBSCRIPTIONS,
                entity_set,
            )
        return report

    def _list(self) -> tuple[list[Subscription], datetime | None]:
        """Every subscription BC shows us, and BC's own clock (its `Date` header) to judge expiry by.

        Expiry is BC's decision on BC's clock; reading "now" from the same server keeps a skewed local clock
        from renewing too late."""
        subscriptions: list[Subscription] = []
        server_now: datetime | None = None
        next_path: str | None = "/subscriptions"
        while next_path:
            response = self.bc.request("GET", next_path)
            server_now = server_time(response) or server_now
            payload = loads(response.content) if response.content else {}
            subscriptions.extend(Subscription.model_validate(item) for item in payload.get("value") or [])
            next_path = payload.get("@odata.nextLink")
        return subscriptions, server_now

    def _apply(self, step: Step, report: UpkeepReport) -> None:
        entity_set = step.entity_set or "?"
        subscriptions = self.bc.subscriptions
        try:
            if step.action == "delete":
                assert step.subscription is not None
                subscriptions.delete(step.subscription)
                report.deleted += 1
                logger.info("Webhook subscription for %s deleted (%s)", entity_set, step.reason)
                return
            if step.action == "keep":
                report.expiries[entity_set] = step.subscription.expiration_date_time if step.subscription else None
                logger.info(
                    "Webhook subscription for %s is valid until %s", entity_set, _expiry_text(step.subscription)
                )
                return
            if step.action == "renew":
                assert step.subscription is not None
                try:
                    renewed = subscriptions.renew(step.subscription, timeout=HANDSHAKE_TIMEOUT_SECONDS)
                except NotFoundError:
                    # Expired or deleted between the listing and now: subscribe again.
                    self._create(entity_set, step, report)
                    return
                report.renewed.append(entity_set)
                report.expiries[entity_set] = renewed.expiration_date_time
                logger.info(
                    "Webhook subscription for %s renewed; it now expires %s (was %s)",
                    entity_set,
                    _expiry_text(renewed),
                    _expiry_text(step.subscription),
                )
                return
            self._create(entity_set, step, report)
        except WriteOutcomeUnknownError as error:
            report.failed[entity_set] = error.message
            logger.warning(
                "Webhook subscription for %s: Business Central did not answer in time (%s); the next sync will see "
                "whether it exists",
                entity_set,
                error.cause,
            )
        except BCError as error:
            report.failed[entity_set] = error.message
            hint = (
                " Business Central validates the notification URL on creation and renewal: the webhook receiver "
                "must be running and reachable from Business Central and echo the validationToken."
                if step.action in ("create", "renew")
                else ""
            )
            logger.warning(
                "Webhook subscription for %s: %s failed (%s).%s", entity_set, step.action, error.message, hint
            )

    def _create(self, entity_set: str, step: Step, report: UpkeepReport) -> None:
        assert step.resource is not None
        created = self.bc.subscriptions.create(
            notification_url=self.notification_url,
            resource=step.resource,
            client_state=self._client_state,
            timeout=HANDSHAKE_TIMEOUT_SECONDS,
        )
        report.created.append(entity_set)
        report.expiries[entity_set] = created.expiration_date_time
        logger.info("Webhook subscription for %s created; it expires %s", entity_set, _expiry_text(created))
