"""Reading, writing and errors against the emulator over real HTTP (on-premises basic auth unless noted)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest

from bc_client import (
    Account,
    ApiDisabledError,
    ApplicationError,
    BadRequestError,
    BusinessCentralClient,
    CompanyNotFoundError,
    ConcurrencyConflictError,
    ConfigurationError,
    EntityExistsError,
    GeneralLedgerEntry,
    NotFoundError,
    PurchaseInvoice,
    Vendor,
    VendorLedgerEntry,
)
from bc_client.odata import all_of, any_of, eq, modified_since
from bc_emulator import EmulatorServer

from ._configs import FAST_RETRIES, basic_config, cloud_config

Factory = Callable[..., EmulatorServer]


@pytest.fixture
def bc(bc_emulator: EmulatorServer) -> Iterator[BusinessCentralClient]:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as client:
        yield client


def _requests(emu: EmulatorServer) -> int:
    return int(emu.usage()["total"].get("http_requests", 0))


def test_paging_follows_next_links_and_honours_maxpagesize(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(page_size=3)
    with BusinessCentralClient(basic_config(emu)) as bc:
        _ = bc.company
        seen_before = _requests(emu)
        pages = list(bc.iter_pages("vendors", select=["number"]))
        assert [len(page) for page in pages] == [3, 3, 3, 3, 1]
        assert _requests(emu) - seen_before == 5
        numbers = [v.number for v in bc.iter_entities("vendors", model=Vendor, page_size=2)]
        assert len(numbers) == 13 and numbers == sorted(numbers) and len(set(numbers)) == 13
        assert _requests(emu) - seen_before == 5 + 7  # Prefer: odata.maxpagesize=2 -> 7 pages


def test_filters_select_and_expand(bc: BusinessCentralClient) -> None:
    postable = bc.list_entities(
        "accounts", filter=all_of(eq("accountType", "Posting"), eq("directPosting", True)), model=Account
    )
    assert postable and all(a.account_type == "Posting" and a.direct_posting for a in postable)
    assert "2100" not in {a.number for a in postable}  # payables: no direct posting
    two = bc.list_entities("vendors", filter=any_of("number", ["V10000", "V10020"]), select=["number"])
    assert sorted(v["number"] for v in two) == ["V10000", "V10020"]
    assert set(two[0]) <= {"@odata.etag", "number"}
    [department] = bc.list_entities("dimensions", filter=eq("code", "DEPARTMENT"), expand=["dimensionValues"])
    assert {"ADM", "SALES"} <= {value["code"] for value in department["dimensionValues"]}


def test_quoted_strings_round_trip_through_filters(bc: BusinessCentralClient) -> None:
    name = "O'Brien & Sons + Co #1"
    bc.create("vendors", {"number": "VQUOTE", "displayName": name})
    found = bc.list_entities("vendors", filter=eq("displayName", name), model=Vendor)
    assert [v.number for v in found] == ["VQUOTE"]


def test_incremental_read_by_last_modified(bc: BusinessCentralClient) -> None:
    vendors = bc.list_entities("vendors", model=Vendor)
    watermark = max(v.last_modified_date_time for v in vendors if v.last_modified_date_time)
    assert bc.list_entities("vendors", filter=modified_since(watermark)) == []
    target = vendors[3]
    bc.update(f"vendors({target.id})", {"displayName": "Renamed Ltd"}, target.etag or "*")
    changed = bc.list_entities("vendors", filter=modified_since(watermark), model=Vendor)
    assert [(v.number, v.display_name) for v in changed] == [(target.number, "Renamed Ltd")]


def test_etags_guard_updates_and_deletes(bc: BusinessCentralClient) -> None:
    created = bc.create("vendors", {"number": "VETAG", "displayName": "Etag Test", "blocked": " "}, model=Vendor)
    path = f"vendors({created.id})"
    updated = bc.update(path, {"blocked": "Payment"}, created.etag or "", model=Vendor)
    assert updated.blocked == "Payment" and updated.etag != created.etag
    with pytest.raises(ConcurrencyConflictError) as excinfo:
        bc.update(path, {"displayName": "Lost update"}, created.etag or "")
    assert excinfo.value.status == 409 and excinfo.value.code == "Request_EntityChanged"
    with pytest.raises(ValueError, match="etag"):
        bc.update(path, {"displayName": "x"}, "")
    bc.delete(path, updated.etag or "")
    with pytest.raises(NotFoundError):
        bc.get(path)


def test_bc_errors_are_classified_with_bc_messages(bc: BusinessCentralClient) -> None:
    with pytest.raises(ApplicationError) as too_long:
        bc.create("vendors", {"number": "VLONG", "displayName": "x" * 101})
    assert too_long.value.code == "Application_StringExceededLength" and too_long.value.category == "Application"
    with pytest.raises(EntityExistsError) as duplicate:
        bc.create("vendors", {"number": "V10000", "displayName": "Again"})
    assert duplicate.value.category == "Internal"
    with pytest.raises(BadRequestError) as unknown_field:
        bc.create("vendors", {"number": "VFIELD", "favouriteColour": "blue"})
    assert "favouriteColour" in unknown_field.value.message
    [account] = bc.list_entities("accounts", filter=eq("number", "6100"))
    with pytest.raises(BadRequestError) as read_only:  # accounts are read-only in the API
        bc.update(f"accounts({account['id']})", {"blocked": True}, "*")
    assert read_only.value.code == "BadRequest_MethodNotAllowed"
    with pytest.raises(NotFoundError):
        bc.get("vendors(00000000-0000-0000-0000-000000000001)")
    assert all(e.value.correlation_id for e in (too_long, duplicate, unknown_field))


def test_deep_insert_post_action_and_ledger_reads(bc: BusinessCentralClient) -> None:
    draft = bc.create(
        "purchaseInvoices",
        {
            "vendorNumber": "V10010",
            "vendorInvoiceNumber": "INV-DEEP-1",
            "invoiceDate": date(2026, 1, 15),
            "postingDate": date(2026, 1, 15),
            "purchaseInvoiceLines": [
                {"lineType": "Account", "lineObjectNumber": "6100", "quantity": 1, "unitCost": Decimal("100.10")},
                {"lineType": "Account", "lineObjectNumber": "6200", "quantity": 1, "unitCost": Decimal("0.20")},
            ],
        },
        model=PurchaseInvoice,
    )
    assert draft.is_draft
    lines = bc.list_entities(f"purchaseInvoices({draft.id})/purchaseInvoiceLines")
    assert sorted(line["unitCost"] for line in lines) == [Decimal("0.20"), Decimal("100.10")]
    bc.invoke_action(f"purchaseInvoices({draft.id})", "Microsoft.NAV.post")
    with pytest.raises(ApplicationError):
        bc.invoke_action(f"purchaseInvoices({draft.id})", "Microsoft.NAV.post")  # drafts only
    posted = bc.list_entities("purchaseInvoices", filter=eq("vendorInvoiceNumber", "INV-DEEP-1"), model=PurchaseInvoice)
    assert [p.status for p in posted] == ["Open"] and posted[0].total_amount_excluding_tax == Decimal("100.30")
    vendor_entries = bc.list_entities(
        "vendorLedgerEntries",
        api_route="microsoft/reportsFinance/beta",
        filter=eq("externalDocumentNumber", "INV-DEEP-1"),
        model=VendorLedgerEntry,
    )
    assert len(vendor_entries) == 1 and vendor_entries[0].vendor_number == "V10010"
    gl = bc.list_entities(
        "generalLedgerEntries", filter=eq("documentNumber", posted[0].number), model=GeneralLedgerEntry
    )
    assert sum(e.debit_amount or 0 for e in gl) == sum(e.credit_amount or 0 for e in gl) == Decimal("100.30")


def test_company_resolution_by_id_name_and_case(bc_emulator: EmulatorServer) -> None:
    for wanted in (bc_emulator.company_id, bc_emulator.company_name, (bc_emulator.company_name or "").upper()):
        with BusinessCentralClient(basic_config(bc_emulator, company=wanted)) as bc:
            assert str(bc.company.id) == bc_emulator.company_id


def test_unknown_company_lists_the_available_names(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator, company="CRONUS Canada")) as bc:
        with pytest.raises(CompanyNotFoundError) as excinfo:
            _ = bc.company
        names = sorted(c.name or "" for c in bc.list_companies())
    assert excinfo.value.available == names and bc_emulator.company_name in names
    assert all(f"'{name}'" in str(excinfo.value) for name in names)


def test_wrong_environment_names_tenant_and_environment(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    wrong = emu.api_base_url.replace(f"/{emu.environment}/", "/sandbox-typo/")
    config = cloud_config(emu, deployment={"environment": "sandbox-typo"}, api_base_url=wrong)
    with BusinessCentralClient(config) as bc, pytest.raises(ConfigurationError) as excinfo:
        _ = bc.company
    assert "environment ('sandbox-typo')" in str(excinfo.value) and "tenant_id" in str(excinfo.value)


def test_wrong_server_instance_says_so(bc_emulator: EmulatorServer) -> None:
    config = basic_config(bc_emulator)
    config = config.model_copy(
        update={"deployment": config.deployment.model_copy(update={"server_instance": "NAV2018"})}
    )
    with BusinessCentralClient(config) as bc, pytest.raises(ConfigurationError, match="server_instance"):
        _ = bc.company


def test_disabled_api_services_explain_how_to_enable_them(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(api_disabled=True)
    with BusinessCentralClient(basic_config(emu)) as bc, pytest.raises(ApiDisabledError) as excinfo:
        _ = bc.company
    message = str(excinfo.value)
    for hint in ("ApiServicesEnabled", "ODataServicesEnabled", "Integrate APIs", "7048"):
        assert hint in message
