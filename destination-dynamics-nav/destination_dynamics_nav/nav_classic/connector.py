"""`check` and `write` for `deployment_type: nav_web_services`: the one place destination.py hands over to.

What differs from API v2.0 and is checked here: page web services cannot post (post_documents true is refused),
only global dimensions 1 and 2 reach a journal line (named from General Ledger Setup), and the journal batch must
exist or be creatable through the journal_batches service.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteMessage, ConfiguredAirbyteCatalog, Status

from bc_client import BCError, RetryPolicy
from bc_client.nav import NavPageClient
from bc_client.nav.diagnose import diagnose_nav
from destination_dynamics_nav.config import ConfigError, DestinationConfig
from destination_dynamics_nav.nav_classic.batch import find_batch, missing_batch_message
from destination_dynamics_nav.nav_classic.lines import GlobalDimensions
from destination_dynamics_nav.nav_classic.pages import account_entity, batch_filter
from destination_dynamics_nav.nav_classic.reference import read_setup
from destination_dynamics_nav.nav_classic.stager import DEFAULT_TEMPLATE
from destination_dynamics_nav.nav_classic.writer import ClassicWriter
from destination_dynamics_nav.posting.base import is_business_error
from destination_dynamics_nav.reference_data import NavAccount, code_key

MAX_IN_FLIGHT = 5
REQUEST_TIMEOUT = 120.0
CHECK_RETRY_POLICY = RetryPolicy(retry_connect_errors=False)
# Roles write reads or writes; journal_batches and general_ledger_setup are optional (see the docs).
REQUIRED_ROLES = (
    "vendors",
    "gl_accounts",
    "dimensions",
    "dimension_values",
    "general_journal",
    "gl_entries",
    "vendor_ledger_entries",
)
POST_DOCUMENTS_REFUSED = (
    "post_documents cannot be true with deployment_type nav_web_services: NAV 2015-2018 page web services cannot "
    "post, so the connector stages each invoice in the journal batch and an accountant posts the batch in NAV; "
    "remove post_documents or set it to false"
)


def post_documents_problem(config: Mapping[str, Any]) -> str | None:
    """post_documents defaults to false in this mode; an explicit true is refused."""
    return POST_DOCUMENTS_REFUSED if config.get("post_documents") is True else None


def published_roles(client: NavPageClient) -> frozenset[str]:
    published = set(client.published_services())
    return frozenset(role for role in client.services.roles() if client.services.service(role) in published)


def check(config: Mapping[str, Any], parsed: DestinationConfig) -> AirbyteConnectionStatus:
    refused = post_documents_problem(config)
    if refused:
        return AirbyteConnectionStatus(status=Status.FAILED, message=refused)
    settings = parsed.settings
    template = settings.journal_template or DEFAULT_TEMPLATE
    problems: list[str] = []
    notes: list[str] = []
    # H2's diagnostics first: port/OData V4 setting/instance, NTLM vs basic, company, unpublished services.
    diagnosed = diagnose_nav(parsed.connection, roles=REQUIRED_ROLES)
    if diagnosed:
        return AirbyteConnectionStatus(status=Status.FAILED, message=" | ".join(diagnosed))
    try:
        with NavPageClient.from_config(
            parsed.connection, max_in_flight=MAX_IN_FLIGHT, timeout=REQUEST_TIMEOUT, retry_policy=CHECK_RETRY_POLICY
        ) as client:
            roles = published_roles(client)
            batches_published = "journal_batches" in roles
            if batches_published:
                if find_batch(client, template, settings.journal_batch) is None:
                    notes.append(missing_batch_message(template, settings.journal_batch, service_published=True))
            else:
                problems.extend(_unlisted_batch_problems(client, template, settings.journal_batch, notes))
            problems.extend(_dimension_problems(client, roles, settings.dimension_mapping, notes))
            problems.extend(_account_problems(client, settings.gl_account_mapping))
    except BCError as error:
        return AirbyteConnectionStatus(status=Status.FAILED, message=str(error))
    if problems:
        return AirbyteConnectionStatus(status=Status.FAILED, message=" | ".join(problems))
    return AirbyteConnectionStatus(
        status=Status.SUCCEEDED,
        message=(
            f"Connected to company {parsed.connection.company!r} through NAV page web services; invoices are staged "
            f"in journal batch {settings.journal_batch} (template {template}) for an accountant to post."
        )
        + "".join(f" {note}." for note in notes),
    )


def _unlisted_batch_problems(client: NavPageClient, template: str, batch: str, notes: list[str]) -> list[str]:
    """Without page 251 the batch itself cannot be read: lines of it prove it exists; NAV refusing to list the
    batch's lines proves it does not; an empty answer cannot tell (the batch must then exist, or staging fails)."""
    try:
        has_lines = any(True for _ in client.read("general_journal", filter=batch_filter(template, batch)))
    except BCError as error:
        if not is_business_error(error):
            raise
        return [f"{missing_batch_message(template, batch, service_published=False)} (NAV: {error.message})"]
    if not has_lines:
        notes.append(
            f"the journal_batches service is not published, so whether batch {batch} of template {template} exists "
            "cannot be checked: it must exist in NAV (the connector cannot create it without page 251)"
        )
    return []


