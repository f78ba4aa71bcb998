"""Older Business Central releases: journals.templateDisplayName exists from BC 19 only (APIV2Journals.Page.al,
0c64dd52d), so on BC 18 check and write must not select or filter it; enum values arrive encoded on every
release."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from airbyte_cdk.models import Status

from bc_emulator.server import EmulatorServer
from bc_emulator.settings import EmulatorSettings
from destination_dynamics_nav.destination import DestinationDynamicsNav

LOGGER = __import__("logging").getLogger("airbyte")


@pytest.fixture(params=["18", "21"])
def emulator(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings(bc_version=request.param)) as server:
        yield server


def test_check_and_write_on_older_releases(nav, build, emulator: EmulatorServer) -> None:
    status = DestinationDynamicsNav().check(LOGGER, nav.config())
    assert status.status == Status.SUCCEEDED, status.message
    assert f"Business Central {emulator.settings.bc_version}." in status.message
    out = nav.write([build.record("invoices", build.one_line("INV-V-1")), build.state(1)])
    assert out.actions()["INV-V-1"] == ["posted"], out.text()
    rerun = nav.write([build.record("invoices", build.one_line("INV-V-1")), build.state(2)])
    assert rerun.actions()["INV-V-1"] == ["skipped_duplicate"], rerun.text()


def test_journal_template_needs_bc19(nav, emulator: EmulatorServer) -> None:
    status = DestinationDynamicsNav().check(LOGGER, nav.config(journal_template="GENERAL"))
    if emulator.settings.bc_version == "18":
        assert status.status == Status.FAILED
        assert "journal_template GENERAL cannot be used with Business Central 18." in status.message
    else:  # BC 19+: the template filter is sent; the batch just does not exist in that template yet
        assert "journal batch STAMPLI does not exist in journal template GENERAL" in status.message
