"""One `write`: collect the rows of each stream, then — at the end of the input — decide which Stampli does not
have yet, write one import file per stream atomically, and record what was sent.

Order of durable steps per stream, chosen so that a crash anywhere loses nothing:
1. the import file is uploaded under a temporary name, its size verified, then renamed into the inbound folder;
2. the manifest (what was sent) is replaced;
3. only after every stream's file is in place does `write` echo the STATE messages it received.
A crash before 1 completes sends nothing and echoes no state: the next sync reads the same records again. A crash
between 1 and 2 means the rows are sent once more next time (the import is an idempotent upsert in Stampli).
"""

from __future__ import annotations

import logging
import posixpath
import secrets
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from airbyte_cdk.models import AirbyteMessage

from destination_stampli_sftp.audit import AuditTrail
from destination_stampli_sftp.config import DestinationSettings
from destination_stampli_sftp.csv_file import import_file_name, render_csv
from destination_stampli_sftp.echo import Decision, SentRow, decide
from destination_stampli_sftp.import_formats import FORMATS, STRUCTURED_FIELDS, Cells, ImportFormat, RowError
from destination_stampli_sftp.manifest import load_manifest, save_manifest
from destination_stampli_sftp.purchase_formats import PURCHASE_FORMATS
from destination_stampli_sftp.stampli_exports import read_current_rows
from stampli_files.sftp import SftpConnection, SftpSettings, open_sftp
from stampli_nav_events.record_fields import RecordFields

logger = logging.getLogger("airbyte")

# Reference data plus NAV's purchase orders and receipts (issue 15: commitments, not ledger entries).
ALL_FORMATS: dict[str, ImportFormat] = {**FORMATS, **PURCHASE_FORMATS}
# Document streams name their vendor in a "Vendor ID" column that goes back under Stampli's vendor id too.
VENDOR_COLUMN_STREAMS = frozenset(PURCHASE_FORMATS)


@dataclass
class _Pending:
    fmt: ImportFormat
    rows: dict[str, tuple[str, Cells]] = field(default_factory=dict)  # key -> (display key, cells); last wins


@dataclass(frozen=True)
class _KeyMapping:
    """A forward mapping (Stampli code -> NAV number) of one stream, applied backwards to its key column."""

    column: str
    what: str
    setting: str
    to_stampli: dict[str, str]  # case-folded NAV number -> Stampli code
    to_nav: dict[str, str]  # case-folded Stampli code -> NAV number

    @classmethod
    def of(cls, column: str, what: str, setting: str, forward: Mapping[str, str]) -> _KeyMapping:
        return cls(
            column=column,
            what=what,
            setting=setting,
            to_stampli={nav.casefold(): stampli for stampli, nav in forward.items()},
            to_nav={stampli.casefold(): nav for stampli, nav in forward.items()},
        )


@dataclass(frozen=True)
class WrittenFile:
    stream: str
    path: str
    rows: int
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"stream": self.stream, "path": self.path, "rows": self.rows, "bytes": self.size}


