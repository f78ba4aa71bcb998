"""NAV 2018's OData V4 error answers.

Shape: {"error": {"code": ..., "message": ...}} with the code families of NAV's OData V4 error table
(BadRequest_*, Authentication_*, Internal_*, Application_*; docs.microsoft.com/en-us/dynamics-nav/fin-graph/
dynamics_error_codes). Unlike BC online, an on-premises NAV 2018 message carries no "CorrelationId" suffix
(guess: the suffix came with BC online's telemetry). The emulator's BC error constructors (bc_emulator.errors)
are reused for the texts, which are the platform's and BaseApp's labels NAV shares with BC.
"""

from __future__ import annotations

from typing import Any

from bc_emulator import errors
from bc_emulator.errors import ApiError

# The error table's ODataResourceNotFoundException row; the emulator answers BC's code for it in both modes.
RESOURCE_NOT_FOUND = "BadRequest_NotFound"


def body(error: ApiError) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message}}


def segment_not_found(segment: str) -> ApiError:
    """An unpublished (or misspelt) service name: ODataResourceNotFoundException in the error table."""
    return errors.segment_not_found(segment)


def company_not_found(name: str) -> ApiError:
    # guess: status 404; the text is the platform's "The company %1 does not exist." seen from ChangeCompany and
    # Company('...') alike (MicrosoftDocs/dynamics365smb-devitpro-pb#1170), code Internal_CompanyNotFound.
    return ApiError(404, "Internal_CompanyNotFound", f'The company "{name}" does not exist.')


def no_default_company() -> ApiError:
    # The platform's text when a URL names no company (MicrosoftDocs/dynamics365smb-devitpro-pb#609).
    return ApiError(
        400,
        "Internal_CompanyNotFound",
        "Cannot process the request because the default company cannot be found. You can specify a default company "
        "in the service configuration file, or specify one for each tenant, or you can add a query string in the form "
        'of "company=[name]". You can see the available companies by accessing the default OData web service, '
        'Company. For more information, see "OData Web Services" in Help.',
    )


def read_only_page(method: str, service: str) -> ApiError:
    # "All calls fail if ... the relevant property on the page, InsertAllowed, ModifyAllowed, or DeleteAllowed, is
    # set to No" (Microsoft Learn, Using OData Web Services to Modify Data). guess: the status, code and text are
    # BC's OData layer's for a refused verb, with NAV's product name.
    return ApiError(
        405,
        "BadRequest_MethodNotAllowed",
        f"'{method}' requests for '{service}' of EdmType 'Entity' are not allowed within Microsoft Dynamics NAV OData "
        "web services.",
    )


def read_only_control(name: str) -> ApiError:
    # The error table's ODataInvalidOperationException row: "Control 'Last Date Modified' is read-only".
    return ApiError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")


def unknown_property(name: str, service: str) -> ApiError:
    return errors.bad_request(
        f"The property '{name}' does not exist on type 'NAV.{service}'. Make sure to only use property names that "
        "are defined by the type."
    )


def bad_option(value: str, options: tuple[str, ...]) -> ApiError:
    # guess: NAV evaluates an option from its caption (Evaluate on the page field); an unknown caption fails the
    # evaluation with the platform's option list in the text.
    return ApiError(
        400,
        "Application_EvaluateException",
        f"'{value}' is not an option. The existing options are: \n{','.join(options)}",
    )


def bad_key(text: str) -> ApiError:
    return errors.query_syntax(f"The key '{text}' does not match the key of the entity set.")
