"""stampli_files.sftp against the embedded SFTP server: pinning, authentication, download, atomic upload."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from embedded_sftp import EmbeddedSftpServer, generate_client_key_pair
from embedded_sftp.pytest_plugin import TestSftpServer
from stampli_files.sftp import (
    HostKeyMismatchError,
    HostKeyPin,
    HostKeyPinError,
    PrivateKeyError,
    SftpAuthError,
    SftpConnectionError,
    SftpSettings,
    open_sftp,
)


def _settings(server: TestSftpServer, **overrides) -> SftpSettings:
    config = server.connection_config()
    config.update(overrides)
    return SftpSettings.model_validate(config)


def test_password_login_with_pinned_key_line(sftp_server: TestSftpServer) -> None:
    with open_sftp(_settings(sftp_server)) as conn:
        assert [e.name for e in conn.iter_dir("/")] == ["outbound"]
        assert conn.host_key_fingerprint == sftp_server.host_key_fingerprint


@pytest.mark.parametrize(
    "pin",
    [
        "fingerprint",
        "fingerprint-padded",
        "known-hosts-line",
        "keyscan-output",
    ],
)
def test_accepted_pin_forms(sftp_server: TestSftpServer, pin: str) -> None:
    text = {
        "fingerprint": sftp_server.host_key_fingerprint,
        "fingerprint-padded": sftp_server.host_key_fingerprint + "=",
        "known-hosts-line": f"[127.0.0.1]:{sftp_server.port} {sftp_server.host_key_line} comment",
        "keyscan-output": f"# 127.0.0.1 SSH-2.0\n127.0.0.1 {sftp_server.host_key_line}\n",
    }[pin]
    with open_sftp(_settings(sftp_server, host_key=text)) as conn:
        assert conn.is_active


def test_other_host_key_is_refused_naming_the_presented_fingerprint(
    sftp_server: TestSftpServer, tmp_path: Path
) -> None:
    with EmbeddedSftpServer(tmp_path / "other", users={"x": "y"}) as other:
        foreign_line = other.host_key_line
        foreign_fingerprint = other.host_key_fingerprint
    for pin in (foreign_line, foreign_fingerprint):
        with pytest.raises(HostKeyMismatchError) as caught:
            open_sftp(_settings(sftp_server, host_key=pin))
        assert caught.value.presented_fingerprint == sftp_server.host_key_fingerprint
        assert sftp_server.host_key_fingerprint in str(caught.value)
        assert sftp_server.password not in str(caught.value)


def test_unpinned_connection_warns_with_the_fingerprint(
    sftp_server: TestSftpServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = sftp_server.connection_config(pin_host_key=False)
    with caplog.at_level(logging.WARNING, logger="stampli_files.sftp"), open_sftp(SftpSettings.model_validate(config)):
        pass
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(sftp_server.host_key_fingerprint in w and "not pinned" in w for w in warnings)


def test_wrong_password_is_a_named_auth_error_without_the_secret(sftp_server: TestSftpServer) -> None:
    wrong = "wrong-" + sftp_server.password
    with pytest.raises(SftpAuthError) as caught:
        open_sftp(_settings(sftp_server, credentials={"auth_method": "password", "password": wrong}))
    assert wrong not in str(caught.value) and "rejected" in str(caught.value)


def test_unreachable_server_is_a_connection_error(sftp_server: TestSftpServer) -> None:
    settings = _settings(sftp_server)
    sftp_server.stop()
    with pytest.raises(SftpConnectionError):
        open_sftp(settings, timeout=5)


@pytest.mark.parametrize(
    ("kind", "private_format", "passphrase"),
    [
        ("ed25519", "openssh", None),
        ("ed25519", "openssh", "correct horse"),
        ("rsa", "pkcs1-pem", None),
        ("rsa", "openssh", "battery"),
        ("ecdsa", "pkcs8-pem", None),
    ],
)
def test_private_key_login(tmp_path: Path, kind: str, private_format: str, passphrase: str | None) -> None:
    pair = generate_client_key_pair(kind, passphrase=passphrase, private_format=private_format)
    with EmbeddedSftpServer(tmp_path / "root", authorized_keys={"k": [pair.public_key_line]}) as server:
        credentials = {"auth_method": "private_key", "private_key": pair.private_key}
        if passphrase:
            credentials["passphrase"] = passphrase
        settings = SftpSettings(
            host=server.host, port=server.port, username="k", credentials=credentials, host_key=server.host_key_line
        )
        with open_sftp(settings) as conn:
            assert conn.is_active


def test_private_key_with_escaped_newlines_is_accepted(sftp_server: TestSftpServer) -> None:
    escaped = sftp_server.client_key.private_key.strip().replace("\n", "\\n")
    with open_sftp(_settings(sftp_server, credentials={"auth_method": "private_key", "private_key": escaped})):
        pass


def test_private_key_problems_are_named(sftp_server: TestSftpServer) -> None:
    encrypted = generate_client_key_pair("ed25519", passphrase="pw")
    cases = {
        "passphrase": {"auth_method": "private_key", "private_key": encrypted.private_key},
        "wrong passphrase": {"auth_method": "private_key", "private_key": encrypted.private_key, "passphrase": "no"},
        "could not be read": {"auth_method": "private_key", "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n"},
    }
    for expected, credentials in cases.items():
        with pytest.raises(PrivateKeyError) as caught:
            open_sftp(_settings(sftp_server, credentials=credentials))
        assert expected in str(caught.value) or "could not be read" in str(caught.value)


def test_key_not_authorized_is_an_auth_error(sftp_server: TestSftpServer) -> None:
    stranger = generate_client_key_pair("ed25519")
    with pytest.raises(SftpAuthError):
        open_sftp(
            _settings(sftp_server, credentials={"auth_method": "private_key", "private_key": stranger.private_key})
        )


@pytest.mark.parametrize("bad", ["not a key", "SHA256:tooshort", "ssh-ed25519 AAAAnotbase64!!", "MD5:aa:bb"])
def test_invalid_pin_is_a_config_error(bad: str) -> None:
    with pytest.raises(ValidationError):
        SftpSettings(host="h", username="u", credentials={"auth_method": "password", "password": "p"}, host_key=bad)
    with pytest.raises(HostKeyPinError):
        HostKeyPin.parse(bad)


def test_secrets_are_marked_in_the_json_schema() -> None:
    schema = SftpSettings.model_json_schema()
    text = str(schema)
    assert text.count("'airbyte_secret': True") == 3  # password, private_key, passphrase


def test_download_streams_the_whole_file(sftp_server: TestSftpServer) -> None:
    payload = os.urandom(1_500_000)
    (sftp_server.outbound / "a.bin").write_bytes(payload)
    buffer = io.BytesIO()
    with open_sftp(_settings(sftp_server)) as conn:
        entry = conn.stat("/outbound/a.bin")
        assert entry.size == len(payload) and entry.is_file
        assert conn.download("/outbound/a.bin", buffer, entry.size) == len(payload)
    assert buffer.getvalue() == payload


def test_upload_atomic_writes_and_replaces(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    local = tmp_path / "vendors.csv"
    local.write_bytes(b"Vendor ID\nV1\n")
    with open_sftp(_settings(sftp_server)) as conn:
        assert conn.upload_atomic(local, "/outbound/vendors.csv") == local.stat().st_size
        assert conn.upload_atomic(b"Vendor ID\nV2\n", "/outbound/vendors.csv") == 13
    assert (sftp_server.outbound / "vendors.csv").read_bytes() == b"Vendor ID\nV2\n"
    assert sorted(p.name for p in sftp_server.outbound.iterdir()) == ["vendors.csv"]  # no temp file left behind


def test_failed_upload_leaves_no_temp_file(sftp_server: TestSftpServer) -> None:
    with open_sftp(_settings(sftp_server)) as conn, pytest.raises(OSError):
        conn.upload_atomic(b"data", "/no-such-folder/x.csv")
    assert sorted(p.name for p in sftp_server.outbound.iterdir()) == []
