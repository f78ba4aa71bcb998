"""destination-dynamics-nav in classic NAV mode (issue 13), end to end: the connector runs as a real process
(`destination-dynamics-nav write`) against the emulator serving NAV 2018 page web services, with basic and NTLM
authentication; NAV is read back through the real `NavPageClient`, and the accountant's posting is the emulator's
admin post-batch step."""

from __future__ import annotations

import json
import logging
import ssl
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from bc_client import BCConnectionConfig
from bc_client.nav import NavPageClient
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings
from destination_dynamics_nav import DestinationDynamicsNav

LOGGER = logging.getLogger("airbyte")
SCRIPT = Path(sys.executable).with_name("destination-dynamics-nav")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]

    @property
    def audit(self) -> list[dict[str, Any]]:
        found = []
        for line in self.lines:
            if line["type"] == "LOG" and '"stampli_nav.audit"' in line["log"]["message"]:
                found.append(json.loads(line["log"]["message"]))
        return found

    def actions(self, stream: str = "invoices") -> dict[str, str]:
        return {a["key"]: a["action"] for a in self.audit if a["stream"] == stream}

    def reasons(self, stream: str = "invoices") -> dict[str, str]:
        return {a["key"]: a["reason"] or "" for a in self.audit if a["stream"] == stream}

    @property
    def states(self) -> list[int]:
        return [line["state"]["stream"]["stream_state"]["marker"] for line in self.lines if line["type"] == "STATE"]


