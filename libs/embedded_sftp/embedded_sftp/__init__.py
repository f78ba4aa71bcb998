"""embedded-sftp."""