class ImportSync:
    def __init__(
        self,
        sftp: SftpSettings,
        settings: DestinationSettings,
        streams: Collection[str],
        *,
        audit: AuditTrail | None = None,
        connect: Callable[[SftpSettings], SftpConnection] = open_sftp,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sftp = sftp
        self.settings = settings
        self.streams = frozenset(streams)
        self.audit = audit or AuditTrail()
        self._connect = connect
        self._clock = clock
        self._pending: dict[str, _Pending] = {}
        self.written: list[WrittenFile] = []
        # NAV number -> the Stampli code it goes back under, per stream, with the mapping's name for messages.
        self._key_mappings = {
            "vendors": _KeyMapping.of("Vendor ID", "vendor", "vendor_number_mapping", settings.vendor_number_mapping),
            "gl_accounts": _KeyMapping.of(
                "Account Number", "G/L account", "gl_account_mapping", settings.gl_account_mapping
            ),
        }

    @property
    def has_pending(self) -> bool:
        return any(p.rows for p in self._pending.values())

    def add(self, stream: str, data: Mapping[str, Any]) -> AirbyteMessage | None:
        """Take one record; returns an audit message when it is rejected or ignored at once."""
        if stream not in self.streams or stream not in ALL_FORMATS:
            return self.audit.event(
                stream=stream,
                key=None,
                action="ignored",
                reason=f"not_in_catalog: stream {stream} is not configured for this destination",
            )
        fmt = ALL_FORMATS[stream]
        data = RecordFields(data, STRUCTURED_FIELDS)  # any case, `_airbyte_*` ignored, JSON text decoded
        try:
            rows = [self._stampli_keys(stream, cells) for cells in fmt.rows(data)]
        except RowError as error:
            key = str(data.get("number") or data.get("code") or data.get("id") or "") or None
            return self.audit.event(stream=stream, key=key, action="rejected", reason=str(error))
        pending = self._pending.setdefault(stream, _Pending(fmt))
        for cells in rows:
            pending.rows[fmt.key(cells)] = (fmt.display_key(cells), cells)
        return None

    def _stampli_keys(self, stream: str, cells: Cells) -> Cells:
        """NAV numbers that the forward connection maps from other Stampli codes go back under those codes."""
        if stream in VENDOR_COLUMN_STREAMS:
            # The order's vendor as Stampli knows it (vendor_number_mapping backwards), like the vendors file.
            to_stampli = self._key_mappings["vendors"].to_stampli
            vendor = cells.get("Vendor ID", "").strip()
            return {**cells, "Vendor ID": to_stampli.get(vendor.casefold(), vendor)}
        mapping = self._key_mappings.get(stream)
        if mapping is None or not mapping.to_stampli:
            return cells
        nav_number = cells[mapping.column].strip()
        stampli_code = mapping.to_stampli.get(nav_number.casefold())
        if stampli_code is not None:
            return {**cells, mapping.column: stampli_code}
        taken_by = mapping.to_nav.get(nav_number.casefold())
        if taken_by is not None:
            # This NAV record has the number of a Stampli code that means another NAV record: written as it is, it
            # would land on (and overwrite) that Stampli record, or replace the mapped record's row in this file.
            raise RowError(
                f"key_mapped_elsewhere: NAV {mapping.what} {nav_number} is not written, because Stampli's "
                f"{mapping.what} {nav_number} is NAV {mapping.what} {taken_by} ({mapping.setting}); renumber one of "
                f"them in NAV or map this one to another Stampli code in {mapping.setting}"
            )
        return cells

    def flush(self) -> Iterator[AirbyteMessage]:
        """Decide, write and record every stream that has rows. Raises on any SFTP failure (nothing half-done is
        reported as done)."""
        work = [pending for pending in self._pending.values() if pending.rows]
        if not work:
            return
        with self._connect(self.sftp) as connection:
            for pending in work:
                yield from self._flush_stream(connection, pending)
        self._pending.clear()

    def _flush_stream(self, connection: SftpConnection, pending: _Pending) -> Iterator[AirbyteMessage]:
        fmt = pending.fmt
        stream = fmt.stream
        settings = self.settings
        manifest = load_manifest(connection, settings.resolved_manifest_folder, stream)
        current = (
            read_current_rows(
                connection, settings.stampli_export_folder, fmt, pending.rows.keys(), settings.stampli_export_patterns
            )
            if settings.stampli_export_folder and fmt.stampli_export is not None
            else {}
        )
        decisions: list[tuple[str, str, Decision]] = []
        for key, (display_key, cells) in pending.rows.items():
            decisions.append((key, display_key, decide(fmt, cells, current.get(key), manifest.get(key))))

        to_send = [(key, display_key, decision) for key, display_key, decision in decisions if decision.send]
        import_path: str | None = None
        if to_send:
            moment = self._clock()
            name = import_file_name(stream, moment, secrets.token_hex(3))
            import_path = posixpath.join(settings.folder, name)
            content = render_csv(fmt, (decision.cells for _, _, decision in to_send))
            size = connection.upload_atomic(content, import_path)
            # The server's clock stamps both Stampli's exports and our file: compare like with like.
            sent_at = connection.stat(import_path).mtime
            self.written.append(WrittenFile(stream, import_path, len(to_send), size))
            self.audit.files.append(self.written[-1].as_dict())
            for key, _, decision in to_send:
                manifest.record(key, SentRow(hash=decision.hash, sent_at=sent_at, file=import_path))
            save_manifest(connection, manifest)
            logger.info("Wrote %s: %d %s row(s), %d bytes", import_path, len(to_send), stream, size)
        else:
            logger.info("Nothing to send for %s: Stampli already has all %d row(s)", stream, len(decisions))

        for _key, display_key, decision in decisions:
            if decision.send:
                yield self.audit.event(
                    stream=stream,
                    key=display_key,
                    action="file_written",
                    record_hash=decision.hash,
                    import_file=import_path,
                    reason=f"{decision.reason}: {decision.detail}",
                )
            else:
                yield self.audit.event(
                    stream=stream,
                    key=display_key,
                    action="skipped_duplicate",
                    record_hash=decision.hash,
                    reason=f"{decision.reason}: {decision.detail}",
                )
