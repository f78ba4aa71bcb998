"""JSON-schema fragments of the shared connection block, for both NAV connectors' specs (one source of truth).

Usage in a connector spec:

    from bc_client.spec import CONNECTION_REQUIRED, connection_properties
    spec = {"type": "object", "required": [*CONNECTION_REQUIRED, ...],
            "properties": {**connection_properties(order_start=0), "posting_mode": {...}, ...}}

The fragments mirror `bc_client.config` (a test keeps the two in step): `deployment` is a oneOf discriminated by
`deployment_type` (cloud | on_premises | nav_web_services), on-premises `auth` a oneOf discriminated by `auth_type`
(basic | oauth2; classic NAV: basic | ntlm).
Secrets carry `airbyte_secret: true`.
"""

from __future__ import annotations

import copy
from typing import Any

from bc_client.config import (
    BUSINESS_CENTRAL_SCOPE,
    DEFAULT_AUTHORITY_URL,
    DEFAULT_NAV_SERVER_INSTANCE,
    NAV_PAGES,
    NavServices,
)

CONNECTION_REQUIRED: tuple[str, ...] = ("deployment", "company")

_CLOUD: dict[str, Any] = {
    "title": "Business Central online (cloud)",
    "description": "OAuth2 client credentials through a Microsoft Entra ID app registration.",
    "type": "object",
    "required": ["deployment_type", "tenant_id", "client_id", "client_secret"],
    "properties": {
        "deployment_type": {"type": "string", "const": "cloud", "default": "cloud", "order": 0},
        "tenant_id": {
            "type": "string",
            "title": "Tenant ID",
            "description": "Microsoft Entra tenant id (GUID) or primary domain of the Business Central tenant.",
            "examples": ["00000000-0000-0000-0000-000000000000", "contoso.onmicrosoft.com"],
            "pattern": "^[^/\\s?#]+$",
            "order": 1,
        },
        "environment": {
            "type": "string",
            "title": "Environment",
            "description": "Business Central environment name as shown in the admin center.",
            "default": "Production",
            "examples": ["Production", "Sandbox"],
            "pattern": "^[^/\\s?#]+$",
            "order": 2,
        },
        "client_id": {
            "type": "string",
            "title": "Client ID",
            "description": (
                "Application (client) id of the Entra app registration. It needs the Dynamics 365 Business "
                "Central application permission API.ReadWrite.All with admin consent, and a record on the "
                "Business Central page 'Microsoft Entra Applications' with permission sets."
            ),
            "order": 3,
        },
        "client_secret": {
            "type": "string",
            "title": "Client secret",
            "description": "A client secret of the Entra app registration.",
            "airbyte_secret": True,
            "order": 4,
        },
        "authority_url": {
            "type": "string",
            "title": "Authority URL",
            "description": (
                "Microsoft Entra ID login host. Leave the default unless you use a national cloud "
                "(e.g. https://login.microsoftonline.us)."
            ),
            "default": DEFAULT_AUTHORITY_URL,
            "pattern": "^https://",
            "order": 5,
        },
    },
}

_BASIC: dict[str, Any] = {
    "title": "Basic (user name + web service access key)",
    "description": "For servers with ClientServicesCredentialType NavUserPassword.",
    "type": "object",
    "required": ["auth_type", "username", "web_service_access_key"],
    "properties": {
        "auth_type": {"type": "string", "const": "basic", "default": "basic", "order": 0},
        "username": {
            "type": "string",
            "title": "User name",
            "description": "Business Central user name.",
            "order": 1,
        },
        "web_service_access_key": {
            "type": "string",
            "title": "Web service access key",
            "description": "The Web Service Access Key generated on the user card (not the login password).",
            "airbyte_secret": True,
            "order": 2,
        },
    },
}

_OAUTH2: dict[str, Any] = {
    "title": "OAuth2 client credentials",
    "description": "For servers that accept Entra ID (or another OAuth2 server's) tokens.",
    "type": "object",
    "required": ["auth_type", "token_url", "client_id", "client_secret"],
    "properties": {
        "auth_type": {"type": "string", "const": "oauth2", "default": "oauth2", "order": 0},
        "token_url": {
            "type": "string",
            "title": "Token URL",
            "description": "OAuth2 token endpoint.",
            "examples": ["https://login.microsoftonline.com/<tenant id>/oauth2/v2.0/token"],
            "pattern": "^https?://",
            "order": 1,
        },
        "client_id": {"type": "string", "title": "Client ID", "order": 2},
        "client_secret": {"type": "string", "title": "Client secret", "airbyte_secret": True, "order": 3},
        "scope": {
            "type": "string",
            "title": "Scope",
            "description": "Scope requested with the client-credentials grant.",
            "default": BUSINESS_CENTRAL_SCOPE,
            "order": 4,
        },
    },
}

