"""Client key pairs for tests and demos (OpenSSH private key text + authorized_keys line)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncssh


@dataclass(frozen=True)
class ClientKeyPair:
    private_key: str  # OpenSSH (or PEM for RSA/ECDSA when asked) private key text
    public_key_line: str  # "ssh-ed25519 AAAA… comment": one authorized_keys line
    passphrase: str | None = None


_ALGORITHMS = {"ed25519": "ssh-ed25519", "rsa": "ssh-rsa", "ecdsa": "ecdsa-sha2-nistp256"}


def generate_client_key_pair(
    kind: str = "ed25519", passphrase: str | None = None, private_format: str = "openssh", kdf_rounds: int = 2
) -> ClientKeyPair:
    """A fresh key pair. `private_format` is "openssh" or "pkcs1-pem"/"pkcs8-pem" (RSA/ECDSA only).

    Encrypted OpenSSH keys use `kdf_rounds` bcrypt rounds: few by default because these are throw-away test keys
    and every load pays the KDF (ssh-keygen uses 16).
    """
    algorithm = _ALGORITHMS[kind]
    key = asyncssh.generate_private_key(
        algorithm, comment="embedded-sftp-test", **({"key_size": 2048} if kind == "rsa" else {})
    )
    extra = {"rounds": kdf_rounds, "ignore_few_rounds": True} if passphrase and private_format == "openssh" else {}
    private = key.export_private_key(private_format, passphrase=passphrase, **extra).decode()
    public = key.export_public_key("openssh").decode().strip()
    return ClientKeyPair(private_key=private, public_key_line=public, passphrase=passphrase)
