"""One Airbyte stream per declaration: paged reads through the shared BC client, `$select` of the schema's
fields the tenant has, incremental cursors, decimal strings for money, enum values as plain captions (the
client decodes BC's member names such as "_x0020_")."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from decimal import Decimal
from typing import Any

from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.sources.streams import IncrementalMixin, Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from bc_client import (
    AuthenticationError,
    AuthorizationError,
    BCError,
    BusinessCentralClient,
    CompanyNotFoundError,
    ConfigurationError,
    ServiceUnavailableError,
    ThrottledError,
)
from source_dynamics_nav.cursors import EntryNumberCursor, InvalidStateError, ModifiedCursor, parse_timestamp
from source_dynamics_nav.declarations import CursorKind, StreamDeclaration
from source_dynamics_nav.enrichment import Enrichment, enricher_for

logger = logging.getLogger("airbyte")

CHECKPOINT_INTERVAL = 1000


def to_record(row: Mapping[str, Any], declaration: StreamDeclaration) -> dict[str, Any]:
    """BC's row as a record: the selected fields under BC's names, Decimals as plain decimal strings."""
    record: dict[str, Any] = {}
    decimals = declaration.decimal_fields
    for name in declaration.select:
        value = row.get(name)
        if name in decimals and isinstance(value, Decimal | int) and not isinstance(value, bool):
            value = format(Decimal(value), "f")  # BC writes 0 and 12.5 alike as JSON numbers
        record[name] = value
    return record


def traced(error: BCError, stream: str) -> AirbyteTracedException:
    """A BC error as an Airbyte error whose type tells the platform whether retrying can help."""
    if isinstance(error, AuthenticationError | AuthorizationError | CompanyNotFoundError | ConfigurationError):
        failure = FailureType.config_error
    elif isinstance(error, ThrottledError | ServiceUnavailableError):
        failure = FailureType.transient_error
    else:
        failure = FailureType.system_error
    return AirbyteTracedException(
        message=f"Reading {stream} from Business Central failed: {error.message}",
        internal_message=str(error),
        failure_type=failure,
    )


class CursorStream(Stream, IncrementalMixin):
    """A stream whose Airbyte state is its cursor's: API v2.0 entity sets and classic NAV pages alike."""

    state_checkpoint_interval = CHECKPOINT_INTERVAL
    _cursor: Any

    def _new_cursor(self, state: Mapping[str, Any] | None) -> Any:
        raise NotImplementedError

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._cursor.state()

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        try:
            self._cursor = self._new_cursor(value)
        except InvalidStateError as error:
            raise AirbyteTracedException(
                message=f"The saved state of stream {self.name} cannot be read: {error}. Reset the stream.",
                failure_type=FailureType.config_error,
            ) from None


class BusinessCentralStream(CursorStream):
    """A BC entity set read incrementally (or in full), page by page."""

    def __init__(
        self,
        declaration: StreamDeclaration,
        client: Callable[[], BusinessCentralClient],
        enrichment: Callable[[], Enrichment],
    ) -> None:
        self.declaration = declaration
        self._client = client
        self._enrichment = enrichment
        self._cursor: ModifiedCursor | EntryNumberCursor = self._new_cursor(None)

    # -- Airbyte stream description -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def primary_key(self) -> str:
        return self.declaration.primary_key

    @property
    def cursor_field(self) -> str:
        return self.declaration.cursor_field

    @property
    def source_defined_cursor(self) -> bool:
        return True

    def get_json_schema(self) -> Mapping[str, Any]:
        return self.declaration.json_schema()

    # -- state ----------------------------------------------------------------------------------------------
    def _new_cursor(self, state: Mapping[str, Any] | None) -> ModifiedCursor | EntryNumberCursor:
        if self.declaration.cursor is CursorKind.ENTRY_NUMBER:
            return EntryNumberCursor.from_state(state)
        return ModifiedCursor.from_state(state)

    # -- reading --------------------------------------------------------------------------------------------
    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        if sync_mode == SyncMode.full_refresh:
            self._cursor = self._new_cursor(None)  # everything, and a fresh cursor for later incremental reads
        cursor = self._cursor
        bc_filter = cursor.start_read()
        declaration = self.declaration
        enrich = enricher_for(declaration.name, self._enrichment()) if declaration.enriched else None
        emitted = skipped = 0
        logger.info(
            "Reading %s (%s) %s",
            declaration.name,
            declaration.entity_set,
            f"where {bc_filter}" if bc_filter else "in full",
        )
        try:
            bc = self._client()
            # Only the fields this tenant's release has ($metadata, read once per sync): a field added in a later
            # BC version (e.g. accounts.consolidation*, BC 23) comes out null instead of failing the stream.
            select = bc.select_existing(declaration.entity_set, declaration.select)
            missing = [name for name in declaration.select if name not in select]
            if missing:
                logger.info(
                    "%s: Business Central %s has no %s; emitted as null",
                    declaration.name,
                    bc.bc_version or "(version not reported)",
                    ", ".join(missing),
                )
            rows = bc.iter_entities(declaration.entity_set, select=select, filter=bc_filter, orderby=cursor.orderby)
            for row in rows:
                if not self._accept(cursor, row):
                    skipped += 1
                    continue
                record = to_record(row, declaration)
                if enrich is not None:
                    enrich(record)
                emitted += 1
                yield record
        except BCError as error:
            raise traced(error, declaration.name) from None
        cursor.finish()
        logger.info(
            "Read %d %s record(s)%s",
            emitted,
            declaration.name,
            f"; {skipped} already emitted by an earlier sync were skipped" if skipped else "",
        )

    def _accept(self, cursor: ModifiedCursor | EntryNumberCursor, row: Mapping[str, Any]) -> bool:
        if isinstance(cursor, EntryNumberCursor):
            number = row.get("entryNumber")
            return cursor.accept(int(number) if number is not None else None)
        try:
            modified = parse_timestamp(row.get("lastModifiedDateTime"))
        except ValueError:
            modified = None
            logger.warning("%s %s has an unreadable lastModifiedDateTime; emitted anyway", self.name, row.get("id"))
        return cursor.accept(str(row.get("id")), modified)

    def get_error_display_message(self, exception: BaseException) -> str | None:
        if isinstance(exception, BCError):
            return f"Reading {self.name} from Business Central failed: {exception.message}"
        return None
