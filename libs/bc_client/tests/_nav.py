"""Configs that point the NAV page client at the emulator's classic NAV 2018 mode (issue 13)."""

from __future__ import annotations

from typing import Any

from bc_client import BCConnectionConfig
from bc_emulator import EmulatorServer
from bc_emulator.settings import DEFAULT_NTLM_PASSWORD, DEFAULT_NTLM_USER

NTLM_USER = DEFAULT_NTLM_USER
NTLM_PASSWORD = DEFAULT_NTLM_PASSWORD


def nav_config(emu: EmulatorServer, auth_type: str = "basic", **deployment: Any) -> BCConnectionConfig:
    """deployment_type nav_web_services against the emulator, basic (user + web service key) or NTLM; `auth=`
    overrides credential fields, `company=` the company, other keywords go into the deployment block."""
    if auth_type == "ntlm":
        credentials: dict[str, Any] = {"auth_type": "ntlm", "username": NTLM_USER, "password": NTLM_PASSWORD}
    else:
        credentials = {
            "auth_type": "basic",
            "username": emu.basic_username,
            "web_service_access_key": emu.basic_access_key,
        }
    credentials.update(deployment.pop("auth", {}))
    company = deployment.pop("company", emu.company_name)
    raw = {
        "deployment": {
            "deployment_type": "nav_web_services",
            "server_url": emu.nav_server_url,
            "server_instance": emu.server_instance,
            "auth": credentials,
            **deployment,
        },
        "company": company,
        "ca_certificate": emu.ca_pem,
    }
    return BCConnectionConfig.model_validate(raw)
