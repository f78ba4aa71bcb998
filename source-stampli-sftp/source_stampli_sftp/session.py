"""One SFTP connection per run, shared by the streams, reopened when the server drops it."""

from __future__ import annotations

import logging

from stampli_files.sftp import SftpConnection, SftpSettings, open_sftp


class SftpSession:
    def __init__(self, settings: SftpSettings, logger: logging.Logger) -> None:
        self._settings = settings
        self._logger = logger
        self._connection: SftpConnection | None = None

    def connection(self) -> SftpConnection:
        if self._connection is not None and not self._connection.is_active:
            self._logger.info("SFTP connection lost; reconnecting")
            self.close()
        if self._connection is None:
            self._connection = open_sftp(self._settings)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None
