"""Every kind of write the destination makes, with its answer lost after NAV committed it (the emulator's
drop_after_commit fault): the same sync reads the write back by its natural key and finishes, with every invoice
posted once and nothing written twice.

Natural keys: a journal batch by its code, a vendor by its number, journal lines by document number, a purchase
invoice by vendor + vendor invoice number; a post by what the ledger (or the batch, which posting empties) shows.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

INVOICES = 4


def _writes(emulator, method: str, route: str) -> int:
    """Requests (top-level or inside a $batch) the emulator committed for a route template like
    `companies/journals/journalLines` (keys removed, as fault rules name routes)."""
    return sum(
        1
        for entry in emulator.request_log.entries()
        if entry.method == method and entry.status < 400 and re.sub(r"\([^)]*\)", "", entry.path) == route
    )


def _dropped_batch_carried(emulator, after: int) -> set[str]:
    """The routes of the inner operations of the `$batch` request whose answer was dropped (the after+1-th)."""
    inner: list[str] = []
    envelopes = 0
    for entry in emulator.request_log.entries():
        if entry.path.strip("/") == "$batch" and not entry.in_batch:
            if envelopes == after:
                return {f"{method} {route}" for method, route in inner}
            envelopes += 1
            inner = []
        elif entry.in_batch:
            inner.append((entry.method, re.sub(r"\([^)]*\)", "", entry.path)))
    return set()


# (posting mode, route whose answer is dropped, let this many matching requests through first,
#  the write that must have happened exactly as often as there are things to write)
CASES = {
    "journal-batch": ("journal", "companies/journals", 0, ("POST", "companies/journals", 1)),
    "vendor-journal": ("journal", "$batch", 0, ("POST", "companies/vendors", 1)),
    "vendor-purchase-invoice": ("purchase_invoice", "$batch", 0, ("POST", "companies/vendors", 1)),
    "journal-lines": ("journal", "$batch", 0, ("POST", "companies/journals/journalLines", 3 * INVOICES)),
    "journal-post": ("journal", "companies/journals/Microsoft.NAV.post", 0, None),
    "purchase-invoice": ("purchase_invoice", "$batch", 0, ("POST", "companies/purchaseInvoices", INVOICES)),
    "purchase-invoice-post": (
        "purchase_invoice",
        "$batch",
        1,  # the creates' $batch goes through; the posts' answer is lost
        ("POST", "companies/purchaseInvoices/Microsoft.NAV.post", INVOICES),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_lost_answer_on_each_kind_of_write_is_read_back_and_the_same_sync_finishes(
    nav, build, emulator, case
) -> None:
    mode, route, after, written_once = CASES[case]
    vendor = case.startswith("vendor")
    rule = emulator.faults.add(kind="drop_after_commit", route=route, methods=["POST"], times=1, after=after)
    invoices = [
        build.invoice(f"LW-{n}", **({"vendor_id": "V20100", "vendor_name": "Northwind Traders"} if vendor else {}))
        for n in range(INVOICES)
    ]
    out = nav.write([build.record("invoices", i) for i in invoices] + [build.state(1)], posting_mode=mode)

    assert [r.fired for r in emulator.faults.rules() if r.id == rule.id] == [1]
    assert out.actions() == {f"LW-{n}": ["posted"] for n in range(INVOICES)}
    assert out.states == [1]  # the same sync finished and confirmed its STATE
    if mode == "journal":
        assert nav.document_numbers_posted() == {f"STP-LW-{n}": Decimal("150.50") for n in range(INVOICES)}
        assert nav.journal_lines() == []
    else:
        invoices_in_nav = nav.purchase_invoices()
        assert sorted(i["vendorInvoiceNumber"] for i in invoices_in_nav) == [f"F-LW-{n}" for n in range(INVOICES)]
        assert {i["status"] for i in invoices_in_nav} == {"Open"}  # posted, each once
    if written_once is not None:
        method, written_route, count = written_once
        if route == "$batch":  # the lost answer was that of this kind of write
            assert f"{method} {written_route}" in _dropped_batch_carried(emulator, after)
        assert _writes(emulator, method, written_route) == count  # read back, never sent again
    if vendor:
        assert len(nav.bc.list_entities("vendors", filter="number eq 'V20100'")) == 1
