"""Subscription upkeep planning: ours by clientState, renew inside 48 h, never touch others', stay under 200."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bc_client import Subscription
from source_dynamics_nav.webhooks import normalise_resource, plan_upkeep

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
COMPANY = "8b2e4bb1-0000-4000-8000-00000000c0de"
URL = "https://hooks.example.com/bc"
STATE = "our-client-state-0123456789"
WANTED = {entity: f"/api/v2.0/companies({COMPANY})/{entity}" for entity in ("vendors", "accounts", "dimensions")}


def subscription(entity: str, *, expires_in: timedelta, state: str = STATE, url: str = URL, company: str = COMPANY,
                 sid: str | None = None) -> Subscription:  # fmt: skip
    return Subscription.model_validate(
        {
            "subscriptionId": sid or f"{entity}-{expires_in}-{state[:4]}-{url[-3:]}",
            "notificationUrl": url,
            # BC answers without the leading slash and with an upper-case GUID now and then
            "resource": f"api/v2.0/companies({company.upper()})/{entity}",
            "clientState": state,
            "expirationDateTime": (NOW + expires_in).isoformat(),
        }
    )


def plan(existing: list[Subscription], limit: int = 200):
    return plan_upkeep(existing, wanted=WANTED, notification_url=URL, client_state=STATE, now=NOW, limit=limit)


def test_nothing_there_creates_one_subscription_per_resource() -> None:
    result = plan([])
    assert sorted(step.entity_set for step in result.of("create")) == ["accounts", "dimensions", "vendors"]
    assert not result.of("renew") and not result.of("delete")


def test_renews_only_what_expires_within_48_hours() -> None:
    result = plan(
        [
            subscription("vendors", expires_in=timedelta(hours=47)),
            subscription("accounts", expires_in=timedelta(hours=49)),
            subscription("dimensions", expires_in=timedelta(days=3)),
        ]
    )
    assert [step.entity_set for step in result.of("renew")] == ["vendors"]
    assert sorted(step.entity_set for step in result.of("keep")) == ["accounts", "dimensions"]
    assert not result.of("create")


def test_other_client_states_and_other_companies_are_not_ours() -> None:
    foreign = [
        subscription("vendors", expires_in=timedelta(hours=1), state="someone-elses-state-xyz"),
        subscription("vendors", expires_in=timedelta(hours=1), company="11111111-2222-4333-8444-555555555555"),
    ]
    result = plan(foreign)
    touched = {id(step.subscription) for step in result.steps if step.subscription is not None}
    assert not touched & {id(s) for s in foreign}
    assert sorted(step.entity_set for step in result.of("create")) == ["accounts", "dimensions", "vendors"]


def test_duplicates_are_deleted_keeping_the_longest_lived() -> None:
    short = subscription("vendors", expires_in=timedelta(hours=5), sid="short")
    long = subscription("vendors", expires_in=timedelta(days=2, hours=20), sid="long")
    result = plan([short, long])
    assert [step.subscription.subscription_id for step in result.of("delete")] == ["short"]
    assert [step.subscription.subscription_id for step in result.of("keep") if step.entity_set == "vendors"] == ["long"]


def test_a_changed_notification_url_replaces_our_old_subscription() -> None:
    old = subscription("vendors", expires_in=timedelta(days=2, hours=12), url="https://old.example.com/bc")
    result = plan([old])
    assert [step.subscription for step in result.of("delete")] == [old]
    assert "vendors" in [step.entity_set for step in result.of("create")]


def test_never_creates_past_the_subscription_limit() -> None:
    others = [
        subscription("vendors", expires_in=timedelta(days=1), state=f"other-application-state-{i:03d}", sid=f"o{i}")
        for i in range(199)
    ]
    result = plan(others)
    assert len(result.of("create")) == 1
    assert len(result.refused) == 2


def test_resource_paths_compare_without_slashes_or_case() -> None:
    assert normalise_resource("/api/v2.0/companies(ABC)/vendors/") == normalise_resource(
        "api/v2.0/companies(abc)/vendors"
    )
