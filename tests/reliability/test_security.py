"""Security: TLS verification on by default, host-key pinning, no secret in any output, XML without entity
expansion, SFTP listing paths that cannot escape the configured folder or the local temporary folder."""

from __future__ import annotations

import base64
import gzip
import io
import logging
import os
import re
import secrets
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import asyncssh
import orjson
import pytest
from airbyte_cdk.models import AirbyteMessage, AirbyteRecordMessage, Type
from reliability_harness.exports import cronus_invoices, vendor_row, write_invoice_export, write_vendor_export
from reliability_harness.inprocess import InProcessConnection, messages_text
from reliability_harness.processes import (
    NAV_SECRET_ENV,
    SFTP_PASSWORD_ENV,
    RunnerConnections,
    secret_environment,
    tee_outputs,
)
from reliability_harness.world import SFTP_USER, World, open_world

from bc_client import BCConnectionConfig, BusinessCentralClient
from bc_client.errors import BCError
from bc_client.transport import RetryPolicy
from destination_dynamics_nav import DestinationDynamicsNav
from destination_stampli_sftp import DestinationStampliSftp
from embedded_sftp import EmbeddedSftpServer
from source_dynamics_nav import SourceDynamicsNav
from source_stampli_sftp import SourceStampliSftp
from stampli_files.sftp import HostKeyMismatchError, SftpSettings, open_sftp

REPOSITORY = Path(__file__).resolve().parents[2]
STAMPLI_NAV = Path(sys.executable).parent / "stampli-nav"
LOGGER = logging.getLogger("airbyte")
MTIME = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


# -- TLS ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, World]]:
    """An on-premises server (basic auth) and a cloud tenant (OAuth via MSAL), both over HTTPS with a private CA."""
    root = tmp_path_factory.mktemp("tls")
    with open_world(root / "onprem", tls=True) as onprem, open_world(root / "cloud", deployment="cloud") as cloud:
        yield {"on_premises": onprem, "cloud": cloud}


def without_ca(config: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in config.items() if key != "ca_certificate"}


@pytest.mark.parametrize("deployment", ["on_premises", "cloud"])
def test_tls_is_verified_by_default_and_an_untrusted_certificate_fails_clearly(
    tls_worlds: dict[str, World], deployment: str
) -> None:
    world = tls_worlds[deployment]
    assert world.emulator.url.startswith("https://")
    config = without_ca(world.destination_config())
    for status in (
        DestinationDynamicsNav().check(LOGGER, config),
        SourceDynamicsNav().check(LOGGER, config),  # the reverse connection's source shares the client
    ):
        assert status.status.value == "FAILED"
        message = status.message or ""
        assert "TLS verification" in message and "certificate verify failed" in message, message
        assert "ca_certificate" in message, message  # says how to fix it
        assert world.nav_secret not in message


@pytest.mark.parametrize(
    "knob",
    [
        {"verify_ssl": False},
        {"tls_verify": False},
        {"insecure": True},
        {"verify": False},
        {"ssl": False},
        {"ca_certificate": ""},
        {"ca_certificate": "   "},
    ],
    ids=lambda knob: next(iter(knob)),
)
def test_no_setting_switches_certificate_verification_off(tls_worlds: dict[str, World], knob: dict[str, Any]) -> None:
    world = tls_worlds["on_premises"]
    config = {**without_ca(world.destination_config()), **knob}
    # One attempt: whether a failed handshake is retried is not this test's business (see the next one).
    with (
        BusinessCentralClient(
            BCConnectionConfig.model_validate(config), timeout=10.0, retry_policy=RetryPolicy(max_attempts=1)
        ) as bc,
        pytest.raises(BCError) as raised,
    ):
        _ = bc.company
    assert "certificate verify failed" in raised.value.message


def test_a_custom_ca_is_explicit_and_loudly_logged(
    tls_worlds: dict[str, World], caplog: pytest.LogCaptureFixture
) -> None:
    world = tls_worlds["on_premises"]
    with caplog.at_level(logging.WARNING, logger="bc_client"):
        status = DestinationDynamicsNav().check(LOGGER, world.destination_config())
    assert status.status.value == "SUCCEEDED", status.message
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "certificate authority" in r.getMessage()
    ]
    assert warnings, "trusting an extra CA must be logged as a warning"
    assert "CN=BC Emulator Test CA" in warnings[0] and "sha256=" in warnings[0]  # names what was trusted


