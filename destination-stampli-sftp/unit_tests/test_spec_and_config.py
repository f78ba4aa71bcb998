"""Spec and config: the SFTP block is the shared one, folders default as the issues say, catalogs are policed."""

from __future__ import annotations

import pytest

from destination_stampli_sftp.catalog_policy import ACCEPTED_STREAMS, CatalogRefusedError, check_catalog
from destination_stampli_sftp.config import ConfigError, parse_config
from destination_stampli_sftp.spec import connection_specification
from stampli_files.sftp import PasswordCredentials, PrivateKeyCredentials, SftpSettings

BASE = {
    "host": "sftp.stampli.example",
    "username": "acme",
    "credentials": {"auth_method": "password", "password": "pw-s3cret-value"},
}


def test_the_sftp_block_mirrors_the_shared_settings_model() -> None:
    spec = connection_specification()
    properties = spec["properties"]
    assert set(SftpSettings.model_fields) <= set(properties)
    shared_required = {name for name, field in SftpSettings.model_fields.items() if field.is_required()}
    assert set(spec["required"]) == shared_required
    variants = {v["properties"]["auth_method"]["const"]: v for v in properties["credentials"]["oneOf"]}
    assert set(variants["password"]["properties"]) == set(PasswordCredentials.model_fields)
    assert set(variants["private_key"]["properties"]) == set(PrivateKeyCredentials.model_fields)
    for variant, secret in (("password", "password"), ("private_key", "private_key"), ("private_key", "passphrase")):
        assert variants[variant]["properties"][secret]["airbyte_secret"] is True


def test_folder_defaults_to_inbound_and_the_manifest_hides_inside_it() -> None:
    settings = parse_config(BASE).settings
    assert settings.folder == "/inbound"
    assert settings.stampli_export_folder == "/outbound"
    assert settings.resolved_manifest_folder == "/inbound/.stampli-nav"
    assert connection_specification()["properties"]["folder"]["default"] == "/inbound"
    custom = parse_config({**BASE, "folder": "/imports/nav/", "stampli_export_folder": ""}).settings
    assert (custom.folder, custom.stampli_export_folder) == ("/imports/nav", None)


def test_config_errors_name_the_field_but_never_the_secret() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({**BASE, "port": "not-a-port"})
    assert "port" in str(error.value) and "pw-s3cret-value" not in str(error.value)
    with pytest.raises(ConfigError, match="stampli_export_patterns"):
        parse_config({**BASE, "stampli_export_patterns": {"invoices": "*inv*"}})
    with pytest.raises(ConfigError, match="not the inbound folder"):
        parse_config({**BASE, "folder": "/sftp", "stampli_export_folder": "/sftp/"})
    with pytest.raises(ConfigError, match="host_key"):
        parse_config({**BASE, "host_key": "not a key"})


def test_reference_streams_are_accepted() -> None:
    check_catalog(ACCEPTED_STREAMS)


@pytest.mark.parametrize("financial", ["invoices", "payments", "purchase_invoices", "general_ledger_entries"])
def test_a_catalog_with_a_financial_stream_is_refused_with_a_clear_message(financial: str) -> None:
    with pytest.raises(CatalogRefusedError) as error:
        check_catalog(["vendors", financial])
    message = str(error.value)
    assert financial in message and "financial entries never travel back to Stampli" in message
    assert "nothing was written" in message


def test_an_unknown_stream_is_refused_too() -> None:
    with pytest.raises(CatalogRefusedError, match="customers: not a Stampli reference-data import"):
        check_catalog(["customers"])


def test_spec_passes_the_cdk_spec_lint() -> None:
    from airbyte_cdk.models.airbyte_protocol_serializers import ConnectorSpecificationSerializer
    from airbyte_cdk.test.standard_tests._spec_lint import assert_spec_is_valid

    from destination_stampli_sftp.spec import spec

    assert_spec_is_valid(ConnectorSpecificationSerializer.load(spec()), connector_name="destination-stampli-sftp")


def test_the_forward_mappings_must_be_one_to_one_to_be_inverted() -> None:
    settings = parse_config({**BASE, "vendor_number_mapping": {"ACME-001": "V50000"}}).settings
    assert settings.vendor_number_mapping == {"ACME-001": "V50000"}
    with pytest.raises(ConfigError, match="V50000 is mapped from several Stampli codes"):
        parse_config({**BASE, "vendor_number_mapping": {"ACME-001": "V50000", "ACME-002": "v50000"}})


def test_spec_points_at_the_user_doc_like_the_metadata() -> None:
    from pathlib import Path

    import yaml

    from destination_stampli_sftp.spec import spec

    metadata = yaml.safe_load((Path(__file__).resolve().parents[1] / "metadata.yaml").read_text())
    assert spec()["documentationUrl"] == metadata["data"]["documentationUrl"]
    assert spec()["documentationUrl"].endswith("/docs/connectors/destination-stampli-sftp.md")
