"""Classic NAV 2015-2018 mode (deployment_type nav_web_services, issue 13), end to end: the source runs as a real
process (its console script) against the emulator's NAV 2018 mode over HTTPS, with basic and NTLM auth.

Covers: every one of the five streams read with the API v2.0 record shapes; an incremental rerun reads nothing
new; a vendor changed in NAV comes once; after an accountant posts a batch (emulator admin post-batch) only the
new G/L entries come; discover lists only the five streams; check names what is wrong; no password, access key,
basic header or NTLM hash ever appears in stdout/stderr, failures included.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from spnego._ntlm_raw.crypto import ntowfv1

from bc_client import BCConnectionConfig
from bc_client.nav import NavPageClient
from bc_emulator import EmulatorServer
from bc_emulator.settings import DEFAULT_NTLM_PASSWORD, DEFAULT_NTLM_USER
from bc_emulator.testing import trust
from source_dynamics_nav.declarations import STREAMS
from source_dynamics_nav.nav_classic import NAV_STREAM_NAMES

SOURCE = Path(sys.executable).parent / "source-dynamics-nav"
SCHEMAS = {declaration.name: declaration.json_schema() for declaration in STREAMS}
Factory = Callable[..., EmulatorServer]


def nav_source_config(emu: EmulatorServer, auth_type: str = "basic", **extra: Any) -> dict[str, Any]:
    credentials: dict[str, Any] = (
        {"auth_type": "ntlm", "username": DEFAULT_NTLM_USER, "password": DEFAULT_NTLM_PASSWORD}
        if auth_type == "ntlm"
        else {"auth_type": "basic", "username": emu.basic_username, "web_service_access_key": emu.basic_access_key}
    )
    credentials.update(extra.pop("auth", {}))
    return {
        "deployment": {
            "deployment_type": "nav_web_services",
            "server_url": emu.nav_server_url,
            "server_instance": emu.server_instance,
            "auth": credentials,
            **extra.pop("deployment", {}),
        },
        "company": emu.company_name,
        "ca_certificate": emu.ca_pem,
        **extra,
    }


def catalog(streams: tuple[str, ...] = NAV_STREAM_NAMES, sync_mode: str = "incremental") -> dict[str, Any]:
    by_name = {declaration.name: declaration for declaration in STREAMS}
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": SCHEMAS.get(name, {"type": "object"}),
                    "supported_sync_modes": ["full_refresh", "incremental"],
                    "source_defined_cursor": True,
                    "default_cursor_field": [by_name[name].cursor_field] if name in by_name else [],
                    "source_defined_primary_key": [[by_name[name].primary_key]] if name in by_name else [["id"]],
                },
                "sync_mode": sync_mode,
                "destination_sync_mode": "append",
            }
            for name in streams
        ]
    }


class Run:
    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]

    def records(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for message in self.messages:
            if message["type"] == "RECORD":
                grouped.setdefault(message["record"]["stream"], []).append(message["record"]["data"])
        return grouped

    def states(self) -> list[dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for message in self.messages:
            if message["type"] == "STATE":
                latest[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
        return list(latest.values())

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [message for message in self.messages if message["type"] == kind]


def run_source(tmp_path: Path, command: str, config: dict[str, Any], **files: Any) -> Run:
    """The connector's console script, as the platform runs it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    args = [str(SOURCE), command, "--config", str(tmp_path / "config.json")]
    (tmp_path / "config.json").write_text(json.dumps(config))
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
        args += [f"--{name}", str(tmp_path / f"{name}.json")]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=180, env=dict(os.environ), check=False)
    return Run(completed)


def secrets_of(emu: EmulatorServer, *extra: str) -> list[str]:
    basic = base64.b64encode(f"{emu.basic_username}:{emu.basic_access_key}".encode()).decode()
    nt_hash = ntowfv1(DEFAULT_NTLM_PASSWORD).hex()
    return [emu.basic_access_key, DEFAULT_NTLM_PASSWORD, basic, nt_hash, nt_hash.upper(), *extra]


