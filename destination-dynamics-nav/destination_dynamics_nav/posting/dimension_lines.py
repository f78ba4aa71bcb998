"""Dimension lines BC may have pre-filled: set after the line exists, never inserted a second time.

A nested `dimensionSetLines` insert of a dimension already in the parent's set fails (APIV2DimensionSetLines
RecordAlreadyExistErr), and the API cannot say beforehand which defaults a G/L account has. So for those dimensions
the line's set is read back once, then each is left alone (same value), updated (PATCH, other value) or inserted
(absent): two `$batch` requests for a whole group of documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bc_client import BusinessCentralClient
from bc_client.batch import BatchOperation
from destination_dynamics_nav.mapping import DimensionAssignment
from destination_dynamics_nav.reference_data import code_key

Target = tuple[str, tuple[DimensionAssignment, ...]]  # (the line's entity path, the values it must end with)


def set_dimensions(bc: BusinessCentralClient, targets: Sequence[Target]) -> dict[int, str]:
    """Make each target's dimension set hold its values; returns the targets BC refused (index → message)."""
    targets = [t for t in targets if t[1]]
    if not targets:
        return {}
    failures: dict[int, str] = {}
    reads = bc.batch([BatchOperation("GET", f"{path}/dimensionSetLines") for path, _ in targets])
    operations: list[BatchOperation] = []
    owners: list[int] = []
    for index, ((path, desired), result) in enumerate(zip(targets, reads, strict=True)):
        if result.error is not None:
            failures[index] = result.error.message
            continue
        current = {code_key(str(row.get("code", ""))): row for row in (result.body or {}).get("value", [])}
        for assignment in desired:
            row: dict[str, Any] | None = current.get(assignment.code)
            if row is None:
                body = {"code": assignment.code, "valueCode": assignment.value}
                operations.append(BatchOperation("POST", f"{path}/dimensionSetLines", body=body))
            elif code_key(str(row.get("valueCode", ""))) != assignment.value:
                operations.append(
                    BatchOperation(
                        "PATCH",
                        f"{path}/dimensionSetLines({row['id']})",
                        body={"valueCode": assignment.value},
                        etag=str(row.get("@odata.etag") or "*"),
                    )
                )
            else:
                continue  # BC pre-filled exactly this value
            owners.append(index)
    for owner, result in zip(owners, bc.batch(operations), strict=True):
        if result.error is not None:
            failures.setdefault(owner, result.error.message)
        elif result.status == 0:
            failures.setdefault(owner, "no answer from Business Central for a dimension line")
    return failures
