"""The accountant's step NAV page web services cannot do: post a general journal batch (emulator machinery for
tests and the demo, reached at POST /_emulator/nav/post-batch).

In NAV the accountant opens the General Journal and chooses Post (Gen. Jnl.-Post -> Gen. Jnl.-Post Batch): every
document (posting date + Document No.) must balance or nothing is posted. The emulator's posting engine
(bc_emulator.posting.post_journal, also behind API mode's Microsoft.NAV.post) does exactly that, so the G/L and
vendor ledger entries look like those of API mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bc_emulator import errors, posting

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer


def post_batch(emu: EmulatorServer, company_name: str, template: str, batch: str) -> dict[str, Any]:
    """Post every line of the batch; returns {"posted_documents": n, "gl_entries": m}. An error (unbalanced
    document, blocked account, ...) raises the posting engine's ApiError and nothing is posted."""
    company = emu.store.company_by_name(company_name)
    if company is None:
        raise errors.ApiError(404, "Internal_CompanyNotFound", f'The company "{company_name}" does not exist.')
    with emu.store.transaction() as txn:
        journal = company.table("journals").find_unique(("templateDisplayName", "code"), template, batch)
        if journal is None:
            raise errors.record_not_found("Gen. Journal Batch", f"Journal Template Name='{template}',Name='{batch}'")
        lines = company.table("journalLines").find(("journalId",), journal["id"])
        documents = {(line["postingDate"], line["documentNumber"]) for line in lines if line["accountNumber"]}
        written = posting.post_journal(txn, company, journal)
        txn.commit_point()
    return {"posted_documents": len(documents), "gl_entries": len(written)}
