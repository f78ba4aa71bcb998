"""source-stampli-sftp."""
