"""Resolve `${env:NAME}` and `${secret:name}` references in a connector config, in memory only.

Connection files on disk hold references, never values. Resolution returns the resolved config together with
every value it substituted, so that the caller can mask those values wherever text leaves the process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stampli_nav_runner.secret_store import SecretStore

REFERENCE_PATTERN = re.compile(r"\$\{(env|secret):([A-Za-z_][A-Za-z0-9_.\-]*)\}")

# Keys whose literal values look like secrets: a warning, so that plain-text secrets do not creep into files.
SECRET_LOOKING_KEYS = re.compile(r"(password|secret|passphrase|private_key|access_key|token|api_key)$", re.I)


class SecretReferenceError(Exception):
    """A reference cannot be resolved. The message names the reference, never a value."""


@dataclass
class ResolvedConfig:
    config: dict[str, Any]
    secret_values: set[str] = field(default_factory=set)


class SecretResolver:
    """Looks references up in the environment or the encrypted store (opened lazily, once)."""

    def __init__(self, store_factory: Callable[[], SecretStore] = SecretStore.from_environment) -> None:
        self._store_factory = store_factory
        self._secrets: dict[str, str] | None = None

    def lookup(self, kind: str, name: str) -> str:
        if kind == "env":
            value = os.environ.get(name)
            if value is None:
                raise SecretReferenceError(f"${{env:{name}}} is referenced but the environment variable is not set")
            return value
        if self._secrets is None:
            self._secrets = self._store_factory().load()
        if name not in self._secrets:
            raise SecretReferenceError(
                f"${{secret:{name}}} is referenced but not in the secrets file "
                f"(add it with `stampli-nav secrets set {name}`)"
            )
        return self._secrets[name]

    def resolve(self, config: Mapping[str, Any]) -> ResolvedConfig:
        secret_values: set[str] = set()

        def substitute(match: re.Match[str]) -> str:
            value = self.lookup(match.group(1), match.group(2))
            if value:
                secret_values.add(value)
            return value

        def walk(node: Any) -> Any:
            if isinstance(node, str):
                return REFERENCE_PATTERN.sub(substitute, node)
            if isinstance(node, Mapping):
                return {key: walk(value) for key, value in node.items()}
            if isinstance(node, list):
                return [walk(item) for item in node]
            return node

        return ResolvedConfig(config=walk(config), secret_values=secret_values)


def plain_text_secret_paths(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Paths of secret-looking keys that hold a literal value instead of a reference."""
    found: list[str] = []
    for key, value in config.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            found.extend(plain_text_secret_paths(value, path))
        elif (
            isinstance(value, str)
            and value
            and SECRET_LOOKING_KEYS.search(str(key))
            and not REFERENCE_PATTERN.search(value)
        ):
            found.append(path)
    return found
