"""Emulator settings: identities, limits and timings, scaled down from Business Central online.

Every figure that BC documents has its BC value noted next to the default; the defaults that differ are
scaled so that tests can reach them in milliseconds instead of minutes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Fixed, documented throw-away identities: the emulator guards nothing real, and fixed values let a demo
# started in another process use the same credentials without passing secrets around.
DEFAULT_TENANT_ID = "7e4c3a5d-9a1b-4c55-8f0e-1b2c3d4e5f60"
DEFAULT_CLIENT_ID = "3f9d1c2b-6a7e-4b8f-9c0d-1e2f3a4b5c6d"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # a public test value, not a secret
DEFAULT_BASIC_USERNAME = "ADMIN"
DEFAULT_BASIC_ACCESS_KEY = "emulator-web-service-access-key"
BC_SCOPE = "https://api.businesscentral.dynamics.com/.default"
# NAV 2018 classic mode (bc_version="nav2018"): Windows (NTLM) user and its password, public test values.
DEFAULT_NTLM_USER = "CRONUS\\stampli"
DEFAULT_NTLM_PASSWORD = "emulator-ntlm-password"  # a public test value, not a secret
# NAV 2018's default server instance name (NAV 2018 = version 11.0 -> "DynamicsNAV110").
NAV_DEFAULT_INSTANCE = "DynamicsNAV110"
# Page web services published by default: service name -> page role (issue 13's eight names + page 118).
DEFAULT_NAV_SERVICES = {
    "Vendor_Card": "vendors",
    "Chart_of_Accounts": "gl_accounts",
    "Dimensions": "dimensions",
    "Dimension_Values": "dimension_values",
    "General_Journal": "general_journal",
    "General_Ledger_Entries": "gl_entries",
    "Vendor_Ledger_Entries": "vendor_ledger_entries",
    "Journal_Batches": "journal_batches",
    "General_Ledger_Setup": "general_ledger_setup",
}


class EmulatorSettings(BaseModel):
    """Everything that shapes one emulator instance. Immutable once the server runs, except `api_disabled`."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535, description="0 picks a free port")
    tls: bool = Field(False, description="serve HTTPS with a throw-away CA (exposed as ca_pem)")

    # Identities
    tenant_id: str = DEFAULT_TENANT_ID
    tenant_domain: str = Field("cronus.onmicrosoft.com", description="accepted as an alias of tenant_id in URLs")
    environment: str = "production"
    server_instance: str = Field("BC", description="on-premises server instance segment")
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    extra_apps: dict[str, str] = Field(default_factory=dict, description="more client_id -> secret (other users)")
    basic_username: str = DEFAULT_BASIC_USERNAME
    basic_access_key: str = DEFAULT_BASIC_ACCESS_KEY
    extra_basic_users: dict[str, str] = Field(default_factory=dict, description="more user -> web service key")
    allow_basic_auth_on_cloud: bool = Field(False, description="BC online rejects basic auth since Oct 2022")
    token_lifetime_s: int = Field(3599, ge=1, description="Entra ID issues ~1 h tokens")

    # Release whose API v2.0 field sets the emulator serves (see versions.py): "18", "21" or "current"; "nav2018"
    # makes it a classic NAV 2018 server: OData V4 page web services instead of api/v2.0 (bc_emulator.nav_classic)
    bc_version: Literal["18", "21", "current", "nav2018"] = "current"

    # NAV 2018 classic mode only
    nav_published_services: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_NAV_SERVICES),
        description="service name -> page role (vendors, gl_accounts, ..., general_ledger_setup) on the Web Services page",
    )
    nav_ntlm_users: dict[str, str] = Field(
        default_factory=lambda: {DEFAULT_NTLM_USER: DEFAULT_NTLM_PASSWORD},
        description="Windows users accepted by NTLM: 'DOMAIN\\user' -> password",
    )
    nav_odata_enabled: bool = Field(
        True, description="NAV Server Administration 'Enable OData Services'; false -> 405 like api_disabled"
    )
    nav_odata_v4_enabled: bool = Field(
        True, description="NAV Server Administration 'Enable V4 Endpoint'; false -> /ODataV4/ is not served at all"
    )
    nav_auth: Literal["basic", "ntlm", "both"] = Field(
        "both", description="credential types the NAV server accepts (NavUserPassword as basic, Windows as NTLM)"
    )

    # OData
    page_size: int = Field(1000, ge=1, le=20000, description="server page size (BC online: 20,000)")
    max_batch_operations: int = Field(100, ge=1, description="BC online: 100")

    # Per-user limits (BC online: 5 processed at once, 95 queued, 6,000 requests per 5 minutes)
    max_concurrent_requests: int = Field(5, ge=1)
    max_queued_requests: int = Field(95, ge=0)
    queue_timeout_s: float = Field(60.0, gt=0, description="queued longer -> 503 (BC online: 8 minutes)")
    rate_limit_requests: int = Field(6000, ge=1)
    rate_limit_window_s: float = Field(300.0, gt=0)
    throttle_retry_after_s: int = Field(1, ge=0, description="Retry-After sent with 429 from the limiter")

    # Injected latency for every API request (faults can add more per route)
    latency_ms: int = Field(0, ge=0)
    latency_jitter_ms: int = Field(0, ge=0)

    # On-premises server with ApiServicesEnabled=false answers 405 to everything
    api_disabled: bool = False

    # Webhooks (BC online: 3 days, 200 subscriptions, ~30 s coalescing, >1,000 changes -> collection)
    subscription_lifetime_s: int = Field(3 * 24 * 3600, ge=1)
    max_subscriptions: int = Field(200, ge=1)
    notification_delay_s: float = Field(1.0, ge=0)
    notification_collection_threshold: int = Field(1000, ge=1)
    notification_timeout_s: float = Field(5.0, gt=0)
    notification_max_attempts: int = Field(5, ge=1, description="retries on 408/429/5xx (BC: for 36 h)")
    handshake_timeout_s: float = Field(5.0, gt=0)
    notification_ca_file: str | None = Field(None, description="extra CA to trust for https notification URLs")

    # Post with Job Queue: a scheduled journal document is posted this long after the post action (BC: as soon as a
    # background session picks the job up, typically seconds)
    job_queue_delay_s: float = Field(2.0, ge=0)

    # Determinism of random faults and random latency
    random_seed: int = 0
    connection_idle_timeout_s: float = Field(120.0, gt=0)

    @model_validator(mode="after")
    def _nav_instance(self) -> EmulatorSettings:
        # A NAV 2018 server's instance is DynamicsNAV110 unless one is named (BC's on-premises default is "BC").
        if self.bc_version == "nav2018" and "server_instance" not in self.model_fields_set:
            self.__dict__["server_instance"] = NAV_DEFAULT_INSTANCE
        return self

    @field_validator("nav_published_services")
    @classmethod
    def _known_roles(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - set(DEFAULT_NAV_SERVICES.values()))
        if unknown:
            raise ValueError(f"unknown page roles {unknown}; known: {sorted(DEFAULT_NAV_SERVICES.values())}")
        return value

    @field_validator("server_instance", "environment")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        if not value or "/" in value:
            raise ValueError("must be a single URL segment")
        return value

    def apps(self) -> dict[str, str]:
        """All OAuth client applications the token endpoint accepts."""
        return {self.client_id: self.client_secret, **self.extra_apps}

    def basic_users(self) -> dict[str, str]:
        """All basic-auth users (user name -> web service access key)."""
        return {self.basic_username: self.basic_access_key, **self.extra_basic_users}
