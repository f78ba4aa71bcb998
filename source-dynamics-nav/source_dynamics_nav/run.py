"""Console script `source-dynamics-nav`: the Airbyte protocol commands spec, check, discover, read."""

from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import launch

from source_dynamics_nav.source import SourceDynamicsNav
from source_dynamics_nav.spec import connection_specification
from stampli_nav_rules.spec_errors import spec_gate


def run() -> None:
    # The CDK's own spec check words failures with the input (secrets included): answer first, safely.
    exit_code = spec_gate(sys.argv[1:], connection_specification)
    if exit_code is not None:
        raise SystemExit(exit_code)
    launch(SourceDynamicsNav(), sys.argv[1:])
