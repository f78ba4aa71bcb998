"""Lookups that enrich records with codes BC keeps in other entities, read lazily and once per sync.

- dimension values carry `dimensionId`; Stampli needs the dimension's code (`dimensionCode`).
- vendors carry `paymentTermsId`; Stampli knows payment terms by code (`paymentTermsCode`).
- vendors in the local currency have a blank `currencyCode`; `localCurrencyCode` says which currency that is.

A lookup that BC cannot answer (an entity missing in an older or localised version, a permission gap) leaves
the enrichment null and says so once in the log; the records still flow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bc_client import BCError, BusinessCentralClient, NotFoundError

logger = logging.getLogger("airbyte")

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


def _guid_key(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return None if not text or text == EMPTY_GUID else text


class _CodeLookup:
    """id -> code for one entity set, loaded on first use and reloaded once when an unknown id shows up."""

    def __init__(self, load: Callable[[], dict[str, str]], what: str) -> None:
        self._load = load
        self._what = what
        self._codes: dict[str, str] | None = None
        self._reloaded = False
        self._failed = False
        self._reported: set[str] = set()  # unknown ids already logged: one warning each, not one per record

    def code(self, entity_id: Any) -> str | None:
        key = _guid_key(entity_id)
        if key is None or self._failed:
            return None
        if self._codes is None:
            self._codes = self._read()
        if key not in self._codes and not self._reloaded and not self._failed:
            # Created after the first load (e.g. during this sync): read once more, then accept the gap.
            self._reloaded = True
            self._codes = self._read()
        code = self._codes.get(key)
        if code is None and not self._failed and key not in self._reported:
            self._reported.add(key)
            logger.warning("%s %s is unknown to Business Central; its code is left empty", self._what, key)
        return code

    def _read(self) -> dict[str, str]:
        try:
            return self._load()
        except BCError as error:
            self._failed = True
            level = logging.INFO if isinstance(error, NotFoundError) else logging.WARNING
            logger.log(level, "Could not read %s from Business Central (%s); codes are left empty", self._what, error)
            return {}


class Enrichment:
    """The lookups of one sync, sharing its client."""

    def __init__(self, bc: BusinessCentralClient) -> None:
        self._bc = bc
        self.dimension_codes = _CodeLookup(lambda: self._codes("dimensions"), "dimension")
        self.payment_terms_codes = _CodeLookup(lambda: self._codes("paymentTerms"), "payment terms")
        self._local_currency: str | None = None
        self._local_currency_read = False

    def _codes(self, entity_set: str) -> dict[str, str]:
        return {
            str(row["id"]).lower(): str(row.get("code") or "")
            for row in self._bc.iter_entities(entity_set, select=["id", "code"])
        }

    @property
    def local_currency(self) -> str | None:
        """The company's local currency code (companyInformation.currencyCode), read once."""
        if not self._local_currency_read:
            self._local_currency_read = True
            try:
                for info in self._bc.iter_entities("companyInformation", select=["currencyCode"]):
                    code = str(info.get("currencyCode") or "").strip().upper()
                    self._local_currency = code or None
                    break
            except BCError as error:
                level = logging.INFO if isinstance(error, NotFoundError) else logging.WARNING
                logger.log(
                    level,
                    "Could not read the company's local currency (%s); localCurrencyCode is left empty",
                    error,
                )
        return self._local_currency

    def vendor(self, record: dict[str, Any]) -> None:
        record["paymentTermsCode"] = self.payment_terms_codes.code(record.get("paymentTermsId"))
        record["localCurrencyCode"] = self.local_currency

    def dimension_value(self, record: dict[str, Any]) -> None:
        record["dimensionCode"] = self.dimension_codes.code(record.get("dimensionId"))


def enricher_for(stream_name: str, enrichment: Enrichment) -> Callable[[dict[str, Any]], None] | None:
    return {"vendors": enrichment.vendor, "dimension_values": enrichment.dimension_value}.get(stream_name)
