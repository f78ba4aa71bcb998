"""destination-stampli-sftp."""
