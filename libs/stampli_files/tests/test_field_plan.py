"""The written-out converter (`_FieldPlan.to_dict`) decides every cell exactly as the generic `convert`."""

from __future__ import annotations

import itertools

import pytest

from stampli_files import STREAMS
from stampli_files.records import _FieldPlan

SAMPLES = ("", "  ", "1", " 12 ", "3.0", "1_000", "x", "1,234.50", "(12.00)", "0012.5", "1e5", "2026-11-04",
           "11/02/2026", "not a date", "yes", "Inactive", "١٢", "Café — Münster")  # fmt: skip


@pytest.mark.parametrize("stream", sorted(STREAMS))
@pytest.mark.parametrize("level", ["fields", "line_fields"])
def test_to_dict_equals_convert(stream: str, level: str) -> None:
    plan = _FieldPlan(getattr(STREAMS[stream], level))
    width = len(plan.specs)
    for offset in range(len(SAMPLES)):
        cells = tuple(itertools.islice(itertools.cycle(SAMPLES), offset, offset + width))
        values, errors = plan.convert(cells)
        record, written_errors = plan.to_dict(cells)
        assert record == dict(zip(plan.names, values, strict=True))
        assert [(spec, str(exc)) for spec, exc in written_errors or ()] == [
            (spec, str(exc)) for spec, exc in errors or ()
        ]
