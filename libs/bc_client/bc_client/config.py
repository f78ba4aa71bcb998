"""The connector configuration block shared by both NAV connectors, and the API root it implies.

Field names are a user-facing contract (issue 5 / issue 7): `deployment` (cloud | on_premises), `api_base_url`,
`company`, plus the optional `ca_certificate` and, for cloud, `authority_url`. Issue 13 adds a third deployment,
`nav_web_services`: a classic NAV 2015-2018 server reached through its OData V4 page web services
(`{server_url}/{server_instance}/ODataV4/Company('<name>')/<ServiceName>`), with basic or NTLM authentication.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

DEFAULT_AUTHORITY_URL = "https://login.microsoftonline.com"
BUSINESS_CENTRAL_SCOPE = "https://api.businesscentral.dynamics.com/.default"
CLOUD_API_HOST = "https://api.businesscentral.dynamics.com"

_PATH_SEGMENT = re.compile(r"^[^/\s?#]+$")
# An OData V4 entity set name as NAV publishes it: NAV replaces every character of the Web Services page's
# Service Name that is not a letter or digit by "_" (so "Vendor Card" is served as Vendor_Card).
_SERVICE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_NAV_SERVER_INSTANCE = "DynamicsNAV110"  # NAV 2018's default instance name (NAV 2017: DynamicsNAV100)


def _http_url(value: str, field_name: str) -> str:
    """A http(s) URL without a trailing slash, query or fragment."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{field_name} must be an http(s) URL such as https://host:7048, got {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{field_name} must not contain a query string or fragment")
    return value


def _path_segment(value: str, field_name: str) -> str:
    value = value.strip()
    if not _PATH_SEGMENT.match(value):
        raise ValueError(f"{field_name} must be a single URL path segment (no '/', spaces, '?' or '#'), got {value!r}")
    return value


def _server_origin(value: str) -> str:
    value = _http_url(value, "server_url")
    if urlsplit(value).path not in ("", "/"):
        raise ValueError(
            "server_url is the scheme, host and port only (e.g. https://nav.example.com:7048); "
            "the server instance goes in server_instance"
        )
    return value


class _Model(BaseModel):
    # Connector configs carry many other fields; each block reads only its own.
    # hide_input_in_errors: a validation error must not print the config it came from (it holds secrets).
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True, hide_input_in_errors=True)


