"""Console script `destination-stampli-sftp`: the Airbyte protocol commands spec, check, write."""

from __future__ import annotations

import sys

from destination_stampli_sftp.destination import DestinationStampliSftp


def run() -> None:
    DestinationStampliSftp().run(sys.argv[1:])
