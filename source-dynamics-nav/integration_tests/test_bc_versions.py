"""Older Business Central releases lack fields the streams declare (accounts.consolidation* and
dimensions.consolidationCode before BC 23, APIV2 page history): the source selects what the tenant's $metadata
lists and emits null for the rest instead of failing the stream; enum values come out as plain captions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bc_emulator import EmulatorServer


@pytest.fixture(params=["18", "21"])
def emulator(request: pytest.FixtureRequest, bc_emulator_factory: Callable[..., EmulatorServer]) -> EmulatorServer:
    return bc_emulator_factory(tls=True, page_size=4, bc_version=request.param)


def test_streams_read_on_older_releases_with_nulls_for_missing_fields(run_read, config, h) -> None:
    output = run_read(config, streams=(*h.REFERENCE_STREAMS, "general_ledger_entries", "purchase_invoices"))
    records = h.records_by_stream(output)
    accounts = {a["number"]: a for a in records["gl_accounts"]}
    assert accounts["6100"]["accountType"] == "Posting" and accounts["1000"]["accountType"] == "Heading"
    assert {a["category"] for a in accounts.values()} >= {" ", "Assets"}  # blank enum decoded, not "_x0020_"
    assert all(a.get("consolidationTranslationMethod") is None for a in accounts.values())
    assert all(a.get("excludeFromConsolidation") is None for a in accounts.values())
    assert records["dimensions"] and all(d.get("consolidationCode") is None for d in records["dimensions"])
    vendors = {v["number"]: v for v in records["vendors"]}
    assert vendors["V10000"]["blocked"] == " " and vendors["V10090"]["blocked"] == "All"
    logs = " ".join(m.log.message for m in output.logs if m.log)
    assert "has no consolidationTranslationMethod" in logs
