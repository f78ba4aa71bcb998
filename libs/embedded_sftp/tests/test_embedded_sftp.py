"""The embedded SFTP server over real TCP, driven by a paramiko client."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import paramiko
import pytest

from embedded_sftp import EmbeddedSftpServer, generate_client_key_pair
from embedded_sftp.pytest_plugin import TestSftpServer


def _connect(
    server: EmbeddedSftpServer, username: str, *, password: str | None = None, pkey=None
) -> paramiko.SFTPClient:
    transport = paramiko.Transport((server.host, server.port))
    transport.connect(username=username, password=password, pkey=pkey)
    return paramiko.SFTPClient.from_transport(transport)


def test_password_login_lists_the_chroot(sftp_server: TestSftpServer) -> None:
    (sftp_server.outbound / "invoices.csv").write_text("a,b\n")
    sftp = _connect(sftp_server, sftp_server.username, password=sftp_server.password)
    assert sftp.normalize(".") == "/"
    assert sftp.listdir("/") == ["outbound"]
    assert sftp.listdir("/outbound") == ["invoices.csv"]
    sftp.close()


def test_wrong_password_is_refused(sftp_server: TestSftpServer) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        _connect(sftp_server, sftp_server.username, password="not-" + sftp_server.password)
    with pytest.raises(paramiko.AuthenticationException):
        _connect(sftp_server, "someone-else", password=sftp_server.password)


def test_authorized_key_login(sftp_server: TestSftpServer) -> None:
    key = paramiko.Ed25519Key.from_private_key(io.StringIO(sftp_server.client_key.private_key))
    sftp = _connect(sftp_server, sftp_server.username, pkey=key)
    assert sftp.listdir("/") == ["outbound"]
    sftp.close()


def test_unknown_key_is_refused(sftp_server: TestSftpServer) -> None:
    other = generate_client_key_pair("ed25519")
    key = paramiko.Ed25519Key.from_private_key(io.StringIO(other.private_key))
    with pytest.raises(paramiko.AuthenticationException):
        _connect(sftp_server, sftp_server.username, pkey=key)


def test_host_key_line_and_fingerprint_are_what_the_client_sees(sftp_server: TestSftpServer) -> None:
    transport = paramiko.Transport((sftp_server.host, sftp_server.port))
    transport.connect(username=sftp_server.username, password=sftp_server.password)
    presented = transport.get_remote_server_key()
    transport.close()
    assert sftp_server.host_key_line == f"{presented.get_name()} {presented.get_base64()}"
    digest = base64.b64encode(hashlib.sha256(presented.asbytes()).digest()).decode().rstrip("=")
    assert sftp_server.host_key_fingerprint == f"SHA256:{digest}"


def test_paths_cannot_escape_the_root(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("do not serve")
    os.symlink(outside, sftp_server.outbound / "link")
    sftp = _connect(sftp_server, sftp_server.username, password=sftp_server.password)
    assert sftp.listdir("/../..") == ["outbound"]  # ".." at the root stays at the root
    with pytest.raises(PermissionError):
        sftp.open("/outbound/link/secret.txt").read()
    with pytest.raises(PermissionError):
        sftp.listdir("/outbound/link")
    sftp.close()


def test_host_key_file_gives_a_stable_identity(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "host_ed25519"
    with EmbeddedSftpServer(tmp_path / "a", users={"u": "p"}, host_key_path=key_file) as first:
        fingerprint = first.host_key_fingerprint
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    with EmbeddedSftpServer(tmp_path / "b", users={"u": "p"}, host_key_path=key_file) as second:
        assert second.host_key_fingerprint == fingerprint


def test_drop_connections_breaks_open_sessions(sftp_server: TestSftpServer) -> None:
    sftp = _connect(sftp_server, sftp_server.username, password=sftp_server.password)
    assert sftp.listdir("/") == ["outbound"]
    sftp_server.drop_connections()
    with pytest.raises((OSError, EOFError, paramiko.SSHException)):
        sftp.listdir("/")
    # the server still accepts new connections
    again = _connect(sftp_server, sftp_server.username, password=sftp_server.password)
    assert again.listdir("/") == ["outbound"]
    again.close()


def test_break_next_download_after_n_bytes(sftp_server: TestSftpServer) -> None:
    payload = os.urandom(300_000)
    (sftp_server.outbound / "big.bin").write_bytes(payload)
    sftp = _connect(sftp_server, sftp_server.username, password=sftp_server.password)
    sftp_server.break_next_download(after_bytes=100_000)
    with pytest.raises((OSError, EOFError, paramiko.SSHException)), sftp.open("/outbound/big.bin") as remote:
        remote.read()
    # one shot: the next download is whole
    sftp = _connect(sftp_server, sftp_server.username, password=sftp_server.password)
    with sftp.open("/outbound/big.bin") as remote:
        assert remote.read() == payload
    sftp.close()


def test_cli_prints_host_key_and_serves(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "embedded_sftp", "--root", str(tmp_path / "root"), "--port", "0", "--user", "cli:pw"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        port = int(lines[0].split(" on ")[1].split(",")[0].rsplit(":", 1)[1])
        assert lines[1].startswith("host key: ssh-ed25519 AAAA")
        assert lines[2].startswith("fingerprint: SHA256:")
        transport = paramiko.Transport(("127.0.0.1", port))
        transport.connect(username="cli", password="pw")
        assert paramiko.SFTPClient.from_transport(transport).listdir("/") == []
        transport.close()
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
