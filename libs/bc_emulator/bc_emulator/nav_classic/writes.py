"""Inserts, modifies and deletes through the editable pages: Vendor Card (26), General Journal Batches (251) and
General Journal (39, journal.py). A body is read like the page reads it: unknown names and read-only controls are
refused, option values must be NAV's captions, Code fields are upper-cased, lengths are the NAV 2018 fields'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bc_emulator import entities, errors, rules
from bc_emulator.fields import EMPTY_GUID, Kind
from bc_emulator.ids import new_id
from bc_emulator.nav_classic import errors as nav_errors
from bc_emulator.nav_classic import journal
from bc_emulator.nav_classic.pages import NavPage
from bc_emulator.resources.base import RequestContext, Scope, duplicate_key, table_relation
from bc_emulator.store import CompanyData, Transaction

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer


def page_values(page: NavPage, body: dict[str, Any], service: str | None = None) -> dict[str, Any]:
    """The body's control values, checked and normalised, in the page's control order (the order NAV validates
    them in - guess: the OData layer sets fields in page order)."""
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name.startswith("@") or "@odata." in name:
            continue  # annotations such as @odata.etag
        nav_field = page.by_name.get(name)
        if nav_field is None:
            raise nav_errors.unknown_property(name, service or page.caption)
        if nav_field.read_only:
            raise nav_errors.read_only_control(nav_field.label)
        if nav_field.kind is Kind.OPTION:
            if value not in nav_field.options:  # NAV 2018 evaluates exactly the captions (" " for blank)
                raise nav_errors.bad_option(str(value), nav_field.options)
            values[name] = value
        else:
            values[name] = nav_field.spec().coerce(value, page.caption)
    return {f.name: values[f.name] for f in page.fields if f.name in values}


def insert(txn: Transaction, emu: EmulatorServer, page: NavPage, company: CompanyData, body: dict) -> dict[str, Any]:
    values = page_values(page, body)
    match page.role:
        case "vendors":
            return _vendors(emu, company).create(txn, _context(emu), Scope(company), _vendor_body(company, values))
        case "journal_batches":
            return _insert_batch(txn, company, values)
        case "general_journal":
            return journal.insert(txn, company, values)
    raise AssertionError(page.role)


def modify(
    txn: Transaction, emu: EmulatorServer, page: NavPage, company: CompanyData, record: dict, body: dict
) -> dict[str, Any]:
    values = page_values(page, body)
    current = page.view(company, record)
    for key in page.keys:
        if key in values and values[key] != current[key]:
            # guess: a page web service renames on a key change; the emulator refuses it instead (no connector
            # renames vendors, batches or journal lines).
            raise errors.dialog(f"You cannot rename a {page.caption} through this service.")
        values.pop(key, None)
    match page.role:
        case "vendors":
            handler = _vendors(emu, company)
            return handler.update(txn, _context(emu), Scope(company), record, _vendor_body(company, values))
        case "journal_batches":
            return _modify_batch(txn, company, record, values)
        case "general_journal":
            return journal.modify(txn, company, record, values)
    raise AssertionError(page.role)


def delete(txn: Transaction, emu: EmulatorServer, page: NavPage, company: CompanyData, record: dict) -> None:
    match page.role:
        case "vendors":
            _vendors(emu, company).delete(txn, _context(emu), Scope(company), record)
        case "journal_batches":
            # GenJournalBatch.Table.al OnDelete: GenJnlLine.DeleteAll(true) for the batch's lines.
            for line in company.table("journalLines").find(("journalId",), record["id"]):
                txn.delete(company, "journalLines", line["id"])
            txn.delete(company, "journals", record["id"])
        case "general_journal":
            txn.delete(company, "journalLines", record["id"])
        case _:
            raise AssertionError(page.role)


# -- Vendor Card (page 26): the Vendor table's validation the API uses too (vendor_rules.py, rules.py) -----


def _vendors(emu: EmulatorServer, company: CompanyData) -> Any:
    return emu.service.registry.get("vendors")


def _context(emu: EmulatorServer) -> RequestContext:
    from bc_emulator.auth import user_for

    return RequestContext(store=emu.store, settings=emu.settings, user=user_for("NAV"), api_root="", services=emu)


def _vendor_body(company: CompanyData, values: dict[str, Any]) -> dict[str, Any]:
    """Page control values as the stored (API-shaped) vendor fields the Vendor table validation works on."""
    from bc_emulator.nav_classic.pages import VENDOR_CARD

    body: dict[str, Any] = {}
    for name, value in values.items():
        if name == "Payment_Terms_Code":
            # Vendor.Table.al field 27 "Payment Terms Code": TableRelation = "Payment Terms".
            terms = company.table("paymentTerms").find_unique(("code",), value) if value else None
            if value and terms is None:
                raise table_relation("Payment Terms Code", "Vendor", value, "Payment Terms")
            body["paymentTermsId"] = terms["id"] if terms else EMPTY_GUID
            continue
        source = VENDOR_CARD.by_name[name].source
        assert source is not None
        body[source] = value
    return body


# -- General Journal Batches (page 251, table 232 Gen. Journal Batch) ---------------------------------------


def _insert_batch(txn: Transaction, company: CompanyData, values: dict[str, Any]) -> dict[str, Any]:
    template = values.get("Journal_Template_Name", "")
    name = values.get("Name", "")
    # GenJournalBatch.Table.al field 1 "Journal Template Name": TableRelation = "Gen. Journal Template".
    if template not in {t["name"] for t in company.setup.get("journalTemplates", [])}:
        raise table_relation("Journal Template Name", "Gen. Journal Batch", template, "Gen. Journal Template")
    if not name:
        raise errors.field_validation(
            f"Name must have a value in Gen. Journal Batch: Journal Template Name={template}, Name=. It cannot be "
            "zero or empty."
        )
    if company.table("journals").find_unique(("templateDisplayName", "code"), template, name) is not None:
        raise duplicate_key("Gen. Journal Batch", f"Journal Template Name='{template}',Name='{name}'")
    record = {
        **entities.JOURNAL.defaults(),
        "id": new_id(),
        "templateDisplayName": template,
        "code": name,
        "displayName": values.get("Description", ""),
    }
    _batch_balancing_account(company, record, values)
    return txn.insert(company, "journals", record)


def _modify_batch(txn: Transaction, company: CompanyData, record: dict, values: dict[str, Any]) -> dict[str, Any]:
    updated = dict(record)
    if "Description" in values:
        updated["displayName"] = values["Description"]
    _batch_balancing_account(company, updated, values)
    return txn.update(company, "journals", updated)


def _batch_balancing_account(company: CompanyData, record: dict[str, Any], values: dict[str, Any]) -> None:
    if "Bal_Account_No" not in values:
        return
    number = values["Bal_Account_No"]
    if not number:
        record["balancingAccountId"], record["balancingAccountNumber"] = EMPTY_GUID, ""
        return
    # GenJournalBatch.Table.al "Bal. Account No." OnValidate (G/L Account): GLAcc.Get + CheckGLAcc.
    account = rules.gl_account(company, number, "Bal. Account No.", "Gen. Journal Batch")
    record["balancingAccountId"], record["balancingAccountNumber"] = account["id"], account["number"]
