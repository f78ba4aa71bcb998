"""Builders for Stampli records and NAV reference data used by the pure unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from destination_dynamics_nav.reference_data import ReferenceData


@pytest.fixture
def reference() -> ReferenceData:
    return ReferenceData.build(
        vendors=[
            {"id": "v1", "number": "V10000", "displayName": "Fabrikam", "blocked": " ", "@odata.etag": 'W/"1"'},
            {"id": "v2", "number": "V20000", "displayName": "Blocked Co", "blocked": "All"},
            {"id": "v3", "number": "V30000", "displayName": "No Payments", "blocked": "Payment"},
        ],
        accounts=[
            {"id": "a1", "number": "6100", "accountType": "Posting", "directPosting": True, "blocked": False},
            {"id": "a2", "number": "6200", "accountType": "Posting", "directPosting": True, "blocked": False},
            {"id": "a3", "number": "6000", "accountType": "Heading", "directPosting": False, "blocked": False},
            {"id": "a4", "number": "2100", "accountType": "Posting", "directPosting": False, "blocked": False},
            {"id": "a5", "number": "6900", "accountType": "Posting", "directPosting": True, "blocked": True},
        ],
        dimensions=[{"id": "d1", "code": "DEPARTMENT"}, {"id": "d2", "code": "LOCATION"}],
        dimension_values=[
            {"dimensionId": "d1", "code": "SALES"},
            {"dimensionId": "d1", "code": "ADMIN"},
            {"dimensionId": "d2", "code": "EAST"},
        ],
    )


@pytest.fixture
def invoice_record() -> Callable[..., dict[str, Any]]:
    def build(**overrides: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "invoice_id": "INV-1001",
            "invoice_number": "A-77",
            "vendor_id": "V10000",
            "vendor_name": "Fabrikam",
            "invoice_date": "2026-11-02",
            "due_date": "2026-12-02",
            "approved_date": "2026-11-05",
            "currency": None,
            "invoice_total": "150.50",
            "status": "Approved",
            "po_number": None,
            "lines": [
                {
                    "line_number": 1,
                    "description": "Paper",
                    "gl_account": "6100",
                    "amount": "100.00",
                    "department": "sales",
                    "location": "EAST",
                    "po_number": None,
                },
                {
                    "line_number": 2,
                    "description": None,
                    "gl_account": "6200",
                    "amount": "50.50",
                    "department": "ADMIN",
                    "location": None,
                    "po_number": None,
                },
            ],
            "lines_total": "150.50",
            "balanced": True,
            "validation_errors": [],
            "_ab_source_file_url": "/outbound/invoices_20261125.csv",
            "_ab_source_file_last_modified": "2026-11-25T10:00:00.000000Z",
            "_stampli_source_rows": [2, 3],
            "_stampli_record_hash": "ab" * 32,
        }
        record.update(overrides)
        return record

    return build