def assert_no_secrets(run: Run, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in run.stdout and secret not in run.stderr, "a secret leaked into the connector output"


def post_invoice(emu: EmulatorServer, document: str, amount: str, line_no: int) -> None:
    """Stage a balanced document in GENERAL/DEFAULT through the General Journal page, then post the batch the
    way an accountant would (emulator admin endpoint)."""
    config = BCConnectionConfig.model_validate(nav_source_config(emu))
    with NavPageClient.from_config(config) as nav:
        for offset, (account, signed) in enumerate((("6100", amount), ("2110", f"-{amount}"))):
            nav.insert(
                "general_journal",
                {
                    "Journal_Template_Name": "GENERAL",
                    "Journal_Batch_Name": "DEFAULT",
                    "Line_No": line_no + offset * 10000,
                    "Posting_Date": "2018-01-31",
                    "Document_No": document,
                    "Account_Type": "G/L Account",
                    "Account_No": account,
                    "Description": f"Stampli {document}",
                    "Amount": Decimal(signed),
                },
            )
    with httpx.Client(verify=trust(emu)) as http:
        answer = http.post(
            f"{emu.url}/_emulator/nav/post-batch",
            json={"company": emu.company_name, "journal_template": "GENERAL", "journal_batch": "DEFAULT"},
        )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def nav_emu(bc_emulator_factory: Factory) -> EmulatorServer:
    return bc_emulator_factory(bc_version="nav2018", tls=True, page_size=4)


def test_reads_every_stream_then_only_what_changed(nav_emu: EmulatorServer, tmp_path: Path) -> None:
    post_invoice(nav_emu, "STP-INV-1", "100.10", 10000)
    config = nav_source_config(nav_emu)
    first = run_source(tmp_path / "1", "read", config, catalog=catalog())
    assert first.returncode == 0, first.stderr[-2000:]
    records = first.records()
    seed = nav_emu.dump()["companies"][0]
    assert {stream: len(rows) for stream, rows in records.items()} == {
        "vendors": len(seed["vendors"]),
        "gl_accounts": len(seed["accounts"]),
        "dimensions": len(seed["dimensions"]),
        "dimension_values": len(seed["dimensionValues"]),
        "general_ledger_entries": len(seed["generalLedgerEntries"]),
    }
    for stream, rows in records.items():
        for row in rows:
            jsonschema.validate(row, SCHEMAS[stream])  # the API v2.0 mode's schema, unchanged
    vendor = next(v for v in records["vendors"] if v["number"] == "V10000")
    assert vendor["id"] == "V10000" and vendor["displayName"] == "Fabrikam, Inc." and vendor["blocked"] == " "
    assert vendor["localCurrencyCode"] == "USD"  # General Ledger Setup's LCY Code (page 118)
    expense = next(e for e in records["general_ledger_entries"] if e["accountNumber"] == "6100")
    assert expense["debitAmount"] == "100.10" and expense["documentNumber"] == "STP-INV-1"
    assert {v["dimensionCode"] for v in records["dimension_values"]} == {d["code"] for d in seed["dimensions"]}

    second = run_source(tmp_path / "2", "read", config, catalog=catalog(), state=first.states())
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.records() == {}

    # A vendor changed in NAV through its card; and an accountant posts one more document.
    with NavPageClient.from_config(BCConnectionConfig.model_validate(config)) as nav:
        card = nav.get("vendors", "V10010")
        assert card is not None
        nav.modify("vendors", "V10010", {"City": "Evanston"}, card["@odata.etag"])
    post_invoice(nav_emu, "STP-INV-2", "55.00", 30000)
    third = run_source(tmp_path / "3", "read", config, catalog=catalog(), state=second.states())
    assert third.returncode == 0, third.stderr[-2000:]
    changed = third.records()
    assert [(v["number"], v["city"]) for v in changed["vendors"]] == [("V10010", "Evanston")]
    new_entries = changed["general_ledger_entries"]
    assert {e["documentNumber"] for e in new_entries} == {"STP-INV-2"} and len(new_entries) == 2
    assert min(e["entryNumber"] for e in new_entries) > max(e["entryNumber"] for e in records["general_ledger_entries"])
    assert set(changed) == {"vendors", "general_ledger_entries"}


def test_ntlm_check_discover_read_and_no_secret_anywhere(nav_emu: EmulatorServer, tmp_path: Path) -> None:
    config = nav_source_config(nav_emu, "ntlm")
    check = run_source(tmp_path / "check", "check", config)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "SUCCEEDED", status
    assert "Purchase orders and receipts are not available" in status["message"]
    discover = run_source(tmp_path / "discover", "discover", config)
    streams = discover.of_type("CATALOG")[0]["catalog"]["streams"]
    assert sorted(s["name"] for s in streams) == sorted(NAV_STREAM_NAMES)
    assert {s["name"]: s["json_schema"] for s in streams} == {name: SCHEMAS[name] for name in NAV_STREAM_NAMES}
    read = run_source(tmp_path / "read", "read", config, catalog=catalog(sync_mode="full_refresh"))
    assert read.returncode == 0, read.stderr[-2000:]
    assert len(read.records()["vendors"]) == len(nav_emu.dump()["companies"][0]["vendors"])
    for run in (check, discover, read):
        assert_no_secrets(run, secrets_of(nav_emu))


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_failures_name_the_problem_without_the_secret(nav_emu: EmulatorServer, tmp_path: Path, auth: str) -> None:
    wrong = "Wrong-Secret-Value-4711"
    field = "password" if auth == "ntlm" else "web_service_access_key"
    config = nav_source_config(nav_emu, auth, auth={field: wrong})
    check = run_source(tmp_path / "check", "check", config)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "refused" in status["message"]
    read = run_source(tmp_path / "read", "read", config, catalog=catalog(("vendors",)))
    assert read.returncode != 0 and read.records() == {}
    errors = [t["trace"]["error"]["message"] for t in read.of_type("TRACE") if t["trace"]["type"] == "ERROR"]
    assert any("Reading vendors from Business Central failed" in e and "check" in e for e in errors), errors
    for run in (check, read):
        assert_no_secrets(run, secrets_of(nav_emu, wrong, ntowfv1(wrong).hex()))


def test_check_refuses_webhooks_and_read_refuses_api_only_streams(nav_emu: EmulatorServer, tmp_path: Path) -> None:
    hooks = nav_source_config(
        nav_emu, webhook_notification_url="https://hooks.example.com/bc", webhook_client_state="x" * 32
    )
    check = run_source(tmp_path / "check", "check", hooks)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED" and "no webhook subscriptions" in status["message"]
    read = run_source(
        tmp_path / "read", "read", nav_source_config(nav_emu), catalog=catalog(("vendors", "purchase_orders"))
    )
    assert read.returncode != 0
    assert "purchase_orders cannot be read from a classic NAV server" in read.stdout


def test_check_names_an_unpublished_page(bc_emulator_factory: Factory, tmp_path: Path) -> None:
    emu = bc_emulator_factory(
        bc_version="nav2018",
        tls=True,
        nav_published_services={
            "Vendor_Card": "vendors",
            "Chart_of_Accounts": "gl_accounts",
            "Dimensions": "dimensions",
            "Dimension_Values": "dimension_values",
        },
    )
    check = run_source(tmp_path, "check", nav_source_config(emu))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert "service 'General_Ledger_Entries' (gl_entries) is not published" in status["message"]
    assert "page 20 General Ledger Entries" in status["message"]
    emu.settings.nav_published_services["General_Ledger_Entries"] = "gl_entries"  # the admin publishes page 20
    check = run_source(tmp_path / "again", "check", nav_source_config(emu))
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "SUCCEEDED", status
    assert "'General_Ledger_Setup' (page 118 General Ledger Setup) is not published" in status["message"]