@dataclass
class ClassicNav:
    emulator: EmulatorServer
    auth: str
    tmp: Path
    process: bool = False

    def config(self, **overrides: Any) -> dict[str, Any]:
        emulator = self.emulator
        auth: dict[str, Any] = (
            {
                "auth_type": "ntlm",
                "username": self.ntlm_user,
                "password": emulator.settings.nav_ntlm_users[self.ntlm_user],
            }
            if self.auth == "ntlm"
            else {
                "auth_type": "basic",
                "username": emulator.basic_username,
                "web_service_access_key": emulator.basic_access_key,
            }
        )
        config: dict[str, Any] = {
            "deployment": {
                "deployment_type": "nav_web_services",
                "server_url": emulator.nav_server_url,
                "server_instance": emulator.server_instance,
                "auth": auth,
            },
            "company": emulator.company_name,
            "journal_template": "GENERAL",
            "journal_batch": "STAMPLI",
            "local_currency_code": "USD",
        }
        config.update(overrides)
        return config

    @property
    def ntlm_user(self) -> str:
        return next(iter(self.emulator.settings.nav_ntlm_users))

    @property
    def secrets(self) -> list[str]:
        return [self.emulator.basic_access_key, *self.emulator.settings.nav_ntlm_users.values()]

    def run(
        self,
        command: str,
        messages: Sequence[AirbyteMessage] = (),
        catalog: ConfiguredAirbyteCatalog | None = None,
        **overrides: Any,
    ) -> Run:
        """The connector as a real process when `self.process`, else in this process (same code path below
        the CDK's entry point; used where the process start-up would only add minutes to `make test`)."""
        config = self.config(**overrides)
        if not self.process:
            return _in_process(command, config, messages, catalog)
        config_path = self.tmp / "config.json"
        config_path.write_text(json.dumps(config))
        args = [str(SCRIPT), command, "--config", str(config_path)]
        if command == "write":
            assert catalog is not None
            catalog_path = self.tmp / "catalog.json"
            catalog_path.write_bytes(orjson.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog)))
            args += ["--catalog", str(catalog_path)]
        stdin = "".join(orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() + "\n" for m in messages)
        done = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=300, check=False)
        return Run(done.returncode, done.stdout, done.stderr)

    def write(self, build: Any, messages: list[AirbyteMessage], **overrides: Any) -> Run:
        return self.run("write", messages, build.catalog(), **overrides)

    # -- NAV read back, as another user would -----------------------------------------------------------
    def client(self) -> NavPageClient:
        return NavPageClient.from_config(BCConnectionConfig.model_validate(self.config()))

    def batch_lines(self, batch: str = "STAMPLI") -> list[dict[str, Any]]:
        where = f"Journal_Template_Name eq 'GENERAL' and Journal_Batch_Name eq '{batch}'"
        with self.client() as nav:
            return list(nav.read("general_journal", filter=where))

    def documents(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in self.batch_lines():
            grouped[line["Document_No"]].append(line)
        return dict(grouped)

    def gl_entries(self) -> list[dict[str, Any]]:
        with self.client() as nav:
            return list(nav.read("gl_entries"))

    def post_batch(self) -> dict[str, Any]:
        verify: Any = ssl.create_default_context(cadata=self.emulator.ca_pem) if self.emulator.ca_pem else True
        response = httpx.post(
            f"{self.emulator.url}/_emulator/nav/post-batch",
            json={"company": self.emulator.company_name, "journal_template": "GENERAL", "journal_batch": "STAMPLI"},
            verify=verify,
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


def _in_process(
    command: str, config: dict[str, Any], messages: Sequence[AirbyteMessage], catalog: ConfiguredAirbyteCatalog | None
) -> Run:
    destination = DestinationDynamicsNav()
    out: list[AirbyteMessage] = []
    returncode = 0
    try:
        if command == "check":
            status = destination.check(LOGGER, config)
            out.append(AirbyteMessage(type=Type.CONNECTION_STATUS, connectionStatus=status))
        else:
            assert catalog is not None
            out.extend(destination.write(config, catalog, iter(messages)))
    except AirbyteTracedException as error:
        out.append(error.as_airbyte_message())
        returncode = 1
    stdout = "".join(orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() + "\n" for m in out)
    return Run(returncode, stdout, "")


def _emulator(**settings: Any) -> EmulatorServer:
    return EmulatorServer(EmulatorSettings(bc_version="nav2018", **settings), seed="cronus")


@pytest.fixture(params=["basic", "ntlm"])
def classic(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClassicNav]:
    with _emulator() as server:
        yield ClassicNav(server, request.param, tmp_path)


@pytest.fixture(params=["basic", "ntlm"])
def classic_process(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClassicNav]:
    """The connector as a real process (`destination-dynamics-nav write`), with either authentication."""
    with _emulator() as server:
        yield ClassicNav(server, request.param, tmp_path, process=True)


@pytest.fixture
def basic_process(tmp_path: Path) -> Iterator[ClassicNav]:
    with _emulator() as server:
        yield ClassicNav(server, "basic", tmp_path, process=True)


@pytest.fixture
def basic(tmp_path: Path) -> Iterator[ClassicNav]:
    with _emulator() as server:
        yield ClassicNav(server, "basic", tmp_path)


def _amount(line: dict[str, Any]) -> Decimal:
    return Decimal(str(line["Amount"]))


def _assert_staged_once(nav: ClassicNav, numbers: set[str], lines_per_document: int = 3) -> None:
    documents = nav.documents()
    assert set(documents) == numbers
    for number, lines in documents.items():
        assert len(lines) == lines_per_document, (number, lines)
        assert sum(_amount(line) for line in lines) == 0, number  # balanced per document
        assert [line["Account_Type"] for line in lines].count("Vendor") == 1


def _no_secret(nav: ClassicNav, *runs: Run) -> None:
    for run in runs:
        for secret in nav.secrets:
            assert secret not in run.stdout and secret not in run.stderr


def test_twenty_invoices_are_staged_once_and_never_again_after_the_accountant_posts(
    classic_process: ClassicNav, build
) -> None:
    classic = classic_process
    invoices = [build.invoice(f"INV-{n:03d}") for n in range(1, 21)]
    messages = [build.record("invoices", data) for data in invoices] + [build.state(1)]
    numbers = {f"STP-INV-{n:03d}" for n in range(1, 21)}

    first = classic.write(build, messages)
    assert first.returncode == 0, first.stderr[-3000:]
    assert set(first.actions().values()) == {"posted"}, first.reasons()
    assert all(reason.startswith("not_posted:") for reason in first.reasons().values())
    assert first.states == [1]
    _assert_staged_once(classic, numbers)
    vendor_line = next(line for line in classic.documents()["STP-INV-001"] if line["Account_Type"] == "Vendor")
    assert vendor_line["External_Document_No"] == "F-INV-001"
    assert vendor_line["Document_Type"] == "Invoice"
    gl_line = next(line for line in classic.documents()["STP-INV-001"] if line["Account_No"] == "6100")
    assert (gl_line["Shortcut_Dimension_1_Code"], gl_line["Shortcut_Dimension_2_Code"]) == ("ADM", "EAST")

    second = classic.write(build, messages)
    assert second.returncode == 0, second.stderr[-3000:]
    assert set(second.actions().values()) == {"skipped_duplicate"}
    assert all(reason.startswith("already_written:") for reason in second.reasons().values())
    _assert_staged_once(classic, numbers)

    posted = classic.post_batch()
    assert posted["posted_documents"] == 20
    assert classic.batch_lines() == []

    third = classic.write(build, messages)
    assert third.returncode == 0, third.stderr[-3000:]
    assert set(third.actions().values()) == {"skipped_duplicate"}
    assert all(reason.startswith("already_posted:") for reason in third.reasons().values())
    assert classic.batch_lines() == []
    assert {entry["Document_No"] for entry in classic.gl_entries()} >= numbers
    _no_secret(classic, first, second, third)


def test_bad_invoices_are_rejected_by_name_and_the_others_staged(basic: ClassicNav, build) -> None:
    messages = [
        build.record("invoices", build.one_line("OK-1")),
        build.record("invoices", build.one_line("BAD-ACCOUNT", account="8888")),
        build.record("invoices", build.one_line("BAD-DIM", department="NOPE")),
        build.record("invoices", build.invoice("NO-VENDOR", vendor_id="V77777", vendor_name=None)),
        build.record("invoices", build.one_line("CLOSED-DIM", department="CLOSED")),
        build.record("invoices", {**build.one_line("BLOCKED-VENDOR"), "vendor_id": "V10090"}),
        build.state(1),
    ]

    run = basic.write(build, messages)

    assert run.returncode == 0, run.stderr[-3000:]
    actions, reasons = run.actions(), run.reasons()
    assert actions == {
        "OK-1": "posted",
        "BAD-ACCOUNT": "rejected",
        "BAD-DIM": "rejected",
        "NO-VENDOR": "rejected",
        "CLOSED-DIM": "rejected",
        "BLOCKED-VENDOR": "rejected",
    }
    assert reasons["BAD-ACCOUNT"].startswith("unknown_gl_account:")
    assert reasons["BAD-DIM"].startswith("unknown_dimension_value:")
    assert reasons["NO-VENDOR"].startswith("unknown_vendor:")
    assert reasons["CLOSED-DIM"].startswith("dimension_value_blocked:") and "DEPARTMENT CLOSED" in reasons["CLOSED-DIM"]
    assert reasons["BLOCKED-VENDOR"].startswith("vendor_blocked:")
    _assert_staged_once(basic, {"STP-OK-1"}, lines_per_document=2)


@pytest.mark.parametrize("fault", ["status", "drop_after_commit"])
def test_faults_on_line_inserts_leave_every_invoice_staged_once_after_one_rerun(
    basic_process: ClassicNav, build, fault: str
) -> None:
    basic = basic_process
    invoices = [build.invoice(f"F-{n:02d}") for n in range(1, 9)]
    messages = [build.record("invoices", data) for data in invoices] + [build.state(1)]
    numbers = {f"STP-F-{n:02d}" for n in range(1, 9)}
    options: dict[str, Any] = {"status": 503} if fault == "status" else {}
    # Several faults in the middle of the run, past the client's own retries for 503s.
    rule = basic.emulator.faults.add(
        kind=fault, route="*General_Journal*", methods=["POST"], after=4, times=4, **options
    )

    first = basic.write(build, messages)
    assert rule.fired == 4  # the faults really hit line inserts (the rule object is the live one)
    runs = [first]
    if first.returncode != 0 or set(first.actions().values()) != {"posted"}:
        basic.emulator.faults.clear()
        rerun = basic.write(build, messages)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        runs.append(rerun)
    _assert_staged_once(basic, numbers)
    basic.emulator.faults.clear()
    again = basic.write(build, messages)
    assert set(again.actions().values()) == {"skipped_duplicate"}
    _assert_staged_once(basic, numbers)
    _no_secret(basic, *runs, again)


def test_vendors_are_created_and_updated_through_the_vendor_card(classic: ClassicNav, build) -> None:
    new_vendor = {
        "vendor_id": "V90000",
        "vendor_name": "Northwind Traders",
        "address_line_1": "1 Main Street",
        "city": "Atlanta",
        "country": "US",
        "phone": "555-0100",
        "email": "ap@northwind.example",
        "status": "Active",
    }
    dry = classic.write(build, [build.record("vendors", new_vendor), build.state(1, "vendors")], dry_run=True)
    assert dry.actions("vendors") == {"V90000": "dry_run"}
    assert dry.reasons("vendors")["V90000"].startswith("would_create_vendor")
    with classic.client() as nav:
        assert nav.get("vendors", {"No": "V90000"}) is None
    first = classic.write(build, [build.record("vendors", new_vendor), build.state(1, "vendors")])
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.actions("vendors") == {"V90000": "vendor_created"}
    with classic.client() as nav:
        card = nav.get("vendors", {"No": "V90000"})
    assert card is not None and card["Name"] == "Northwind Traders" and card["City"] == "Atlanta"

    changed = {**new_vendor, "city": "Savannah", "status": "Inactive"}
    dry = classic.write(build, [build.record("vendors", changed), build.state(2, "vendors")], dry_run=True)
    assert dry.actions("vendors") == {"V90000": "dry_run"}
    assert dry.reasons("vendors")["V90000"].startswith("would_update_vendor: ")
    assert "city" in dry.reasons("vendors")["V90000"]
    second = classic.write(build, [build.record("vendors", changed), build.state(2, "vendors")])
    assert second.actions("vendors") == {"V90000": "vendor_updated"}
    with classic.client() as nav:
        card = nav.get("vendors", {"No": "V90000"})
    assert card is not None and card["City"] == "Savannah" and card["Blocked"] == "All"

    third = classic.write(build, [build.record("vendors", changed), build.state(3, "vendors")])
    assert third.actions("vendors") == {"V90000": "vendor_unchanged"}
    _no_secret(classic, first, second, third)


def test_same_invoice_number_of_another_vendor_is_not_a_duplicate_but_of_the_same_vendor_is(
    basic: ClassicNav, build
) -> None:
    first = basic.write(
        build, [build.record("invoices", {**build.one_line("A-1"), "invoice_number": "H-100"}), build.state(1)]
    )
    assert first.actions() == {"A-1": "posted"}
    basic.post_batch()

    other_vendor = {
        **build.one_line("B-1"),
        "invoice_number": "H-100",
        "vendor_id": "V10010",
        "vendor_name": "Second Vendor",
    }
    same_vendor = {**build.one_line("A-2"), "invoice_number": "H-100"}
    run = basic.write(
        build, [build.record("invoices", other_vendor), build.record("invoices", same_vendor), build.state(2)]
    )

    assert run.actions() == {"B-1": "posted", "A-2": "skipped_duplicate"}
    assert run.reasons()["A-2"].startswith("already_posted_in_nav:")
    assert set(basic.documents()) == {"STP-B-1"}


def test_voided_invoices_are_withdrawn_while_staged_and_reversed_once_posted(basic: ClassicNav, build) -> None:
    basic.write(
        build,
        [
            build.record("invoices", build.one_line("V-1")),
            build.record("invoices", build.one_line("V-2")),
            build.state(1),
        ],
    )
    basic.post_batch()
    basic.write(build, [build.record("invoices", build.one_line("V-3")), build.state(2)])

    voided = [build.record("invoices", {**build.one_line(key), "status": "Voided"}) for key in ("V-1", "V-3")]
    run = basic.write(build, [*voided, build.state(3)])

    assert run.actions() == {"V-1": "reversed", "V-3": "reversed"}
    assert run.reasons()["V-3"].startswith("withdrawn_before_posting:")
    documents = basic.documents()
    assert set(documents) == {"STP-V-1-R"}
    assert sum(_amount(line) for line in documents["STP-V-1-R"]) == 0
    assert {line["Document_Type"] for line in documents["STP-V-1-R"]} == {"Credit Memo"}

    again = basic.write(build, [*voided, build.state(4)])
    assert again.actions() == {"V-1": "skipped_duplicate", "V-3": "ignored"}
    assert set(basic.documents()) == {"STP-V-1-R"}


def test_check_refuses_post_documents_and_a_dimension_that_is_not_global(basic: ClassicNav) -> None:
    ok = basic.run("check")
    status = next(line for line in ok.lines if line["type"] == "CONNECTION_STATUS")["connectionStatus"]
    assert status["status"] == "SUCCEEDED", status
    assert "global dimension 1 is DEPARTMENT" in status["message"]

    refused = basic.run("check", post_documents=True)
    status = next(line for line in refused.lines if line["type"] == "CONNECTION_STATUS")["connectionStatus"]
    assert status["status"] == "FAILED" and "post_documents cannot be true" in status["message"]

    wrong = basic.run("check", dimension_mapping={"department": "DEPARTMENT", "project": "PROJECT"})
    status = next(line for line in wrong.lines if line["type"] == "CONNECTION_STATUS")["connectionStatus"]
    assert status["status"] == "FAILED"
    assert "PROJECT" in status["message"] and "not a global dimension" in status["message"]
    _no_secret(basic, ok, refused, wrong)


def test_write_refuses_post_documents_true(basic: ClassicNav, build) -> None:
    run = basic.write(build, [build.record("invoices", build.one_line("P-1")), build.state(1)], post_documents=True)

    assert run.returncode != 0
    assert "post_documents cannot be true" in run.stdout
    assert basic.batch_lines() == []


def test_batch_is_created_when_missing_even_if_the_answer_is_lost(basic: ClassicNav, build) -> None:
    rule = basic.emulator.faults.add(kind="drop_after_commit", route="*Journal_Batches*", methods=["POST"], times=1)

    run = basic.write(build, [build.record("invoices", build.one_line("N-1")), build.state(1)], journal_batch="NEWB")

    assert rule.fired == 1
    assert run.returncode == 0 and run.actions() == {"N-1": "posted"}, run.stdout[-2000:]
    with basic.client() as client:
        assert client.get("journal_batches", {"Journal_Template_Name": "GENERAL", "Name": "NEWB"}) is not None
    assert {line["Journal_Batch_Name"] for line in basic.batch_lines("NEWB")} == {"NEWB"}


def test_a_missing_batch_without_page_251_is_named_by_check_and_stops_write(tmp_path: Path, build) -> None:
    services = {
        name: role for name, role in EmulatorSettings().nav_published_services.items() if role != "journal_batches"
    }
    with _emulator(nav_published_services=services) as server:
        nav = ClassicNav(server, "basic", tmp_path)
        checked = nav.run("check", journal_batch="NEWBATCH")
        status = next(line for line in checked.lines if line["type"] == "CONNECTION_STATUS")["connectionStatus"]
        assert "NEWBATCH" in status["message"] and "page 251" in status["message"]

        run = nav.write(
            build, [build.record("invoices", build.one_line("N-1")), build.state(1)], journal_batch="NEWBATCH"
        )

        assert run.returncode == 1 and run.states == []
        trace = next(line for line in run.lines if line["type"] == "TRACE")["trace"]["error"]
        assert trace["failure_type"] == "config_error"
        assert "create batch NEWBATCH in template GENERAL" in trace["message"]


def test_a_foreign_currency_invoice_is_staged_with_its_currency_code(basic: ClassicNav, build) -> None:
    # Unlike API v2.0 journalLines, the General Journal page has Currency_Code (GenJournalLine field 12), so an EUR
    # invoice is staged in EUR — also for a vendor whose card is in the local currency — not refused.
    messages = [
        build.record("invoices", {**build.one_line("EUR-1"), "currency": "EUR"}),
        build.record("invoices", build.one_line("USD-1")),
        build.state(1),
    ]

    run = basic.write(build, messages)

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.actions() == {"EUR-1": "posted", "USD-1": "posted"}, run.reasons()
    _assert_staged_once(basic, {"STP-EUR-1", "STP-USD-1"}, lines_per_document=2)
    documents = basic.documents()
    assert {line["Currency_Code"] for line in documents["STP-EUR-1"]} == {"EUR"}
    assert {line["Currency_Code"] for line in documents["STP-USD-1"]} == {""}  # NAV's local currency is blank


def test_dry_run_reports_what_a_real_run_would_do_and_writes_nothing(basic: ClassicNav, build) -> None:
    # POSTED: staged and posted by the accountant; WAITING: staged, not posted, now voided; NEW: never seen.
    basic.write(build, [build.record("invoices", build.one_line("POSTED")), build.state(1)])
    basic.post_batch()
    basic.write(build, [build.record("invoices", build.one_line("WAITING")), build.state(2)])
    messages = [
        build.record("invoices", build.one_line("POSTED")),
        build.record("invoices", {**build.one_line("WAITING"), "status": "Voided"}),
        build.record("invoices", build.one_line("NEW")),
        build.state(3),
    ]
    before, entries_before = basic.batch_lines(), basic.gl_entries()
    basic.emulator.request_log.clear()

    dry = basic.write(build, messages, dry_run=True)

    assert dry.returncode == 0, dry.stderr[-3000:]
    assert basic.emulator.request_log.entries(), "the dry run read NAV"
    assert basic.emulator.request_log.writes() == []
    assert dry.actions() == {"POSTED": "dry_run", "WAITING": "dry_run", "NEW": "dry_run"}
    reasons = dry.reasons()
    assert reasons["POSTED"] == "already_posted: NAV document STP-POSTED is already in the general ledger"
    assert reasons["WAITING"].startswith("withdrawn_before_posting:")
    assert reasons["WAITING"].endswith("the lines would be deleted")
    assert reasons["NEW"] == "would_stage: 2 line(s) of document STP-NEW in journal batch STAMPLI (template GENERAL)"
    assert dry.states == []  # a dry run confirms no state: the real run must still see these records
    assert basic.batch_lines() == before and basic.gl_entries() == entries_before

    # A missing batch is not created by a dry run (a real run would create it); the invoice is still reported.
    missing = basic.write(
        build, [build.record("invoices", build.one_line("NEW")), build.state(4)], dry_run=True, journal_batch="NEWB"
    )
    assert missing.actions() == {"NEW": "dry_run"}, missing.stdout[-2000:]
    assert basic.emulator.request_log.writes() == []
    with basic.client() as nav:
        assert nav.get("journal_batches", {"Journal_Template_Name": "GENERAL", "Name": "NEWB"}) is None

    # The real run then does what the dry run said.
    real = basic.write(build, messages)
    assert real.actions() == {"POSTED": "skipped_duplicate", "WAITING": "reversed", "NEW": "posted"}
    assert real.reasons()["WAITING"].endswith("the lines were deleted")
    _assert_staged_once(basic, {"STP-NEW"}, lines_per_document=2)
