"""The general journal batch the connector posts through (default STAMPLI), found or created once per sync."""

from __future__ import annotations

import logging
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.errors import BCError, EntityExistsError, WriteOutcomeUnknownError
from bc_client.odata import all_of, eq
from destination_dynamics_nav.config import DestinationSettings

logger = logging.getLogger("airbyte")

JOURNAL_FIELDS = ("id", "code", "displayName", "templateDisplayName")


def journal_filter(settings: DestinationSettings) -> str:
    # Without a templateDisplayName filter BC lists only batches of the default General template.
    template = eq("templateDisplayName", settings.journal_template) if settings.journal_template else None
    return all_of(eq("code", settings.journal_batch), template)


class JournalBatchMissingError(BCError):
    """The configured batch does not exist and the API cannot create it where it belongs."""


class JournalTemplateUnsupportedError(JournalBatchMissingError):
    """journal_template is set, but the tenant's journals API has no templateDisplayName (BC 17 and 18)."""


def find_journal(bc: BusinessCentralClient, settings: DestinationSettings) -> dict[str, Any] | None:
    # journals.templateDisplayName exists from BC 19 only: select and filter it only where the tenant has it.
    if settings.journal_template and not bc.has_field("journals", "templateDisplayName"):
        raise JournalTemplateUnsupportedError(template_unsupported_message(bc, settings))
    select = bc.select_existing("journals", JOURNAL_FIELDS)
    for journal in bc.iter_entities("journals", filter=journal_filter(settings), select=select):
        return dict(journal)
    return None


def template_unsupported_message(bc: BusinessCentralClient, settings: DestinationSettings) -> str:
    return (
        f"journal_template {settings.journal_template} cannot be used with Business Central {bc.bc_version or '(unknown)'}: "
        "its journals API has no templateDisplayName before BC 19 and reaches only the default General template; "
        "leave journal_template empty (batches of the General template) or upgrade"
    )


def ensure_journal(bc: BusinessCentralClient, settings: DestinationSettings) -> dict[str, Any]:
    """The configured batch, created (empty, no balancing account) when it does not exist yet.

    The API creates batches in the default General template only (templateDisplayName is read-only), so a batch of
    another template must be created in NAV first; a batch created in the wrong template is removed again.
    """
    journal = find_journal(bc, settings)
    if journal is not None:
        return journal
    created = _create(bc, settings)
    template = str(created.get("templateDisplayName") or "")
    if settings.journal_template and template.upper() != settings.journal_template:
        bc.delete(f"journals({created['id']})", str(created.get("@odata.etag") or "*"))
        raise JournalBatchMissingError(missing_batch_message(settings))
    return created


def _create(bc: BusinessCentralClient, settings: DestinationSettings) -> dict[str, Any]:
    """POST the batch; or the batch found by its code when it exists after all (created meanwhile by someone else,
    or created by a POST whose answer was lost).

    APIV2Journals.Page.al: `code` is Gen. Journal Batch "Name" (key with the template, which OnNewRecord sets to the
    default one), so a lost answer is resolved by looking the code up: found means committed; not found means BC
    never committed it, and one more POST is safe.
    """
    body = {"code": settings.journal_batch, "displayName": "Stampli invoices"}
    for attempt in (1, 2):
        logger.info("Creating journal batch %s in NAV", settings.journal_batch)
        try:
            return dict(bc.create("journals", body))
        except EntityExistsError:
            # Created meanwhile by someone else.
            journal = find_journal(bc, settings)
            if journal is None:
                raise
            return journal
        except WriteOutcomeUnknownError as lost:
            journal = find_journal(bc, settings)
            if journal is not None:
                logger.info("Journal batch %s: the creation's answer was lost, but NAV has it", settings.journal_batch)
                return journal
            if settings.journal_template and _find_in_default_template(bc, settings):
                # Committed, but in the General template (the only one the API creates in): not the configured
                # one. Whether it existed before this POST is unknown, so it is left alone.
                raise JournalBatchMissingError(missing_batch_message(settings)) from lost
            if attempt == 2:
                raise
            logger.warning(
                "Journal batch %s: the creation's answer was lost and NAV does not have it; creating it again",
                settings.journal_batch,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _find_in_default_template(bc: BusinessCentralClient, settings: DestinationSettings) -> bool:
    return any(True for _ in bc.iter_entities("journals", filter=eq("code", settings.journal_batch), select=["id"]))


def missing_batch_message(settings: DestinationSettings) -> str:
    return (
        f"journal batch {settings.journal_batch} does not exist in journal template {settings.journal_template}, and "
        "the API creates batches only in the default General template: create the batch in NAV (General Journal "
        "Batches of that template, with an empty No. Series), or leave journal_template empty"
    )
