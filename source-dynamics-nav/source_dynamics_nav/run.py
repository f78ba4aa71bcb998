"""Console script `source-dynamics-nav`: the Airbyte protocol commands spec, check, discover, read."""

from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import launch

from source_dynamics_nav.source import SourceDynamicsNav


def run() -> None:
    launch(SourceDynamicsNav(), sys.argv[1:])
