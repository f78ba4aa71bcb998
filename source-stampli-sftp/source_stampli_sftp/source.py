"""SourceStampliSftp: the Airbyte source (spec, check, discover, read) over the stampli_files library."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, ConnectorSpecification, FailureType
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError

from source_stampli_sftp.session import SftpSession
from source_stampli_sftp.spec import (
    DOCUMENTATION_URL,
    SourceStampliSftpConfig,
    config_problems,
    connection_specification,
)
from source_stampli_sftp.streams import StampliStream
from stampli_files.declarations import STREAMS
from stampli_files.listing import files_for_stream, list_folder
from stampli_files.sftp import SftpError, open_sftp


def parse_config(config: Mapping[str, Any]) -> SourceStampliSftpConfig:
    """The validated config; errors name fields and problems, never the values (they may be secrets)."""
    try:
        return SourceStampliSftpConfig.model_validate(dict(config))
    except ValidationError as exc:
        raise AirbyteTracedException(
            message=f"Invalid configuration: {config_problems(exc)}", failure_type=FailureType.config_error
        ) from None


class SourceStampliSftp(AbstractSource):
    def __init__(self) -> None:
        super().__init__()
        self._sessions: list[SftpSession] = []

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            documentationUrl=DOCUMENTATION_URL,
            connectionSpecification=connection_specification(),
            supportsIncremental=True,
        )

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        """Proves reachability, host key, authentication and that the folder exists and can be listed."""
        try:
            settings = parse_config(config)
        except AirbyteTracedException as exc:
            return False, exc.message
        try:
            with open_sftp(settings) as connection:
                if not connection.is_dir(settings.folder):
                    return False, f"SFTP folder {settings.folder} does not exist or is not a folder"
                listing = list_folder(connection, settings.folder, settings.start_date)
        except SftpError as exc:
            return False, str(exc)
        except PermissionError:
            return False, f"SFTP user {settings.username} may not list {settings.folder}"
        globs = {name: settings.globs_for(name) for name in STREAMS}
        counts = ", ".join(f"{name}: {len(files_for_stream(listing.files, name, globs))}" for name in STREAMS)
        logger.info(f"Connected to {settings.host}:{settings.port}; files in {settings.folder} per stream: {counts}")
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        settings = parse_config(config)
        session = SftpSession(settings, logging.getLogger("airbyte"))
        self._sessions.append(session)
        log = logging.getLogger("airbyte")
        return [StampliStream(declaration, settings, session, log) for declaration in STREAMS.values()]

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[Any] | None = None,
    ) -> Iterator[AirbyteMessage]:
        try:
            yield from super().read(logger, config, catalog, state)
        finally:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
