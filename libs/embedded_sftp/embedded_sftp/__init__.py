"""An in-process SFTP server (asyncssh, background thread) for tests and the demo."""

from embedded_sftp.keys import ClientKeyPair, generate_client_key_pair
from embedded_sftp.server import EmbeddedSftpServer

__all__ = ["ClientKeyPair", "EmbeddedSftpServer", "generate_client_key_pair"]