def _dimension_problems(
    client: NavPageClient, roles: frozenset[str], mapping: Mapping[str, str], notes: list[str]
) -> list[str]:
    if "general_ledger_setup" not in roles:
        if not mapping:
            return []
        return [
            f"the general_ledger_setup service ({client.services.service('general_ledger_setup')}) is not published, "
            "so the global dimensions that journal lines carry cannot be known and dimension_mapping cannot be "
            "validated: publish page 118 General Ledger Setup as General_Ledger_Setup (or set "
            "services.general_ledger_setup), or clear dimension_mapping"
        ]
    setup = read_setup(client)
    dimensions = GlobalDimensions.from_setup(setup or {})
    notes.append(f"Journal lines carry two dimensions only: {dimensions.describe()}")
    problems = dimensions.mapping_problems(mapping)
    existing = {code_key(str(row.get("Code") or "")) for row in client.read("dimensions")}
    for field, code in mapping.items():
        if code not in existing:
            problems.append(
                f"dimension_mapping maps {field!r} to dimension {code}, which does not exist in NAV (existing: "
                f"{', '.join(sorted(existing)) or 'none'})"
            )
    return problems


def _account_problems(client: NavPageClient, mapping: Mapping[str, str]) -> list[str]:
    if not mapping:
        return []
    accounts = {
        code_key(str(row.get("No") or "")): NavAccount.from_entity(account_entity(row))
        for row in client.read("gl_accounts")
    }
    problems = []
    for stampli_code, number in mapping.items():
        account = accounts.get(number)
        if account is None:
            problems.append(
                f"gl_account_mapping maps {stampli_code!r} to G/L account {number}, which does not exist in NAV"
            )
        elif account.account_type.casefold() != "posting" or not account.direct_posting or account.blocked:
            problems.append(
                f"gl_account_mapping maps {stampli_code!r} to G/L account {number}, which does not accept direct "
                "posting (it must be a Posting account, not blocked, with Direct Posting on)"
            )
    return problems


def write(
    config: Mapping[str, Any],
    parsed: DestinationConfig,
    catalog: ConfiguredAirbyteCatalog,
    messages: Iterable[AirbyteMessage],
) -> Iterator[AirbyteMessage]:
    refused = post_documents_problem(config)
    if refused:
        raise ConfigError(refused)
    with NavPageClient.from_config(parsed.connection, max_in_flight=MAX_IN_FLIGHT, timeout=REQUEST_TIMEOUT) as client:
        roles = published_roles(client)
        yield from ClassicWriter(client, parsed.settings, catalog, published=roles).run(messages)
