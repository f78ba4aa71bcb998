"""Mask resolved secret values in any text the runner writes (logs, run records, reports, the terminal).

The connectors mask their own `airbyte_secret` fields; this is the second line of defence for everything that
passes through the runner, including connector stderr (tracebacks) that no connector filter sees.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

MASK = "****"
# Values shorter than this are not masked: masking "1" or "yes" would shred ordinary text and protect nothing.
MIN_MASKED_LENGTH = 4


class SecretMasker:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        merged = set(self._secrets)
        for value in secrets:
            if len(value) >= MIN_MASKED_LENGTH:
                merged.add(value)
                # The same value as it appears inside a JSON string (quotes, backslashes, control characters).
                merged.add(orjson.dumps(value).decode("utf-8")[1:-1])
        # Longest first, so that a secret containing another one is masked whole.
        self._secrets = sorted(merged, key=len, reverse=True)
        self._secret_bytes = [value.encode("utf-8") for value in self._secrets]

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def mask(self, text: str) -> str:
        for value in self._secrets:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def mask_bytes(self, data: bytes) -> bytes:
        for value in self._secret_bytes:
            if value in data:
                data = data.replace(value, MASK.encode("ascii"))
        return data
