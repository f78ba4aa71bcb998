"""Hostile config shapes against all four connectors, run as real processes (`python -m <package> ...`).

Whatever the shape — an auth block of a type the connector does not know, a non-object where a block goes, a
password under a key the connector does not read, a secret in a URL or a mapping key, nested lists — the answer
names the field and the reason and never prints the secret: not in the Airbyte messages, not on stderr. Both
checks are covered: the spec (JSON Schema) check that runs before the connector, and the connector's own model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SECRET = "Hunter2-Very-Secret-7f3a"

NAV_ON_PREMISES = {"deployment_type": "on_premises", "server_url": "http://127.0.0.1:9"}
NAV_CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "auth of an unknown type",
        {"deployment": {**NAV_ON_PREMISES, "auth": {"auth_type": "ntlm", "username": "u", "password": SECRET}}},
        "deployment.auth: unknown auth_type value; expected one of 'basic', 'oauth2'",
    ),
    ("auth not an object", {"deployment": {**NAV_ON_PREMISES, "auth": SECRET}}, "deployment.auth: must be an object"),
    (
        "password under a key the connector does not read",
        {"deployment": {**NAV_ON_PREMISES, "auth": {"auth_type": "basic", "username": "u", "password": SECRET}}},
        "deployment.auth: web_service_access_key is required",
    ),
    (
        "password inside a URL (passes the spec, fails the model)",
        {
            "deployment": {
                **NAV_ON_PREMISES,
                "auth": {"auth_type": "basic", "username": "u", "web_service_access_key": "k"},
            },
            "api_base_url": f"https://u:{SECRET}@nav.example.com/BC/api/v2.0?tenant=x",
        },
        "api_base_url: api_base_url must not contain a query string or fragment",
    ),
    (
        "secret in nested lists",
        {"deployment": {**NAV_ON_PREMISES, "auth": {"auth_type": "oauth2", "token_url": [[SECRET]]}}},
        "deployment.auth.token_url: must be a string",
    ),
]

SFTP_CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "credentials of an unknown kind",
        {"credentials": {"auth_method": "keyboard-interactive", "password": SECRET}},
        "credentials: unknown auth_method value; expected one of 'password', 'private_key'",
    ),
    ("credentials not an object", {"credentials": SECRET}, "credentials: must be an object"),
    (
        "password under a key this kind does not read",
        {"credentials": {"auth_method": "private_key", "password": SECRET}},
        "credentials: private_key is required",
    ),
    (
        "secret pasted as the host key (passes the spec, fails the model)",
        {"credentials": {"auth_method": "password", "password": SECRET}, "host_key": SECRET},
        "host_key: ",
    ),
    (
        "secret in nested lists and as a mapping key",
        {
            "credentials": {"auth_method": "password", "password": SECRET},
            "port": [[SECRET]],
            "file_patterns": {SECRET: [SECRET]},
        },
        "port: must be an integer",
    ),
]

CONNECTORS = {
    "destination_dynamics_nav": ({"company": "CRONUS"}, NAV_CASES),
    "source_dynamics_nav": ({"company": "CRONUS"}, NAV_CASES),
    "source_stampli_sftp": ({"host": "127.0.0.1", "port": 9, "username": "stampli"}, SFTP_CASES),
    "destination_stampli_sftp": ({"host": "127.0.0.1", "port": 9, "username": "stampli"}, SFTP_CASES),
}
CHECKS = [
    pytest.param(package, {**base, **shape}, expected, id=f"{package}-{name}")
    for package, (base, cases) in CONNECTORS.items()
    for name, shape, expected in cases
]


def _run(package: str, args: list[str], config: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    command = [sys.executable, "-m", package, args[0], "--config", str(config_path), *args[1:]]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def _messages(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(("package", "config", "expected"), CHECKS)
def test_check_names_the_field_and_never_prints_the_secret(
    package: str, config: dict[str, Any], expected: str, tmp_path: Path
) -> None:
    result = _run(package, ["check"], config, tmp_path)
    assert SECRET not in result.stdout and SECRET not in result.stderr
    statuses = [m["connectionStatus"] for m in _messages(result.stdout) if m.get("type") == "CONNECTION_STATUS"]
    assert len(statuses) == 1 and statuses[0]["status"] == "FAILED", result.stdout + result.stderr
    assert expected in statuses[0]["message"]


@pytest.mark.parametrize(
    ("package", "command"),
    [
        ("destination_dynamics_nav", "write"),
        ("source_dynamics_nav", "discover"),
        ("source_stampli_sftp", "read"),
        ("destination_stampli_sftp", "write"),
    ],
)
def test_other_commands_refuse_a_hostile_config_without_printing_the_secret(
    package: str, command: str, tmp_path: Path
) -> None:
    base, cases = CONNECTORS[package]
    _, shape, expected = cases[0]  # the auth block of a type the connector does not know
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"streams": []}), encoding="utf-8")
    args = [command] if command == "discover" else [command, "--catalog", str(catalog)]
    result = _run(package, args, {**base, **shape}, tmp_path)
    assert SECRET not in result.stdout and SECRET not in result.stderr
    errors = [m["trace"]["error"] for m in _messages(result.stdout) if m.get("type") == "TRACE"]
    assert result.returncode != 0 and errors, result.stdout + result.stderr
    assert errors[0]["failure_type"] == "config_error" and expected in errors[0]["message"]
