"""The encrypted secrets file behind `${secret:name}` references.

One Fernet token (AES-128-CBC + HMAC-SHA256, from `cryptography`) holds the whole JSON mapping name → value, so
even the secret names stay unreadable without the key. The key never touches the disk: it comes from the
environment variable STAMPLI_NAV_SECRETS_KEY (`stampli-nav secrets generate-key` prints a fresh one).
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from cryptography.fernet import Fernet, InvalidToken

from stampli_nav_runner.atomic_files import write_bytes_atomic

SECRETS_KEY_ENV = "STAMPLI_NAV_SECRETS_KEY"
SECRETS_FILE_ENV = "STAMPLI_NAV_SECRETS_FILE"
DEFAULT_SECRETS_FILE = Path("secrets") / "stampli-nav.secrets"


class SecretStoreError(Exception):
    """The secrets file cannot be opened: no key, a wrong key, or a damaged file. Never carries a secret."""


def default_secrets_path() -> Path:
    return Path(os.environ.get(SECRETS_FILE_ENV) or DEFAULT_SECRETS_FILE)


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class SecretStore:
    """Read and update the encrypted secrets file. Values are only ever held in memory."""

    def __init__(self, path: Path, key: str | None = None) -> None:
        self.path = path
        self._key = key

    @classmethod
    def from_environment(cls, path: Path | None = None) -> SecretStore:
        return cls(path or default_secrets_path(), os.environ.get(SECRETS_KEY_ENV))

    def _fernet(self) -> Fernet:
        if not self._key:
            raise SecretStoreError(
                f"{SECRETS_KEY_ENV} is not set: export the Fernet key of {self.path} "
                "(create one with `stampli-nav secrets generate-key`)"
            )
        try:
            return Fernet(self._key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise SecretStoreError(f"{SECRETS_KEY_ENV} is not a valid Fernet key (32 url-safe base64 bytes)") from exc

    def load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        token = self.path.read_bytes().strip()
        if not token:
            return {}
        try:
            plaintext = self._fernet().decrypt(token)
        except InvalidToken as exc:
            raise SecretStoreError(
                f"cannot decrypt {self.path}: {SECRETS_KEY_ENV} is not the key it was written with, "
                "or the file was altered"
            ) from exc
        mapping = orjson.loads(plaintext)
        if not isinstance(mapping, dict):
            raise SecretStoreError(f"{self.path} does not hold a name → value mapping")
        return {str(name): str(value) for name, value in mapping.items()}

    def names(self) -> list[str]:
        return sorted(self.load())

    def get(self, name: str) -> str:
        secrets = self.load()
        if name not in secrets:
            raise SecretStoreError(
                f"secret {name!r} is not in {self.path} (add it with `stampli-nav secrets set {name}`)"
            )
        return secrets[name]

    def set(self, name: str, value: str) -> None:
        secrets = self.load()
        secrets[name] = value
        self._save(secrets)

    def delete(self, name: str) -> bool:
        secrets = self.load()
        if name not in secrets:
            return False
        del secrets[name]
        self._save(secrets)
        return True

    def _save(self, secrets: dict[str, str]) -> None:
        token = self._fernet().encrypt(orjson.dumps(secrets, option=orjson.OPT_SORT_KEYS))
        write_bytes_atomic(self.path, token + b"\n", mode=0o600)
