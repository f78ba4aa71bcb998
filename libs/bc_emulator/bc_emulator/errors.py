"""Business Central's error shape and codes, raised anywhere inside request handling."""

from __future__ import annotations

import uuid
from typing import Any


class ApiError(Exception):
    """An error answered in BC's JSON shape: {"error": {"code": ..., "message": "... CorrelationId: <guid>."}}."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        # BC appends the correlation id inside the message text, separated by two spaces.
        return {"error": {"code": self.code, "message": f"{self.message}  CorrelationId:  {uuid.uuid4()}."}}


# Constructors named after BC's error codes, so the code at the call site reads like the BC behaviour.


def bad_request(message: str, code: str = "BadRequest") -> ApiError:
    return ApiError(400, code, message)


def segment_not_found(segment: str) -> ApiError:
    return ApiError(404, "BadRequest_NotFound", f"Resource not found for the segment '{segment}'.")


def no_route(url: str) -> ApiError:
    return ApiError(404, "BadRequest_NotFound", f"No HTTP resource was found that matches the request URI '{url}'.")


def query_syntax(detail: str) -> ApiError:
    return ApiError(400, "BadRequest_NotFound", f"Bad Request - Error in query syntax. {detail}".strip())


def method_not_allowed(method: str, entity_set: str) -> ApiError:
    return ApiError(
        405,
        "BadRequest_MethodNotAllowed",
        f"'{method}' requests for '{entity_set}' of EdmType 'Entity' are not allowed within Microsoft Dynamics 365 "
        "Business Central OData web services.",
    )


def record_not_found(caption: str, key_text: str) -> ApiError:
    return ApiError(
        404, "Internal_RecordNotFound", f"The {caption} does not exist. Identification fields and values: {key_text}"
    )


def missing_if_match() -> ApiError:
    return ApiError(
        400,
        "BadRequest_InvalidToken",
        "Could not validate the client concurrency token required by the service. Please provide a valid token "
        "in the client request.",
    )


def entity_changed() -> ApiError:
    return ApiError(409, "Request_EntityChanged", "Another user has already changed the record.")


def dialog(message: str) -> ApiError:
    """An AL Error() from business logic (posting errors, duplicate invoice numbers, ...)."""
    return ApiError(400, "Application_DialogException", message)


def field_validation(message: str) -> ApiError:
    """An AL TestField failure."""
    return ApiError(400, "Application_FieldValidationException", message)


def string_too_long(value: str, max_length: int) -> ApiError:
    return ApiError(
        400,
        "Application_StringExceededLength",
        f"The length of the string is {len(value)}, but it must be less than or equal to {max_length} characters. "
        f"Value: {value}",
    )


def invalid_credentials(message: str = "The server has rejected the client credentials.") -> ApiError:
    return ApiError(401, "Authentication_InvalidCredentials", message)
