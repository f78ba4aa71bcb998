"""diagnose_nav names what is wrong with a nav_web_services connection, and never shows a secret (issue 13)."""

from __future__ import annotations

import base64
import logging
import socket
import time
from collections.abc import Callable

import pytest
from spnego._ntlm_raw.crypto import ntowfv1

from bc_client.nav import diagnose_nav
from bc_emulator import EmulatorServer

from ._nav import NTLM_PASSWORD, NTLM_USER, nav_config

Factory = Callable[..., EmulatorServer]
SOURCE_ROLES = ("vendors", "gl_accounts", "dimensions", "dimension_values", "gl_entries")


def secrets_of(emu: EmulatorServer, *extra: str) -> list[str]:
    """Every form a credential could leak in: the values, the basic header, and the NTLM NT hash."""
    basic = base64.b64encode(f"{emu.basic_username}:{emu.basic_access_key}".encode()).decode()
    return [
        emu.basic_access_key,
        NTLM_PASSWORD,
        basic,
        ntowfv1(NTLM_PASSWORD).hex(),
        ntowfv1(NTLM_PASSWORD).hex().upper(),
        *extra,
    ]


def assert_clean(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a secret leaked into: {text[:200]}"


@pytest.fixture
def nav_emu(bc_emulator_factory: Factory) -> EmulatorServer:
    return bc_emulator_factory(bc_version="nav2018", tls=True)


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_a_healthy_connection_has_no_problems(nav_emu: EmulatorServer, auth: str) -> None:
    assert diagnose_nav(nav_config(nav_emu, auth), roles=SOURCE_ROLES) == []


def test_a_closed_port_names_the_odata_port_at_once(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = nav_config_for_url(f"http://127.0.0.1:{port}")
    started = time.monotonic()
    problems = diagnose_nav(config, roles=SOURCE_ROLES)
    assert time.monotonic() - started < 3.0  # a refused connection is not retried while a person waits
    assert len(problems) == 1
    assert "cannot reach the NAV server" in problems[0] and "7048" in problems[0]
    assert "Enable OData V4 Services" in problems[0]


def nav_config_for_url(url: str):  # type: ignore[no-untyped-def]
    from bc_client import BCConnectionConfig

    return BCConnectionConfig.model_validate(
        {
            "deployment": {
                "deployment_type": "nav_web_services",
                "server_url": url,
                "auth": {"auth_type": "ntlm", "username": NTLM_USER, "password": NTLM_PASSWORD},
            },
            "company": "CRONUS",
        }
    )


def test_a_wrong_server_instance_is_named(nav_emu: EmulatorServer) -> None:
    problems = diagnose_nav(nav_config(nav_emu, server_instance="DynamicsNAV100"), roles=SOURCE_ROLES)
    assert len(problems) == 1
    assert "either server instance 'DynamicsNAV100' does not exist" in problems[0] and "server_instance" in problems[0]
    assert "ODataServicesV4EndpointEnabled" in problems[0]


def test_an_unknown_company_lists_the_companies(nav_emu: EmulatorServer) -> None:
    problems = diagnose_nav(nav_config(nav_emu, company="No Such Company"), roles=SOURCE_ROLES)
    assert len(problems) == 1
    assert problems[0].startswith("company 'No Such Company' not found. Available companies: ")
    assert repr(nav_emu.company_name) in problems[0]


def test_unpublished_services_are_listed_with_the_page_to_publish(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(
        bc_version="nav2018", nav_published_services={"Vendor_Card": "vendors", "Dimensions": "dimensions"}
    )
    problems = diagnose_nav(nav_config(emu), roles=SOURCE_ROLES)
    assert len(problems) == 3
    joined = " ".join(problems)
    for service, page in (
        ("Chart_of_Accounts", "page 16"),
        ("Dimension_Values", "page 537"),
        ("General_Ledger_Entries", "page 20"),
    ):
        assert f"service {service!r}" in joined and page in joined
    assert "published services: Vendor_Card, Dimensions" in problems[0]


def test_a_renamed_service_is_found_under_its_name(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_published_services={"STAMPLI_Vendors": "vendors"})
    config = nav_config(emu, services={"vendors": "STAMPLI_Vendors"})
    assert diagnose_nav(config, roles=["vendors"]) == []


def test_ntlm_refused_names_the_windows_user(nav_emu: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = nav_config(nav_emu, "ntlm", auth={"password": "Wrong-Passw0rd-123"})
    problems = diagnose_nav(config, roles=SOURCE_ROLES)
    assert len(problems) == 1 and "NTLM (Windows) authentication refused" in problems[0]
    assert "CRONUS\\\\stampli" in problems[0] or "CRONUS\\stampli" in problems[0]
    assert_clean(
        [*problems, caplog.text], secrets_of(nav_emu, "Wrong-Passw0rd-123", ntowfv1("Wrong-Passw0rd-123").hex())
    )


def test_basic_against_a_windows_only_server_says_use_ntlm(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_auth="ntlm")
    problems = diagnose_nav(nav_config(emu, "basic"), roles=SOURCE_ROLES)
    assert len(problems) == 1 and "uses Windows authentication" in problems[0] and "auth_type ntlm" in problems[0]
    assert_clean(problems, secrets_of(emu))


def test_ntlm_against_a_navuserpassword_server_says_use_basic(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_auth="basic")
    problems = diagnose_nav(nav_config(emu, "ntlm"), roles=SOURCE_ROLES)
    assert len(problems) == 1 and "does not offer Windows authentication" in problems[0]
    assert "auth_type basic" in problems[0]


def test_a_wrong_basic_key_is_refused_without_echoing_it(
    nav_emu: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = nav_config(nav_emu, "basic", auth={"web_service_access_key": "Not-The-Key-98765"})
    problems = diagnose_nav(config, roles=SOURCE_ROLES)
    assert len(problems) == 1 and "basic authentication refused" in problems[0]
    assert_clean([*problems, caplog.text], [*secrets_of(nav_emu), "Not-The-Key-98765"])


def test_odata_services_turned_off_name_the_setting(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_odata_enabled=False)
    problems = diagnose_nav(nav_config(emu, "ntlm"), roles=SOURCE_ROLES)
    assert len(problems) == 1
    assert "answered 405" in problems[0] and "Enable OData V4 Services" in problems[0] and "7048" in problems[0]


def test_odata_v4_off_on_an_existing_instance_is_told_from_a_wrong_instance(bc_emulator_factory: Factory) -> None:
    emu = bc_emulator_factory(bc_version="nav2018", nav_odata_v4_enabled=False)
    problems = diagnose_nav(nav_config(emu, "ntlm"), roles=SOURCE_ROLES)
    assert len(problems) == 1
    assert f"server instance {emu.server_instance!r} exists but its OData V4 endpoint is off" in problems[0]
    assert "ODataServicesV4EndpointEnabled" in problems[0]
