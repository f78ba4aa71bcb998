"""The general journal batch the connector posts through (default STAMPLI), found or created once per sync."""

from __future__ import annotations

import logging
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.errors import EntityExistsError
from bc_client.odata import all_of, eq
from destination_dynamics_nav.config import DestinationSettings

logger = logging.getLogger("airbyte")

JOURNAL_FIELDS = ("id", "code", "displayName", "templateDisplayName")


def journal_filter(settings: DestinationSettings) -> str:
    # Without a templateDisplayName filter BC lists only batches of the default General template.
    template = eq("templateDisplayName", settings.journal_template) if settings.journal_template else None
    return all_of(eq("code", settings.journal_batch), template)


def find_journal(bc: BusinessCentralClient, settings: DestinationSettings) -> dict[str, Any] | None:
    for journal in bc.iter_entities("journals", filter=journal_filter(settings), select=list(JOURNAL_FIELDS)):
        return dict(journal)
    return None


def ensure_journal(bc: BusinessCentralClient, settings: DestinationSettings) -> dict[str, Any]:
    """The configured batch, created (empty, no balancing account) when it does not exist yet."""
    journal = find_journal(bc, settings)
    if journal is not None:
        return journal
    body: dict[str, Any] = {"code": settings.journal_batch, "displayName": "Stampli invoices"}
    if settings.journal_template:
        body["templateDisplayName"] = settings.journal_template
    logger.info("Creating journal batch %s in NAV", settings.journal_batch)
    try:
        return dict(bc.create("journals", body))
    except EntityExistsError:
        # Created meanwhile by someone else, or it exists under another template than the one filtered on.
        journal = find_journal(bc, settings)
        if journal is None:
            raise
        return journal
