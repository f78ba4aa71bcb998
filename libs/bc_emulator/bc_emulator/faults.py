"""Fault injection: latency, error statuses, hangs and dropped connections on chosen routes and methods.

A rule matches a *route template*: the request path under the API root with keys removed, e.g.
`companies/vendors`, `companies/journals/journalLines`, `companies/journals/Microsoft.NAV.post`, `$batch`,
`subscriptions`, `microsoft/reportsFinance/beta/companies/vendorLedgerEntries`, or `oauth2/token` for the
token endpoint. Patterns are shell globs; a pattern also matches any route that ends with `/<pattern>`, so
`vendors` matches `companies/vendors`. Random draws come from a seeded generator, so a run is repeatable.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bc_emulator import errors

FaultKind = Literal["status", "timeout", "drop_after_commit", "latency"]

_STATUS_CODES = {
    408: ("RequestTimeout", "The operation has timed out."),
    429: ("TooManyRequests", "The request was throttled."),
    500: ("Internal_ServerError", "An internal error occurred (injected fault)."),
    502: ("BadGateway", "Bad gateway (injected fault)."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable (injected fault)."),
    504: ("GatewayTimeout", "The gateway timed out (injected fault)."),
}


class FaultRule(BaseModel):
    """One fault. `probability` and `times` decide when it fires; `after` skips the first matches."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    route: str = "*"
    methods: list[str] | None = Field(None, description="HTTP methods (default: all)")
    probability: float = Field(1.0, ge=0.0, le=1.0)
    times: int | None = Field(None, ge=1, description="fire at most this many times")
    after: int = Field(0, ge=0, description="let this many matching requests through first")
    status: int | None = Field(None, description="for kind=status: 408, 429, 500, 502, 503 or 504")
    retry_after_s: int | None = Field(None, ge=0, description="Retry-After header (status faults)")
    latency_ms: int = Field(0, ge=0, description="for kind=latency: fixed delay, or the minimum")
    latency_max_ms: int | None = Field(None, ge=0, description="for kind=latency: random up to this")
    hang_s: float = Field(30.0, ge=0, description="for kind=timeout: how long to hang before dropping")
    id: int = 0
    matched: int = 0
    fired: int = 0

    @model_validator(mode="after")
    def _consistent(self) -> FaultRule:
        if self.kind == "status" and self.status not in _STATUS_CODES:
            raise ValueError(f"status faults need status in {sorted(_STATUS_CODES)}")
        if self.latency_max_ms is not None and self.latency_max_ms < self.latency_ms:
            raise ValueError("latency_max_ms must be >= latency_ms")
        return self

    def applies_to(self, route: str, method: str) -> bool:
        if self.methods is not None and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return fnmatch.fnmatchcase(route, self.route) or fnmatch.fnmatchcase(route, f"*/{self.route}")

    def error(self) -> errors.ApiError:
        assert self.status is not None
        code, message = _STATUS_CODES[self.status]
        headers = {"Retry-After": str(self.retry_after_s)} if self.retry_after_s is not None else {}
        return errors.ApiError(self.status, code, message, headers)


class FaultInjector:
    """The active rules of one emulator; thread-safe; deterministic for a given seed and request order."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._random = random.Random(seed)

    def add(self, rule: FaultRule | None = None, **fields: object) -> FaultRule:
        """Add a rule (a FaultRule or its fields as keywords); returns it with its id."""
        rule = rule if rule is not None else FaultRule.model_validate(fields)
        with self._lock:
            rule = rule.model_copy(update={"id": next(self._ids), "matched": 0, "fired": 0})
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return [r.model_copy() for r in self._rules]

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random = random.Random(seed)

    def fire(self, route: str, method: str, kinds: tuple[str, ...]) -> list[FaultRule]:
        """Rules of the given kinds that fire for this request (each firing is counted)."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or not rule.applies_to(route, method):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.matched += 1
                if rule.matched <= rule.after:
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                fired.append(rule.model_copy())
        return fired

    def latency_s(self, rule: FaultRule) -> float:
        if rule.latency_max_ms is None:
            return rule.latency_ms / 1000
        with self._lock:
            return self._random.uniform(rule.latency_ms, rule.latency_max_ms) / 1000

    def jitter_s(self, base_ms: int, jitter_ms: int) -> float:
        if not jitter_ms:
            return base_ms / 1000
        with self._lock:
            return (base_ms + self._random.uniform(0, jitter_ms)) / 1000
