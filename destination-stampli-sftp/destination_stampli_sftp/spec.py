"""The connector specification: the SFTP block shared with source-stampli-sftp (stampli_files.sftp.SftpSettings;
a unit test keeps the two in step) plus the folders."""

from __future__ import annotations

from typing import Any

from destination_stampli_sftp.catalog_policy import ACCEPTED_STREAMS
from destination_stampli_sftp.config import DEFAULT_EXPORT_FOLDER, DEFAULT_FOLDER, MANIFEST_SUBFOLDER

DOCUMENTATION_URL = "https://github.com/stampli-nav/connectors/blob/main/docs/connectors/destination-stampli-sftp.md"

_PASSWORD = {
    "title": "Password",
    "type": "object",
    "required": ["auth_method", "password"],
    "properties": {
        "auth_method": {"type": "string", "const": "password", "default": "password", "order": 0},
        "password": {"type": "string", "title": "Password", "airbyte_secret": True, "order": 1},
    },
}

_PRIVATE_KEY = {
    "title": "Private key",
    "type": "object",
    "required": ["auth_method", "private_key"],
    "properties": {
        "auth_method": {"type": "string", "const": "private_key", "default": "private_key", "order": 0},
        "private_key": {
            "type": "string",
            "title": "Private key",
            "description": "OpenSSH or PEM private key text (Ed25519, ECDSA or RSA).",
            "airbyte_secret": True,
            "multiline": True,
            "order": 1,
        },
        "passphrase": {
            "type": "string",
            "title": "Passphrase",
            "description": "Passphrase of an encrypted private key.",
            "airbyte_secret": True,
            "order": 2,
        },
    },
}


def connection_specification() -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Stampli (SFTP imports)",
        "type": "object",
        "required": ["host", "username", "credentials"],
        "additionalProperties": True,
        "properties": {
            "host": {
                "type": "string",
                "title": "Host",
                "description": "SFTP server host name or IP address.",
                "order": 0,
            },
            "port": {
                "type": "integer",
                "title": "Port",
                "description": "SFTP server port.",
                "default": 22,
                "minimum": 1,
                "maximum": 65535,
                "order": 1,
            },
            "username": {"type": "string", "title": "User name", "description": "SFTP user name.", "order": 2},
            "credentials": {
                "type": "object",
                "title": "Authentication",
                "description": "How to authenticate.",
                "order": 3,
                "oneOf": [_PASSWORD, _PRIVATE_KEY],
            },
            "host_key": {
                "type": "string",
                "title": "Host key",
                "description": (
                    "The server's public host key as a known_hosts line (for example the output of ssh-keyscan: "
                    "'ssh-ed25519 AAAA...') or its SHA256 fingerprint ('SHA256:...'). When set, any other key is "
                    "refused. When empty, the connector logs a warning with the fingerprint the server presented."
                ),
                "order": 4,
            },
            "folder": {
                "type": "string",
                "title": "Inbound folder",
                "description": (
                    "Stampli's import folder. One CSV file per stream and sync lands here (vendors_<UTC time>_<id>.csv, "
                    "...), uploaded under a temporary hidden name and renamed when complete."
                ),
                "default": DEFAULT_FOLDER,
                "order": 5,
            },
            "stampli_export_folder": {
                "type": "string",
                "title": "Stampli export folder (echo suppression)",
                "description": (
                    "Where Stampli drops its exports (source-stampli-sftp's folder). Rows whose content Stampli's "
                    "latest vendor / G/L account export already holds are not sent back. Empty: compare only with "
                    "what this destination sent before."
                ),
                "default": DEFAULT_EXPORT_FOLDER,
                "order": 6,
            },
            "stampli_export_patterns": {
                "type": "object",
                "title": "Stampli export file patterns (optional)",
                "description": (
                    'Stream name -> glob of its export files, e.g. {"vendors": "*supplier*"}; \'|\' separates '
                    "alternatives. Defaults are source-stampli-sftp's."
                ),
                "additionalProperties": {"type": "string"},
                "propertyNames": {"enum": list(ACCEPTED_STREAMS)},
                "order": 7,
            },
            "vendor_number_mapping": {
                "type": "object",
                "title": "Vendor number mapping (optional)",
                "description": (
                    "The forward connection's vendor_number_mapping (Stampli vendor id -> NAV vendor number), copied "
                    "here: NAV vendors it maps are written under their Stampli vendor id."
                ),
                "additionalProperties": {"type": "string"},
                "order": 9,
            },
            "gl_account_mapping": {
                "type": "object",
                "title": "G/L account mapping (optional)",
                "description": (
                    "The forward connection's gl_account_mapping (Stampli G/L code -> NAV account number), copied "
                    "here: NAV accounts it maps are written under their Stampli code."
                ),
                "additionalProperties": {"type": "string"},
                "order": 10,
            },
            "manifest_folder": {
                "type": "string",
                "title": "Manifest folder (optional)",
                "description": (
                    "Where the record of what was sent is kept on the SFTP server. Default: a hidden "
                    f"'{MANIFEST_SUBFOLDER}' folder inside the inbound folder."
                ),
                "order": 8,
            },
        },
    }


def spec() -> dict[str, Any]:
    return {
        "documentationUrl": DOCUMENTATION_URL,
        "connectionSpecification": connection_specification(),
        "supportsIncremental": True,
        "supported_destination_sync_modes": ["append", "append_dedup"],
    }
