"""SourceDynamicsNav: NAV / Business Central reference data (and read-only financial entries) as Airbyte streams."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    FailureType,
    Status,
)
from airbyte_cdk.models.airbyte_protocol_serializers import ConnectorSpecificationSerializer
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from bc_client import BCError, BusinessCentralClient, RetryPolicy
from bc_client.nav import NavPageClient, diagnose_nav
from source_dynamics_nav.config import ConfigError, SourceSettings, parse_config
from source_dynamics_nav.declarations import STREAMS, VENDORS
from source_dynamics_nav.enrichment import Enrichment
from source_dynamics_nav.nav_classic import NAV_MAPPINGS, NAV_ROLES, NAV_STREAM_NAMES
from source_dynamics_nav.nav_streams import NavEnrichment, NavPageStream
from source_dynamics_nav.purchase_documents import purchase_document_streams
from source_dynamics_nav.spec import spec
from source_dynamics_nav.streams import BusinessCentralStream
from source_dynamics_nav.webhooks import SubscriptionUpkeep

logger = logging.getLogger("airbyte")

# `check` answers a person waiting in a UI: a few quick attempts, not the patient retries of a sync.
# A refused connection is not transient for a check (wrong URL/port/firewall): reported at once.
CHECK_RETRY_POLICY = RetryPolicy(
    max_attempts=2, backoff_base=0.2, backoff_max=1.0, max_retry_after=5.0, retry_connect_errors=False
)

NAV_WEBHOOKS_IGNORED = (
    "webhook_notification_url is set, but classic NAV page web services (deployment_type nav_web_services) have no "
    "webhook subscriptions: changes are found by polling only. Clear webhook_notification_url and "
    "webhook_client_state."
)


class SourceDynamicsNav(AbstractSource):
    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        """`clock`: "now" for judging subscription expiry. Default: Business Central's own clock (the `Date`
        header of its answers); tests pass the emulator's simulated clock."""
        super().__init__()
        self._clock = clock
        self._settings: SourceSettings | None = None
        self._client: BusinessCentralClient | None = None
        self._enrichment: Enrichment | None = None
        self._nav_client: NavPageClient | None = None
        self._nav_enrichment: NavEnrichment | None = None

    # -- protocol -------------------------------------------------------------------------------------------
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecificationSerializer.load(spec())

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        succeeded, message = self.check_connection(logger, config)
        # The CDK would repr() the message; a person reads it, so it goes out as plain text.
        return AirbyteConnectionStatus(status=Status.SUCCEEDED if succeeded else Status.FAILED, message=message)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Token, API root, company and read permission, and (with webhooks) the subscriptions endpoint."""
        try:
            settings = parse_config(config)
        except ConfigError as error:
            return False, str(error)
        if settings.connection.is_nav_web_services:
            return self._check_nav(logger, settings)
        try:
            with BusinessCentralClient(settings.connection, timeout=30.0, retry_policy=CHECK_RETRY_POLICY) as bc:
                company = bc.company
                next(iter(bc.iter_pages(VENDORS.entity_set, select=["id"], top=1)), None)
                version = bc.bc_version or "(version not reported)"
                message = f"Connected to company {company.name!r} ({company.id}) on Business Central {version}"
                if settings.webhooks.enabled:
                    bc.subscriptions.list()
                    message += "; webhook subscriptions are readable"
        except BCError as error:
            return False, error.message
        logger.info(message)
        return True, message

    def _check_nav(self, logger: logging.Logger, settings: SourceSettings) -> tuple[bool, Any]:
        """Classic NAV: server, OData V4, authentication, company, and the five pages published and readable."""
        if settings.webhooks.enabled:
            return False, NAV_WEBHOOKS_IGNORED
        problems = diagnose_nav(settings.connection, roles=NAV_ROLES)
        if problems:
            return False, " ".join(problems)
        deployment = settings.connection.deployment
        message = (
            f"Connected to company {settings.connection.company!r} on NAV server instance "
            f"{getattr(deployment, 'server_instance', '')!r} (OData V4 page web services); streams: "
            + ", ".join(NAV_STREAM_NAMES)
            + ". Purchase orders and receipts are not available in this mode."
        )
        try:
            with NavPageClient.from_config(settings.connection, timeout=30.0, retry_policy=CHECK_RETRY_POLICY) as nav:
                setup = nav.services.general_ledger_setup
                if setup not in nav.published_services():
                    message += (
                        f" Note: {setup!r} (page 118 General Ledger Setup) is not published, so "
                        "vendors.localCurrencyCode stays empty; publish it to fill it."
                    )
        except BCError:
            pass  # diagnose_nav just read the service document; an optional note is not worth failing check
        logger.info(message)
        return True, message

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        self._settings = self._parse(config)
        if self._settings.connection.is_nav_web_services:
            # Classic NAV: the five streams its published pages can fill; purchase documents need API v2.0.
            return [NavPageStream(mapping, self.nav_client, self.nav_enrichment) for mapping in NAV_MAPPINGS]
        streams: list[Stream] = [
            BusinessCentralStream(declaration, self.client, self.enrichment) for declaration in STREAMS
        ]
        # Issue 15: purchase orders and receipts, header with nested lines (purchase_documents.py).
        return streams + purchase_document_streams(config, self.client, self.enrichment)

    @property
    def raise_exception_on_missing_stream(self) -> bool:
        return True

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        settings = self._parse(config)
        self._settings = settings
        if settings.connection.is_nav_web_services:
            self._refuse_api_only_streams(catalog)
        try:
            if settings.webhooks.enabled and settings.connection.is_nav_web_services:
                logger.warning(NAV_WEBHOOKS_IGNORED)
            elif settings.webhooks.enabled:
                self._upkeep_subscriptions(settings)
            yield from super().read(logger, config, catalog, state)
        finally:
            self.close()

    # -- shared per-sync resources --------------------------------------------------------------------------
    @staticmethod
    def _parse(config: Mapping[str, Any]) -> SourceSettings:
        try:
            return parse_config(config)
        except ConfigError as error:
            raise AirbyteTracedException(message=str(error), failure_type=FailureType.config_error) from None

    def client(self) -> BusinessCentralClient:
        if self._client is None:
            assert self._settings is not None, "streams() or read() parses the config first"
            self._client = BusinessCentralClient(self._settings.connection)
        return self._client

    @staticmethod
    def _refuse_api_only_streams(catalog: ConfiguredAirbyteCatalog) -> None:
        unavailable = [c.stream.name for c in catalog.streams if c.stream.name not in NAV_STREAM_NAMES]
        if unavailable:
            raise AirbyteTracedException(
                message=(
                    f"{', '.join(unavailable)} cannot be read from a classic NAV server (deployment_type "
                    f"nav_web_services): its page web services give only {', '.join(NAV_STREAM_NAMES)}. Remove "
                    "the other streams from the connection, or connect through API v2.0 (NAV 2018 CU / BC)."
                ),
                failure_type=FailureType.config_error,
            )

    def nav_client(self) -> NavPageClient:
        if self._nav_client is None:
            assert self._settings is not None, "streams() or read() parses the config first"
            self._nav_client = NavPageClient.from_config(self._settings.connection)
        return self._nav_client

    def nav_enrichment(self) -> NavEnrichment:
        if self._nav_enrichment is None:
            self._nav_enrichment = NavEnrichment(self.nav_client())
        return self._nav_enrichment

    def enrichment(self) -> Enrichment:
        if self._enrichment is None:
            self._enrichment = Enrichment(self.client())
        return self._enrichment

    def close(self) -> None:
        if self._client is not None:
            usage = self._client.usage.snapshot()
            logger.info("Business Central API usage: %s", usage)
            self._client.close()
        self._client = None
        self._enrichment = None
        if self._nav_client is not None:
            logger.info("NAV OData V4 usage: %s", self._nav_client.usage.snapshot())
            self._nav_client.close()
        self._nav_client = None
        self._nav_enrichment = None

    def _upkeep_subscriptions(self, settings: SourceSettings) -> None:
        webhooks = settings.webhooks
        assert webhooks.webhook_notification_url is not None
        try:
            SubscriptionUpkeep(
                self.client(),
                notification_url=webhooks.webhook_notification_url,
                client_state=webhooks.client_state,
                clock=self._clock,
            ).run()
        except BCError as error:  # e.g. the company cannot be resolved: the streams will report it properly
            logger.warning("Webhook upkeep skipped: %s", error.message)
