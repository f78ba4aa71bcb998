"""One SFTP connection per run, shared by the streams, reopened when the server drops it; and what the run already
told its user about the folder (every stream lists the same folder and may open the same archive)."""

from __future__ import annotations

import logging

from stampli_files.sftp import SftpConnection, SftpSettings, open_sftp


class SftpSession:
    def __init__(self, settings: SftpSettings, logger: logging.Logger) -> None:
        self._settings = settings
        self._logger = logger
        self._connection: SftpConnection | None = None
        self._told: set[tuple[str, ...]] = set()

    def first_time(self, *notice: str) -> bool:
        """True the first time this run asks about `notice` (e.g. ("unsafe_zip_member", url)): said once per sync,
        not once per stream."""
        if notice in self._told:
            return False
        self._told.add(notice)
        return True

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
