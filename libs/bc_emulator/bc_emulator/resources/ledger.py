"""Read-only ledgers: generalLedgerEntries (API v2.0) and vendorLedgerEntries (reportsFinance/beta query)."""

from __future__ import annotations

from bc_emulator import entities
from bc_emulator.resources.base import EntitySet


class GeneralLedgerEntries(EntitySet):
    name = "generalLedgerEntries"
    schema = entities.GENERAL_LEDGER_ENTRY
    table = "generalLedgerEntries"
    navigation = {"dimensionSetLines": "dimensionSetLines"}

    def key_text(self, key: str) -> str:
        return f"Id='{key}'"


class VendorLedgerEntries(EntitySet):
    """Query 30303 "API Fin - Vend Ledg Entry": rows without key or ETag, collection reads only."""

    name = "vendorLedgerEntries"
    schema = entities.VENDOR_LEDGER_ENTRY
    table = "vendorLedgerEntries"
    addressable = False
