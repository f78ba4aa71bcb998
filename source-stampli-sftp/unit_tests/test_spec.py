"""The spec (issue field names, secrets marked) and config validation (errors name fields, never values)."""

from __future__ import annotations

import logging

import jsonschema
import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_stampli_sftp import SourceStampliSftp
from source_stampli_sftp.source import parse_config

CONTRACT = {
    "host",
    "port",
    "username",
    "credentials",
    "host_key",
    "folder",
    "start_date",
    "file_patterns",
    "column_mapping",
}


def _spec() -> dict:
    return SourceStampliSftp().spec(logging.getLogger("test")).connectionSpecification


def test_spec_has_the_issue_fields_and_marks_secrets() -> None:
    spec = _spec()
    assert set(spec["properties"]) == CONTRACT
    assert spec["required"] == ["host", "username", "credentials"]
    assert spec["properties"]["port"]["default"] == 22 and spec["properties"]["folder"]["default"] == "/outbound"
    password, private_key = spec["properties"]["credentials"]["oneOf"]
    assert password["properties"]["auth_method"]["const"] == "password"
    assert private_key["properties"]["auth_method"]["const"] == "private_key"
    assert password["properties"]["password"]["airbyte_secret"] is True
    assert private_key["properties"]["private_key"]["airbyte_secret"] is True
    assert private_key["properties"]["passphrase"]["airbyte_secret"] is True
    assert "$ref" not in str(spec) and "$defs" not in spec


@pytest.mark.parametrize(
    "config",
    [
        {"host": "h", "username": "u", "credentials": {"auth_method": "password", "password": "p"}},
        {"host": "h", "port": 2222, "username": "u", "credentials": {"auth_method": "private_key", "private_key": "k",
         "passphrase": None}, "host_key": None, "start_date": "2026-01-01T00:00:00Z", "folder": "/x",
         "file_patterns": {"vendors": "v*.csv"}, "column_mapping": {"A": "invoice_number", "vendors": {"B": "city"}}},
    ],
)  # fmt: skip
def test_valid_configs_pass_the_spec_and_the_model(config: dict) -> None:
    jsonschema.validate(config, _spec())
    parsed = parse_config(config)
    assert parsed.host == "h"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"host": "h", "username": "u", "credentials": {"auth_method": "password"}}, "credentials.password.password"),
        ({"host": "h", "username": "u", "credentials": {"auth_method": "token", "password": "p"}}, "credentials"),
        ({"host": "h", "username": "u", "credentials": {"auth_method": "password", "password": "p"},
          "file_patterns": {"bills": "*"}}, "unknown stream"),
        ({"host": "h", "username": "u", "credentials": {"auth_method": "password", "password": "p"},
          "column_mapping": {"invoices": {"X": "colour"}}}, "no field 'colour'"),
        ({"host": "h", "username": "u", "credentials": {"auth_method": "password", "password": "p"},
          "start_date": "soon"}, "start_date"),
    ],
)  # fmt: skip
def test_invalid_configs_are_named_config_errors(config: dict, message: str) -> None:
    with pytest.raises(AirbyteTracedException) as caught:
        parse_config(config)
    assert message in caught.value.message
    assert caught.value.failure_type.value == "config_error"


def test_validation_errors_never_print_values() -> None:
    secret = "s3cr3t-value-that-must-not-leak"
    with pytest.raises(AirbyteTracedException) as caught:
        parse_config({"host": "h", "username": "u", "credentials": {"auth_method": "private_key", "private_key": 5,
                                                                    "passphrase": secret}, "port": secret})  # fmt: skip
    assert secret not in caught.value.message and secret not in str(caught.value.internal_message)


def test_effective_globs_and_mappings() -> None:
    config = parse_config({"host": "h", "username": "u", "credentials": {"auth_method": "password", "password": "p"},
                           "file_patterns": {"invoices": "a*.csv | b*.xml"},
                           "column_mapping": {"Ref": "invoice_number", "Town": "city", "vendors": {"Ref": "vendor_id"}}})  # fmt: skip
    assert config.globs_for("invoices") == ("a*.csv", "b*.xml")
    assert config.globs_for("vendors") == ("*vendor*", "*supplier*")
    assert config.mapping_for("invoices") == {"Ref": "invoice_number"}
    assert config.mapping_for("vendors") == {"Town": "city", "Ref": "vendor_id"}
