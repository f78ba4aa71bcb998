"""The common shape both parsers produce, and the report that collects what they could not use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from stampli_files.rejects import Issue, IssueSink, Reject, RejectSink, Superseded, SupersededSink

Cells = tuple[str, ...]  # "" where the export has no value
Payload = Any  # a parser's marshal-able form of one row: a tuple whose first item is the row number


class RawRow(NamedTuple):
    """One CSV row or XML record element, values still text, aligned with the stream declaration."""

    source_row: int  # CSV: 1-based row (header = 1); XML: 1-based record element ordinal
    values: Cells  # record-level fields, in declaration order
    lines: tuple[Cells, ...]  # line fields, in declaration order; one per line carried by this row/element


class RowSource(Protocol):
    """What a parser offers: rows as (key, payload) in file order, and the payload → RawRow decoding.

    Payloads exist so that line-level exports can be grouped (and spilled to disk) in their cheapest form; the
    split into record fields and line fields happens only once a group is complete.
    """

    def payloads(self) -> Iterator[tuple[str, Payload]]:
        """(stripped non-empty key, payload) per usable row; unusable rows go to the report."""
        ...

    def decode(self, payload: Payload) -> RawRow: ...

    def last_rows(self, max_keys: int, exact: bool = False) -> dict[Any, int] | None:
        """hash(key) (or the key, `exact`) → row number of the key's last row (a first pass), or None when it
        cannot say cheaply."""
        ...


@dataclass
class ReadReport:
    """Forwards rejects, flags and notices to the caller's sinks and counts them."""

    on_reject: RejectSink
    on_issue: IssueSink = lambda _issue: None
    on_notice: Callable[[str], None] = lambda _message: None
    on_superseded: SupersededSink = lambda _superseded: None
    rejected: int = 0
    flagged: int = 0
    superseded: int = 0  # rows replaced by a later row of the same key in the same file
    rows: int = 0  # data rows (CSV) or record elements (XML) the parsers read, usable or not
    reasons: dict[str, int] = field(default_factory=dict)  # reject and flag codes -> count
    # whether a reject is this reader's to report (False: another stream of the same sync reported it already)
    admit: Callable[[Reject], bool] = lambda _reject: True

    def reject(self, reject: Reject) -> None:
        if not self.admit(reject):
            return
        self.rejected += 1
        self.reasons[reject.reason] = self.reasons.get(reject.reason, 0) + 1
        self.on_reject(reject)

    def issue(self, issue: Issue) -> None:
        self.flagged += 1
        self.reasons[issue.flag] = self.reasons.get(issue.flag, 0) + 1
        self.on_issue(issue)

    def supersede(self, superseded: Superseded) -> None:
        self.superseded += len(superseded.rows)
        self.on_superseded(superseded)

    def notice(self, message: str) -> None:
        self.on_notice(message)
