"""Error classification, redaction, and the typed models' wire names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bc_client import (
    ApplicationError,
    AuthenticationError,
    AuthorizationError,
    BadRequestError,
    ConcurrencyConflictError,
    EntityExistsError,
    InternalError,
    JournalLine,
    NotFoundError,
    ServiceUnavailableError,
    ThrottledError,
    Vendor,
    VendorLedgerEntry,
)
from bc_client.errors import BCError, Redactor, error_class_for


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "BadRequest_InvalidToken", BadRequestError),
        (401, "Authentication_InvalidCredentials", AuthenticationError),
        (403, "Authorization_Forbidden", AuthorizationError),
        (400, "Internal_EntityWithSameKeyExists", EntityExistsError),
        (400, "Internal_InvalidTableRelation", InternalError),
        (400, "Application_DialogException", ApplicationError),
        (400, "Application_StringExceededLength", ApplicationError),
        (409, "Request_EntityChanged", ConcurrencyConflictError),
        (412, None, ConcurrencyConflictError),
        (404, "BadRequest_ResourceNotFound", NotFoundError),
        (429, None, ThrottledError),
        (503, None, ServiceUnavailableError),
        (500, None, InternalError),
        (418, None, BadRequestError),
    ],
)
def test_classification(status: int, code: str | None, expected: type) -> None:
    assert error_class_for(status, code) is expected


def test_category_comes_from_the_code_prefix_whatever_the_class() -> None:
    error = NotFoundError("x", status=404, code="BadRequest_ResourceNotFound")
    assert error.category == "BadRequest"
    assert BCError("x", code="Weird").category is None


def test_correlation_id_and_str() -> None:
    error = ApplicationError(
        "Purchase Invoice INV-1 already exists for this vendor.  CorrelationId:  0b1f3a4e-1111-2222-3333-444455556666.",
        status=400,
        code="Application_DialogException",
        method="POST",
        url="/api/v2.0/companies(x)/purchaseInvoices(y)/Microsoft.NAV.post",
    )
    assert error.correlation_id == "0b1f3a4e-1111-2222-3333-444455556666"
    assert str(error).startswith("Application_DialogException: Purchase Invoice INV-1 already exists")
    assert "POST" in str(error) and "-> 400" in str(error)


def test_redactor_hides_every_known_secret() -> None:
    redact = Redactor(["s3cret-value", None, "abc"])
    redact.add("token-xyz-123")
    assert redact("got s3cret-value and token-xyz-123 and abc") == "got *** and *** and abc"


def test_models_read_bc_names_and_write_them_back() -> None:
    vendor = Vendor.model_validate(
        {
            "@odata.etag": 'W/"JzQ0"',
            "id": "5d115c9c-44e3-ea11-bb43-000d3a2feca1",
            "number": "V10000",
            "displayName": "Fabrikam",
            "addressLine1": "1 Main St",
            "blocked": "",
            "balance": Decimal("10.50"),
            "irs1099Code": "MISC-01",
            "someNewField": 1,
        }
    )
    assert vendor.etag == 'W/"JzQ0"'
    assert vendor.display_name == "Fabrikam" and vendor.address_line1 == "1 Main St"
    assert vendor.blocked == " " and not vendor.is_blocked
    assert vendor.model_extra == {"someNewField": 1}
    created = Vendor(number="V2", display_name="New", blocked="All", balance=Decimal("0"))
    assert created.to_bc() == {"number": "V2", "displayName": "New", "blocked": "All", "balance": Decimal("0")}
    assert created.is_blocked


def test_models_reject_impossible_values() -> None:
    with pytest.raises(ValueError):
        Vendor.model_validate({"blocked": "Yes"})
    line = JournalLine.model_validate({"amount": "12.30", "postingDate": "2026-01-31", "lineNumber": 10000})
    assert line.amount == Decimal("12.30") and line.posting_date.isoformat() == "2026-01-31"  # type: ignore[union-attr]
    entry = VendorLedgerEntry.model_validate({"dimensionSetID": 7, "externalDocumentNumber": "INV-1"})
    assert entry.dimension_set_id == 7 and entry.external_document_number == "INV-1"
