"""`check` outcomes against the embedded SFTP server, and the console script run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, _run_command

from embedded_sftp import EmbeddedSftpServer
from embedded_sftp.pytest_plugin import TestSftpServer
from source_stampli_sftp import SourceStampliSftp

HERE = Path(__file__).parent


def check(config: dict, tmp_path: Path) -> EntrypointOutput:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return _run_command(SourceStampliSftp(), ["check", "--config", str(path)])


def _status(config: dict, tmp_path: Path) -> Status:
    (status,) = check(config, tmp_path).connection_status_messages
    return status.connectionStatus.status


def test_check_succeeds_with_password_and_with_key(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    assert _status(sftp_server.source_config(), tmp_path) == Status.SUCCEEDED
    key = sftp_server.connection_config(auth="private_key")["credentials"]
    assert _status({**sftp_server.source_config(), "credentials": key}, tmp_path) == Status.SUCCEEDED


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("password", "credentials were rejected"),
        ("folder", "does not exist"),
        ("host_key", "host key mismatch"),
        ("port", "cannot reach"),
        ("missing_host", "'host' is a required property"),
        ("bad_pin", "host_key"),
        ("bad_mapping", "column_mapping"),
    ],
)
def test_check_failures_are_clear_and_leak_no_secret(
    sftp_server: TestSftpServer, tmp_path: Path, change: str, expected: str
) -> None:
    config = sftp_server.source_config()
    if change == "password":
        config["credentials"]["password"] = "wrong-" + sftp_server.password
    elif change == "folder":
        config["folder"] = "/nope"
    elif change == "host_key":
        with EmbeddedSftpServer(sftp_server.root / "other", users={"x": "y"}) as other:
            config["host_key"] = other.host_key_line
    elif change == "port":
        config["port"] = 1
    elif change == "missing_host":
        del config["host"]
    elif change == "bad_pin":
        config["host_key"] = "not a key"
    elif change == "bad_mapping":
        config["column_mapping"] = {"X": "no_such_field"}
    output = check(config, tmp_path)
    (status,) = output.connection_status_messages
    assert status.connectionStatus.status == Status.FAILED
    assert expected in status.connectionStatus.message
    everything = " ".join(str(m) for m in output.get_message_iterator())
    for secret in {sftp_server.password, config.get("credentials", {}).get("password", "")} - {""}:
        assert secret not in everything


def test_console_script_reads_the_five_streams_then_nothing(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    from stampli_samples.exports import write_sample_folder

    write_sample_folder(sftp_server.outbound)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sftp_server.source_config()))
    script = Path(sys.executable).parent / "source-stampli-sftp"

    def read(state: Path | None = None) -> list[dict]:
        args = [str(script), "read", "--config", str(config), "--catalog", str(HERE / "configured_catalog.json")]
        if state:
            args += ["--state", str(state)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    first = read()
    streams = {m["record"]["stream"] for m in first if m["type"] == "RECORD"}
    assert streams == {"invoices", "vendors", "gl_accounts", "payments", "purchase_orders"}
    assert sftp_server.password not in json.dumps(first)
    last_states: dict[str, dict] = {}
    for message in first:
        if message["type"] == "STATE":
            last_states[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
    state = tmp_path / "state.json"
    state.write_text(json.dumps(list(last_states.values())))
    second = read(state)
    assert [m for m in second if m["type"] == "RECORD"] == []
    assert {m["state"]["stream"]["stream_descriptor"]["name"] for m in second if m["type"] == "STATE"} == set(streams)
