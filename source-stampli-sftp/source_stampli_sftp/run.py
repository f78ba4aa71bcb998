"""Console script `source-stampli-sftp`: spec, check, discover, read (Airbyte protocol via the CDK entrypoint)."""

from __future__ import annotations

import sys

from airbyte_cdk.entrypoint import launch

from source_stampli_sftp.source import SourceStampliSftp


def run() -> None:
    launch(SourceStampliSftp(), sys.argv[1:])
