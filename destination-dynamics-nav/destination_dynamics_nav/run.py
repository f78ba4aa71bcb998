"""Console entry point `destination-dynamics-nav` (spec | check --config | write --config --catalog)."""

from __future__ import annotations

import sys

from destination_dynamics_nav.destination import DestinationDynamicsNav


def run() -> None:
    DestinationDynamicsNav().run(sys.argv[1:])
