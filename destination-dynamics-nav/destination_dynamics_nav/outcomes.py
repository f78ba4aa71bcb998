"""Named outcomes shared by validation, mapping and posting: a reject carries a stable code and a human reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record. `code` is stable (tests, dashboards); `message` tells a person what to fix."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def reason_of(problems: list[Problem] | tuple[Problem, ...]) -> str:
    """The audit `reason`: the first problem's code leads, every problem is listed."""
    return "; ".join(str(problem) for problem in problems)
