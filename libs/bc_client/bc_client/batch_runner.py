"""Running JSON `$batch` requests: chunking, inner answers, and resending what BC refused unprocessed.

The types live in `bc_client.batch`; `BusinessCentralClient.batch` delegates here.

Resend rules, the same as for top-level requests (see `bc_client.transport`):
- An inner 429 or 503 means BC refused that operation before running it: it is resent, after the inner answer's
  `Retry-After` when there is one (plus jitter), else after exponential backoff. Only the refused operations go
  again, except in an atomic batch, where BC rolled the whole transaction back and all of it goes again.
- An operation with no inner answer, or a whole batch whose response was lost, is never resent: its outcome is
  unknown (`WriteOutcomeUnknownError` / status 0) and the caller looks it up.
- When the retry budget runs out, the refused operations fail with a message naming the status, how many
  operations were refused, the attempts made and the last `Retry-After` seen.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bc_client.batch import MAX_BATCH_OPERATIONS, BatchOperation, BatchResult, chunks
from bc_client.enums import decode_payload, encode_body
from bc_client.errors import (
    BatchRolledBackError,
    BCError,
    Redactor,
    ServiceUnavailableError,
    ThrottledError,
    error_class_for,
)
from bc_client.jsonio import dumps, loads
from bc_client.transport import NOT_PROCESSED_STATUSES, RetryPolicy, Transport, parse_retry_after, server_wait
from bc_client.usage import ApiUsage

logger = logging.getLogger("bc_client")

_Item = tuple[int, str, BatchOperation]  # (index in the caller's list, inner id, operation)
_STATUS_NAMES = {429: "429 Too Many Requests (throttled)", 503: "503 Service Unavailable (busy)"}


@dataclass
class _Refusal:
    """What the last attempt of a chunk saw for the operations BC refused unprocessed."""

    status: int
    count: int
    retry_after: float | None
    attempts: int

    def describe(self, total: int) -> str:
        seen = f"last Retry-After {self.retry_after:g}s" if self.retry_after is not None else "no Retry-After sent"
        return (
            f"Business Central answered {_STATUS_NAMES.get(self.status, self.status)} to {self.count} of {total} "
            f"$batch operation(s) on each of {self.attempts} attempt(s) ({seen}); they were not applied. "
            "Try again later or lower the request rate (max_in_flight)."
        )


class BatchRunner:
    """Executes `$batch` calls for one client (shares its transport, usage counters and retry policy)."""

    def __init__(
        self,
        *,
        transport: Transport,
        usage: ApiUsage,
        retry_policy: RetryPolicy,
        redact: Redactor,
        api_root: Callable[[], str],
        batch_url: Callable[[str], str],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transport = transport
        self._usage = usage
        self._policy = retry_policy
        self._redact = redact
        self._api_root = api_root
        self._batch_url = batch_url
        self._sleep = sleep

    def run(
        self, operations: Iterable[BatchOperation], *, atomic: bool = False, timeout: float | None = None
    ) -> list[BatchResult]:
        """See `BusinessCentralClient.batch`."""
        ops = list(operations)
        if not ops:
            return []
        if atomic and len(ops) > MAX_BATCH_OPERATIONS:
            raise ValueError(
                f"an atomic $batch holds at most {MAX_BATCH_OPERATIONS} operations (got {len(ops)}); BC cannot make "
                "more than one request a single transaction — split the work into independent units"
            )
        ids = [op.id or str(index + 1) for index, op in enumerate(ops)]
        if len(ids) != len(set(ids)):
            raise ValueError("BatchOperation ids must be unique within a batch (auto ids are '1', '2', ...)")
        results: list[BatchResult | None] = [None] * len(ops)
        indexed: list[_Item] = [(index, ids[index], op) for index, op in enumerate(ops)]
        grouped: list[list[_Item]] = chunks(indexed)  # type: ignore[arg-type]
        refusal: _Refusal | None = None
        for number, chunk in enumerate(grouped):
            try:
                refusal = self._run_chunk(chunk, atomic, results, timeout) or refusal
            except BCError as exc:
                if atomic:
                    raise
                # Earlier chunks are committed: report per operation instead of losing their results.
                for index, inner_id, operation in chunk:
                    results[index] = BatchResult(operation, inner_id, 0, error=exc)
                for index, inner_id, operation in (item for rest in grouped[number + 1 :] for item in rest):
                    not_sent = BCError(f"not sent: an earlier $batch request of this call failed ({exc})")
                    results[index] = BatchResult(operation, inner_id, 0, error=not_sent)
                break
        final = [result for result in results if result is not None]
        if atomic:
            self._raise_if_rolled_back(ops, final, refusal)
        return final

    # -- one request of ≤ 100 operations, with resends -------------------------------------------------------
    def _run_chunk(
        self, chunk: list[_Item], atomic: bool, results: list[BatchResult | None], timeout: float | None
    ) -> _Refusal | None:
        """Run a chunk until BC has answered every operation or the budget is spent; returns the refusal left."""
        headers = {"Content-Type": "application/json"}
        if atomic:
            headers["Isolation"] = "snapshot"
        else:
            # Independent operations: ask BC to run all of them even when one fails (OData stops otherwise).
            headers["Prefer"] = "odata.continue-on-error"
        pending = chunk
        attempt = 1
        while True:
            unprocessed = self._send(pending, headers, results, timeout)
            if not unprocessed:
                return None
            refused = [results[index] for index, _, _ in unprocessed]
            waits = [r.error.retry_after for r in refused if r is not None and r.error is not None]
            retry_after = max((w for w in waits if w is not None), default=None)
            if attempt >= self._policy.max_attempts:
                statuses = [r.status for r in refused if r is not None]
                refusal = _Refusal(max(set(statuses), key=statuses.count), len(unprocessed), retry_after, attempt)
                self._fail_refused(unprocessed, results, refusal, len(chunk))
                return refusal
            # Atomic: BC rolled the whole batch back, so all of it goes again. Otherwise only the refused ones.
            pending = chunk if atomic else unprocessed
            if retry_after is not None:
                wait = server_wait(retry_after, self._policy)
            else:
                wait = random.uniform(0, min(self._policy.backoff_max, self._policy.backoff_base * 2**attempt))
            self._usage.record("retries")
            logger.warning(
                "bc_client: %d $batch operation(s) were refused unprocessed (429/503); resending %d in %.2fs",
                len(unprocessed),
                len(pending),
                wait,
            )
            self._sleep(wait)
            attempt += 1

    def _send(
        self, pending: list[_Item], headers: Mapping[str, str], results: list[BatchResult | None], timeout: float | None
    ) -> list[_Item]:
        """One $batch request; fills `results` and returns the operations BC refused unprocessed (429/503)."""
        inner_requests = [self._inner_request(inner_id, operation) for _, inner_id, operation in pending]
        response = self._transport.send(
            "POST",
            self._api_root() + "/$batch",
            content=dumps({"requests": inner_requests}),
            headers=headers,
            operations=len(pending),
            idempotent=all(operation.method == "GET" for _, _, operation in pending),
            timeout=timeout,
        )
        self._usage.record("batch_requests")
        payload = loads(response.content) if response.status_code != 204 and response.content else None
        answers = payload.get("responses") if isinstance(payload, dict) else None
        if not isinstance(answers, list):
            raise BCError("the $batch answer has no 'responses' array", status=response.status_code)
        by_id = {str(answer.get("id")): answer for answer in answers if isinstance(answer, dict)}
        unprocessed: list[_Item] = []
        for index, inner_id, operation in pending:
            answer = by_id.get(inner_id)
            if answer is None:
                # Never resent: with continue-on-error BC may have run it. The caller looks it up.
                error = BCError(
                    f"the $batch answer has no response for operation {inner_id} ({operation.method} {operation.path})"
                )
                results[index] = BatchResult(operation, inner_id, 0, error=error)
                continue
            result = self._result(operation, inner_id, answer)
            if result.status in NOT_PROCESSED_STATUSES:
                self._usage.record("throttled" if result.status == 429 else "server_busy")
                unprocessed.append((index, inner_id, operation))
            results[index] = result
        return unprocessed

    def _fail_refused(
        self, unprocessed: list[_Item], results: list[BatchResult | None], refusal: _Refusal, total: int
    ) -> None:
        """Replace BC's terse inner message by one that says what happened across the attempts."""
        message = refusal.describe(total)
        for index, _, operation in unprocessed:
            result = results[index]
            assert result is not None and result.error is not None
            error_class = ThrottledError if result.status == 429 else ServiceUnavailableError
            result.error = error_class(
                f"{message} BC said: {result.error.message}",
                status=result.status,
                code=result.error.code,
                method=operation.method,
                url=operation.path,
                retry_after=result.error.retry_after,
            )

    @staticmethod
    def _raise_if_rolled_back(ops: list[BatchOperation], final: list[BatchResult], refusal: _Refusal | None) -> None:
        # Only operations BC answered with an error failed; the others were rolled back (or never run).
        # Throttled ones (429/503 beyond the retry budget) failed for no fault of their own: not listed.
        failures = {
            index: result.error
            for index, result in enumerate(final)
            if result.error is not None and result.status >= 400 and result.status not in NOT_PROCESSED_STATUSES
        }
        if not failures and all(result.ok for result in final):
            return
        status: int | None = None
        code: str | None = None
        if failures:
            first_index, first_error = next(iter(failures.items()))
            operation = ops[first_index]
            reason = (
                f"operation {first_index + 1} of {len(ops)} ({operation.method} {operation.path}) failed: {first_error}"
            )
            status, code = first_error.status, first_error.code
        elif refusal is not None:
            reason = f"none of its {len(ops)} operations was applied. {refusal.describe(len(ops))}"
            status = refusal.status
            code = next((r.error.code for r in final if r.status == refusal.status and r.error), None)
        else:
            missing = sum(1 for result in final if result.status == 0)
            reason = f"BC's answer had no response for {missing} of its {len(ops)} operations"
        raise BatchRolledBackError(
            f"atomic $batch rolled back: {reason}", failures=failures, results=final, status=status, code=code
        )

    # -- inner request / answer ------------------------------------------------------------------------------
    def _inner_request(self, inner_id: str, operation: BatchOperation) -> dict[str, Any]:
        headers = dict(operation.headers or {})
        if operation.body is not None:
            headers.setdefault("Content-Type", "application/json")
        if operation.etag:
            headers.setdefault("If-Match", operation.etag)
        request: dict[str, Any] = {
            "id": inner_id,
            "method": operation.method,
            "url": self._batch_url(operation.path),
            "headers": headers,
        }
        if operation.body is not None:
            request["body"] = encode_body(operation.body)  # enum captions -> BC member names (enums.py)
        return request

    def _result(self, operation: BatchOperation, inner_id: str, answer: Mapping[str, Any]) -> BatchResult:
        status = int(answer.get("status") or 0)
        headers = {str(k): str(v) for k, v in (answer.get("headers") or {}).items()}
        body = answer.get("body")
        if isinstance(body, str) and body.strip().startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                body = loads(body)
        error = None
        if 200 <= status < 300:
            body = decode_payload(body)
        else:
            code = message = None
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                code = body["error"].get("code")
                message = body["error"].get("message")
            retry_after = next(
                (parse_retry_after(value) for name, value in headers.items() if name.lower() == "retry-after"), None
            )
            error = error_class_for(status, code)(
                self._redact(str(message or body or f"HTTP {status}")),
                status=status,
                code=code,
                method=operation.method,
                url=operation.path,
                retry_after=retry_after,
            )
        return BatchResult(operation, inner_id, status, headers, body, error)
