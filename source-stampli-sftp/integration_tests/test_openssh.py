"""The connector against a real OpenSSH sshd (internal-sftp), when one is installed; skipped otherwise.

The server runs as the current user on a free loopback port with its own config, host key and authorized keys in
a temporary folder, so nothing of the machine's SSH setup is used or changed. STAMPLI_TEST_SSHD points at another
sshd binary (absolute path) when it is not /usr/sbin/sshd.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from airbyte_cdk.models import SyncMode

from embedded_sftp import generate_client_key_pair
from stampli_samples.exports import write_sample_folder

from .conftest import final_states, records_by_stream

SSHD = Path(os.environ.get("STAMPLI_TEST_SSHD", "/usr/sbin/sshd"))

pytestmark = pytest.mark.skipif(not SSHD.is_file(), reason=f"OpenSSH sshd is not installed ({SSHD})")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_file(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def openssh(tmp_path: Path) -> Iterator[dict]:
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        Path("/run/sshd").mkdir(mode=0o755, parents=True)  # sshd's privilege separation directory, when root
    home = tmp_path / "sshd"
    home.mkdir()
    host_key = generate_client_key_pair("ed25519")
    client_key = generate_client_key_pair("ed25519")
    port = _free_port()
    user = getpass.getuser()
    config = home / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {_private_file(home / 'host_ed25519', host_key.private_key)}",
                f"PidFile {home / 'sshd.pid'}",
                f"AuthorizedKeysFile {_private_file(home / 'authorized_keys', client_key.public_key_line + chr(10))}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                f"AllowUsers {user}",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
            ]
        )
        + "\n"
    )
    process = subprocess.Popen([str(SSHD.absolute()), "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"sshd did not start: {process.stderr.read() if process.stderr else ''}")
                time.sleep(0.1)
        outbound = tmp_path / "outbound"
        write_sample_folder(outbound)
        yield {
            "host": "127.0.0.1",
            "port": port,
            "username": user,
            "credentials": {"auth_method": "private_key", "private_key": client_key.private_key},
            "host_key": f"[127.0.0.1]:{port} {host_key.public_key_line}",
            "folder": str(outbound),  # no chroot with internal-sftp here: the real path
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_incremental_read_from_openssh(openssh: dict, run_read) -> None:
    first = run_read(config=openssh)
    assert first.errors == []
    records = records_by_stream(first)
    assert sorted(records) == ["gl_accounts", "invoices", "payments", "purchase_orders", "vendors"]
    assert all(invoice["balanced"] for invoice in records["invoices"])
    second = run_read(config=openssh, state=final_states(first))
    assert second.errors == [] and second.records == []
    full = run_read(config=openssh, sync_mode=SyncMode.full_refresh, streams=["vendors"])
    assert len(full.records) == len(records["vendors"])
