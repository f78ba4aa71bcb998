"""The shared connection block: URL rules, defaults, validation errors, and secrets kept out of text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bc_client import BCConnectionConfig, CloudDeployment, OnPremisesDeployment

CLOUD = {
    "deployment": {
        "deployment_type": "cloud",
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": "app-id",
        "client_secret": "cloud-secret-value",
    },
    "company": "CRONUS USA, Inc.",
}
ON_PREM_BASIC = {
    "deployment": {
        "deployment_type": "on_premises",
        "server_url": "https://nav.example.com:7048/",
        "auth": {"auth_type": "basic", "username": "ADMIN", "web_service_access_key": "access-key-value"},
    },
    "company": "CRONUS",
}
ON_PREM_OAUTH = {
    "deployment": {
        "deployment_type": "on_premises",
        "server_url": "https://nav.example.com:7048",
        "server_instance": "BC230",
        "auth": {
            "auth_type": "oauth2",
            "token_url": "https://login.example.com/t/oauth2/v2.0/token",
            "client_id": "c",
            "client_secret": "oauth-secret-value",
        },
    },
    "company": "CRONUS",
}


def test_cloud_url_uses_tenant_and_default_environment() -> None:
    config = BCConnectionConfig.model_validate(CLOUD)
    assert isinstance(config.deployment, CloudDeployment)
    assert config.deployment.environment == "Production"
    assert config.deployment.authority == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    assert config.resolved_api_base_url == (
        "https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/Production/api/v2.0"
    )


def test_on_premises_url_defaults_instance_and_strips_trailing_slash() -> None:
    config = BCConnectionConfig.model_validate(ON_PREM_BASIC)
    assert isinstance(config.deployment, OnPremisesDeployment)
    assert config.resolved_api_base_url == "https://nav.example.com:7048/BC/api/v2.0"
    assert config.is_on_premises


def test_on_premises_oauth2_defaults_scope_and_keeps_instance() -> None:
    config = BCConnectionConfig.model_validate(ON_PREM_OAUTH)
    assert config.resolved_api_base_url == "https://nav.example.com:7048/BC230/api/v2.0"
    assert config.deployment.auth.scope == "https://api.businesscentral.dynamics.com/.default"  # type: ignore[union-attr]


def test_api_base_url_override_wins_and_blank_means_unset() -> None:
    overridden = BCConnectionConfig.model_validate({**CLOUD, "api_base_url": "http://127.0.0.1:8080/x/api/v2.0/"})
    assert overridden.resolved_api_base_url == "http://127.0.0.1:8080/x/api/v2.0"
    blank = BCConnectionConfig.model_validate({**CLOUD, "api_base_url": "  "})
    assert blank.api_base_url is None
    assert blank.resolved_api_base_url.startswith("https://api.businesscentral.dynamics.com/")


def test_other_connector_fields_are_ignored() -> None:
    config = BCConnectionConfig.model_validate({**CLOUD, "posting_mode": "journal", "dry_run": True})
    assert config.company == "CRONUS USA, Inc."


@pytest.mark.parametrize(
    ("patch", "complaint"),
    [
        ({"deployment": {**ON_PREM_BASIC["deployment"], "server_url": "nav.example.com:7048"}}, "server_url"),
        ({"deployment": {**ON_PREM_BASIC["deployment"], "server_url": "https://nav:7048/BC"}}, "server_instance"),
        ({"deployment": {**CLOUD["deployment"], "authority_url": "http://login.example.com"}}, "https"),
        ({"deployment": {**CLOUD["deployment"], "tenant_id": "a/b"}}, "tenant_id"),
        ({"deployment": {**CLOUD["deployment"], "deployment_type": "saas"}}, "deployment_type"),
        ({"company": ""}, "company"),
        ({"api_base_url": "ftp://x/api/v2.0"}, "api_base_url"),
    ],
)
def test_invalid_configs_name_the_field(patch: dict, complaint: str) -> None:
    base = ON_PREM_BASIC if "server_url" in str(patch) else CLOUD
    with pytest.raises(ValidationError) as excinfo:
        BCConnectionConfig.model_validate({**base, **patch})
    assert complaint in str(excinfo.value)


@pytest.mark.parametrize(
    ("raw", "secret"),
    [(CLOUD, "cloud-secret-value"), (ON_PREM_BASIC, "access-key-value"), (ON_PREM_OAUTH, "oauth-secret-value")],
)
def test_secrets_never_appear_in_repr_str_or_json(raw: dict, secret: str) -> None:
    config = BCConnectionConfig.model_validate(raw)
    assert secret not in repr(config)
    assert secret not in str(config)
    assert secret not in config.model_dump_json()


def test_missing_secret_error_does_not_echo_other_secrets() -> None:
    broken = {**ON_PREM_OAUTH, "deployment": {**ON_PREM_OAUTH["deployment"], "server_url": 7}}
    with pytest.raises(ValidationError) as excinfo:
        BCConnectionConfig.model_validate(broken)
    assert "oauth-secret-value" not in str(excinfo.value)


def test_union_errors_do_not_echo_the_config_with_its_secret() -> None:
    broken = {**CLOUD, "deployment": {**CLOUD["deployment"], "deployment_type": "saas"}}
    with pytest.raises(ValidationError) as excinfo:
        BCConnectionConfig.model_validate(broken)
    assert "deployment_type" in str(excinfo.value)
    assert "cloud-secret-value" not in str(excinfo.value)
