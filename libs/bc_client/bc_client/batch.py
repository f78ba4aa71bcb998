"""JSON `$batch`: many operations in one HTTP request (`POST {api root}/$batch`).

BC allows at most 100 operations per batch. With `Isolation: snapshot` the whole batch is one transaction
(all-or-nothing, except where AL code commits, e.g. posting actions); without it each operation commits on its
own and some may fail while others succeed. Inner URLs are relative to the API root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bc_client.errors import BCError

MAX_BATCH_OPERATIONS = 100


@dataclass(frozen=True)
class BatchOperation:
    """One inner request. `path` follows the client's rules (company-relative unless it starts with "/").
    PATCH and DELETE need the entity's `etag` ("*" to overwrite regardless), as for `update`/`delete`."""

    method: str
    path: str
    body: Any = None
    etag: str | None = None
    headers: Mapping[str, str] | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        method = self.method.upper()
        object.__setattr__(self, "method", method)
        if method not in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            raise ValueError(f"unsupported $batch method {self.method!r}")
        if method in ("PATCH", "DELETE") and not self.etag:
            raise ValueError(f"{method} {self.path}: pass the entity's etag (or '*') — BC requires If-Match")
        if self.path.startswith(("http://", "https://")):
            raise ValueError("$batch operations take paths, not absolute URLs")


@dataclass
class BatchResult:
    """The answer to one inner request; `error` is set when `status` is not 2xx.

    `status == 0` means no inner answer: the operation was not applied, except when `error` is a
    `WriteOutcomeUnknownError` (the $batch request was sent but its response was lost — look it up)."""

    operation: BatchOperation
    id: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    error: BCError | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def etag(self) -> str | None:
        if isinstance(self.body, dict) and self.body.get("@odata.etag"):
            return str(self.body["@odata.etag"])
        for name, value in self.headers.items():
            if name.lower() == "etag":
                return value
        return None


def chunks(operations: list[BatchOperation], size: int = MAX_BATCH_OPERATIONS) -> list[list[BatchOperation]]:
    return [operations[start : start + size] for start in range(0, len(operations), size)]
