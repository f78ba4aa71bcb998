"""A compact copy of each forwarded record: enough to audit it and reconcile it later, not the whole record.

The audit fields (contract §1) say where a record came from; for invoices the digest also keeps the amounts and
G/L coding that the reconciliation report compares with NAV's ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

AUDIT_FIELDS = ("_ab_source_file_url", "_ab_source_file_last_modified", "_stampli_source_rows", "_stampli_record_hash")

# Business fields kept per stream; a stream not listed keeps its key and audit fields only.
KEPT_FIELDS: dict[str, tuple[str, ...]] = {
    "invoices": (
        "invoice_number",
        "vendor_id",
        "vendor_name",
        "invoice_date",
        "due_date",
        "approved_date",
        "currency",
        "invoice_total",
        "lines_total",
        "status",
        "balanced",
        "validation_errors",
    ),
    "vendors": ("vendor_name", "status", "currency", "modified_date"),
    "gl_accounts": ("account_name", "account_type", "active"),
    "payments": ("invoice_id", "vendor_id", "payment_date", "amount", "currency"),
    "purchase_orders": ("vendor_id", "po_date", "status"),
}
KEPT_LINE_FIELDS: dict[str, tuple[str, ...]] = {
    "invoices": ("line_number", "gl_account", "amount", "department", "location", "description"),
}


def record_key(data: Mapping[str, Any], primary_key: Sequence[Sequence[str]]) -> str | None:
    """The primary key as text ('INV-1001'); composite keys are joined with '|'. None when any part is missing."""
    parts: list[str] = []
    for path in primary_key:
        value: Any = data
        for step in path:
            value = value.get(step) if isinstance(value, Mapping) else None
        if value is None:
            return None
        parts.append(str(value))
    return "|".join(parts) if parts else None


def digest_record(stream: str, data: Mapping[str, Any], primary_key: Sequence[Sequence[str]]) -> dict[str, Any]:
    digest: dict[str, Any] = {"stream": stream, "key": record_key(data, primary_key)}
    for field in (*AUDIT_FIELDS, *KEPT_FIELDS.get(stream, ())):
        if field in data:
            digest[field] = data[field]
    line_fields = KEPT_LINE_FIELDS.get(stream)
    if line_fields and isinstance(data.get("lines"), list):
        digest["lines"] = [
            {field: line.get(field) for field in line_fields if field in line}
            for line in data["lines"]
            if isinstance(line, Mapping)
        ]
    return digest
