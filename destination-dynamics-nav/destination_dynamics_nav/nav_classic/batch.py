"""The journal batch lines are staged in: found through the `journal_batches` service (page 251), created there
when it is published and the batch is missing; a missing batch without the service is the admin's to create."""

from __future__ import annotations

import logging
from typing import Any

from bc_client.errors import BCError, EntityExistsError, WriteOutcomeUnknownError
from destination_dynamics_nav.nav_classic.pages import PageClient
from destination_dynamics_nav.posting.journal_batch import JournalBatchMissingError

logger = logging.getLogger("airbyte")


class ClassicBatchMissingError(JournalBatchMissingError):
    """The batch does not exist and cannot be created through page web services (a configuration error)."""


def is_missing_batch_refusal(error: BCError) -> bool:
    """NAV's TableRelation error for a line of a batch that does not exist (BaseApp GenJournalLine.Table.al field
    51 "Journal Batch Name" TableRelation "Gen. Journal Batch"): '... (Gen. Journal Batch).'"""
    return "Gen. Journal Batch" in error.message and "cannot be found" in error.message


def batch_key(template: str, batch: str) -> dict[str, str | int]:
    # Journal_Batches(Journal_Template_Name='GENERAL',Name='STAMPLI'): BaseApp GenJournalBatch.Table.al key.
    return {"Journal_Template_Name": template, "Name": batch}


def missing_batch_message(template: str, batch: str, *, service_published: bool) -> str:
    if service_published:
        return f"journal batch {batch} of template {template} does not exist yet; the first sync creates it"
    return (
        f"journal batch {batch} of template {template} does not exist in NAV and the journal_batches service "
        f"(page 251 General Journal Batches) is not published, so the connector cannot create it: create batch "
        f"{batch} in template {template} in NAV (General Journals → Batch Name), or publish page 251"
    )


def find_batch(client: PageClient, template: str, batch: str) -> dict[str, Any] | None:
    return client.get("journal_batches", batch_key(template, batch))


def ensure_batch(client: PageClient, template: str, batch: str, *, service_published: bool) -> dict[str, Any] | None:
    """The batch record, created when missing. Without the journal_batches service the lines themselves tell
    (NAV refuses a line of a missing batch), so None is returned and staging goes ahead only if the batch exists."""
    if not service_published:
        return None
    found = find_batch(client, template, batch)
    if found is not None:
        return found
    body = {
        "Journal_Template_Name": template,
        "Name": batch,
        "Description": "Stampli invoices (staged by the connector)",
    }
    try:
        created = client.insert("journal_batches", body)
        logger.info("Created journal batch %s in template %s", batch, template)
        return created
    except (WriteOutcomeUnknownError, EntityExistsError):
        pass  # a lost answer, or another run created it meanwhile: read it back by key, never fail on it
    except BCError as error:
        if error.status != 409:
            raise
    found = find_batch(client, template, batch)
    if found is None:
        raise ClassicBatchMissingError(
            f"journal batch {batch} of template {template} could not be created (the answer was lost and it is "
            "not there)"
        )
    return found
