"""Console script `source-stampli-sftp`: spec, check, discover through the Airbyte CDK entrypoint; read through
fast_read, which writes the same protocol messages without loading the CDK (its import alone costs ~2.8 s of CPU).

SOURCE_STAMPLI_SFTP_CDK_READ=1 sends `read` through the CDK entrypoint too (a fallback, and for comparisons).
"""

from __future__ import annotations

import os
import sys


def run() -> None:
    args = sys.argv[1:]
    if args[:1] == ["read"] and os.environ.get("SOURCE_STAMPLI_SFTP_CDK_READ") != "1":
        from source_stampli_sftp.fast_read import main

        raise SystemExit(main(args[1:]))
    # The CDK's own spec check words failures with the input (secrets included): answer first, safely (fast_read
    # validates with the model and the same secret-safe wording).
    from source_stampli_sftp.spec import connection_specification
    from stampli_nav_rules.spec_errors import spec_gate

    exit_code = spec_gate(args, connection_specification)
    if exit_code is not None:
        raise SystemExit(exit_code)
    from airbyte_cdk.entrypoint import launch

    from source_stampli_sftp.source import SourceStampliSftp

    launch(SourceStampliSftp(), args)
