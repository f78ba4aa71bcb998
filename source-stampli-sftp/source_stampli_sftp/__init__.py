"""source-stampli-sftp: incremental, deduplicating Airbyte source for Stampli CSV/XML exports over SFTP."""

from source_stampli_sftp.source import SourceStampliSftp

__all__ = ["SourceStampliSftp"]
