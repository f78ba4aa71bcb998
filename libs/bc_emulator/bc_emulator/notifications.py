"""Webhook delivery: coalesce committed changes per entity set, wait a short delay, POST them to subscribers.

Like BC: changes wait `notification_delay_s` after the first one (BC: 30 s) so rapid edits coalesce; more than
`notification_collection_threshold` changes in that window become one `collection` notification; line
changes notify their document header; a subscriber answering 408/429/5xx (or unreachable) is retried, any
other error status deletes its subscription.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from bc_emulator.clock import format_datetime, parse_datetime
from bc_emulator.resources.subscriptions import WEBHOOK_RESOURCES, is_expired, parse_resource
from bc_emulator.settings import EmulatorSettings
from bc_emulator.store import ChangeEvent, Store

log = logging.getLogger(__name__)

_LINE_TO_HEADER = {
    "journalLines": ("journals", "journalId"),
    "purchaseInvoiceLines": ("purchaseInvoices", "documentId"),
}
_COALESCE = {("created", "updated"): "created"}


@dataclass
class _Bucket:
    due: float  # monotonic time when the bucket is sent
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # entity id -> (changeType, modified)
    first_change: str = ""


@dataclass
class _Retry:
    due: float
    url: str
    payload: dict[str, Any]
    subscription_ids: list[str]
    attempt: int


@dataclass(frozen=True)
class Delivery:
    """One POST to a subscriber, kept for inspection by tests."""

    url: str
    payload: dict[str, Any]
    status: int | None  # None: the subscriber could not be reached
    attempt: int


class Notifier:
    def __init__(self, store: Store, settings: EmulatorSettings) -> None:
        self.store = store
        self.settings = settings
        self.deliveries: deque[Delivery] = deque(maxlen=1000)  # the latest, for tests and /_emulator
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._retries: list[_Retry] = []
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None  # created on first use: building an SSL context costs ~80 ms
        self._client_lock = threading.Lock()
        store.subscribe(self._on_events)

    @property
    def http(self) -> httpx.Client:
        """The outbound HTTP client for handshakes and notifications (verifies TLS; extra CA if configured)."""
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=self.settings.notification_timeout_s, verify=self.settings.notification_ca_file or True
                )
            return self._client

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="bc-emulator-notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def flush(self) -> None:
        """Send everything pending now (tests, and the admin endpoint, do not want to wait)."""
        with self._cond:
            for bucket in self._buckets.values():
                bucket.due = 0.0
            for retry in self._retries:
                retry.due = 0.0
        self._deliver_due()

    def clear(self) -> None:
        with self._cond:
            self._buckets.clear()
            self._retries.clear()
            self.deliveries.clear()

    # -- collecting changes -----------------------------------------------------------------------------

    def _on_events(self, events: list[ChangeEvent]) -> None:
        if not len(self.store.subscriptions):
            return  # BC only records changes for tables that have subscribers
        now = time.monotonic()
        with self._cond:
            for event in events:
                target = _notified_entity(event)
                if target is None:
                    continue
                entity_set, entity_id, change_type = target
                key = (event.company_id or "", entity_set)
                bucket = self._buckets.get(key)
                modified = format_datetime(event.at)
                if bucket is None:
                    bucket = self._buckets[key] = _Bucket(
                        now + self.settings.notification_delay_s, first_change=modified
                    )
                previous = bucket.changes.get(entity_id)
                if previous is not None:
                    change_type = _COALESCE.get((previous[0], change_type), change_type)
                bucket.changes[entity_id] = (change_type, modified)
            self._cond.notify_all()

    # -- delivering -------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                due = [b.due for b in self._buckets.values()] + [r.due for r in self._retries]
                wait = max(0.0, min(due) - time.monotonic()) if due else None
                if wait is None or wait > 0:
                    self._cond.wait(timeout=wait if wait is not None else 1.0)
                    continue
            try:
                self._deliver_due()
            except Exception:  # a delivery bug must not kill the thread; log and carry on
                log.exception("webhook delivery failed")

    def _deliver_due(self) -> None:
        now = time.monotonic()
        with self._cond:
            due_keys = [k for k, b in self._buckets.items() if b.due <= now]
            buckets = {k: self._buckets.pop(k) for k in due_keys}
            retries = [r for r in self._retries if r.due <= now]
            self._retries = [r for r in self._retries if r.due > now]
        posts: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        for (company_id, entity_set), bucket in buckets.items():
            for subscription in self._subscribers(company_id, entity_set):
                entries = self._entries(subscription, company_id, entity_set, bucket)
                value, ids = posts.setdefault(subscription["notificationUrl"], ([], []))
                value.extend(entries)
                ids.append(subscription["id"])
        for url, (value, ids) in posts.items():
            self._post(url, {"value": value}, ids, attempt=1)
        for retry in retries:
            self._post(retry.url, retry.payload, retry.subscription_ids, attempt=retry.attempt)

    def _subscribers(self, company_id: str, entity_set: str) -> list[dict[str, Any]]:
        now = self.store.clock.now()
        found = []
        expired = []
        with self.store.lock:
            for subscription in self.store.subscriptions.values():
                if is_expired(subscription, now):
                    expired.append(subscription["id"])
                    continue
                if parse_resource(subscription["resource"]) == (company_id, entity_set):
                    found.append(subscription)
        if expired:
            with self.store.transaction() as txn:
                for subscription_id in expired:
                    txn.delete(None, "subscriptions", subscription_id)
        return found

    def _entries(
        self, subscription: dict[str, Any], company_id: str, entity_set: str, bucket: _Bucket
    ) -> list[dict[str, Any]]:
        common = {
            "subscriptionId": subscription["subscriptionId"],
            "clientState": subscription["clientState"],
            "expirationDateTime": subscription["expirationDateTime"],
        }
        if len(bucket.changes) > self.settings.notification_collection_threshold:
            since = format_datetime(parse_datetime(bucket.first_change) - timedelta(milliseconds=1))
            latest = max(modified for _, modified in bucket.changes.values())
            resource = f"/api/v2.0/companies({company_id})/{entity_set}?$filter=lastModifiedDateTime%20gt%20{since}"
            return [{**common, "resource": resource, "changeType": "collection", "lastModifiedDateTime": latest}]
        return [
            {
                **common,
                "resource": f"api/v2.0/companies({company_id})/{entity_set}({entity_id})",
                "changeType": change_type,
                "lastModifiedDateTime": modified,
            }
            for entity_id, (change_type, modified) in bucket.changes.items()
        ]

    def _post(self, url: str, payload: dict[str, Any], subscription_ids: list[str], attempt: int) -> None:
        try:
            status: int | None = self.http.post(url, json=payload).status_code
        except httpx.HTTPError:
            status = None
        self.deliveries.append(Delivery(url, payload, status, attempt))
        if status is not None and 200 <= status < 300:
            return
        if status is None or status in (408, 429) or status >= 500:
            if attempt < self.settings.notification_max_attempts:
                backoff = max(self.settings.notification_delay_s, 0.05) * (2 ** (attempt - 1))
                with self._cond:
                    self._retries.append(
                        _Retry(time.monotonic() + backoff, url, payload, subscription_ids, attempt + 1)
                    )
                    self._cond.notify_all()
            return
        # Any other error status: BC gives up and deletes the subscription.
        with self.store.transaction() as txn:
            for subscription_id in subscription_ids:
                txn.delete(None, "subscriptions", subscription_id)


def _notified_entity(event: ChangeEvent) -> tuple[str, str, str] | None:
    if event.company_id is None:
        return None
    if event.table in WEBHOOK_RESOURCES:
        return event.table, event.record_id, event.change_type
    header = _LINE_TO_HEADER.get(event.table)
    if header is not None:
        entity_set, link = header
        return entity_set, event.record[link], "updated"
    return None
