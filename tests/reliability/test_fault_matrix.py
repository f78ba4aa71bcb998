"""Fault matrix: one test per fault, against the embedded SFTP server and the BC emulator over real sockets.

Each cell runs the forward connection (source-stampli-sftp read → destination-dynamics-nav write, destination-
confirmed state) with the fault in place. The run must complete correctly, or fail with a clear error and leave a
state from which the next run (fault gone) completes correctly. Then NAV's books must hold every approved invoice
exactly once, balanced, nothing else, nothing left half-written (reliability_harness.cells.run_cell).

Faults about processes (a connector killed mid-write) are in test_crash_anywhere.py, with real processes.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from reliability_harness.cells import run_cell, when_fired
from reliability_harness.exports import expected_postings, place_invoice_batch, vendor_row, write_vendor_export
from reliability_harness.inprocess import InProcessConnection
from reliability_harness.ledger import Books, ExpectedPosting, duplicate_problems, posting_problems
from reliability_harness.world import SFTP_USER, World

from embedded_sftp import EmbeddedSftpServer
from stampli_samples.exports import Invoice

MTIME = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
JOURNAL_POST = "companies/journals/Microsoft.NAV.post"
JOURNAL_LINES = "companies/journals/journalLines"  # written inside $batch: status faults hit the inner requests
GL_ENTRIES = "companies/generalLedgerEntries"
PURCHASE_INVOICES = "companies/purchaseInvoices"
PURCHASE_INVOICE_POST = "companies/purchaseInvoices/Microsoft.NAV.post"


def exports(world: World, seed: int, sizes: tuple[int, ...] = (3, 4)) -> list[Invoice]:
    """A vendors export changing one vendor, then invoice files of `sizes` invoices (some pending approval)."""
    write_vendor_export(
        world.outbound / "vendors_20261125.csv",
        [vendor_row("V10010", "First Up Consultants", phone="312-555-0199")],
        MTIME,
    )
    return place_invoice_batch(world.outbound, f"F{seed}", sizes, random.Random(seed), MTIME, pending_share=0.2)


def connection(world: World, **destination: object) -> InProcessConnection:
    return InProcessConnection(world.source_config(), world.destination_config(**destination))


# -- SFTP ---------------------------------------------------------------------------------------------------------


def test_sftp_connection_dropped_mid_download_is_retried_and_the_run_completes(world: World) -> None:
    invoices = exports(world, 1)
    world.sftp.break_next_download(after_bytes=120)  # the first file opened loses its connection mid-transfer
    result = run_cell(connection(world), world.emulator, expected_postings(invoices))
    assert result.first.succeeded, result.first.error_text()
    assert any("failed" in w and "retrying" in w for w in result.first.source_warnings()), result.first.source_logs


def test_sftp_connection_dropping_on_every_attempt_fails_clearly_and_the_next_run_completes(world: World) -> None:
    nav = connection(world)
    earlier = exports(world, 2, sizes=(3,))
    assert nav.sync().succeeded
    later = place_invoice_batch(world.outbound, "G2", (4,), random.Random(22), MTIME.replace(day=26))

    def break_again(_path: object) -> None:
        world.sftp.break_next_download(after_bytes=120)

    world.sftp.break_next_download(after_bytes=120)
    world.sftp.on_open_for_read = break_again  # every download of the new file drops, retries included

    def heal() -> None:
        world.sftp.on_open_for_read = None
        world.sftp.break_next_download(after_bytes=10**9)  # disarm the fault armed by the last open

    result = run_cell(
        nav,
        world.emulator,
        expected_postings(earlier + later),
        clear_faults=heal,
        clear_words=("downloading /outbound/invoices_g2_1.csv failed 3 times",),
    )
    assert not result.first.succeeded
    assert result.first.source_failure_type == "transient_error"
    assert result.last.actions() == {i.invoice_id: ["posted"] for i in later if i.status == "Approved"}


def test_sftp_authentication_failure_fails_clearly_without_echoing_the_password(world: World) -> None:
    invoices = exports(world, 3)
    wrong = "wrong-" + world.sftp_password[::-1]
    nav = InProcessConnection(world.source_config(**world.sftp_block(password=wrong)), world.destination_config())

    def fix_password() -> None:
        nav.source_config = world.source_config()

    result = run_cell(
        nav,
        world.emulator,
        expected_postings(invoices),
        clear_faults=fix_password,
        clear_words=("authentication failed", f"{SFTP_USER}@", "credentials were rejected"),
    )
    first = result.first
    assert not first.succeeded and first.source_failure_type == "config_error"
    assert first.records == [] and first.states_confirmed == 0
    assert wrong not in first.error_text()


class _Recording(dict):  # type: ignore[type-arg]
    """A credentials table that notes every user name the server was asked to check credentials for."""

    def __init__(self, data: dict[str, object], asked: list[str]) -> None:
        super().__init__(data)
        self.asked = asked

    def get(self, key: object, default: object = None) -> object:
        self.asked.append(str(key))
        return super().get(key, default)


def test_sftp_host_key_changed_is_refused_before_any_credential_is_sent(world: World) -> None:
    invoices = exports(world, 4)
    nav = connection(world)
    first_config = dict(nav.source_config)
    pinned = world.sftp.host_key_line
    port = world.sftp.port
    world.sftp.stop()
    # Same address, same files, another host key: a rotated key or a man in the middle.
    impostor = EmbeddedSftpServer(root=world.sftp.root, users={SFTP_USER: world.sftp_password}, port=port)
    asked: list[str] = []
    impostor.users = _Recording(impostor.users, asked)
    impostor.authorized_keys = _Recording(impostor.authorized_keys, asked)
    asked_while_refused: list[str] = []
    with impostor:
        assert impostor.host_key_line != pinned

        def operator_pins_the_new_key() -> None:
            asked_while_refused.extend(asked)
            nav.source_config = {**first_config, "port": impostor.port, "host_key": impostor.host_key_line}

        result = run_cell(
            nav,
            world.emulator,
            expected_postings(invoices),
            clear_faults=operator_pins_the_new_key,
            clear_words=("host key mismatch", impostor.host_key_fingerprint, "pinned host_key"),
        )
    first = result.first
    assert not first.succeeded and first.source_failure_type == "config_error"
    assert first.records == [] and first.states_confirmed == 0
    # The refused server was never asked to check a credential: the pin is verified before authentication.
    assert asked_while_refused == []
    assert SFTP_USER in asked  # ...while the run after the new pin did authenticate (the recorder works)


# -- Business Central ---------------------------------------------------------------------------------------------


def test_bc_429_with_retry_after_is_honoured_and_the_run_completes(world: World) -> None:
    invoices = exports(world, 5)
    faults = world.emulator.faults
    faults.add(kind="status", status=429, retry_after_s=1, route=GL_ENTRIES, methods=["GET"], times=2)
    faults.add(kind="status", status=429, retry_after_s=1, route="$batch", methods=["POST"], times=1)
    faults.add(kind="status", status=429, retry_after_s=1, route=JOURNAL_POST, methods=["POST"], times=1)
    started = time.monotonic()
    result = run_cell(connection(world), world.emulator, expected_postings(invoices))
    assert result.first.succeeded, result.first.error_text()
    assert all(count >= 1 for count in result.fired.values()), result.fired
    assert result.first.summary is not None and result.first.summary["api"]["throttled"] >= 4
    # Each 429 said "Retry-After: 1". The vendor batch, the ledger look-ups and the post come one after the other
    # (look-ups may run side by side), so honouring the header takes at least 3 s.
    assert time.monotonic() - started >= 3.0


@pytest.mark.parametrize(
    ("mode", "route", "methods"),
    [
        ("journal", JOURNAL_POST, ["POST"]),
        ("journal", JOURNAL_LINES, ["POST"]),
        ("journal", GL_ENTRIES, ["GET"]),
        ("purchase_invoice", PURCHASE_INVOICES, ["POST"]),
        ("purchase_invoice", PURCHASE_INVOICE_POST, ["POST"]),
    ],
    ids=["journal-post", "journal-line-write", "ledger-lookup", "purchase-invoice-create", "purchase-invoice-post"],
)
def test_bc_500_fails_the_run_clearly_or_completes_and_never_loses_an_invoice(
    world: World, mode: str, route: str, methods: list[str]
) -> None:
    invoices = exports(world, 6)
    world.emulator.faults.add(kind="status", status=500, route=route, methods=methods, times=1)
    result = run_cell(
        connection(world, posting_mode=mode),
        world.emulator,
        expected_postings(invoices, journal=mode == "journal"),
        clear_words=("500",),
    )
    assert all(count == 1 for count in result.fired.values()), result.fired


@pytest.mark.parametrize(
    ("route", "times"),
    [(JOURNAL_POST, 1), ("$batch", 2), (GL_ENTRIES, 2), ("$batch", None)],
    ids=["post-once", "batch-twice", "lookup-twice", "batch-persistent"],
)
def test_bc_503_is_retried_or_fails_clearly_and_the_next_run_completes(
    world: World, route: str, times: int | None
) -> None:
    invoices = exports(world, 7)
    world.emulator.faults.add(kind="status", status=503, retry_after_s=0, route=route, times=times)
    result = run_cell(
        connection(world), world.emulator, expected_postings(invoices), clear_words=("temporarily unavailable",)
    )
    assert all(count >= 1 for count in result.fired.values()), result.fired
    if times is not None:  # a few 503s are absorbed by the client's retries
        assert result.first.succeeded, result.first.error_text()


@pytest.mark.parametrize(
    ("mode", "route", "methods"),
    [
        ("journal", JOURNAL_POST, ["POST"]),
        ("journal", "$batch", ["POST"]),
        ("journal", JOURNAL_LINES, ["POST"]),
        ("journal", GL_ENTRIES, ["GET"]),
        ("purchase_invoice", PURCHASE_INVOICES, ["POST"]),
        ("purchase_invoice", PURCHASE_INVOICE_POST, ["POST"]),
    ],
    ids=[
        "journal-post",
        "batch-request",
        "journal-line-write",
        "ledger-lookup",
        "purchase-invoice-create",
        "purchase-invoice-post",
    ],
)
def test_bc_504_leaves_the_outcome_unknown_and_nothing_is_doubled_or_lost(
    world: World, mode: str, route: str, methods: list[str]
) -> None:
    invoices = exports(world, 8)
    world.emulator.faults.add(kind="status", status=504, route=route, methods=methods, times=1)
    result = run_cell(
        connection(world, posting_mode=mode),
        world.emulator,
        expected_postings(invoices, journal=mode == "journal"),
        clear_words=("504",),
    )
    assert all(count == 1 for count in result.fired.values()), result.fired


# Timeouts and lost responses hit whole HTTP requests. Purchase invoices are created and posted through $batch:
# after the vendors export's own $batch, the next one creates the first file's invoices and the one after posts them.
PI_CREATE_BATCH = {"route": "$batch", "after": 1}
PI_POST_BATCH = {"route": "$batch", "after": 2}


@pytest.mark.parametrize(
    ("mode", "where"),
    [
        ("journal", {"route": "$batch", "after": 1}),
        ("journal", {"route": JOURNAL_POST}),
        ("purchase_invoice", PI_CREATE_BATCH),
        ("purchase_invoice", PI_POST_BATCH),
    ],
    ids=["journal-lines", "journal-post", "purchase-invoice-create", "purchase-invoice-post"],
)
def test_bc_timeout_without_commit_is_looked_up_and_the_run_completes(
    world: World, mode: str, where: dict[str, object]
) -> None:
    invoices = exports(world, 9)
    # The server hangs, then drops the connection without having committed anything.
    world.emulator.faults.add(kind="timeout", hang_s=1.0, methods=["POST"], times=1, **where)
    result = run_cell(
        connection(world, posting_mode=mode),
        world.emulator,
        expected_postings(invoices, journal=mode == "journal"),
        clear_words=("no response",),
    )
    assert all(count == 1 for count in result.fired.values()), result.fired


def test_bc_token_revoked_mid_run_is_renewed_once_and_the_run_completes(make_world) -> None:
    world: World = make_world(deployment="cloud")
    invoices = exports(world, 10)
    # The first $batch is held for a moment; meanwhile every token issued so far is revoked.
    rule = world.emulator.faults.add(kind="latency", latency_ms=300, route="$batch", methods=["POST"], times=1)
    watcher = when_fired(world.emulator, rule.id, world.emulator.expire_tokens)
    result = run_cell(connection(world), world.emulator, expected_postings(invoices))
    watcher.join(timeout=5)
    assert result.first.succeeded, result.first.error_text()
    api = result.first.summary["api"] if result.first.summary else {}
    assert api.get("auth_retries", 0) >= 1 and api.get("token_requests", 0) >= 2, api


@pytest.mark.parametrize(
    ("mode", "where"),
    [
        ("journal", {"route": "$batch", "after": 1}),
        ("journal", {"route": JOURNAL_POST}),
        ("journal", {"route": "$batch"}),
        ("purchase_invoice", PI_CREATE_BATCH),
        ("purchase_invoice", PI_POST_BATCH),
    ],
    ids=["journal-lines", "journal-post", "vendor-update", "purchase-invoice-create", "purchase-invoice-post"],
)
def test_bc_write_committed_but_response_lost_is_not_repeated(
    world: World, mode: str, where: dict[str, object]
) -> None:
    invoices = exports(world, 11)
    world.emulator.faults.add(kind="drop_after_commit", methods=["POST"], times=1, **where)
    result = run_cell(
        connection(world, posting_mode=mode),
        world.emulator,
        expected_postings(invoices, journal=mode == "journal"),
        clear_words=("no response",),
    )
    assert all(count == 1 for count in result.fired.values()), result.fired
    if where == {"route": "$batch"}:
        vendor = next(v for v in world.emulator.dump()["companies"][0]["vendors"] if v["number"] == "V10010")
        assert vendor["phoneNumber"] == "312-555-0199"


def test_bc_etag_conflict_on_vendor_update_is_reread_and_keeps_the_concurrent_change(world: World) -> None:
    invoices = exports(world, 12)
    # The vendor PATCH (the run's first $batch) is held; meanwhile someone in NAV puts a payment hold on V10010,
    # so the connector's If-Match no longer matches.
    rule = world.emulator.faults.add(kind="latency", latency_ms=800, route="$batch", methods=["POST"], times=1)
    watcher = when_fired(
        world.emulator, rule.id, lambda: world.emulator.store.modify("vendors", {"number": "V10010"}, blocked="Payment")
    )
    result = run_cell(connection(world), world.emulator, expected_postings(invoices))
    watcher.join(timeout=5)
    assert result.first.succeeded, result.first.error_text()
    assert result.first.actions("vendors") == {"V10010": ["vendor_updated"]}
    vendor = next(v for v in world.emulator.dump()["companies"][0]["vendors"] if v["number"] == "V10010")
    assert vendor["phoneNumber"] == "312-555-0199"  # Stampli's change applied after the re-read
    assert vendor["blocked"] == "Payment"  # the concurrent NAV change is not overwritten


def test_books_checker_reports_doubles_gaps_imbalance_and_strays() -> None:
    """The matrix is only as good as its checker: feed it books with every kind of wrong posting."""

    def entry(document: str, transaction: int, debit: str, credit: str, vendor: bool = False) -> dict[str, object]:
        return {
            "documentNumber": document,
            "transactionNumber": transaction,
            "debitAmount": Decimal(debit),
            "creditAmount": Decimal(credit),
            "accountNumber": "2100" if vendor else "6100",
            "postingDate": "2026-11-02",
        }

    def vendor_entry(document: str, amount: str, external: str) -> dict[str, object]:
        return {
            "documentNumber": document,
            "amount": Decimal(amount),
            "vendorNumber": "V1",
            "externalDocumentNumber": external,
        }

    books = Books(
        gl_entries=[
            entry("STP-TWICE", 1, "10", "0"), entry("STP-TWICE", 1, "0", "10", vendor=True),
            entry("STP-TWICE", 2, "10", "0"), entry("STP-TWICE", 2, "0", "10", vendor=True),
            entry("STP-SKEW", 3, "10", "0"), entry("STP-SKEW", 3, "0", "9", vendor=True),
            entry("STP-STRAY", 4, "5", "0"), entry("STP-STRAY", 4, "0", "5", vendor=True),
            entry("OTHER-1", 5, "7", "0"), entry("OTHER-1", 5, "0", "7"),
        ],
        vendor_entries=[
            vendor_entry("STP-TWICE", "-10", "X-1"), vendor_entry("STP-TWICE", "-10", "X-1"),
            vendor_entry("STP-SKEW", "-9", "X-2"), vendor_entry("STP-STRAY", "-5", "X-3"),
        ],
        journal_lines=[],
    )  # fmt: skip
    expected = {
        "TWICE": ExpectedPosting("V1", "X-1", Decimal("10"), "STP-TWICE"),
        "SKEW": ExpectedPosting("V1", "X-2", Decimal("10"), "STP-SKEW"),
        "GONE": ExpectedPosting("V1", "X-9", Decimal("3")),
    }
    problems = "\n".join(posting_problems(books, expected))
    assert "TWICE: posted 2 times" in problems
    assert "TWICE: document STP-TWICE posted in 2 transactions" in problems
    assert "SKEW: document STP-SKEW out of balance" in problems
    assert "SKEW: vendor ledger entry -9, expected -10" in problems
    assert "GONE: missing" in problems
    assert "vendor V1 invoice X-3: posted (STP-STRAY) but not expected" in problems
    assert "OTHER-1" not in problems  # G/L documents without a vendor invoice are not the connector's business
    assert duplicate_problems(books) == [
        "vendor V1 invoice X-1: posted 2 times",
        "document STP-TWICE: posted in 2 transactions",
    ]
