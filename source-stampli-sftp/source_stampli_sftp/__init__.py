"""source-stampli-sftp: incremental, ordered Airbyte source for Stampli CSV/XML exports over SFTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from source_stampli_sftp.source import SourceStampliSftp

__all__ = ["SourceStampliSftp"]


def __getattr__(name: str) -> Any:
    # Lazy: `read` (fast_read) must be able to import this package without loading the Airbyte CDK.
    if name == "SourceStampliSftp":
        from source_stampli_sftp.source import SourceStampliSftp

        return SourceStampliSftp
    raise AttributeError(name)
