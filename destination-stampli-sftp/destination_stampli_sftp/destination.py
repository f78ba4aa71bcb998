"""DestinationStampliSftp: NAV reference data (vendors, G/L accounts, dimensions) as Stampli import files."""

from __future__ import annotations

import argparse
import contextlib
import logging
import posixpath
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import paramiko
from airbyte_cdk.destinations import Destination
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    FailureType,
    Status,
    Type,
)
from airbyte_cdk.models.airbyte_protocol_serializers import ConnectorSpecificationSerializer
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_stampli_sftp.audit import AuditTrail
from destination_stampli_sftp.catalog_policy import CatalogRefusedError, check_catalog
from destination_stampli_sftp.config import ConfigError, DestinationConfig, parse_config
from destination_stampli_sftp.import_sync import ImportSync
from destination_stampli_sftp.manifest import ensure_folder
from destination_stampli_sftp.spec import spec
from destination_stampli_sftp.stampli_exports import ExportFolderMissingError
from stampli_files.sftp import HostKeyMismatchError, SftpAuthError, SftpConnection, SftpError, open_sftp

logger = logging.getLogger("airbyte")


def _failure_type(error: Exception) -> FailureType:
    if isinstance(error, HostKeyMismatchError | SftpAuthError | ConfigError | CatalogRefusedError):
        return FailureType.config_error
    if isinstance(error, ExportFolderMissingError | PermissionError):
        return FailureType.config_error
    return FailureType.transient_error


class DestinationStampliSftp(Destination):
    def __init__(self) -> None:
        super().__init__()
        self._check_catalog_path: str | None = None

    # -- protocol -------------------------------------------------------------------------------------------
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecificationSerializer.load(spec())

    def parse_args(self, args: list[str]) -> argparse.Namespace:
        """The CDK's commands, plus an optional `--catalog` for `check`: with it, check also refuses a catalog
        holding financial streams (the protocol's check has no catalog; runners and people can pass one)."""
        catalog_path: str | None = None
        if args and args[0] == "check" and "--catalog" in args:
            index = args.index("--catalog")
            if index + 1 >= len(args):
                raise SystemExit("check --catalog needs a path")
            catalog_path = args[index + 1]
            args = args[:index] + args[index + 2 :]
        parsed = super().parse_args(args)
        parsed.catalog = catalog_path if parsed.command == "check" else getattr(parsed, "catalog", None)
        self._check_catalog_path = catalog_path
        return parsed

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        try:
            if self._check_catalog_path:
                with open(self._check_catalog_path, "rb") as catalog_file:
                    catalog = ConfiguredAirbyteCatalogSerializer.load(orjson.loads(catalog_file.read()))
                check_catalog(stream.stream.name for stream in catalog.streams)
            parsed = parse_config(config)
            message = self._check_server(parsed)
        except (CatalogRefusedError, ConfigError, SftpError, OSError, paramiko.SSHException) as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=str(error))
        logger.info(message)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED, message=message)

    def _check_server(self, parsed: DestinationConfig) -> str:
        settings = parsed.settings
        with open_sftp(parsed.sftp) as connection:
            if not connection.is_dir(settings.folder):
                raise FileNotFoundError(
                    f"the inbound folder {settings.folder} does not exist on the SFTP server (folder): set it to "
                    "Stampli's import folder"
                )
            if settings.stampli_export_folder and not connection.is_dir(settings.stampli_export_folder):
                raise ExportFolderMissingError(
                    f"Stampli's export folder {settings.stampli_export_folder} does not exist "
                    "(stampli_export_folder): set it to the folder Stampli exports to, or empty to compare with "
                    "nothing but the manifest"
                )
            self._probe_write(connection, settings.resolved_manifest_folder)
        return f"Connected; the inbound folder {settings.folder} and the manifest folder are writable"

    @staticmethod
    def _probe_write(connection: SftpConnection, folder: str) -> None:
        """Prove we may write (and rename) where the manifest lives, without putting anything in Stampli's way."""
        try:
            ensure_folder(connection, folder)
            probe = posixpath.join(folder, f".write-check-{secrets.token_hex(4)}")
            connection.upload_atomic(b"ok", probe)
            with contextlib.suppress(OSError):
                connection.sftp.remove(probe)
        except PermissionError:
            raise PermissionError(f"no permission to write in {folder} on the SFTP server") from None

    def write(
        self,
        config: Mapping[str, Any],
        configured_catalog: ConfiguredAirbyteCatalog,
        input_messages: Iterable[AirbyteMessage],
    ) -> Iterable[AirbyteMessage]:
        try:
            check_catalog(stream.stream.name for stream in configured_catalog.streams)
            parsed = parse_config(config)
        except (CatalogRefusedError, ConfigError) as error:
            raise AirbyteTracedException(message=str(error), failure_type=FailureType.config_error) from None

        audit = AuditTrail()
        sync = ImportSync(
            parsed.sftp,
            parsed.settings,
            [stream.stream.name for stream in configured_catalog.streams],
            audit=audit,
        )
        deferred_states: list[AirbyteMessage] = []
        records = 0
        for message in input_messages:
            if message.type == Type.RECORD and message.record is not None:
                records += 1
                event = sync.add(message.record.stream, message.record.data)
                if event is not None:
                    yield event
            elif message.type == Type.STATE:
                if sync.has_pending or deferred_states:
                    deferred_states.append(message)  # echoed once the files holding the records before it exist
                else:
                    yield message
        try:
            yield from sync.flush()
        except (SftpError, OSError, paramiko.SSHException, ExportFolderMissingError) as error:
            raise AirbyteTracedException(
                message=f"Writing the Stampli import files failed; no state was confirmed, the next sync sends the "
                f"same records again: {error}",
                internal_message=repr(error),
                failure_type=_failure_type(error),
            ) from None
        yield from deferred_states
        yield audit.summary(records=records)
