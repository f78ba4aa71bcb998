"""The two vendor lists: Stampli's latest vendor export (through the connection's own source connector, so SFTP
settings, host-key pinning and export formats are the ones the syncs use) and NAV's vendors (through bc_client)."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping
from typing import Any

from bc_client import BCConnectionConfig, BusinessCentralClient
from stampli_nav_runner.airbyte_messages import RECORD, TRACE, parse_line, trace_error_message
from stampli_nav_runner.connection import Connection
from stampli_nav_runner.connector_process import PrivateFiles, connector_environment, resolve_executable
from stampli_nav_runner.discovery import ConnectorCommandError
from stampli_nav_runner.masking import SecretMasker

READ_TIMEOUT_SECONDS = 600.0
NAV_VENDOR_FIELDS = [
    "number",
    "displayName",
    "city",
    "postalCode",
    "country",
    "email",
    "phoneNumber",
    "taxRegistrationNumber",
]


def _vendors_catalog() -> dict[str, Any]:
    # A full refresh of the vendors stream only: every vendor export, later files overriding earlier rows.
    return {
        "streams": [
            {
                "stream": {
                    "name": "vendors",
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh", "incremental"],
                },
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
        ]
    }


def read_stampli_vendors(
    connection: Connection, resolved_config: Mapping[str, Any], masker: SecretMasker
) -> list[dict[str, Any]]:
    """Every Stampli vendor (the last record per vendor id wins: the latest export)."""
    argv = resolve_executable(connection.source.command)
    with PrivateFiles() as private:
        config_path = private.write_json("config.json", dict(resolved_config))
        catalog_path = private.write_json("catalog.json", _vendors_catalog())
        try:
            completed = subprocess.run(
                [*argv, "read", "--config", str(config_path), "--catalog", str(catalog_path)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=connector_environment(connection.source.env),
                timeout=READ_TIMEOUT_SECONDS,
                check=False,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConnectorCommandError(
                f"reading Stampli's vendors took longer than {READ_TIMEOUT_SECONDS:.0f}s"
            ) from exc
    vendors: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for line in completed.stdout.splitlines():
        message = parse_line(line)
        if message is None:
            continue
        if message["type"] == RECORD and message.get("record", {}).get("stream") == "vendors":
            data = message["record"].get("data") or {}
            if data.get("vendor_id"):
                vendors[str(data["vendor_id"])] = data
        elif message["type"] == TRACE and (error := trace_error_message(message)):
            errors.append(masker.mask(error))
    if completed.returncode != 0 or errors:
        raise ConnectorCommandError(
            "reading Stampli's vendors failed: " + ("; ".join(errors) or f"exit code {completed.returncode}")
        )
    return list(vendors.values())


def read_nav_vendors(resolved_destination_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    config = BCConnectionConfig.model_validate(dict(resolved_destination_config))
    client_logger = logging.getLogger("bc_client")
    previous = client_logger.level
    client_logger.setLevel(logging.ERROR)  # the sync logs already say which CA is trusted; keep the terminal clean
    try:
        with BusinessCentralClient(config, timeout=60.0) as bc:
            return list(bc.iter_entities("vendors", select=NAV_VENDOR_FIELDS))
    finally:
        client_logger.setLevel(previous)
