"""The source's configuration: the shared Business Central block (bc_client) plus the webhook settings.

Field names are a contract (issue 7): `deployment`, `api_base_url`, `company` (shared with destination-dynamics-nav)
and `webhook_notification_url`; `webhook_client_state` is the secret that tells our subscriptions (and BC's
notifications to the receiver) apart from anyone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bc_client import BCConnectionConfig
from stampli_nav_rules import ConfigError, validate_blocks

__all__ = ["ConfigError", "SourceSettings", "WebhookSettings", "parse_config"]

MIN_CLIENT_STATE_LENGTH = 16
MAX_CLIENT_STATE_LENGTH = 2048  # BC's limit on clientState


class WebhookSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    webhook_notification_url: str | None = None
    webhook_client_state: SecretStr | None = Field(default=None, repr=False)

    @field_validator("webhook_notification_url", "webhook_client_state", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # Airbyte UIs send "" for an untouched optional text field.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("webhook_notification_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("webhook_notification_url must be an http(s) URL that Business Central can reach")
        if parts.fragment:
            raise ValueError("webhook_notification_url must not contain a fragment")
        return value

    @field_validator("webhook_client_state")
    @classmethod
    def _client_state(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        length = len(value.get_secret_value())
        if length < MIN_CLIENT_STATE_LENGTH:
            raise ValueError(
                f"webhook_client_state must have at least {MIN_CLIENT_STATE_LENGTH} characters "
                "(it authenticates Business Central's notifications): use a long random string"
            )
        if length > MAX_CLIENT_STATE_LENGTH:
            raise ValueError(
                f"webhook_client_state is limited to {MAX_CLIENT_STATE_LENGTH} characters by Business Central"
            )
        return value

    @model_validator(mode="after")
    def _state_with_url(self) -> WebhookSettings:
        if self.webhook_notification_url and self.webhook_client_state is None:
            raise ValueError(
                "webhook_notification_url is set but webhook_client_state is empty: set a long random secret; the "
                "connector recognises its subscriptions by it and the receiver checks it on every notification"
            )
        return self

    @property
    def enabled(self) -> bool:
        return self.webhook_notification_url is not None

    @property
    def client_state(self) -> str:
        assert self.webhook_client_state is not None
        return self.webhook_client_state.get_secret_value()


class SourceSettings(BaseModel):
    """Everything the source reads from its config."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    connection: BCConnectionConfig
    webhooks: WebhookSettings


def parse_config(config: Mapping[str, Any]) -> SourceSettings:
    """Validate the connector config; raises `ConfigError` with field names and reasons only."""
    connection, webhooks = validate_blocks(config, BCConnectionConfig, WebhookSettings)
    return SourceSettings(connection=connection, webhooks=webhooks)
