"""Read NAV's general ledger back for the reconciliation report, through the shared BC client."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bc_client import BCConnectionConfig, BusinessCentralClient
from bc_client.models import GeneralLedgerEntry
from bc_client.odata import any_of
from stampli_nav_runner.reconciliation import ZERO, LedgerEntry

# documentNumber eq '…' or …: short enough for any URL length limit, few enough requests for thousands of invoices.
DOCUMENTS_PER_REQUEST = 20


class BusinessCentralLedger:
    def __init__(self, destination_config: Mapping[str, Any]) -> None:
        self.config = BCConnectionConfig.model_validate(dict(destination_config))

    def entries_for_documents(self, document_numbers: Iterable[str]) -> list[LedgerEntry]:
        documents = sorted(set(document_numbers))
        entries: list[LedgerEntry] = []
        # The client warns loudly when it trusts an extra CA (ca_certificate); the destination already logged that
        # for the same config in its run log, so the read-back keeps it out of the terminal.
        client_logger = logging.getLogger("bc_client")
        previous_level = client_logger.level
        client_logger.setLevel(logging.ERROR)
        try:
            return self._read(documents, entries)
        finally:
            client_logger.setLevel(previous_level)

    def _read(self, documents: list[str], entries: list[LedgerEntry]) -> list[LedgerEntry]:
        with BusinessCentralClient(self.config, timeout=60.0) as bc:
            for start in range(0, len(documents), DOCUMENTS_PER_REQUEST):
                chunk = documents[start : start + DOCUMENTS_PER_REQUEST]
                odata_filter = any_of("documentNumber", chunk)
                for entry in bc.iter_entities("generalLedgerEntries", model=GeneralLedgerEntry, filter=odata_filter):
                    entries.append(
                        LedgerEntry(
                            entry_number=entry.entry_number,
                            document_number=entry.document_number or "",
                            account_number=entry.account_number or "",
                            debit=Decimal(entry.debit_amount or ZERO),
                            credit=Decimal(entry.credit_amount or ZERO),
                        )
                    )
        return entries
