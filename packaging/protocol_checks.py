"""Checks of what a connector prints on stdout, with the CDK's own models and standard-test assertions.

Used by tests/test_packaging.py for the console scripts on the host and for the same commands run inside the
built images, so a SPEC or CONNECTION_STATUS is judged the same way wherever it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from airbyte_cdk.models import AirbyteConnectionStatus, AirbyteMessageSerializer, ConnectorSpecification, Status
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.standard_tests._spec_lint import assert_spec_is_valid, get_single_spec
from jsonschema import Draft7Validator


class ProtocolViolation(AssertionError):
    """The connector's stdout is not what the Airbyte protocol requires for this command."""


def parse_output(stdout: str, command: list[str] | None = None) -> EntrypointOutput:
    """All stdout lines as Airbyte messages. The protocol allows nothing else on stdout, so a line the CDK
    would only *tolerate* as a log (not JSON, or JSON that is not an AirbyteMessage) is a violation here."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    for line in lines:
        try:
            AirbyteMessageSerializer.load(orjson.loads(line))
        except Exception as error:  # orjson.JSONDecodeError, serpyco's SchemaValidationError, ...
            raise ProtocolViolation(f"stdout line is not an Airbyte message ({error}): {line[:200]!r}") from None
    return EntrypointOutput(messages=lines, command=command)


def check_spec_output(stdout: str, *, connector: str) -> ConnectorSpecification:
    """Exactly one SPEC message whose connectionSpecification is a valid JSON Schema (draft 7, what the
    platform validates configs with) of an object, passing the CDK standard tests' spec lint (secrets marked
    `airbyte_secret`, markings where the CDK's secret filter finds them). Destinations must declare their
    supported destination sync modes."""
    output = parse_output(stdout, [connector, "spec"])
    spec = get_single_spec(output, connector_name=connector)
    schema = spec.connectionSpecification
    if not isinstance(schema, Mapping):
        raise ProtocolViolation(f"{connector}: connectionSpecification is not a JSON object")
    Draft7Validator.check_schema(schema)
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), Mapping):
        raise ProtocolViolation(f"{connector}: connectionSpecification must describe an object with properties")
    assert_spec_is_valid(spec, connector_name=connector)
    if connector.startswith("destination-") and not spec.supported_destination_sync_modes:
        raise ProtocolViolation(f"{connector}: a destination spec must list supported_destination_sync_modes")
    return spec


def check_connection_status_output(stdout: str, *, connector: str, expected: Status | None) -> AirbyteConnectionStatus:
    """Exactly one CONNECTION_STATUS (the CDK standard tests' `test_check` rule) with the expected status; a
    FAILED status must say why."""
    output = parse_output(stdout, [connector, "check"])
    statuses = output.connection_status_messages
    if len(statuses) != 1:
        raise ProtocolViolation(
            f"{connector} check emitted {len(statuses)} CONNECTION_STATUS messages, expected exactly 1; "
            f"errors: {[m.trace.error.message for m in output.errors if m.trace and m.trace.error]}"
        )
    status = statuses[0].connectionStatus
    assert status is not None
    if expected is not None and status.status != expected:
        raise ProtocolViolation(
            f"{connector} check: expected {expected.name}, got {status.status.name}: {status.message}"
        )
    if status.status == Status.FAILED and not (status.message or "").strip():
        raise ProtocolViolation(f"{connector} check: FAILED without a message saying what to fix")
    return status


def property_names(schema: Mapping[str, Any]) -> set[str]:
    """Every property name declared anywhere in a JSON schema (nested objects, oneOf variants, items)."""
    names: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            properties = node.get("properties")
            if isinstance(properties, Mapping):
                names.update(properties)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names
