"""The Airbyte destination: spec, check, write."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.destinations import Destination
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    ConnectorSpecificationSerializer,
    FailureType,
    Status,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from bc_client import (
    ApiDisabledError,
    AuthenticationError,
    AuthorizationError,
    BCError,
    BusinessCentralClient,
    CompanyNotFoundError,
    ConfigurationError,
    RetryPolicy,
    ServiceUnavailableError,
    ThrottledError,
)
from bc_client.enums import same_enum
from destination_dynamics_nav.config import ConfigError, DestinationConfig, DestinationSettings
from destination_dynamics_nav.default_dimensions import code_mandatory_note, parse_default_dimensions
from destination_dynamics_nav.nav_classic import connector as nav_classic
from destination_dynamics_nav.posting.journal import JournalBatchError
from destination_dynamics_nav.posting.journal_batch import (
    JournalBatchMissingError,
    JournalTemplateUnsupportedError,
    find_journal,
    missing_batch_message,
)
from destination_dynamics_nav.reference_data import ACCOUNT_FIELDS, DEFAULT_DIMENSION_FIELDS, code_key
from destination_dynamics_nav.spec import spec_payload
from destination_dynamics_nav.writer import NavWriter

# API v2.0 exposes neither General Ledger Setup "Post with Job Queue" (generalLedgerSetup has no such field) nor
# Purchases & Payables Setup "Ext. Doc. No. Mandatory" (no entity), so check says how write copes with both.
SETUPS_NOTE = (
    "Not readable through API v2.0, handled by write: General Ledger Setup 'Post with Job Queue' (recognised when "
    "a journal post is only scheduled; write waits for the entries before confirming) and Purchases & Payables "
    "'Ext. Doc. No. Mandatory' (every invoice is sent with its invoice number as external document number)."
)
MAX_IN_FLIGHT = 5  # BC online processes 5 requests per user at once and queues the rest
REQUEST_TIMEOUT = 120.0
# `check` answers a person waiting: a refused connection (wrong URL/port/firewall) is reported at once, not
# retried 6 times like in a sync; throttling keeps the usual patience.
CHECK_RETRY_POLICY = RetryPolicy(retry_connect_errors=False)
_CONFIG_ERRORS = (
    ConfigError,
    CompanyNotFoundError,
    AuthenticationError,
    AuthorizationError,
    ConfigurationError,
    ApiDisabledError,
    JournalBatchError,
    JournalBatchMissingError,
)


def traced(error: Exception) -> AirbyteTracedException:
    """An Airbyte trace for a failure: config errors tell the user what to fix; the rest are system/transient."""
    if isinstance(error, AirbyteTracedException):
        return error
    if isinstance(error, _CONFIG_ERRORS):
        failure_type = FailureType.config_error
    elif isinstance(error, (ServiceUnavailableError, ThrottledError)):
        failure_type = FailureType.transient_error
    else:
        failure_type = FailureType.system_error
    message = str(error) if isinstance(error, (BCError, ConfigError)) else f"{type(error).__name__}: {error}"
    return AirbyteTracedException(message=message, internal_message=message, failure_type=failure_type, exception=error)


class DestinationDynamicsNav(Destination):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecificationSerializer.load(spec_payload())

    # -- check ------------------------------------------------------------------------------------------------
    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        try:
            parsed = DestinationConfig.from_mapping(config)
        except ConfigError as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=str(error))
        if parsed.connection.is_nav_web_services:  # classic NAV 2015-2018 page web services (issue 13)
            return nav_classic.check(config, parsed)
        try:
            with BusinessCentralClient(
                parsed.connection, max_in_flight=MAX_IN_FLIGHT, timeout=REQUEST_TIMEOUT, retry_policy=CHECK_RETRY_POLICY
            ) as bc:
                company = bc.company  # proves the token, the API root and the company
                version = bc.bc_version
                problems = self._check_target(bc, parsed.settings) + self._check_mappings(bc, parsed.settings)
                notes = [] if problems else [dimension_rules_note(bc, parsed.settings)]
        except BCError as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=str(error))
        if problems:
            return AirbyteConnectionStatus(status=Status.FAILED, message=" | ".join(problems))
        return AirbyteConnectionStatus(
            status=Status.SUCCEEDED,
            message=(
                f"Connected to company {company.name!r} on Business Central {version or '(version not reported)'}; "
                f"posting mode {parsed.settings.posting_mode}."
            )
            + "".join(f" {note}" for note in notes if note)
            + " "
            + SETUPS_NOTE,
        )

    @staticmethod
    def _check_target(bc: BusinessCentralClient, settings: DestinationSettings) -> list[str]:
        if settings.posting_mode == "purchase_invoice":
            next(iter(bc.iter_pages("purchaseInvoices", select=["id"], top=1)), None)
            return []
        try:
            journal = find_journal(bc, settings)  # found, or created by the first write
        except JournalTemplateUnsupportedError as error:
            return [error.message]
        except BCError as error:
            where = f" of template {settings.journal_template}" if settings.journal_template else ""
            return [
                f"journal batch {settings.journal_batch}{where} cannot be read ({error.message}): check journal_template and the user's permissions on general journals"
            ]
        if journal is None and settings.journal_template:
            return [missing_batch_message(settings)]
        return []

    @staticmethod
    def _check_mappings(bc: BusinessCentralClient, settings: DestinationSettings) -> list[str]:
        problems: list[str] = []
        dimension_codes = {code_key(d["code"]) for d in bc.iter_entities("dimensions", select=["code"])}
        for field, code in settings.dimension_mapping.items():
            if code not in dimension_codes:
                problems.append(
                    f"dimension_mapping maps {field!r} to dimension {code}, which does not exist in NAV "
                    f"(existing: {', '.join(sorted(dimension_codes)) or 'none'}): fix the mapping or create the dimension"
                )
        if settings.gl_account_mapping:
            accounts = {code_key(a["number"]): a for a in bc.iter_entities("accounts", select=list(ACCOUNT_FIELDS))}
            for stampli_code, number in settings.gl_account_mapping.items():
                account = accounts.get(number)
                if account is None:
                    problems.append(
                        f"gl_account_mapping maps {stampli_code!r} to G/L account {number}, which does not exist in NAV"
                    )
                elif (
                    not same_enum(account.get("accountType"), "Posting")
                    or not account.get("directPosting")
                    or account.get("blocked")
                ):
                    problems.append(
                        f"gl_account_mapping maps {stampli_code!r} to G/L account {number}, which does not accept direct "
                        "posting (it must be a Posting account, not blocked, with Direct Posting on)"
                    )
        return problems

    # -- write ------------------------------------------------------------------------------------------------
    def write(
        self,
        config: Mapping[str, Any],
        configured_catalog: ConfiguredAirbyteCatalog,
        input_messages: Iterable[AirbyteMessage],
    ) -> Iterator[AirbyteMessage]:
        try:
            parsed = DestinationConfig.from_mapping(config)
        except ConfigError as error:
            raise traced(error) from None
        try:
            if parsed.connection.is_nav_web_services:  # classic NAV 2015-2018 page web services (issue 13)
                yield from nav_classic.write(config, parsed, configured_catalog, input_messages)
                return
            with BusinessCentralClient(parsed.connection, max_in_flight=MAX_IN_FLIGHT, timeout=REQUEST_TIMEOUT) as bc:
                yield from NavWriter(bc, parsed.settings, configured_catalog).run(input_messages)
        except AirbyteTracedException:
            raise
        except Exception as error:
            raise traced(error) from error


def dimension_rules_note(bc: BusinessCentralClient, settings: DestinationSettings) -> str:
    """Setups that change posting: default dimensions with Code Mandatory rules (APIV2 defaultDimensions)."""
    try:
        vendors = {str(v["id"]).lower(): str(v["number"]) for v in bc.iter_entities("vendors", select=["id", "number"])}
        rows = bc.list_entities("defaultDimensions", select=list(DEFAULT_DIMENSION_FIELDS))
    except BCError as error:
        return f"Default dimensions could not be read ({error.message})."
    return code_mandatory_note(parse_default_dimensions(rows, vendors), settings.dimension_mapping.values())