class CloudDeployment(_Model):
    """Business Central online: OAuth2 client credentials through Microsoft Entra ID."""

    deployment_type: Literal["cloud"] = "cloud"
    tenant_id: str = Field(min_length=1)
    environment: str = Field(default="Production", min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    authority_url: str = DEFAULT_AUTHORITY_URL

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        return _path_segment(value, "tenant_id")

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str) -> str:
        return _path_segment(value, "environment")

    @field_validator("authority_url", mode="before")
    @classmethod
    def _authority(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return DEFAULT_AUTHORITY_URL
        return value

    @field_validator("authority_url")
    @classmethod
    def _authority_https(cls, value: str) -> str:
        value = _http_url(value, "authority_url")
        if not value.startswith("https://"):
            # MSAL refuses non-HTTPS authorities; say so before MSAL does, in our words.
            raise ValueError("authority_url must use https:// (Microsoft Entra ID and MSAL require TLS)")
        return value

    @property
    def authority(self) -> str:
        return f"{self.authority_url}/{self.tenant_id}"


class BasicAuth(_Model):
    """On-premises NavUserPassword: BC user name + Web Service Access Key (from the user card)."""

    auth_type: Literal["basic"] = "basic"
    username: str = Field(min_length=1)
    web_service_access_key: SecretStr


class OAuth2ClientCredentials(_Model):
    """On-premises with Entra ID (or another OAuth2 server): client credentials against a token URL."""

    auth_type: Literal["oauth2"] = "oauth2"
    token_url: str
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    scope: str = BUSINESS_CENTRAL_SCOPE

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        return _http_url(value, "token_url")

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return BUSINESS_CENTRAL_SCOPE
        return value


OnPremisesAuth = Annotated[BasicAuth | OAuth2ClientCredentials, Field(discriminator="auth_type")]


class OnPremisesDeployment(_Model):
    """A NAV / Business Central server tier: `{server_url}/{server_instance}/api/v2.0` (OData port, default 7048)."""

    deployment_type: Literal["on_premises"] = "on_premises"
    server_url: str
    server_instance: str = "BC"
    auth: OnPremisesAuth

    @field_validator("server_url")
    @classmethod
    def _server_url(cls, value: str) -> str:
        return _server_origin(value)

    @field_validator("server_instance", mode="before")
    @classmethod
    def _instance_default(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return "BC"
        return value

    @field_validator("server_instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        return _path_segment(value, "server_instance")


class NtlmAuth(_Model):
    """Windows authentication (the NAV server's default credential type): NTLM with a domain account.

    `username` is `DOMAIN\\user` (or `user@domain`); the password never leaves the NTLM handshake in clear."""

    auth_type: Literal["ntlm"] = "ntlm"
    username: str = Field(min_length=1)
    password: SecretStr


NavAuth = Annotated[BasicAuth | NtlmAuth, Field(discriminator="auth_type")]


def _service_name(value: str, role: str) -> str:
    if not _SERVICE_NAME.match(value):
        raise ValueError(
            f"services.{role} must be a published service name such as Vendor_Card (letters, digits and '_': NAV "
            f"serves every other character of the Service Name as '_'), got {value!r}"
        )
    return value


# Role -> the NAV page an administrator publishes for it (NAV 2018 W1 object id and caption): what `check` asks for
# and what the spec describes.
NAV_PAGES: dict[str, str] = {
    "vendors": "page 26 Vendor Card",
    "gl_accounts": "page 16 Chart of Accounts",
    "dimensions": "page 536 Dimensions",
    "dimension_values": "page 537 Dimension Values",
    "general_journal": "page 39 General Journal",
    "gl_entries": "page 20 General Ledger Entries",
    "vendor_ledger_entries": "page 29 Vendor Ledger Entries",
    "journal_batches": "page 251 General Journal Batches",
    "general_ledger_setup": "page 118 General Ledger Setup",
}


class NavServices(_Model):
    """Role -> the Service Name the NAV administrator published on the Web Services page (object type Page).

    The defaults are the issue-13 contract's names. `general_ledger_setup` (page 118) is optional: it tells
    which dimensions are global dimensions 1 and 2 and the local currency code."""

    vendors: str = "Vendor_Card"  # page 26 Vendor Card
    gl_accounts: str = "Chart_of_Accounts"  # page 16 Chart of Accounts
    dimensions: str = "Dimensions"  # page 536 Dimensions
    dimension_values: str = "Dimension_Values"  # page 537 Dimension Values
    general_journal: str = "General_Journal"  # page 39 General Journal
    gl_entries: str = "General_Ledger_Entries"  # page 20 General Ledger Entries
    vendor_ledger_entries: str = "Vendor_Ledger_Entries"  # page 29 Vendor Ledger Entries
    journal_batches: str = "Journal_Batches"  # page 251 General Journal Batches
    general_ledger_setup: str = "General_Ledger_Setup"  # page 118 General Ledger Setup

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        # Airbyte UIs send "" for an untouched optional text field: that means "the default name".
        if value is None or (isinstance(value, str) and not value.strip()):
            assert info.field_name is not None
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("*")
    @classmethod
    def _names(cls, value: str, info: ValidationInfo) -> str:
        return _service_name(value, info.field_name or "service")

    @classmethod
    def roles(cls) -> tuple[str, ...]:
        return tuple(cls.model_fields)

    def service(self, role: str) -> str:
        """The service name of a role ("vendors" -> "Vendor_Card"); a KeyError names the known roles."""
        if role not in type(self).model_fields:
            raise KeyError(f"unknown NAV service role {role!r}; known roles: {', '.join(self.roles())}")
        return str(getattr(self, role))

    def role_of(self, service: str) -> str | None:
        return next((role for role in self.roles() if getattr(self, role) == service), None)


class NavWebServicesDeployment(_Model):
    """A classic NAV 2015-2018 server tier: OData V4 page web services at `{server_url}/{server_instance}/ODataV4`
    (OData port, default 7048; "Enable OData V4 Services" must be on)."""

    deployment_type: Literal["nav_web_services"] = "nav_web_services"
    server_url: str
    server_instance: str = DEFAULT_NAV_SERVER_INSTANCE
    auth: NavAuth
    services: NavServices = Field(default_factory=NavServices)

    @field_validator("server_url")
    @classmethod
    def _server_url(cls, value: str) -> str:
        return _server_origin(value)

    @field_validator("server_instance", mode="before")
    @classmethod
    def _instance_default(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return DEFAULT_NAV_SERVER_INSTANCE
        return value

    @field_validator("server_instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        return _path_segment(value, "server_instance")

    @field_validator("services", mode="before")
    @classmethod
    def _services_default(cls, value: object) -> object:
        return {} if value is None else value

    @property
    def odata_v4_url(self) -> str:
        """`{server_url}/{server_instance}/ODataV4`: the service document lists the published services."""
        return f"{self.server_url}/{self.server_instance}/ODataV4"


Deployment = Annotated[
    CloudDeployment | OnPremisesDeployment | NavWebServicesDeployment, Field(discriminator="deployment_type")
]


class BCConnectionConfig(_Model):
    """Everything needed to reach one company's API: where, how to authenticate, which company."""

    deployment: Deployment
    company: str = Field(min_length=1, description="Company name or id (GUID)")
    api_base_url: str | None = None
    ca_certificate: str | None = Field(default=None, repr=False)

    @field_validator("api_base_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # Airbyte UIs send "" for an untouched optional text field.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("api_base_url")
    @classmethod
    def _api_base(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value, "api_base_url")

    @field_validator("ca_certificate", mode="before")
    @classmethod
    def _blank_certificate(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def is_on_premises(self) -> bool:
        """A server tier the customer runs (API v2.0 on premises or classic NAV page web services)."""
        return isinstance(self.deployment, OnPremisesDeployment | NavWebServicesDeployment)

    @property
    def is_nav_web_services(self) -> bool:
        """Classic NAV 2015-2018 through OData V4 page web services: use `bc_client.nav.NavPageClient`."""
        return isinstance(self.deployment, NavWebServicesDeployment)

    @property
    def resolved_api_base_url(self) -> str:
        """The API root ending in `/api/v2.0`; an explicit `api_base_url` wins over the computed one."""
        if self.api_base_url:
            return self.api_base_url
        deployment = self.deployment
        if isinstance(deployment, CloudDeployment):
            return f"{CLOUD_API_HOST}/v2.0/{deployment.tenant_id}/{deployment.environment}/api/v2.0"
        if isinstance(deployment, NavWebServicesDeployment):
            return deployment.odata_v4_url  # no API v2.0 on these servers: the OData V4 root instead
        return f"{deployment.server_url}/{deployment.server_instance}/api/v2.0"
