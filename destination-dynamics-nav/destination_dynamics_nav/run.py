"""Console entry point `destination-dynamics-nav` (spec | check --config | write --config --catalog)."""

from __future__ import annotations

import sys

from destination_dynamics_nav.destination import DestinationDynamicsNav
from destination_dynamics_nav.spec import connection_specification
from stampli_nav_rules.spec_errors import spec_gate


def run() -> None:
    # The CDK's own spec check words failures with the input (secrets included): answer first, safely.
    exit_code = spec_gate(sys.argv[1:], connection_specification)
    if exit_code is not None:
        raise SystemExit(exit_code)
    DestinationDynamicsNav().run(sys.argv[1:])
