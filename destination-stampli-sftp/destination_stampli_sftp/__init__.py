"""destination-stampli-sftp: NAV vendors, G/L accounts and dimensions as Stampli import files on SFTP, written
atomically, never echoing back what Stampli already has, never financial entries."""

from destination_stampli_sftp.destination import DestinationStampliSftp

__all__ = ["DestinationStampliSftp"]
