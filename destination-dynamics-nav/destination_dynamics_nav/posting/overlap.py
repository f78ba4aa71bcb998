"""The tail of one flush (post and confirm) running in the background while the next flush is planned and written.

Latency, not NAV's work, bounds a sync: each flush waits on a few round trips in a row. Letting the previous
flush's post/confirm run while the next one reads, validates and writes keeps the requests in flight (the client's
5-in-flight limit still holds for both, it is the transport's). Only one tail runs at a time; its audit events
are handed over when it is joined, which the writer does before confirming any STATE, so a STATE never covers
work that is not durable. A tail's failure is raised at the join.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor

from destination_dynamics_nav.audit import AuditEvent

_Outcome = tuple[list[AuditEvent], BaseException | None]


class FlushTail:
    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future[_Outcome] | None = None
        self._keys: frozenset[str] = frozenset()
        self._started = 0  # tails started so far: a tail's generation is its number in that count
        self._joined = 0  # the generation of the last tail joined (every earlier one was joined before it)

    @property
    def running(self) -> bool:
        return self._future is not None

    @property
    def busy(self) -> bool:
        """A tail is still working (not merely waiting to be joined)."""
        return self._future is not None and not self._future.done()

    @property
    def generation(self) -> int:
        """The generation of the latest tail started (running or joined); 0 before any."""
        return self._started

    @property
    def joined_through(self) -> int:
        """Every tail up to this generation has been joined: its work is durable and its events handed over."""
        return self._joined

    def start(self, work: Callable[[list[AuditEvent]], None], keys: Collection[str]) -> None:
        """Run `work(events)` in the background; `keys` name what it still changes in NAV (document numbers,
        vendor invoice numbers), so that a later flush touching one of them waits for it first."""
        assert self._future is None, "join the running tail first"
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nav-flush-tail")

        def run() -> _Outcome:
            events: list[AuditEvent] = []
            try:
                work(events)
            except BaseException as error:  # handed to the joining thread with what was durable before it
                return events, error
            return events, None

        self._keys = frozenset(k.upper() for k in keys)
        self._started += 1
        self._future = self._pool.submit(run)

    def touches(self, keys: Collection[str]) -> bool:
        return self._future is not None and any(k.upper() in self._keys for k in keys)

    def join(self, events: list[AuditEvent]) -> None:
        """Wait for the tail; append its events (also those reported before it failed), then raise its failure."""
        future, self._future, self._keys = self._future, None, frozenset()
        if future is None:
            return
        tail_events, error = future.result()
        if error is None:
            self._joined = self._started
        events.extend(tail_events)
        if error is not None:
            raise error

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
