"""Seeds and dumps (JSON, round-trip), terse seeds, admin seeding, and the stand-alone command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bc_emulator import EmulatorServer, jsonio
from bc_emulator.__main__ import main
from bc_emulator.seeding import SeedError, read_seed
from bc_emulator.testing import onprem_client, trust

Factory = Callable[..., EmulatorServer]


def _post_one_invoice(client: httpx.Client, company: str) -> None:
    body = {
        "vendorNumber": "V10020",
        "vendorInvoiceNumber": "RT-1",
        "purchaseInvoiceLines": [{"lineType": "Account", "lineObjectNumber": "6400", "quantity": 1, "unitCost": 250}],
        "dimensionSetLines": [{"code": "DEPARTMENT", "valueCode": "FIN"}],
    }
    invoice = client.post(f"{company}/purchaseInvoices", json=body).json()
    assert client.post(f"{company}/purchaseInvoices({invoice['id']})/Microsoft.NAV.post").status_code == 204


def test_dump_and_seed_round_trip(bc_emulator_factory: Factory, tmp_path: Path) -> None:
    source = bc_emulator_factory()
    company = f"companies({source.company_id})"
    with onprem_client(source) as client:
        _post_one_invoice(client, company)
        expected = {
            name: client.get(f"{company}/{name}").json()["value"]
            for name in (
                "vendors",
                "accounts",
                "generalLedgerEntries",
                "purchaseInvoices",
                "journals",
                "companyInformation",
                "currencies",
                "paymentTerms",
            )
        }
    seed_file = tmp_path / "dump.json"
    seed_file.write_bytes(jsonio.dumps(source.dump(), indent=True))

    copy = bc_emulator_factory(seed=str(seed_file))
    with onprem_client(copy) as client:
        for name, rows in expected.items():
            assert _without_etags(client.get(f"{company}/{name}").json()["value"]) == _without_etags(rows), name
        entry = client.get(f"{company}/generalLedgerEntries", params={"$filter": "accountNumber eq '6400'"})
        entry_id = entry.json()["value"][0]["id"]
        dims = client.get(f"{company}/generalLedgerEntries({entry_id})/dimensionSetLines").json()["value"]
        assert [(d["code"], d["valueCode"]) for d in dims] == [("DEPARTMENT", "FIN")]
        second = client.post(f"{company}/purchaseInvoices", json={"vendorNumber": "V10020"}).json()
        assert second["number"] == "107002"  # the number series continues after the dump
    assert copy.dump()["companies"][0]["setup"]["lastEntryNumber"] == 2


def _without_etags(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "@odata.etag"} for row in rows]


def test_terse_seed_gets_ids_defaults_and_references(bc_emulator_factory: Factory) -> None:
    seed = {
        "companies": [
            {
                "name": "Tiny Co",
                "setup": {"payablesAccountNumber": "2000"},
                "accounts": [
                    {"number": "2000", "displayName": "Payables", "accountType": "Posting"},
                    {"number": "6000", "displayName": "Costs", "accountType": "Posting", "directPosting": True},
                ],
                "dimensions": [{"code": "DEPT"}],
                "dimensionValues": [{"dimensionCode": "DEPT", "code": "A"}],
                "vendors": [{"number": "V1", "displayName": "Only vendor"}],
                "journals": [{"code": "DEFAULT"}],
            }
        ]
    }
    emu = bc_emulator_factory(seed=seed)
    assert emu.company_name == "Tiny Co"
    with onprem_client(emu) as client:
        company = f"companies({emu.company_id})"
        accounts = client.get(f"{company}/accounts").json()["value"]
        assert [(a["number"], a["directPosting"], a["blocked"]) for a in accounts] == [
            ("2000", False, False),
            ("6000", True, False),
        ]
        values = client.get(f"{company}/dimensionValues").json()["value"]
        dimension = client.get(f"{company}/dimensions").json()["value"][0]
        assert values[0]["dimensionId"] == dimension["id"]
    again = EmulatorServer(seed=seed)
    assert again.company_id == emu.company_id  # ids of terse seeds are deterministic


@pytest.mark.parametrize(
    ("seed", "problem"),
    [
        ({"companies": [{"displayName": "no name"}]}, "needs a name"),
        ({"companies": [{"name": "X", "dimensionValues": [{"dimensionCode": "NOPE", "code": "A"}]}]}, "NOPE"),
        ({"companies": [{"name": "X", "vendors": [{"number": "V" * 30}]}]}, "vendors[0]"),
    ],
)
def test_bad_seeds_say_where(seed: dict, problem: str) -> None:
    with pytest.raises(SeedError, match=problem.replace("[", r"\[")):
        EmulatorServer(seed=seed)


def test_unknown_seed_name_or_file() -> None:
    with pytest.raises(SeedError, match="neither"):
        read_seed("/no/such/seed.json")


def test_admin_seed_reset_and_clock(bc_emulator: EmulatorServer) -> None:
    admin = f"{bc_emulator.url}/_emulator"
    with httpx.Client(verify=trust(bc_emulator)) as http, onprem_client(bc_emulator) as client:
        assert http.post(f"{admin}/seed", json={"companies": [{"name": "Fresh"}]}).status_code == 204
        assert [c["name"] for c in client.get("companies").json()["value"]] == ["Fresh"]
        fresh = client.get("companies").json()["value"][0]["id"]
        client.post(f"companies({fresh})/vendors", json={"number": "N1"})
        assert http.post(f"{admin}/reset").status_code == 204
        assert client.get(f"companies({fresh})/vendors").json()["value"] == []
        assert http.post(f"{admin}/seed", json={"name": "cronus"}).status_code == 204
        assert len(client.get("companies").json()["value"]) == 2
        bad = http.post(f"{admin}/seed", json={"companies": [{}]})
        assert bad.status_code == 400 and "name" in bad.json()["error"]
        frozen = http.post(f"{admin}/clock", json={"now": "2030-01-01T00:00:00Z", "freeze": True}).json()
        assert frozen == {"now": "2030-01-01T00:00:00.000Z", "frozen": True}
        vendor = client.post(f"companies({bc_emulator.company_id})/vendors", json={"number": "CLK"}).json()
        assert vendor["lastModifiedDateTime"] == "2030-01-01T00:00:00.000Z"
        dumped = http.get(f"{admin}/dump").json()
        assert {c["name"] for c in dumped["companies"]} == {"CRONUS USA, Inc.", "My Company"}


def test_command_line_serves_until_stopped(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bc_emulator", "--port", "0", "--seed", "empty", "--tls", "--page-size", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert info["tls"] is True and info["api_base_url"].startswith("https://127.0.0.1:")
        ca = Path(info["ca_file"]).read_text()
        assert "BEGIN CERTIFICATE" in ca
        with httpx.Client(verify=trust_file(info["ca_file"])) as http:
            companies = http.get(
                f"{info['onprem_api_base_url']}/companies", auth=("ADMIN", "emulator-web-service-access-key")
            )
            assert companies.status_code == 200 and companies.json()["value"] == []
            assert http.get(f"{info['url']}/_emulator/settings").json()["page_size"] == 7
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_command_line_removes_its_tls_folder_with_the_private_key_when_stopped(tmp_path: Path, signum: int) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # tempfile.mkdtemp puts bc-emulator-tls-* here
    process = subprocess.Popen(
        [sys.executable, "-m", "bc_emulator", "--port", "0", "--seed", "empty", "--tls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        folder = Path(info["ca_file"]).parent
        assert folder.parent == tmp_path and folder.name.startswith("bc-emulator-tls-")
        assert (folder / "server.key").is_file()  # the private key exists while serving
    finally:
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
    assert not folder.exists()
    assert list(tmp_path.glob("bc-emulator-tls-*")) == []


def test_a_stopped_server_leaves_no_tls_folder_and_restarts_with_the_same_ca(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(tls=True)
    folder, ca = emu.ca_file.parent, emu.ca_pem  # type: ignore[union-attr]
    emu.stop()
    assert not folder.exists()
    emu.start()  # e.g. an outage simulated by stop/start: same CA, files written again
    with onprem_client(emu) as client:
        assert client.get("companies").status_code == 200
    assert emu.ca_pem == ca and (folder / "server.key").is_file()


def test_command_line_rejects_a_bad_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--seed", "/nope.json"]) == 2
    assert "nope.json" in capsys.readouterr().err


def trust_file(path: str) -> object:
    import ssl

    context = ssl.create_default_context()
    context.load_verify_locations(cafile=path)
    return context