@pytest.mark.parametrize("deployment", ["on_premises", "cloud"])
def test_an_untrusted_certificate_is_a_config_error_reported_without_retrying(
    tls_worlds: dict[str, World], deployment: str
) -> None:
    """A certificate that does not verify will not verify on the next attempt either: the user must act."""
    world = tls_worlds[deployment]
    config = without_ca(world.destination_config())
    started = time.monotonic()
    with BusinessCentralClient(BCConnectionConfig.model_validate(config), timeout=10.0) as bc:
        with pytest.raises(BCError):
            _ = bc.company
        retries = bc.usage.snapshot()["retries"]
    elapsed = time.monotonic() - started
    record = AirbyteMessage(
        type=Type.RECORD, record=AirbyteRecordMessage(stream="invoices", data={"invoice_id": "TLS-1"}, emitted_at=0)
    )
    with pytest.raises(Exception) as raised:
        list(DestinationDynamicsNav().write(config, _catalog(), iter([record])))
    failure_type = getattr(getattr(raised.value, "failure_type", None), "value", None)
    assert (retries, failure_type) == (0, "config_error"), (
        f"retried {retries} times over {elapsed:.1f}s; {failure_type}"
    )


def _catalog() -> Any:
    from airbyte_cdk.models import (
        AirbyteStream,
        ConfiguredAirbyteCatalog,
        ConfiguredAirbyteStream,
        DestinationSyncMode,
        SyncMode,
    )

    stream = AirbyteStream(name="invoices", json_schema={}, supported_sync_modes=[SyncMode.incremental])
    return ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=stream, sync_mode=SyncMode.incremental, destination_sync_mode=DestinationSyncMode.append
            )
        ]
    )


# -- host keys ----------------------------------------------------------------------------------------------------


def test_the_pinned_host_key_is_accepted_as_a_key_line_or_a_fingerprint(world: World) -> None:
    for pin in (
        world.sftp.host_key_line,
        world.sftp.host_key_fingerprint,
        f"sftp.example.com {world.sftp.host_key_line}",
    ):
        settings = SftpSettings.model_validate(world.sftp_block(host_key=pin))
        with open_sftp(settings) as connection:
            assert connection.host_key_fingerprint == world.sftp.host_key_fingerprint


@pytest.mark.parametrize("pin_form", ["key_line", "fingerprint"])
def test_any_other_host_key_fails_check_of_both_stampli_connectors_before_credentials_are_sent(
    world: World, tmp_path: Path, pin_form: str
) -> None:
    other = EmbeddedSftpServer(root=tmp_path / "other", users={SFTP_USER: world.sftp_password})
    with other:
        pin = world.sftp.host_key_line if pin_form == "key_line" else world.sftp.host_key_fingerprint
        config = {**world.sftp_block(host_key=pin), "port": other.port, "folder": "/"}
        for status in (
            SourceStampliSftp().check(LOGGER, config),
            DestinationStampliSftp().check(LOGGER, config),
        ):
            assert status.status.value == "FAILED"
            assert "host key mismatch" in (status.message or "").lower(), status.message
            assert other.host_key_fingerprint in (status.message or "")
            assert world.sftp_password not in (status.message or "")
        with pytest.raises(HostKeyMismatchError):
            open_sftp(SftpSettings.model_validate(config))


def test_an_unreadable_pin_is_a_config_error_not_an_open_door(world: World) -> None:
    status = SourceStampliSftp().check(LOGGER, world.source_config(host_key="ssh-ed25519 not-base64!"))
    assert status.status.value == "FAILED" and "host_key" in (status.message or "")


