"""NavPageClient against the emulator's classic NAV 2018 mode over real HTTP(S): basic and NTLM, paging, keys,
ETags, errors, retries and the no-blind-resend rule for POST (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from bc_client import (
    AuthenticationError,
    BCError,
    CompanyNotFoundError,
    ConcurrencyConflictError,
    NotFoundError,
    WriteOutcomeUnknownError,
)
from bc_client.nav import NavPageClient
from bc_emulator import EmulatorServer

from ._configs import FAST_RETRIES
from ._nav import NTLM_PASSWORD, nav_config

Factory = Callable[..., EmulatorServer]


@pytest.fixture
def nav_emu(bc_emulator_factory: Factory) -> EmulatorServer:
    # Small server pages: every collection read follows several @odata.nextLink pages.
    return bc_emulator_factory(bc_version="nav2018", tls=True, page_size=4)


def _seed_vendor_count(emu: EmulatorServer) -> int:
    return len(emu.dump()["companies"][0]["vendors"])


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_reads_every_vendor_across_pages_with_either_auth(nav_emu: EmulatorServer, auth: str) -> None:
    with NavPageClient.from_config(nav_config(nav_emu, auth), retry_policy=FAST_RETRIES) as nav:
        vendors = list(nav.read("vendors"))
        usage = nav.usage.snapshot()
    assert len(vendors) == _seed_vendor_count(nav_emu) > 4
    assert all("@odata.etag" in vendor and vendor["No"] for vendor in vendors)
    assert {vendor["Blocked"] for vendor in vendors} <= {" ", "Payment", "All"}  # option captions, as NAV sends
    if auth == "ntlm":
        assert usage["ntlm_handshakes"] >= 1


def test_ntlm_handshakes_once_per_connection_not_per_request(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu, "ntlm"), max_in_flight=1, retry_policy=FAST_RETRIES) as nav:
        for _ in range(3):
            assert nav.companies()
        usage = nav.usage.snapshot()
    assert usage["ntlm_handshakes"] == 1  # the authenticated keep-alive connection carries the later requests


def test_ntlm_with_concurrent_requests(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu, "ntlm"), max_in_flight=4, retry_policy=FAST_RETRIES) as nav:
        results = [list(nav.read("vendors")) for _ in range(2)]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(4) as pool:
            counts = list(pool.map(lambda _: len(list(nav.read("gl_accounts"))), range(8)))
    assert len(set(counts)) == 1 and counts[0] > 0
    assert len(results[0]) == len(results[1])


def test_a_wrong_ntlm_password_is_an_authentication_error_without_the_password(nav_emu: EmulatorServer) -> None:
    config = nav_config(nav_emu, "ntlm", auth={"password": "Wrong-Passw0rd-123"})
    with (
        NavPageClient.from_config(config, retry_policy=FAST_RETRIES) as nav,
        pytest.raises(AuthenticationError) as caught,
    ):
        nav.companies()
    assert caught.value.status == 401
    assert "Wrong-Passw0rd-123" not in str(caught.value) and NTLM_PASSWORD not in str(caught.value)


def test_service_document_and_companies(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu)) as nav:
        published = nav.published_services()
        companies = nav.companies()
    assert "Vendor_Card" in published and "General_Journal" in published and "Company" not in published
    assert nav_emu.company_name in companies


def test_filter_select_orderby_and_decimals(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu)) as nav:
        rows = list(nav.read("gl_accounts", filter="Account_Type eq 'Posting'", select=["No", "Name"], orderby="No"))
        vendors = list(nav.read("vendors", select=["No", "Balance_LCY"]))
    assert rows and all(set(row) <= {"No", "Name", "@odata.etag"} for row in rows)
    assert [row["No"] for row in rows] == sorted(row["No"] for row in rows)
    assert all(isinstance(v["Balance_LCY"], Decimal | int) and not isinstance(v["Balance_LCY"], float) for v in vendors)


def test_get_by_key_and_missing_record(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu)) as nav:
        first = next(nav.read("vendors"))
        again = nav.get("vendors", first["No"])
        named = nav.get("vendors", {"No": first["No"]})
        missing = nav.get("vendors", "NO-SUCH-VENDOR")
        value = next(nav.read("dimension_values"))
        by_composite = nav.get("dimension_values", {"Dimension_Code": value["Dimension_Code"], "Code": value["Code"]})
    assert again is not None and again["No"] == first["No"] and named == again
    assert missing is None
    assert by_composite is not None and by_composite["Code"] == value["Code"]


def test_an_unpublished_service_is_named(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_published_services={"Vendor_Card": "vendors"})
    with NavPageClient.from_config(nav_config(emu)) as nav:
        with pytest.raises(NotFoundError, match="Chart_of_Accounts.*publish it"):
            list(nav.read("gl_accounts"))
        with pytest.raises(NotFoundError, match="Chart_of_Accounts"):
            nav.get("gl_accounts", "6100")
        assert nav.published_services() == ["Vendor_Card"]


def test_vendor_insert_modify_with_etag_and_stale_etag(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu)) as nav:
        created = nav.insert("vendors", {"No": "NAV-T1", "Name": "O'Brien & Sons, Ltd.", "City": "Chicago"})
        assert created["No"] == "NAV-T1" and created["Name"] == "O'Brien & Sons, Ltd."
        modified = nav.modify("vendors", "NAV-T1", {"City": "Evanston"}, created["@odata.etag"])
        assert modified["City"] == "Evanston" and modified["@odata.etag"] != created["@odata.etag"]
        with pytest.raises(ConcurrencyConflictError):
            nav.modify("vendors", "NAV-T1", {"City": "Skokie"}, created["@odata.etag"])
        assert nav.get("vendors", "NAV-T1")["City"] == "Evanston"  # type: ignore[index]
        nav.delete("vendors", "NAV-T1", modified["@odata.etag"])
        assert nav.get("vendors", "NAV-T1") is None


def test_journal_line_by_composite_key(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu)) as nav:
        account = next(nav.read("gl_accounts", filter="Account_Type eq 'Posting' and Direct_Posting eq true"))
        batch = next(nav.read("journal_batches"))
        line = nav.insert(
            "general_journal",
            {
                "Journal_Template_Name": batch["Journal_Template_Name"],
                "Journal_Batch_Name": batch["Name"],
                "Line_No": 10000,
                "Posting_Date": "2018-01-31",
                "Document_No": "STP-T-1",
                "Account_Type": "G/L Account",
                "Account_No": account["No"],
                "Description": "test line",
                "Amount": Decimal("12.34"),
            },
        )
        key = {
            "Journal_Template_Name": batch["Journal_Template_Name"],
            "Journal_Batch_Name": batch["Name"],
            "Line_No": 10000,
        }
        read_back = nav.get("general_journal", key)
        assert read_back is not None and Decimal(read_back["Amount"]) == Decimal("12.34")
        nav.delete("general_journal", key, line["@odata.etag"])
        assert nav.get("general_journal", key) is None


def test_transient_read_errors_are_retried(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu), retry_policy=FAST_RETRIES) as nav:
        nav_emu.faults.add(kind="status", status=503, route="ODataV4/Vendor_Card", methods=["GET"], times=2)
        assert len(list(nav.read("vendors"))) == _seed_vendor_count(nav_emu)
        assert nav.usage.snapshot()["retries"] == 2


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_a_post_whose_answer_was_lost_is_not_resent(nav_emu: EmulatorServer, auth: str) -> None:
    with NavPageClient.from_config(nav_config(nav_emu, auth), retry_policy=FAST_RETRIES) as nav:
        before = _seed_vendor_count(nav_emu)
        nav_emu.faults.add(kind="drop_after_commit", route="ODataV4/Vendor_Card", methods=["POST"], times=1)
        with pytest.raises(WriteOutcomeUnknownError):
            nav.insert("vendors", {"No": "NAV-LOST", "Name": "Lost answer"})
        assert _seed_vendor_count(nav_emu) == before + 1  # committed once, never twice
        assert nav.get("vendors", "NAV-LOST") is not None  # and the caller can look it up


def test_an_unknown_company_is_named_with_the_companies(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu, company="No Such Company")) as nav:
        with pytest.raises(CompanyNotFoundError) as caught:
            list(nav.read("vendors"))
        with pytest.raises(CompanyNotFoundError):
            nav.get("vendors", "V10000")
    assert nav_emu.company_name in caught.value.available
    assert "'No Such Company' not found" in caught.value.message


def test_nav_validation_errors_keep_navs_message(nav_emu: EmulatorServer) -> None:
    with NavPageClient.from_config(nav_config(nav_emu)) as nav:
        with pytest.raises(BCError) as caught:
            nav.insert("vendors", {"No": "NAV-T2", "Name": "x", "Blocked": "Sometimes"})
        assert caught.value.status == 400 and "is not an option" in caught.value.message
        with pytest.raises(BCError) as caught:
            nav.insert(
                "general_journal",
                {"Journal_Template_Name": "GENERAL", "Journal_Batch_Name": "DEFAULT", "Line_No": 90000,
                 "Account_Type": "G/L Account", "Account_No": "NO-SUCH-ACCOUNT", "Amount": Decimal("1")},
            )  # fmt: skip
        assert caught.value.status is not None and caught.value.status >= 400
        assert "NO-SUCH-ACCOUNT" in caught.value.message
