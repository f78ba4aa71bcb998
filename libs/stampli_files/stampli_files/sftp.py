"""SFTP client side shared by source-stampli-sftp and destination-stampli-sftp.

`SftpSettings` is the config block both connectors expose (`host, port, username, credentials, host_key`).
`open_sftp(settings)` connects with paramiko, verifies the server's host key against the pin (or logs the
fingerprint it presented when there is no pin) before any credential is sent, authenticates and returns an
`SftpConnection` with the few operations the connectors need: listing, streaming download, atomic upload.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import logging
import posixpath
import secrets
import socket
import stat as stat_module
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30.0
# Read requests in flight during a prefetching download: enough to fill a long-distance link, while bounding the
# memory paramiko holds for responses not yet consumed (64 x 32 KiB = 2 MiB).
PREFETCH_REQUESTS = 64
DOWNLOAD_CHUNK_BYTES = 1 << 20
DOWNLOAD_WINDOW_BYTES = 4 << 20


# -- errors ---------------------------------------------------------------------------------------------------------


class SftpError(Exception):
    """Base class for SFTP access errors. Messages are safe to show to users: they never contain secrets."""


class SftpConnectionError(SftpError):
    """The server could not be reached or the SSH handshake failed."""


class HostKeyMismatchError(SftpError):
    """The server presented a host key other than the pinned one."""

    def __init__(self, host: str, port: int, presented_fingerprint: str, presented_type: str) -> None:
        self.presented_fingerprint = presented_fingerprint
        self.presented_type = presented_type
        super().__init__(
            f"SFTP host key mismatch for {host}:{port}: the server presented {presented_type} "
            f"{presented_fingerprint}, which is not the pinned host_key. Refusing to connect: this may be a "
            f"man-in-the-middle, or the server's key was rotated (then update host_key)."
        )


class SftpAuthError(SftpError):
    """The server refused the credentials, or the private key could not be used."""


class PrivateKeyError(SftpAuthError):
    """The configured private key cannot be read (format, missing or wrong passphrase)."""


class HostKeyPinError(ValueError):
    """`host_key` is neither a known_hosts-style public key line nor a `SHA256:` fingerprint."""


# -- config ---------------------------------------------------------------------------------------------------------


class PasswordCredentials(BaseModel):
    model_config = ConfigDict(extra="ignore", title="Password")

    auth_method: Literal["password"] = "password"
    password: SecretStr = Field(json_schema_extra={"airbyte_secret": True, "order": 1})


class PrivateKeyCredentials(BaseModel):
    model_config = ConfigDict(extra="ignore", title="Private key")

    auth_method: Literal["private_key"] = "private_key"
    private_key: SecretStr = Field(
        description="OpenSSH or PEM private key text (Ed25519, ECDSA or RSA).",
        json_schema_extra={"airbyte_secret": True, "multiline": True, "order": 1},
    )
    passphrase: SecretStr | None = Field(
        default=None,
        description="Passphrase of an encrypted private key.",
        json_schema_extra={"airbyte_secret": True, "order": 2},
    )


Credentials = Annotated[PasswordCredentials | PrivateKeyCredentials, Field(discriminator="auth_method")]


class SftpSettings(BaseModel):
    """The SFTP connection block of the Stampli connectors' configs."""

    model_config = ConfigDict(extra="ignore")

    host: str = Field(min_length=1, description="SFTP server host name or IP address.", json_schema_extra={"order": 0})
    port: int = Field(default=22, ge=1, le=65535, description="SFTP server port.", json_schema_extra={"order": 1})
    username: str = Field(min_length=1, description="SFTP user name.", json_schema_extra={"order": 2})
    credentials: Credentials = Field(description="How to authenticate.", json_schema_extra={"order": 3})
    host_key: str | None = Field(
        default=None,
        description=(
            "The server's public host key as a known_hosts line (for example the output of ssh-keyscan: "
            "'ssh-ed25519 AAAA...') or its SHA256 fingerprint ('SHA256:...'). When set, any other key is refused. "
            "When empty, the connector logs a warning with the fingerprint the server presented."
        ),
        json_schema_extra={"order": 4},
    )

    @field_validator("host_key")
    @classmethod
    def _parse_host_key(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        HostKeyPin.parse(value)  # raises HostKeyPinError (a ValueError): pydantic reports it as a config error
        return value.strip()


# -- host keys ------------------------------------------------------------------------------------------------------


def fingerprint_sha256(key_blob: bytes) -> str:
    """OpenSSH-style fingerprint of a public key blob: 'SHA256:' + unpadded base64 of its SHA-256."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key_blob).digest()).decode().rstrip("=")


_RSA_ALGORITHMS = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]


@dataclass(frozen=True)
class HostKeyPin:
    """Accepted host keys: exact public key blobs and/or SHA256 fingerprints."""

    key_blobs: frozenset[bytes]
    key_types: tuple[str, ...]
    fingerprints: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> HostKeyPin:
        blobs: set[bytes] = set()
        types: list[str] = []
        fingerprints: set[str] = set()
        for raw_line in text.strip().splitlines():
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            if line.upper().startswith("SHA256:"):
                digest = line.split(None, 1)[0][len("SHA256:") :].rstrip("=")
                try:
                    if len(base64.b64decode(digest + "=" * (-len(digest) % 4), validate=True)) != 32:
                        raise ValueError
                except (binascii.Error, ValueError):
                    raise HostKeyPinError("host_key: the SHA256 fingerprint is not 32 bytes of base64") from None
                fingerprints.add("SHA256:" + digest)
                continue
            key_type, blob = cls._find_key(line)
            blobs.add(blob)
            types.extend(_RSA_ALGORITHMS if key_type == "ssh-rsa" else [key_type])
        if not blobs and not fingerprints:
            raise HostKeyPinError(
                "host_key must be a public key line such as 'ssh-ed25519 AAAA...' or a fingerprint 'SHA256:...'"
            )
        return cls(frozenset(blobs), tuple(dict.fromkeys(types)), frozenset(fingerprints))

    @staticmethod
    def _find_key(line: str) -> tuple[str, bytes]:
        """Find `<type> <base64 blob>` anywhere in a known_hosts / authorized_keys / .pub line."""
        tokens = line.split()
        for key_type, encoded in zip(tokens, tokens[1:], strict=False):
            try:
                blob = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                continue
            # The blob starts with its own type name as an SSH string: a cheap, reliable consistency check.
            if len(blob) > 4:
                name_length = int.from_bytes(blob[:4], "big")
                if blob[4 : 4 + name_length] == key_type.encode():
                    return key_type, blob
        raise HostKeyPinError("host_key: no '<key type> <base64 key>' pair found in the given line")

    def accepts(self, key_blob: bytes) -> bool:
        return key_blob in self.key_blobs or fingerprint_sha256(key_blob) in self.fingerprints


# -- private keys ---------------------------------------------------------------------------------------------------


def load_private_key(text: str, passphrase: str | None = None) -> paramiko.PKey:
    """An Ed25519, ECDSA or RSA key from OpenSSH or PEM text, as paramiko wants it."""
    # Keys pasted into JSON UIs often arrive with literal "\n" instead of line breaks.
    normalized = text.strip().replace("\r\n", "\n")
    if "\n" not in normalized and "\\n" in normalized:
        normalized = normalized.replace("\\n", "\n")
    normalized += "\n"
    data = normalized.encode()
    password = passphrase.encode() if passphrase else None
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=password)
        except ValueError as ssh_format_error:
            if b"OPENSSH PRIVATE KEY" in data:
                raise ssh_format_error
            loaded = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:  # cryptography: "Password was not given but private key is encrypted" and vice versa
        if password is None:
            raise PrivateKeyError("the private key is encrypted: set credentials.passphrase") from None
        raise PrivateKeyError(f"the private key is not encrypted, or its passphrase does not fit: {exc}") from None
    except ValueError:
        raise PrivateKeyError(
            "the private key could not be read: wrong passphrase, or not an OpenSSH/PEM Ed25519, ECDSA or RSA key"
        ) from None
    except Exception as exc:  # UnsupportedAlgorithm and friends
        raise PrivateKeyError(f"the private key could not be read ({type(exc).__name__})") from None
    key_class: type[paramiko.PKey]
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        key_class = paramiko.Ed25519Key
    elif isinstance(loaded, ec.EllipticCurvePrivateKey):
        key_class = paramiko.ECDSAKey
    elif isinstance(loaded, rsa.RSAPrivateKey):
        key_class = paramiko.RSAKey
    else:
        raise PrivateKeyError(f"unsupported private key type {type(loaded).__name__}: use Ed25519, ECDSA or RSA")
    # paramiko reads only some PEM flavours (not PKCS#8): hand it the already-decrypted key in OpenSSH format.
    openssh_text = loaded.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    try:
        return key_class.from_private_key(io.StringIO(openssh_text))
    except (paramiko.SSHException, ValueError) as exc:
        raise PrivateKeyError(f"the private key could not be read by the SSH client: {type(exc).__name__}") from None


# -- connection -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteEntry:
    """One directory entry as the server reports it."""

    path: str
    name: str
    size: int
    mtime: datetime  # UTC
    is_file: bool
    kind: str = "file"  # "file", "sub-folder", "symlink" or "special file"


class SftpConnection:
    """An authenticated SFTP session. Close it (or use it as a context manager) when done."""

    def __init__(self, transport: paramiko.Transport, sftp: paramiko.SFTPClient, host_key_fingerprint: str) -> None:
        self.transport = transport
        self.sftp = sftp
        self.host_key_fingerprint = host_key_fingerprint

    def __enter__(self) -> SftpConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sftp.close()
        finally:
            self.transport.close()

    @property
    def is_active(self) -> bool:
        return self.transport.is_active()

    def stat(self, path: str) -> RemoteEntry:
        attributes = self.sftp.stat(path)
        return _entry(posixpath.dirname(path), posixpath.basename(path), attributes)

    def is_dir(self, path: str) -> bool:
        try:
            return stat_module.S_ISDIR(self.sftp.stat(path).st_mode or 0)
        except FileNotFoundError:
            return False

    def iter_dir(self, folder: str) -> Iterator[RemoteEntry]:
        """Entries of `folder`, streamed (`listdir_iter`: no full listing held in memory), `.`/`..` excluded."""
        for attributes in self.sftp.listdir_iter(folder):
            if attributes.filename in (".", ".."):
                continue
            yield _entry(folder, attributes.filename, attributes)

    def download(self, remote_path: str, destination: BinaryIO, expected_size: int | None = None) -> int:
        """Stream `remote_path` into `destination` with read-ahead; returns the number of bytes written.

        Read-ahead goes a window at a time: paramiko keeps every answered read in memory until it is consumed, so a
        whole-file prefetch held up to the whole file when this process was slower than the server (seen: +25 MB
        on a busy machine). A window bounds that to DOWNLOAD_WINDOW_BYTES whatever the file size."""
        with self.sftp.open(remote_path, "rb") as remote:
            size = expected_size if expected_size is not None else remote.stat().st_size
            written = 0
            for window in range(0, size, DOWNLOAD_WINDOW_BYTES):
                end = min(window + DOWNLOAD_WINDOW_BYTES, size)
                blocks = [(o, min(DOWNLOAD_CHUNK_BYTES, end - o)) for o in range(window, end, DOWNLOAD_CHUNK_BYTES)]
                for chunk in remote.readv(blocks, max_concurrent_prefetch_requests=PREFETCH_REQUESTS):
                    destination.write(chunk)
                    written += len(chunk)
                    if len(chunk) < DOWNLOAD_CHUNK_BYTES and written < end:
                        return written  # the file shrank: the caller sees the size differ
            remote.seek(written)
            while chunk := remote.read(DOWNLOAD_CHUNK_BYTES):  # bytes beyond the listed size: it is growing
                destination.write(chunk)
                written += len(chunk)
        return written

    def upload_atomic(self, source: Path | bytes, remote_path: str) -> int:
        """Write `source` to `remote_path` so readers never see a partial file.

        The bytes go to a hidden `.tmp` name in the same folder (which the Stampli readers skip), the size is
        verified, then the file is renamed over the target: `posix-rename@openssh.com` when the server has it
        (atomic replace), else remove-then-rename (a short window without the file, logged).
        """
        folder, name = posixpath.split(remote_path)
        temp_path = posixpath.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
        expected = source.stat().st_size if isinstance(source, Path) else len(source)
        try:
            if isinstance(source, Path):
                with source.open("rb") as local:
                    self.sftp.putfo(local, temp_path, file_size=expected, confirm=False)
            else:
                self.sftp.putfo(io.BytesIO(source), temp_path, file_size=expected, confirm=False)
            written = self.sftp.stat(temp_path).st_size
            if written != expected:
                raise SftpError(f"upload of {remote_path} is incomplete: {written} of {expected} bytes arrived")
            try:
                self.sftp.posix_rename(temp_path, remote_path)
            except OSError:
                logger.warning(
                    "SFTP server lacks posix-rename: replacing %s non-atomically (remove, then rename)", remote_path
                )
                with contextlib.suppress(FileNotFoundError):
                    self.sftp.remove(remote_path)
                self.sftp.rename(temp_path, remote_path)
        except BaseException:
            with contextlib.suppress(OSError, paramiko.SSHException):
                self.sftp.remove(temp_path)
            raise
        return expected


def _entry(folder: str, name: str, attributes: paramiko.SFTPAttributes) -> RemoteEntry:
    mode = attributes.st_mode or 0
    return RemoteEntry(
        path=posixpath.join(folder, name),
        name=name,
        size=attributes.st_size or 0,
        mtime=datetime.fromtimestamp(attributes.st_mtime or 0, tz=UTC),
        is_file=stat_module.S_ISREG(mode) or not mode,
        kind=_kind(mode),
    )


def _kind(mode: int) -> str:
    """What a directory entry is, as listed (SFTP servers list entries with lstat: a symlink shows as one)."""
    if stat_module.S_ISREG(mode) or not mode:
        return "file"
    if stat_module.S_ISDIR(mode):
        return "sub-folder"
    if stat_module.S_ISLNK(mode):
        return "symlink"
    return "special file"


def open_sftp(settings: SftpSettings, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> SftpConnection:
    """Connect, verify the host key, authenticate, and open an SFTP session."""
    pin = HostKeyPin.parse(settings.host_key) if settings.host_key else None
    # Load the key first: a bad key is a config error, not a network one, and needs no round trip.
    pkey = None
    if isinstance(settings.credentials, PrivateKeyCredentials):
        passphrase = settings.credentials.passphrase.get_secret_value() if settings.credentials.passphrase else None
        pkey = load_private_key(settings.credentials.private_key.get_secret_value(), passphrase)
    try:
        sock = socket.create_connection((settings.host, settings.port), timeout=timeout)
    except OSError as exc:
        raise SftpConnectionError(f"cannot reach SFTP server {settings.host}:{settings.port}: {exc}") from None
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.auth_timeout = timeout
        transport.handshake_timeout = timeout
        if pin and pin.key_types:
            # Ask for the pinned key's algorithm so that a server with several host keys presents that one.
            supported = set(transport.get_security_options().key_types)
            wanted = [t for t in pin.key_types if t in supported]
            if wanted and not pin.fingerprints:
                transport.get_security_options().key_types = wanted
        try:
            transport.start_client(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SftpConnectionError(
                f"SSH handshake with {settings.host}:{settings.port} failed: {exc or type(exc).__name__}"
            ) from None
        presented = transport.get_remote_server_key()
        presented_fingerprint = fingerprint_sha256(presented.asbytes())
        if pin is None:
            logger.warning(
                "SFTP host key of %s:%d is not pinned; the server presented %s %s. Set host_key to this "
                "fingerprint (or the key line) to refuse any other server.",
                settings.host,
                settings.port,
                presented.get_name(),
                presented_fingerprint,
            )
        elif not pin.accepts(presented.asbytes()):
            raise HostKeyMismatchError(settings.host, settings.port, presented_fingerprint, presented.get_name())
        _authenticate(transport, settings, pkey)
        transport.set_keepalive(30)
        sftp = paramiko.SFTPClient.from_transport(transport)
        if sftp is None:
            raise SftpConnectionError(f"{settings.host}:{settings.port} refused the SFTP subsystem")
        sftp.get_channel().settimeout(max(timeout, 60.0))
        return SftpConnection(transport, sftp, presented_fingerprint)
    except BaseException:
        transport.close()
        raise


def _authenticate(transport: paramiko.Transport, settings: SftpSettings, pkey: paramiko.PKey | None) -> None:
    where = f"{settings.username}@{settings.host}:{settings.port}"
    try:
        if pkey is not None:
            transport.auth_publickey(settings.username, pkey)
        else:
            password = settings.credentials.password.get_secret_value()  # type: ignore[union-attr]
            try:
                transport.auth_password(settings.username, password)
            except paramiko.BadAuthenticationType as exc:
                # Some servers accept passwords only through keyboard-interactive prompts.
                if "keyboard-interactive" not in exc.allowed_types:
                    raise
                transport.auth_interactive(settings.username, lambda _title, _instr, prompts: [password] * len(prompts))
    except paramiko.BadAuthenticationType as exc:
        raise SftpAuthError(
            f"SFTP server refused {settings.credentials.auth_method} authentication for {where}; "
            f"it accepts: {', '.join(exc.allowed_types) or 'nothing'}"
        ) from None
    except paramiko.AuthenticationException:
        raise SftpAuthError(f"SFTP authentication failed for {where}: credentials were rejected") from None
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise SftpConnectionError(f"connection to {where} failed during authentication: {exc}") from None
    if not transport.is_authenticated():
        raise SftpAuthError(f"SFTP authentication failed for {where}: credentials were rejected")


def settings_from_config(config: dict[str, Any]) -> SftpSettings:
    """The SFTP block of a connector config (extra keys are ignored)."""
    return SftpSettings.model_validate(config)