def test_without_a_pin_the_presented_fingerprint_is_logged_as_a_warning(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    config = {key: value for key, value in world.source_config().items() if key != "host_key"}
    with caplog.at_level(logging.WARNING):
        status = SourceStampliSftp().check(LOGGER, config)
    assert status.status.value == "SUCCEEDED", status.message
    assert any(
        "not pinned" in r.getMessage() and world.sftp.host_key_fingerprint in r.getMessage() for r in caplog.records
    )


# -- secrets in outputs -------------------------------------------------------------------------------------------


def secret_forms(value: str) -> set[str]:
    """A secret as it could appear in text: raw, JSON-escaped, URL-encoded (token requests are form-encoded)."""
    forms = {value, orjson.dumps(value).decode()[1:-1], quote(value, safe=""), quote_plus(value)}
    return {form for form in forms if len(form) >= 6}


def scan(texts: dict[str, bytes], secrets_by_name: dict[str, str]) -> list[str]:
    found = []
    for name, value in secrets_by_name.items():
        for form in secret_forms(value):
            needle = form.encode()
            for where, text in texts.items():
                if needle in text:
                    found.append(f"{name} in {where}")
    return sorted(set(found))


def collect(paths: list[Path]) -> dict[str, bytes]:
    texts = {}
    for root in paths:
        for path in [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()):
            texts[str(path)] = path.read_bytes()
    return texts


def run_cli(runs: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(STAMPLI_NAV), "--runs-dir", str(runs), *args],
        capture_output=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


@pytest.fixture
def full_run(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Both connections end to end through the `stampli-nav` console script, every connector's raw output kept by
    `tee_outputs` (the runner's own masking is then not what keeps secrets out): a failing check with wrong
    secrets, a forward sync with good and bad invoices, a reverse sync, the reconciliation report and an audit."""
    root = tmp_path
    with open_world(root / "world", deployment="cloud") as world:
        raw = root / "raw"
        runner = RunnerConnections(world, root / "runner")
        rng = __import__("random").Random(5)
        invoices = cronus_invoices("SEC", 5, rng)
        invoices[0].lines[0].gl_account = "6777"  # unknown in NAV: a reject with a reason
        write_invoice_export(world.outbound / "invoices_sec.csv", invoices, MTIME)
        write_vendor_export(
            world.outbound / "vendors_sec.csv",
            [vendor_row("V10020", "Graphic Design Institute", phone="1-800-555-0101")],
            MTIME,
        )
        (world.sftp.root / "inbound").mkdir()
        env = {**secret_environment(world), "STAMPLI_NAV_CONNECTIONS_DIR": str(runner.connections)}
        wrong = {
            SFTP_PASSWORD_ENV: "wrong-" + secrets.token_urlsafe(12),
            NAV_SECRET_ENV: "cs-wrong-" + secrets.token_urlsafe(18),
        }
        forward = runner.forward(source_wrapper=tee_outputs(raw), destination_wrapper=tee_outputs(raw))
        reverse = runner.reverse(wrapper=tee_outputs(raw))
        results = {
            "check with wrong secrets": run_cli(runner.runs, "check", str(forward.file), env={**env, **wrong}),
            "sync with a wrong NAV secret": run_cli(
                runner.runs, "sync", str(forward.file), env={**env, NAV_SECRET_ENV: wrong[NAV_SECRET_ENV]}
            ),
            "sync forward": run_cli(runner.runs, "sync", str(forward.file), env=env),
            "sync reverse": run_cli(runner.runs, "sync", str(reverse.file), env=env),
            "report": run_cli(
                runner.runs, "report", "--connection", "forward", "--output", str(root / "report.html"), env=env
            ),
            "audit": run_cli(runner.runs, "audit", invoices[0].invoice_id, env=env),
        }
        tokens = list(getattr(world.emulator.auth, "_tokens", {}))  # bearer tokens the emulator issued (private)
        texts = collect([runner.runs, raw, root / "report.html", runner.connections])
        for name, result in results.items():
            texts[f"stampli-nav {name} (stdout)"] = result.stdout
            texts[f"stampli-nav {name} (stderr)"] = result.stderr
        yield {"world": world, "results": results, "texts": texts, "wrong": wrong, "tokens": tokens, "env": env}


def test_no_secret_appears_in_any_output_of_a_full_run(full_run: dict[str, Any]) -> None:
    """One test over the whole run (its fixture is expensive: under xdist a module fixture is built per worker)."""
    results = full_run["results"]
    texts: dict[str, bytes] = full_run["texts"]
    world: World = full_run["world"]

    # 1. The run really ran, and its outputs hold what a scan must see: audit lines, a rejected invoice, both
    #    failures' explanations, the raw output of all four connectors, config-derived text.
    assert results["check with wrong secrets"].returncode != 0
    assert results["sync with a wrong NAV secret"].returncode == 1
    for name in ("sync forward", "sync reverse", "report", "audit"):
        assert results[name].returncode == 0, (name, results[name].stdout[-2000:], results[name].stderr[-2000:])
    everything = b"\n".join(texts.values())
    assert b'"action":"posted"' in everything and b"unknown_gl_account" in everything
    assert b"authentication failed" in everything.lower() and b"invalid client secret" in everything.lower()
    for connector in (
        "source-stampli-sftp",
        "destination-dynamics-nav",
        "source-dynamics-nav",
        "destination-stampli-sftp",
    ):
        assert any(connector in name and name.endswith(".stdout") for name in texts), connector
    assert f"{world.sftp.host}:{world.sftp.port}".encode() in everything

    # 2. No configured secret — right or wrong — in any of it: run logs, audit, state, records digests, connector
    #    stdout/stderr before the runner's masking, the CLI's output, the reconciliation report.
    configured = {
        "SFTP password": world.sftp_password,
        "NAV client secret": world.nav_secret,
        "wrong SFTP password": full_run["wrong"][SFTP_PASSWORD_ENV],
        "wrong NAV client secret": full_run["wrong"][NAV_SECRET_ENV],
    }
    assert scan(texts, configured) == []

    # 3. Nor any bearer token the connectors were issued.
    tokens = full_run["tokens"]
    assert tokens, "the cloud deployment must have fetched bearer tokens"
    assert scan(texts, {f"bearer token {n}": t for n, t in enumerate(tokens)}) == []

    # 4. The extra CA the config adds is announced in the destination's own output, not only in a library log.
    raw = b"\n".join(text for name, text in texts.items() if "destination-dynamics-nav" in name)
    assert b"trusting an extra certificate authority" in raw


def test_misconfigured_connectors_do_not_echo_secrets_in_validation_errors(world: World, tmp_path: Path) -> None:
    """Config mistakes are where tools print the offending value: a credentials block without its discriminator, a
    deployment without its type, a wrong type next to a secret."""
    password, nav_secret = world.sftp_password, world.nav_secret
    broken = {
        "source-stampli-sftp": [{**world.source_config(), "port": "twenty-two", "credentials": {"password": password}}],
        "destination-dynamics-nav": [
            {**world.destination_config(), "deployment": {"client_secret": nav_secret, "server_url": 42}},
        ],
    }
    outputs = {}
    for command, configs in broken.items():
        for number, config in enumerate(configs):
            path = tmp_path / f"{command}-{number}.json"
            path.write_bytes(orjson.dumps(config))
            result = subprocess.run(
                [str(Path(sys.executable).parent / command), "check", "--config", str(path)],
                capture_output=True,
                timeout=120,
                check=False,
            )
            outputs[f"{command} #{number}"] = result.stdout + result.stderr
    assert all(b"CONNECTION_STATUS" in out or b'"TRACE"' in out for out in outputs.values()), outputs
    assert scan(outputs, {"SFTP password": password, "NAV secret": nav_secret}) == []


# -- XML ----------------------------------------------------------------------------------------------------------


def test_xml_entities_are_never_expanded_not_even_from_a_local_file(world: World, tmp_path: Path) -> None:
    marker = "MARKER-" + secrets.token_hex(8)
    target = tmp_path / "confidential.txt"
    target.write_text(marker)
    internal = "ENTITY-" + secrets.token_hex(6)
    documents = {
        "invoices_xxe_file.xml": f'<!DOCTYPE Invoices [<!ENTITY x SYSTEM "file://{target}">]>',
        "invoices_xxe_param.xml": f'<!DOCTYPE Invoices [<!ENTITY % p SYSTEM "file://{target}"> %p;]>',
        "invoices_internal.xml": f'<!DOCTYPE Invoices [<!ENTITY x "{internal}">]>',
    }
    for name, doctype in documents.items():
        world.place(
            name,
            f'<?xml version="1.0"?>\n{doctype}\n<Invoices><Invoice><InvoiceID>X-{name}</InvoiceID>'
            "<InvoiceTotal>1.00</InvoiceTotal><VendorID>&x;</VendorID></Invoice></Invoices>\n",
            MTIME,
        )
    outcome = InProcessConnection(world.source_config(), world.destination_config(), streams=("invoices",)).sync()
    assert outcome.succeeded, outcome.error_text()
    output = messages_text(outcome.forwarded) + "\n".join(text for _, text in outcome.source_logs)
    assert marker not in output and internal not in output
    assert outcome.records == []
    refused = [w for w in outcome.source_warnings() if "xml_dtd_forbidden" in w]
    assert len(refused) == len(documents), outcome.source_warnings()


UNSAFE_XML_PARSING = re.compile(
    r"(?:\b(?:ElementTree|etree|ET|cElementTree)\.(?:parse|fromstring|iterparse|XML|XMLParser|XMLPullParser)\("
    r"|from\s+xml\.etree(?:\.c?ElementTree)?\s+import\s+[^\n]*\b(?:parse|fromstring|iterparse|XML|XMLParser)\b"
    r"|\bminidom\.parse(?:String)?\(|\bxml\.sax\.(?:parse|parseString|make_parser)\(|\bimport\s+lxml|\bfrom\s+lxml"
    r"|\bpyexpat\b|xml\.parsers\.expat)"
)


def test_no_package_parses_xml_with_an_entity_expanding_parser() -> None:
    """Every XML parse in the product goes through defusedxml (which refuses DTDs and entities)."""
    offenders = []
    for folder in ("libs", "source-stampli-sftp", "destination-dynamics-nav", "source-dynamics-nav",
                   "destination-stampli-sftp", "runner"):  # fmt: skip
        for path in (REPOSITORY / folder).rglob("*.py"):
            if any(part in {"build", ".venv", "tests", "unit_tests", "integration_tests"} for part in path.parts):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if UNSAFE_XML_PARSING.search(line) and "defusedxml" not in line:
                    offenders.append(f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}")
    assert offenders == []


# -- SFTP paths ---------------------------------------------------------------------------------------------------


class HostileListingServer(EmbeddedSftpServer):
    """An SFTP server whose directory listings also carry names a compromised server could send: paths with
    slashes, parent references, absolute paths. (Built on embedded_sftp's internals: a test double of a hostile
    peer, not of our own code.)"""

    def __init__(self, *args: Any, injected: list[bytes], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.injected = injected

    async def _listen(self) -> asyncssh.SSHAcceptor:
        from embedded_sftp.server import _ChrootedSftpServer, _SshServer

        owner = self

        class Hostile(_ChrootedSftpServer):
            async def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
                async for name in super().scandir(path):
                    yield name
                for injected in owner.injected:
                    attrs = asyncssh.SFTPAttrs(
                        permissions=stat.S_IFREG | 0o644, size=200, mtime=int(MTIME.timestamp()), atime=0
                    )
                    yield asyncssh.SFTPName(injected, attrs=attrs)

        return await asyncssh.listen(
            self.host,
            self._requested_port,
            server_factory=lambda: _SshServer(self),
            server_host_keys=[self._host_key],
            sftp_factory=lambda chan: Hostile(chan, self),
            allow_scp=False,
            process_factory=None,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_pty=False,
        )


def test_listing_names_cannot_point_outside_the_configured_folder(world: World, tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    (root / "outbound").mkdir(parents=True)
    (root / "secret").mkdir()
    (root / "secret" / "invoices_secret.csv").write_text("Invoice ID\nSECRET-1\n")
    invoices = cronus_invoices("HL", 2, __import__("random").Random(3))
    write_invoice_export(root / "outbound" / "invoices_ok.csv", invoices, MTIME)
    # Names a real file system allows but a path must not be built from, and a symlink leading out of the folder.
    for odd in ("..\\..\\secret\\invoices_secret.csv", "invoices\nnewline.csv"):
        (root / "outbound" / odd).write_text("Invoice ID\nODD-1\n")
    (root / "outbound" / "invoices_link.csv").symlink_to(root / "secret" / "invoices_secret.csv")
    injected = [b"../secret/invoices_secret.csv", b"/secret/invoices_secret.csv", b"sub/../../invoices_x.csv", b".."]
    opened: list[Path] = []
    server = HostileListingServer(root=root, users={SFTP_USER: world.sftp_password}, injected=injected)
    server.on_open_for_read = opened.append
    with server:
        config = {**world.source_config(), "port": server.port, "host_key": server.host_key_line}
        outcome = InProcessConnection(config, world.destination_config(), streams=("invoices",)).sync()
    assert outcome.succeeded, outcome.error_text()
    assert {data["invoice_id"] for _, data in outcome.records} == {"HL-1", "HL-2"}
    assert [path.name for path in opened] == ["invoices_ok.csv"]  # nothing else was even opened
    refused = "\n".join(outcome.source_warnings())
    for name in ("..\\\\..\\\\secret", "invoices\\nnewline", "../secret/invoices_secret.csv", "/secret/invoices_secret.csv",
                 "sub/../../invoices_x.csv"):  # fmt: skip
        assert name in refused, f"{name!r} not reported as refused:\n{refused}"


def test_archive_members_and_downloads_stay_inside_the_local_temporary_folder(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the source's temporary folders are made
    beside = tmp_path / "escaped.csv"
    absolute = tmp_path / "absolute.csv"
    header = "Invoice ID,Invoice Number,Vendor ID,Invoice Date,Invoice Total,Line Number,GL Account,Line Amount,Status"
    body = header + "\nZIP-1,VI-ZIP-1,V10000,2026-11-02,5.00,1,6100,5.00,Approved\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../" * 12 + str(beside).lstrip("/"), body)
        archive.writestr(str(absolute), body)
        archive.writestr("..\\..\\invoices_backslash.csv", body)
        archive.writestr("nested/invoices_fine.csv", body.replace("ZIP-1", "ZIP-2"))
    world.place("bundle_20261125.zip", buffer.getvalue(), MTIME)
    world.place("invoices_20261125.csv.gz", gzip.compress(body.replace("ZIP-1", "GZ-1").encode()), MTIME)
    outcome = InProcessConnection(world.source_config(), world.destination_config(), streams=("invoices",)).sync()
    assert outcome.succeeded, outcome.error_text()
    assert sorted(data["invoice_id"] for _, data in outcome.records) == ["GZ-1", "ZIP-2"]
    assert not beside.exists() and not absolute.exists()
    assert list(scratch.iterdir()) == []  # every temporary folder was removed
    unsafe = [w for w in outcome.source_warnings() if "unsafe_zip_member" in w]
    assert len(unsafe) == 3, outcome.source_warnings()


def test_basic_auth_secret_is_not_logged_in_any_form(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """On-premises basic auth: the access key travels base64-encoded in a header; it must appear in no form in what
    the connectors print or log (at DEBUG too: an HTTP library logging headers would show it)."""
    caplog.set_level(logging.DEBUG)
    write_invoice_export(
        world.outbound / "invoices_basic.csv", cronus_invoices("BA", 2, __import__("random").Random(9)), MTIME
    )
    outcome = InProcessConnection(world.source_config(), world.destination_config(), streams=("invoices",)).sync()
    assert outcome.succeeded, outcome.error_text()
    header = base64.b64encode(f"{world.emulator.basic_username}:{world.nav_secret}".encode()).decode()
    text = (messages_text(outcome.destination_messages) + messages_text(outcome.forwarded) + caplog.text).encode()
    assert b"Authorization" in text or len(caplog.records) > 50  # DEBUG logging really was on
    assert scan({"output": text}, {"access key": world.nav_secret, "authorization header": header}) == []
