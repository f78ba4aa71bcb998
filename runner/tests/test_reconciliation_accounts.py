"""Reconciliation looks NAV's ledger up by the account the destination posted to (the shared rule of
stampli_nav_rules): strip, upper-case, gl_account_mapping — so a lower-case Stampli code is not a mismatch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stampli_nav_runner.cli import EXIT_OK, main
from stampli_nav_runner.reconciliation import LedgerEntry, collect
from stampli_nav_runner.workspace import Workspace


class _Ledger:
    """NAV's ledger holding each document's amount on `account` (as NAV stores it) against payables."""

    def __init__(self, account: str) -> None:
        self.account = account

    def entries_for_documents(self, document_numbers):
        entries = []
        for number, document in enumerate(sorted(document_numbers)):
            amount = Decimal(f"{document.rsplit('-', 1)[-1]}.50")  # STP-INV-2 -> 2.50, what Stampli says
            entries.append(LedgerEntry(number, document, self.account, amount, Decimal("0")))
            entries.append(LedgerEntry(number + 100, document, "2110", Decimal("0"), amount))
        return entries


@pytest.mark.parametrize(
    ("stampli_code", "mapping", "nav_account"),
    [
        (" 6100a ", None, "6100A"),  # unmapped: the code itself, as NAV stores it
        ("travel", {" travel ": "6200x"}, "6200X"),  # mapped, with the mapping as a connection file holds it
    ],
)
def test_a_code_posted_under_nav_normalisation_reconciles(
    workspace: Workspace, make_connection, tmp_path, stampli_code: str, mapping: dict | None, nav_account: str
) -> None:
    make_connection(source_config={"invoices": 2, "state_every": 2, "gl_account": stampli_code})
    assert main(["--runs-dir", str(workspace.root), "--quiet", "sync", str(tmp_path / "fake.yaml")]) == EXIT_OK

    reconciliation = collect(workspace, ledger=_Ledger(nav_account), account_mapping=mapping)

    assert [row.status for row in reconciliation.invoices] == ["posted", "posted"]
    assert [row.nav_amount for row in reconciliation.invoices] == [Decimal("1.50"), Decimal("2.50")]
    assert reconciliation.mismatches == []
    accounts = {total.name: total for total in reconciliation.by_account}
    assert accounts[nav_account].stampli == Decimal("4.00") and accounts[nav_account].nav == Decimal("4.00")
    assert accounts[nav_account].label is None  # one row, not "coded" under one name and "ledger" under another
