"""JSON $batch against the emulator: chunking, partial success, atomic rollback, operation counting, resends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from bc_client import (
    ApplicationError,
    BatchOperation,
    BatchRolledBackError,
    BusinessCentralClient,
    EntityExistsError,
    GeneralLedgerEntry,
    Journal,
    ServiceUnavailableError,
    ThrottledError,
)
from bc_client.odata import eq
from bc_emulator import EmulatorServer

from ._configs import FAST_RETRIES, basic_config


@pytest.fixture
def bc(bc_emulator: EmulatorServer) -> Iterator[BusinessCentralClient]:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as client:
        _ = client.company
        yield client


def _vendor(number: str, **extra: object) -> BatchOperation:
    return BatchOperation("POST", "vendors", body={"number": number, "displayName": f"Vendor {number}", **extra})


SEEDED_VENDORS = 13  # vendors in the cronus seed


def _vendor_count(bc: BusinessCentralClient) -> int:
    return len(bc.list_entities("vendors", select=["id"]))


def test_large_batches_are_chunked_by_100_and_every_operation_counts(
    bc: BusinessCentralClient, bc_emulator: EmulatorServer
) -> None:
    before_client = bc.usage.snapshot()
    before_server = bc_emulator.operations()
    results = bc.batch([_vendor(f"VB{i:04d}") for i in range(250)])
    assert [r.status for r in results] == [201] * 250
    assert [r.body["number"] for r in results] == [f"VB{i:04d}" for i in range(250)]  # input order
    assert all(r.etag for r in results)
    after = bc.usage.snapshot()
    assert after["batch_requests"] - before_client["batch_requests"] == 3
    assert after["operations"] - before_client["operations"] == 250
    assert bc_emulator.operations() - before_server == 250  # the server counted the same
    assert _vendor_count(bc) == 263


def test_independent_operations_fail_alone(bc: BusinessCentralClient) -> None:
    results = bc.batch([_vendor("VP1"), _vendor("V10000"), _vendor("VP2", displayName="y" * 101), _vendor("VP3")])
    assert results[0].status == 201 and results[3].status == 201  # after the failures: continue-on-error
    assert isinstance(results[1].error, EntityExistsError)
    assert isinstance(results[2].error, ApplicationError)
    assert results[2].error.code == "Application_StringExceededLength"
    assert _vendor_count(bc) == 15  # 13 seeded + VP1 + VP3


def test_atomic_batch_is_all_or_nothing_and_names_the_culprit(bc: BusinessCentralClient) -> None:
    operations = [_vendor("VA1"), _vendor("VA2"), _vendor("V10000"), _vendor("VA3")]
    with pytest.raises(BatchRolledBackError) as excinfo:
        bc.batch(operations, atomic=True)
    assert list(excinfo.value.failures) == [2]
    assert isinstance(excinfo.value.failures[2], EntityExistsError)
    assert "operation 3 of 4" in str(excinfo.value)
    assert _vendor_count(bc) == 13  # VA1 and VA2 were rolled back
    results = bc.batch(operations[:2] + operations[3:], atomic=True)
    assert [r.status for r in results] == [201, 201, 201] and _vendor_count(bc) == 16


def test_atomic_batch_over_100_operations_is_refused_before_sending(bc: BusinessCentralClient) -> None:
    sent = bc.usage.snapshot()["http_requests"]
    with pytest.raises(ValueError, match="at most 100"):
        bc.batch([_vendor(f"VX{i}") for i in range(101)], atomic=True)
    assert bc.usage.snapshot()["http_requests"] == sent


def test_patch_and_delete_in_a_batch_need_etags(bc: BusinessCentralClient) -> None:
    with pytest.raises(ValueError, match="etag"):
        BatchOperation("PATCH", "vendors(00000000-0000-0000-0000-000000000001)", body={"displayName": "x"})
    vendor = bc.list_entities("vendors", filter=eq("number", "V10020"))[0]
    [patched] = bc.batch(
        [BatchOperation("PATCH", f"vendors({vendor['id']})", {"city": "Atlanta"}, vendor["@odata.etag"])]
    )
    assert patched.status == 200 and patched.body["city"] == "Atlanta"
    [stale] = bc.batch([BatchOperation("PATCH", f"vendors({vendor['id']})", {"city": "Boston"}, vendor["@odata.etag"])])
    assert stale.status == 409 and stale.error is not None and stale.error.code == "Request_EntityChanged"


def test_throttled_inner_operations_are_resent_alone(bc: BusinessCentralClient, bc_emulator: EmulatorServer) -> None:
    bc_emulator.faults.add(kind="status", status=429, route="vendors", methods=["POST"], times=2, after=1)
    results = bc.batch([_vendor("VT1"), _vendor("VT2"), _vendor("VT3"), _vendor("VT4")])
    assert [r.status for r in results] == [201] * 4
    usage = bc.usage.snapshot()
    assert usage["retries"] == 1 and usage["throttled"] == 2
    assert _vendor_count(bc) == SEEDED_VENDORS + 4  # nothing created twice


def test_journal_lines_in_one_transaction_then_posted(bc: BusinessCentralClient) -> None:
    journal = bc.create("journals", {"code": "BATCHTEST", "displayName": "bc_client test"}, model=Journal)
    lines = [
        {"accountType": "G/L Account", "accountNumber": "6100", "amount": Decimal("99.99")},
        {"accountType": "G/L Account", "accountNumber": "6200", "amount": Decimal("0.01")},
        {"accountType": "Vendor", "accountNumber": "V10000", "amount": Decimal("-100.00")},
    ]
    common = {"postingDate": date(2026, 2, 1), "documentNumber": "BCT-0001", "externalDocumentNumber": "EXT-0001"}
    bc.batch(
        [BatchOperation("POST", f"journals({journal.id})/journalLines", body={**common, **line}) for line in lines],
        atomic=True,
    )
    bc.invoke_action(f"journals({journal.id})", "Microsoft.NAV.post")
    entries = bc.list_entities(
        "generalLedgerEntries", filter=eq("documentNumber", "BCT-0001"), model=GeneralLedgerEntry
    )
    assert sum(e.debit_amount or 0 for e in entries) == Decimal("100.00")
    assert sum(e.credit_amount or 0 for e in entries) == Decimal("100.00")


def test_throttled_inner_operations_wait_for_retry_after(
    bc: BusinessCentralClient, bc_emulator: EmulatorServer
) -> None:
    # Emulator-only fault machinery: BC answers an inner 429 with Retry-After like a top-level one.
    bc_emulator.faults.add(kind="status", status=429, route="vendors", methods=["POST"], times=1, retry_after_s=1)
    started = time.monotonic()
    results = bc.batch([_vendor("VRA1"), _vendor("VRA2")])
    assert time.monotonic() - started >= 1.0  # Retry-After honoured, not the 0.05 s backoff of FAST_RETRIES
    assert [r.status for r in results] == [201, 201]
    assert bc.usage.snapshot()["retries"] == 1 and _vendor_count(bc) == SEEDED_VENDORS + 2


@pytest.mark.parametrize(("status", "error_class"), [(429, ThrottledError), (503, ServiceUnavailableError)])
def test_inner_operations_refused_past_the_budget_say_why(
    bc: BusinessCentralClient, bc_emulator: EmulatorServer, status: int, error_class: type[Exception]
) -> None:
    bc_emulator.faults.add(kind="status", status=status, route="vendors", methods=["POST"], retry_after_s=0)
    reads = BatchOperation("GET", "vendors", id="read")
    before = bc.usage.snapshot()
    results = bc.batch([_vendor("VRX1"), reads, _vendor("VRX2")])
    assert results[1].ok  # the read went through on the first attempt and was not resent
    for refused in (results[0], results[2]):
        assert isinstance(refused.error, error_class) and refused.status == status
        message = str(refused.error)
        assert f"answered {status}" in message and "2 of 3 $batch operation(s)" in message
        assert "each of 5 attempt(s)" in message and "last Retry-After 0s" in message
    usage = bc.usage.snapshot()
    assert usage["batch_requests"] - before["batch_requests"] == 5
    assert usage["operations"] - before["operations"] == 3 + 4 * 2  # only the refused ones were resent
    assert _vendor_count(bc) == SEEDED_VENDORS


def test_an_atomic_batch_refused_past_the_budget_names_status_count_and_retry_after(
    bc: BusinessCentralClient, bc_emulator: EmulatorServer
) -> None:
    bc_emulator.faults.add(kind="status", status=429, route="vendors", methods=["POST"], after=1, retry_after_s=0)
    with pytest.raises(BatchRolledBackError) as excinfo:
        bc.batch([_vendor("VRY1"), _vendor("VRY2"), _vendor("VRY3")], atomic=True)
    message = str(excinfo.value)
    assert "unanswered" not in message
    assert "429" in message and "none of its 3 operations was applied" in message
    assert "each of 5 attempt(s)" in message and "last Retry-After 0s" in message
    assert excinfo.value.status == 429 and excinfo.value.failures == {}
    assert bc.usage.snapshot()["batch_requests"] == 5  # the whole transaction resent each time (BC rolled it back)
    assert _vendor_count(bc) == SEEDED_VENDORS


def test_an_atomic_batch_throttled_once_is_resent_whole_and_commits_once(
    bc: BusinessCentralClient, bc_emulator: EmulatorServer
) -> None:
    bc_emulator.faults.add(kind="status", status=503, route="vendors", methods=["POST"], after=1, times=1)
    results = bc.batch([_vendor("VRZ1"), _vendor("VRZ2"), _vendor("VRZ3")], atomic=True)
    assert [r.status for r in results] == [201, 201, 201]
    assert _vendor_count(bc) == SEEDED_VENDORS + 3  # VRZ1, rolled back with the refused VRZ2, was not created twice
