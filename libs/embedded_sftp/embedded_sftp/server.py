"""An SFTP server running in a background thread, for tests and the demo.

asyncssh serves SFTP on its own event loop in a daemon thread, so that synchronous code (paramiko clients,
connector processes, pytest) can talk to it over real TCP. Every session is chrooted to `root`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import asyncssh

logger = logging.getLogger(__name__)

OpenForReadHook = Callable[[Path], None]


class _BreakAfter:
    """A one-shot fault: the next file opened for reading drops its connection after `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit


class _ChrootedSftpServer(asyncssh.SFTPServer):
    """asyncssh's SFTP server with a strict chroot and the owner's fault hooks.

    asyncssh's own chroot still follows symlinks that point outside the root; `map_path` here resolves
    every path and refuses anything whose real location is outside it.
    """

    def __init__(self, chan: asyncssh.SSHServerChannel, owner: EmbeddedSftpServer) -> None:
        super().__init__(chan, chroot=os.fsencode(owner.root))
        self._owner = owner
        self._root_real = os.fsencode(os.path.realpath(owner.root))
        self._served: dict[int, int] = {}
        self._break_limits: dict[int, int] = {}

    def map_path(self, path: bytes) -> bytes:
        mapped = super().map_path(path)
        real = os.path.realpath(mapped)
        if real != self._root_real and not real.startswith(self._root_real + b"/"):
            raise asyncssh.SFTPPermissionDenied("path escapes the server root")
        return mapped

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        file_obj = super().open(path, pflags, attrs)
        if pflags & asyncssh.FXF_READ and not pflags & asyncssh.FXF_WRITE:
            self._on_open_for_read(file_obj, path)
        return file_obj

    def open56(self, path: bytes, desired_access: int, flags: int, attrs: asyncssh.SFTPAttrs) -> object:
        file_obj = super().open56(path, desired_access, flags, attrs)
        if desired_access & asyncssh.ACE4_READ_DATA and not desired_access & asyncssh.ACE4_WRITE_DATA:
            self._on_open_for_read(file_obj, path)
        return file_obj

    def _on_open_for_read(self, file_obj: object, path: bytes) -> None:
        fault = self._owner._take_break_fault()
        if fault is not None:
            self._break_limits[id(file_obj)] = fault.limit
        hook = self._owner.on_open_for_read
        if hook is not None:
            hook(Path(os.fsdecode(self.map_path(path))))

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        data: bytes = super().read(file_obj, offset, size)  # type: ignore[assignment]
        limit = self._break_limits.get(id(file_obj))
        if limit is not None:
            served = self._served.get(id(file_obj), 0) + len(data)
            self._served[id(file_obj)] = served
            if served > limit:
                logger.info("embedded SFTP: breaking a download after %d bytes (fault injected)", limit)
                self._break_limits.pop(id(file_obj), None)
                self.connection.abort()
                raise asyncssh.SFTPConnectionLost("connection dropped by fault injection")
        return data

    def close(self, file_obj: object) -> None:
        self._served.pop(id(file_obj), None)
        self._break_limits.pop(id(file_obj), None)
        super().close(file_obj)


class _SshServer(asyncssh.SSHServer):
    """Authentication: passwords and OpenSSH authorized keys per user."""

    def __init__(self, owner: EmbeddedSftpServer) -> None:
        self._owner = owner
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._owner._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._owner._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        keys = self._owner.authorized_keys.get(username)
        if keys and self._conn is not None:
            self._conn.set_authorized_keys(asyncssh.import_authorized_keys("\n".join(keys) + "\n"))
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        expected = self._owner.users.get(username)
        # compare_digest: no timing side channel, even in a test server that may be used in a demo.
        return expected is not None and hmac.compare_digest(expected.encode(), password.encode())

    def public_key_auth_supported(self) -> bool:
        return True


def load_or_create_host_key(host_key_path: Path | None) -> asyncssh.SSHKey:
    """The server's Ed25519 host key: read from `host_key_path`, created there when missing (stable across runs)."""
    if host_key_path is not None and host_key_path.exists():
        return asyncssh.read_private_key(str(host_key_path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    if host_key_path is not None:
        host_key_path.parent.mkdir(parents=True, exist_ok=True)
        key.write_private_key(str(host_key_path))
        host_key_path.chmod(0o600)
    return key


class EmbeddedSftpServer:
    """An SFTP server over real TCP, chrooted to `root`, running in a background thread.

    Use as a context manager, or call `start()` / `stop()`.
    """

    def __init__(
        self,
        root: Path,
        users: Mapping[str, str] | None = None,
        authorized_keys: Mapping[str, Sequence[str]] | None = None,
        host_key_path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = Path(root).resolve()
        self.users: dict[str, str] = dict(users or {})
        self.authorized_keys: dict[str, list[str]] = {u: list(k) for u, k in (authorized_keys or {}).items()}
        self.host = host
        self._requested_port = port
        self._host_key = load_or_create_host_key(host_key_path)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._port: int | None = None
        self._break_fault: _BreakAfter | None = None
        self._fault_lock = threading.Lock()
        # Called in the server thread with the local path of every file opened for reading (tests use it to
        # change a file while a client downloads it).
        self.on_open_for_read: OpenForReadHook | None = None

    # -- identity -------------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def host_key_line(self) -> str:
        """The host public key as a known_hosts-style line without host names: `ssh-ed25519 AAAA…`."""
        algorithm, blob, *_ = self._host_key.export_public_key("openssh").decode().split()
        return f"{algorithm} {blob}"

    @property
    def host_key_fingerprint(self) -> str:
        """OpenSSH-style fingerprint of the host key: `SHA256:…` (unpadded base64)."""
        return self._host_key.get_fingerprint("sha256")

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> EmbeddedSftpServer:
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        self.root.mkdir(parents=True, exist_ok=True)
        loop = asyncio.new_event_loop()
        started: Future[int] = Future()
        self._loop = loop
        self._thread = threading.Thread(target=self._run, args=(loop, started), name="embedded-sftp", daemon=True)
        self._thread.start()
        self._port = started.result(timeout=30)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
        self._loop = self._thread = None
        self._port = None

    def __enter__(self) -> EmbeddedSftpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, loop: asyncio.AbstractEventLoop, started: Future[int]) -> None:
        asyncio.set_event_loop(loop)
        try:
            self._acceptor = loop.run_until_complete(self._listen())
        except BaseException as exc:  # reported to start() in the caller's thread
            started.set_exception(exc)
            return
        started.set_result(self._acceptor.get_port())
        loop.run_forever()

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            self.host,
            self._requested_port,
            server_factory=lambda: _SshServer(self),
            server_host_keys=[self._host_key],
            sftp_factory=lambda chan: _ChrootedSftpServer(chan, self),
            allow_scp=False,
            # No shell, no exec: SFTP is the only subsystem this server offers.
            process_factory=None,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_pty=False,
            keepalive_interval=0,
        )

    async def _shutdown(self) -> None:
        await self._drop_all()
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None

    async def _drop_all(self) -> None:
        for conn in list(self._connections):
            conn.abort()
        self._connections.clear()

    # -- fault hooks ----------------------------------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Abort every open client connection (the server keeps listening)."""
        if self._loop is None:
            raise RuntimeError("the server is not running")
        asyncio.run_coroutine_threadsafe(self._drop_all(), self._loop).result(timeout=30)

    def break_next_download(self, after_bytes: int) -> None:
        """Make the next file opened for reading drop its connection once more than `after_bytes` were served."""
        with self._fault_lock:
            self._break_fault = _BreakAfter(after_bytes)

    def _take_break_fault(self) -> _BreakAfter | None:
        with self._fault_lock:
            fault, self._break_fault = self._break_fault, None
            return fault

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def describe(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "root": str(self.root),
            "host_key": self.host_key_line,
            "host_key_fingerprint": self.host_key_fingerprint,
            "users": sorted(set(self.users) | set(self.authorized_keys)),
        }
