"""Configs that point the client at a running emulator, one per authentication path."""

from __future__ import annotations

from typing import Any

from bc_client import BCConnectionConfig, RetryPolicy
from bc_emulator import EmulatorServer

# Tests must not sleep for seconds on backoff; Retry-After from the server is still honoured as sent.
FAST_RETRIES = RetryPolicy(max_attempts=5, backoff_base=0.01, backoff_max=0.05)


def cloud_config(emu: EmulatorServer, **overrides: Any) -> BCConnectionConfig:
    """BC online shape: MSAL client credentials against the emulator's Entra endpoints (emulator must use TLS)."""
    deployment = {
        "deployment_type": "cloud",
        "tenant_id": emu.tenant_id,
        "environment": emu.environment,
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "authority_url": emu.url,
        **overrides.pop("deployment", {}),
    }
    raw = {
        "deployment": deployment,
        "api_base_url": emu.api_base_url,
        "company": emu.company_name,
        "ca_certificate": emu.ca_pem,
        **overrides,
    }
    return BCConnectionConfig.model_validate(raw)


def basic_config(emu: EmulatorServer, **overrides: Any) -> BCConnectionConfig:
    """On-premises shape with basic auth (user name + web service access key)."""
    auth = {
        "auth_type": "basic",
        "username": emu.basic_username,
        "web_service_access_key": emu.basic_access_key,
        **overrides.pop("auth", {}),
    }
    raw = {
        "deployment": {"deployment_type": "on_premises", "server_url": emu.url, "auth": auth},
        "company": emu.company_name,
        "ca_certificate": emu.ca_pem,
        **overrides,
    }
    return BCConnectionConfig.model_validate(raw)


def oauth2_config(emu: EmulatorServer, **overrides: Any) -> BCConnectionConfig:
    """On-premises shape with OAuth2 client credentials against a plain token URL."""
    auth = {
        "auth_type": "oauth2",
        "token_url": emu.token_url,
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        **overrides.pop("auth", {}),
    }
    raw = {
        "deployment": {"deployment_type": "on_premises", "server_url": emu.url, "auth": auth},
        "company": emu.company_name,
        "ca_certificate": emu.ca_pem,
        **overrides,
    }
    return BCConnectionConfig.model_validate(raw)