_ON_PREMISES: dict[str, Any] = {
    "title": "On-premises (NAV / Business Central server)",
    "description": (
        "A server tier with API and OData services enabled (ApiServicesEnabled, ODataServicesEnabled), "
        "API Setup -> Integrate APIs run, and the OData/API port (default 7048) reachable."
    ),
    "type": "object",
    "required": ["deployment_type", "server_url", "auth"],
    "properties": {
        "deployment_type": {"type": "string", "const": "on_premises", "default": "on_premises", "order": 0},
        "server_url": {
            "type": "string",
            "title": "Server URL",
            "description": "Scheme, host and OData/API port of the service tier.",
            "examples": ["https://nav.example.com:7048"],
            "pattern": "^https?://[^/?#]+/?$",
            "order": 1,
        },
        "server_instance": {
            "type": "string",
            "title": "Server instance",
            "description": "Service tier instance name (the path segment before /api/v2.0).",
            "default": "BC",
            "pattern": "^[^/\\s?#]+$",
            "order": 2,
        },
        "auth": {
            "type": "object",
            "title": "Authentication",
            "order": 3,
            "oneOf": [_BASIC, _OAUTH2],
        },
    },
}


_NTLM: dict[str, Any] = {
    "title": "Windows (NTLM)",
    "description": "For NAV servers with ClientServicesCredentialType Windows (the NAV default).",
    "type": "object",
    "required": ["auth_type", "username", "password"],
    "properties": {
        "auth_type": {"type": "string", "const": "ntlm", "default": "ntlm", "order": 0},
        "username": {
            "type": "string",
            "title": "Windows user",
            "description": "DOMAIN\\user (or user@domain) of a Windows user set up in NAV.",
            "examples": ["CRONUS\\stampli"],
            "order": 1,
        },
        "password": {
            "type": "string",
            "title": "Password",
            "description": "The Windows user's password (used only inside the NTLM handshake, never sent in clear).",
            "airbyte_secret": True,
            "order": 2,
        },
    },
}

# The optional role's description says what it is for.
_NAV_PAGE_NOTES = {"general_ledger_setup": " (optional: global dimensions and LCY code)"}

_NAV_WEB_SERVICES: dict[str, Any] = {
    "title": "NAV 2015-2018 (OData V4 page web services)",
    "description": (
        "A classic NAV server without API v2.0: pages published on the Web Services page, reached through OData "
        "V4 ('Enable OData V4 Services' on the server instance, OData port default 7048)."
    ),
    "type": "object",
    "required": ["deployment_type", "server_url", "auth"],
    "properties": {
        "deployment_type": {"type": "string", "const": "nav_web_services", "default": "nav_web_services", "order": 0},
        "server_url": {
            "type": "string",
            "title": "Server URL",
            "description": "Scheme, host and OData port of the NAV server.",
            "examples": ["https://nav.example.com:7048"],
            "pattern": "^https?://[^/?#]+/?$",
            "order": 1,
        },
        "server_instance": {
            "type": "string",
            "title": "Server instance",
            "description": "NAV server instance (NAV 2018: DynamicsNAV110, 2017: DynamicsNAV100, 2016: DynamicsNAV90).",
            "default": DEFAULT_NAV_SERVER_INSTANCE,
            "pattern": "^[^/\\s?#]+$",
            "order": 2,
        },
        "auth": {"type": "object", "title": "Authentication", "order": 3, "oneOf": [_BASIC, _NTLM]},
        "services": {
            "type": "object",
            "title": "Published service names",
            "description": "The Service Name each page is published under on NAV's Web Services page.",
            "order": 4,
            "properties": {
                role: {
                    "type": "string",
                    "title": role,
                    "description": f"{NAV_PAGES[role]}{_NAV_PAGE_NOTES.get(role, '')}.",
                    "default": NavServices.model_fields[role].default,
                    "pattern": "^([A-Za-z_][A-Za-z0-9_]*)?$",
                    "order": order,
                }
                for order, role in enumerate(NavServices.roles())
            },
        },
    },
}


def deployment_schema(order: int | None = None) -> dict[str, Any]:
    """The `deployment` property: where Business Central runs and how to authenticate."""
    schema: dict[str, Any] = {
        "type": "object",
        "title": "Deployment",
        "description": (
            "Business Central online, an on-premises NAV / Business Central server with API v2.0, or a classic "
            "NAV 2015-2018 server through OData V4 page web services."
        ),
        "oneOf": [copy.deepcopy(_CLOUD), copy.deepcopy(_ON_PREMISES), copy.deepcopy(_NAV_WEB_SERVICES)],
    }
    if order is not None:
        schema["order"] = order
    return schema


def connection_properties(order_start: int = 0) -> dict[str, dict[str, Any]]:
    """`deployment`, `company`, `api_base_url`, `ca_certificate`, with `order` from `order_start`."""
    return {
        "deployment": deployment_schema(order_start),
        "company": {
            "type": "string",
            "title": "Company",
            "description": "Company name (e.g. CRONUS USA, Inc.) or company id (GUID).",
            "examples": ["CRONUS USA, Inc."],
            "order": order_start + 1,
        },
        "api_base_url": {
            "type": "string",
            "title": "API base URL (override)",
            "description": (
                "Optional. The API root ending in /api/v2.0, replacing the URL computed from the deployment "
                "(for proxies and test servers)."
            ),
            "pattern": "^(https?://.*)?$",
            "order": order_start + 2,
        },
        "ca_certificate": {
            "type": "string",
            "title": "Extra CA certificate (PEM)",
            "description": (
                "Optional. A certificate authority to trust in addition to the public ones, for on-premises "
                "servers with a private CA. Certificate verification is always on."
            ),
            "multiline": True,
            "order": order_start + 3,
        },
    }
