"""NAV OData V4 key syntax, URLs and the nav_web_services config block (issue 13): no network needed."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from bc_client import BCConnectionConfig, BusinessCentralClient, ConfigurationError, NavWebServicesDeployment, NtlmAuth
from bc_client.nav import NavPageClient, company_segment, key_literal, key_segment
from bc_client.nav.urls import NavUrls


def nav_config(**deployment: object) -> BCConnectionConfig:
    block: dict[str, object] = {
        "deployment_type": "nav_web_services",
        "server_url": "https://nav.example.com:7048",
        "auth": {"auth_type": "ntlm", "username": "CRONUS\\stampli", "password": "S3cret-Passw0rd"},
    }
    block.update(deployment)
    return BCConnectionConfig.model_validate({"deployment": block, "company": "CRONUS USA, Inc."})


def test_key_segments_follow_nav_syntax() -> None:
    assert key_segment("Vendor_Card", "10000") == "Vendor_Card('10000')"
    assert key_segment("General_Ledger_Entries", 1234) == "General_Ledger_Entries(1234)"
    assert (
        key_segment(
            "General_Journal", {"Journal_Template_Name": "GENERAL", "Journal_Batch_Name": "STAMPLI", "Line_No": 10000}
        )
        == "General_Journal(Journal_Template_Name='GENERAL',Journal_Batch_Name='STAMPLI',Line_No=10000)"
    )
    assert (
        key_segment("Dimension_Values", {"Dimension_Code": "DEPARTMENT", "Code": "SALES"})
        == "Dimension_Values(Dimension_Code='DEPARTMENT',Code='SALES')"
    )


def test_key_values_are_quoted_and_encoded() -> None:
    assert key_literal("O'Brien") == "'O''Brien'"
    # A quote doubled, and '/', ',', '=', ')', space and '%' encoded so they cannot change the path or the key.
    assert key_segment("Vendor_Card", "A/B C,%") == "Vendor_Card('A%2FB%20C%2C%25')"
    assert key_segment("X", {"Code": "a=b)", "Line_No": 3}) == "X(Code='a%3Db%29',Line_No=3)"
    assert company_segment("CRONUS USA, Inc.") == "Company('CRONUS%20USA%2C%20Inc.')"
    assert key_segment("X", {"Posting_Date": date(2018, 1, 31)}) == "X(Posting_Date=2018-01-31)"


@pytest.mark.parametrize("bad", [1.5, True, None, object()])
def test_key_values_of_other_types_are_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        key_segment("X", {"No": bad})


def test_key_field_names_are_checked() -> None:
    with pytest.raises(ValueError):
        key_segment("X", {"No)": "1"})
    with pytest.raises(ValueError):
        key_segment("X", {})


def test_urls() -> None:
    config = nav_config(server_instance="NAV2017")
    assert isinstance(config.deployment, NavWebServicesDeployment)
    urls = NavUrls(config.deployment, config.company)
    assert urls.service_document == "https://nav.example.com:7048/NAV2017/ODataV4/"
    assert urls.companies == "https://nav.example.com:7048/NAV2017/ODataV4/Company"
    assert urls.service("vendors") == (
        "https://nav.example.com:7048/NAV2017/ODataV4/Company('CRONUS%20USA%2C%20Inc.')/Vendor_Card"
    )
    assert urls.entity("gl_entries", 7).endswith("/Company('CRONUS%20USA%2C%20Inc.')/General_Ledger_Entries(7)")
    with pytest.raises(KeyError, match="known roles"):
        urls.service("purchase_orders")


def test_config_defaults_and_services() -> None:
    config = nav_config(server_url="http://nav:7048/", services={"vendors": "", "gl_accounts": "COA"})
    deployment = config.deployment
    assert isinstance(deployment, NavWebServicesDeployment)
    assert config.is_nav_web_services and config.is_on_premises
    assert deployment.server_url == "http://nav:7048"
    assert deployment.server_instance == "DynamicsNAV110"
    assert deployment.services.vendors == "Vendor_Card"  # blank = the default name
    assert deployment.services.gl_accounts == "COA"
    assert deployment.services.general_ledger_setup == "General_Ledger_Setup"
    assert deployment.services.role_of("COA") == "gl_accounts"
    assert config.resolved_api_base_url == "http://nav:7048/DynamicsNAV110/ODataV4"
    assert isinstance(deployment.auth, NtlmAuth)
    assert nav_config(services=None).deployment.services.journal_batches == "Journal_Batches"  # type: ignore[union-attr]


def test_config_rejections_never_echo_secrets() -> None:
    with pytest.raises(ValidationError) as caught:
        nav_config(server_url="https://nav:7048/DynamicsNAV110")
    assert "server_instance" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        nav_config(services={"vendors": "Vendor Card"})
    assert "services.vendors" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        nav_config(auth={"auth_type": "ntlm", "username": "", "password": "S3cret-Passw0rd"})
    assert "S3cret-Passw0rd" not in str(caught.value)
    with pytest.raises(ValidationError):
        nav_config(auth={"auth_type": "oauth2", "token_url": "https://x", "client_id": "a", "client_secret": "b"})


def test_each_client_refuses_the_other_deployment() -> None:
    with pytest.raises(ConfigurationError, match="NavPageClient"):
        BusinessCentralClient(nav_config())
    api = BCConnectionConfig.model_validate(
        {
            "deployment": {
                "deployment_type": "on_premises",
                "server_url": "https://bc:7048",
                "auth": {"auth_type": "basic", "username": "U", "web_service_access_key": "key-123456"},
            },
            "company": "CRONUS",
        }
    )
    with pytest.raises(ConfigurationError, match="nav_web_services"):
        NavPageClient(api)
    with NavPageClient.from_config(nav_config()) as nav:
        assert "S3cret" not in repr(nav)
