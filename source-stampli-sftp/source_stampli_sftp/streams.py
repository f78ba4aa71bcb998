"""One Airbyte stream per Stampli export kind, over the CDK: a slice per file, records newer than what was emitted.

The reading itself is reading.StreamReader (shared with the fast `read` path). Checkpointing (CDK
`CheckpointMixin`): the CDK reads `state` after each slice (file) and every `state_checkpoint_interval` records;
StreamReader keeps the state from ever covering a record not yet emitted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.models import AirbyteMessage, AirbyteRecordMessage, FailureType, SyncMode, Type
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_stampli_sftp.reading import SourceError, StreamReader
from source_stampli_sftp.session import SftpSession
from source_stampli_sftp.spec import SourceStampliSftpConfig
from source_stampli_sftp.state import StreamState
from stampli_files.declarations import CURSOR_FIELD, StreamDeclaration, json_schema
from stampli_files.sftp import SftpError

CHECKPOINT_EVERY_RECORDS = 10_000


def as_traced(error: SourceError) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=error.message, internal_message=error.message, failure_type=FailureType(error.failure_type)
    )


class StampliStream(Stream, CheckpointMixin):
    def __init__(
        self,
        declaration: StreamDeclaration,
        config: SourceStampliSftpConfig,
        session: SftpSession,
        logger: logging.Logger,
    ) -> None:
        self.declaration = declaration
        self.config = config
        self.session = session
        self.reader = StreamReader(declaration, config, session, logger)
        self._schema = json_schema(declaration)  # the CDK asks for it once per record

    # -- identity -------------------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def primary_key(self) -> str:
        return self.declaration.key

    @property
    def cursor_field(self) -> str:
        return CURSOR_FIELD

    @property
    def state_checkpoint_interval(self) -> int:
        return CHECKPOINT_EVERY_RECORDS

    def get_json_schema(self) -> Mapping[str, Any]:
        return self._schema

    # -- state ----------------------------------------------------------------------------------------------------

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.reader.state.to_mapping()

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self.reader.state = StreamState.from_mapping(value)

    # -- slices and records ---------------------------------------------------------------------------------------

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | None]:
        try:
            yield from self.reader.slices(full_refresh=sync_mode == SyncMode.full_refresh)
        except SourceError as exc:
            raise as_traced(exc) from None

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
        name = self.name
        try:
            for record in self.reader.read_slice(stream_slice):
                # A ready AirbyteMessage skips the CDK's per-record dict copy and schema transform (a no-op here).
                yield AirbyteMessage(
                    type=Type.RECORD,
                    record=AirbyteRecordMessage(stream=name, data=record, emitted_at=time.time_ns() // 1_000_000),
                )
        except SourceError as exc:
            raise as_traced(exc) from None

    def get_error_display_message(self, exception: BaseException) -> str | None:
        if isinstance(exception, SftpError):
            return str(exception)
        return None
