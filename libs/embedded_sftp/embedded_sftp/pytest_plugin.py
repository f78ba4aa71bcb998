"""pytest fixtures for the embedded SFTP server (filled in with the server)."""
