"""The JSON-schema fragments agree with the pydantic config and with Airbyte's spec rules."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from airbyte_cdk.test.standard_tests._spec_lint import find_secret_marking_errors
from pydantic import SecretStr, ValidationError

from bc_client import (
    BasicAuth,
    BCConnectionConfig,
    CloudDeployment,
    NavServices,
    NavWebServicesDeployment,
    NtlmAuth,
    OAuth2ClientCredentials,
    OnPremisesDeployment,
)
from bc_client.spec import CONNECTION_REQUIRED, connection_properties

from .test_config import CLOUD, ON_PREM_BASIC, ON_PREM_OAUTH


def _connector_spec() -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(CONNECTION_REQUIRED),
        "properties": {**connection_properties(), "dry_run": {"type": "boolean", "default": False}},
    }


def _variant(schema: dict[str, Any], discriminator: str, value: str) -> dict[str, Any]:
    return next(v for v in schema["oneOf"] if v["properties"][discriminator]["const"] == value)


@pytest.mark.parametrize("config", [CLOUD, ON_PREM_BASIC, ON_PREM_OAUTH])
def test_valid_configs_pass_both_schema_and_model(config: dict) -> None:
    jsonschema.validate(config, _connector_spec())
    BCConnectionConfig.model_validate(config)


@pytest.mark.parametrize(
    "config",
    [
        {**CLOUD, "deployment": {k: v for k, v in CLOUD["deployment"].items() if k != "client_secret"}},
        {**ON_PREM_BASIC, "deployment": {**ON_PREM_BASIC["deployment"], "auth": {"auth_type": "basic"}}},
        {"deployment": CLOUD["deployment"]},
    ],
)
def test_incomplete_configs_fail_both_schema_and_model(config: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, _connector_spec())
    with pytest.raises(ValidationError):
        BCConnectionConfig.model_validate(config)


@pytest.mark.parametrize(
    ("variant_path", "model"),
    [
        (("deployment", "deployment_type", "cloud"), CloudDeployment),
        (("deployment", "deployment_type", "on_premises"), OnPremisesDeployment),
        (("auth", "auth_type", "basic"), BasicAuth),
        (("auth", "auth_type", "oauth2"), OAuth2ClientCredentials),
    ],
)
def test_each_variant_lists_exactly_the_model_fields(variant_path: tuple[str, str, str], model: type) -> None:
    properties = connection_properties()
    container, discriminator, value = variant_path
    schema = properties["deployment"]
    if container == "auth":
        schema = _variant(schema, "deployment_type", "on_premises")["properties"]["auth"]
    variant = _variant(schema, discriminator, value)
    assert set(variant["properties"]) == set(model.model_fields)
    required_in_model = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required_in_model <= set(variant["required"])
    secret_fields = {name for name, field in model.model_fields.items() if field.annotation == SecretStr}
    marked = {name for name, prop in variant["properties"].items() if prop.get("airbyte_secret")}
    assert marked == secret_fields


def test_top_level_properties_match_the_model() -> None:
    assert set(connection_properties()) == set(BCConnectionConfig.model_fields)


def test_spec_passes_airbyte_secret_lint() -> None:
    assert find_secret_marking_errors(_connector_spec()) == []


def test_order_start_shifts_every_property() -> None:
    orders = [prop["order"] for prop in connection_properties(order_start=10).values()]
    assert orders == [10, 11, 12, 13]


NAV_NTLM = {
    "deployment": {
        "deployment_type": "nav_web_services",
        "server_url": "https://nav.example.com:7048",
        "server_instance": "DynamicsNAV110",
        "auth": {"auth_type": "ntlm", "username": "CRONUS\\stampli", "password": "secret-password"},
        "services": {"vendors": "Vendor_Card", "general_journal": "General_Journal"},
    },
    "company": "CRONUS USA, Inc.",
}


def test_nav_web_services_variant_matches_the_models() -> None:
    """Issue 13: the classic NAV deployment, its basic | ntlm auth and the services block, in spec and model."""
    jsonschema.validate(NAV_NTLM, _connector_spec())
    BCConnectionConfig.model_validate(NAV_NTLM)
    variant = _variant(connection_properties()["deployment"], "deployment_type", "nav_web_services")
    assert set(variant["properties"]) == set(NavWebServicesDeployment.model_fields)
    ntlm = _variant(variant["properties"]["auth"], "auth_type", "ntlm")
    assert set(ntlm["properties"]) == set(NtlmAuth.model_fields)
    assert ntlm["properties"]["password"]["airbyte_secret"] is True
    services = variant["properties"]["services"]["properties"]
    assert {role: prop["default"] for role, prop in services.items()} == NavServices().model_dump()
    bad = {**NAV_NTLM, "deployment": {**NAV_NTLM["deployment"], "services": {"vendors": "Vendor Card"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, _connector_spec())
