"""Console script `destination-stampli-sftp`: the Airbyte protocol commands spec, check, write."""

from __future__ import annotations

import sys

from destination_stampli_sftp.destination import DestinationStampliSftp
from destination_stampli_sftp.spec import connection_specification
from stampli_nav_rules.spec_errors import spec_gate


def run() -> None:
    # The CDK's own spec check words failures with the input (secrets included): answer first, safely.
    exit_code = spec_gate(sys.argv[1:], connection_specification)
    if exit_code is not None:
        raise SystemExit(exit_code)
    DestinationStampliSftp().run(sys.argv[1:])
