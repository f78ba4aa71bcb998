"""A simulated clock: real time plus an offset that tests (or the admin endpoint) can move forward."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimulatedClock:
    """UTC time that runs with the wall clock but can be advanced or pinned.

    Subscription expiry (3 days in BC) and `lastModifiedDateTime` both read this clock, so a test can
    jump three days ahead without sleeping.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0) if start is None else _aware(start) - datetime.now(UTC)
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by `delta` (a timedelta or seconds); returns the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("the simulated clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += step
            else:
                self._offset += step
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (keeps running from there unless frozen)."""
        when = _aware(when)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = when
            else:
                self._offset = when - datetime.now(UTC)
        return self.now()

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the clock at its current reading: handy for exact timestamp assertions."""
        with self._lock:
            current = self._frozen_at if self._frozen_at is not None else datetime.now(UTC) + self._offset
            if frozen:
                self._frozen_at = current
            else:
                self._frozen_at = None
                self._offset = current - datetime.now(UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetimes must carry a time zone")
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """BC's wire format for Edm.DateTimeOffset: UTC, milliseconds, `Z`."""
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"  # isoformat truncates, like // 1000


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 timestamp with `Z` or an offset (required: a naive timestamp is ambiguous)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without time zone: {text!r}")
    return value.astimezone(UTC)
