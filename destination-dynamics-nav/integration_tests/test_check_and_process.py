"""`check` says what to fix; the console script runs a real sync; no secret ever reaches the output."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, Status
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_dynamics_nav import DestinationDynamicsNav

LOGGER = logging.getLogger("airbyte")
SCRIPT = Path(sys.executable).with_name("destination-dynamics-nav")


def check(config: dict):
    return DestinationDynamicsNav().check(LOGGER, config)


def test_check_passes_and_names_the_company(nav) -> None:
    status = check(nav.config(posting_mode="purchase_invoice"))
    assert status.status == Status.SUCCEEDED, status.message
    assert "CRONUS USA, Inc." in status.message
    # Setups that change posting but API v2.0 does not expose: check says how write handles them.
    assert "Post with Job Queue" in status.message and "Ext. Doc. No. Mandatory" in status.message


def test_check_reports_code_mandatory_default_dimensions(nav) -> None:
    status = check(nav.config(posting_mode="journal"))
    assert status.status == Status.SUCCEEDED, status.message
    # V40000's DEPARTMENT rule is named; account 6700's comes back unattributed (the API cannot name G/L accounts)
    assert "Code Mandatory default dimensions: vendors V40000 DEPARTMENT" in status.message
    assert "1 G/L account (or other) default(s) on DEPARTMENT" in status.message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"company": "CRONUS Canada"}, "Available companies"),
        ({"dimension_mapping": {"department": "DEPARTMENT", "project": "PROJECT"}}, "dimension PROJECT"),
        ({"gl_account_mapping": {"OFFICE": "6000"}}, "does not accept direct posting"),
        ({"gl_account_mapping": {"OFFICE": "6999"}}, "does not exist in NAV"),
        ({"journal_batch": "MUCH-TOO-LONG"}, "journal_batch"),
    ],
    ids=["company", "dimension", "heading-account", "missing-account", "batch-name"],
)
def test_check_failures_say_what_to_fix(nav, overrides, expected) -> None:
    status = check(nav.config(**overrides))
    assert status.status == Status.FAILED
    assert expected in status.message


def _refused_port() -> int:
    """A port that was free a moment ago: nothing listens there, so a connect is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_on_a_refused_port_fails_within_3_seconds_with_the_hint(nav) -> None:
    config = nav.config()
    config["deployment"]["server_url"] = f"http://127.0.0.1:{_refused_port()}"
    started = time.monotonic()
    status = check(config)
    elapsed = time.monotonic() - started
    assert status.status == Status.FAILED
    assert "cannot reach http://127.0.0.1:" in status.message and "ApiServicesEnabled" in status.message
    assert elapsed < 3.0, f"check took {elapsed:.1f}s on a refused connection"


def test_check_with_a_wrong_key_fails_without_printing_it(nav) -> None:
    config = nav.config()
    config["deployment"]["auth"]["web_service_access_key"] = "wrong-key-4f9a2c7e"
    status = check(config)
    assert status.status == Status.FAILED
    assert "web_service_access_key" in status.message or "access key" in status.message
    assert "wrong-key-4f9a2c7e" not in status.message


def test_the_console_script_posts_and_confirms_state_and_prints_no_secret(nav, build, tmp_path) -> None:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(nav.config()))
    catalog_path = Path(__file__).with_name("configured_catalog.json")
    messages = [
        build.record("vendors", {"vendor_id": "V30000", "vendor_name": "Wingtip Toys", "status": "Active"}),
        build.record("invoices", build.invoice("PROC-1", vendor_id="V30000", vendor_name="Wingtip Toys")),
        build.state(1),
        build.record("invoices", build.one_line("PROC-2", account="9999")),
        build.state(2),
    ]
    stdin = "\n".join(orjson.dumps(AirbyteMessageSerializer.dump(m)).decode() for m in messages) + "\n"
    done = subprocess.run(
        [str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    states = [line["state"]["stream"]["stream_state"]["marker"] for line in lines if line["type"] == "STATE"]
    assert states == [1, 2]
    audit = [
        json.loads(line["log"]["message"])
        for line in lines
        if line["type"] == "LOG" and '"stampli_nav.audit"' in line["log"]["message"]
    ]
    # one line per record; a posting is confirmed after the next flush's own rejects may have been reported
    assert sorted((a["key"], a["action"]) for a in audit) == [
        ("PROC-1", "posted"),
        ("PROC-2", "rejected"),
        ("V30000", "vendor_created"),
    ]
    assert nav.document_numbers_posted() == {"STP-PROC-1": Decimal("150.50")}
    secret = nav.emulator.basic_access_key
    assert secret not in done.stdout and secret not in done.stderr


def test_a_server_error_fails_the_sync_without_blaming_the_invoice_or_leaking_a_secret(nav, build, emulator) -> None:
    emulator.faults.add(kind="status", status=500, route="companies/journals/Microsoft.NAV.post", times=1)
    produced = []
    with pytest.raises(AirbyteTracedException) as raised:
        produced.extend(nav.stream([build.record("invoices", build.invoice("S-1")), build.state(1)]))
    out = build.Output(produced)
    assert raised.value.failure_type.value == "system_error"
    assert out.states == [] and out.audit == []  # nothing confirmed, and the invoice is not rejected for it
    text = out.text() + str(raised.value) + repr(raised.value) + (raised.value.internal_message or "")
    assert emulator.basic_access_key not in text
    rerun = nav.write([build.record("invoices", build.invoice("S-1")), build.state(1)])
    assert rerun.actions() == {"S-1": ["posted"]}
