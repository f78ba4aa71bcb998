"""Reading one stream, without the Airbyte CDK: files to read (one slice per file), and each file's records that are
newer than what was emitted for their keys. The CDK stream (streams.py) and the fast `read` path (fast_read.py)
both drive this, so the two cannot drift apart.

State discipline: a record's version enters the state just before the record is yielded, and a file is marked
read only after its last record was yielded, so no checkpoint ever covers a record not yet emitted; after a crash
the unfinished file is read again and the records it already emitted are skipped as unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import paramiko

from source_stampli_sftp.notices import FileNotices, StreamTotals, log_file, log_stream
from source_stampli_sftp.session import SftpSession
from source_stampli_sftp.spec import SourceStampliSftpConfig
from source_stampli_sftp.state import NEWER, UNCHANGED, StreamState, column_position, mtime_position, short_hash
from stampli_files.declarations import STREAMS, StreamDeclaration
from stampli_files.listing import Candidate, FolderListing, RemoteFile, files_for_stream, list_folder, unclaimed_files
from stampli_files.reader import ExportReader
from stampli_files.records import format_timestamp
from stampli_files.rejects import Reject
from stampli_files.rows import ReadReport
from stampli_files.sftp import HostKeyMismatchError, SftpAuthError, SftpConnectionError, SftpError
from stampli_nav_events import SourceFileEvent

DOWNLOAD_ATTEMPTS = 3  # also for listing: a dropped connection is reopened in between
RETRY_PAUSE_SECONDS = 1.0
CONFIG_ERROR, TRANSIENT_ERROR = "config_error", "transient_error"  # Airbyte FailureType values


class SourceError(Exception):
    """A failure the user or the platform must act on, with its Airbyte failure type."""

    def __init__(self, message: str, failure_type: str) -> None:
        super().__init__(message)
        self.message = message
        self.failure_type = failure_type

    @classmethod
    def of(cls, error: SftpError) -> SourceError:
        """Config problems (host key, credentials) are the user's to fix; network problems are transient."""
        config = isinstance(error, HostKeyMismatchError | SftpAuthError)
        return cls(str(error), CONFIG_ERROR if config else TRANSIENT_ERROR)


class StreamReader:
    """One stream's read: its state, its files, its records."""

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
        self._log = logger
        self._state = StreamState()
        self._globs = {name: config.globs_for(name) for name in STREAMS}
        self._column_mapping = config.mapping_for(declaration.name)
        self._totals = StreamTotals(declaration.name)

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def state(self) -> StreamState:
        return self._state

    @state.setter
    def state(self, value: StreamState) -> None:
        self._state = value

    def slices(self, full_refresh: bool = False) -> Iterator[dict[str, Any]]:
        """One slice per file to read, oldest first; after the last one, the stream's totals are logged."""
        if full_refresh:
            self._state = StreamState()  # full refresh re-reads every file and re-emits every record
        candidates = self._candidates()
        self._state.prune(c.file.path for c in candidates)
        pending = [c for c in candidates if not self._state.is_read(c.file)]
        self._log.info(
            f"{self.name}: {len(candidates)} file(s) in {self.config.folder}, {len(pending)} to read, "
            f"{len(candidates) - len(pending)} already read"
        )
        self._totals = StreamTotals(self.name, files_listed=len(candidates))
        for candidate in pending:
            remote = candidate.file
            yield {"path": remote.path, "size": remote.size, "mtime": remote.mtime.isoformat()}
        # Resumed by the CDK after the last slice was read: the stream's totals and the state it leaves.
        log_stream(self._log, self._totals.event(self._state.key_count, self._state.json_size()))

    def _candidates(self) -> list[Candidate]:
        listing = self._list()
        for name in listing.in_progress:
            self._log.info(f"{self.name}: {name} is still being uploaded (temporary name); it will be read next run")
        for name, why in listing.refused:
            self._log.warning(f"{self.name}: refused {name!r}: {why}")
        if listing.not_files and self.session.first_time("not_files", self.config.folder):  # once per folder
            kinds: dict[str, list[str]] = {}
            for name, kind in listing.not_files:
                kinds.setdefault(kind, []).append(name)
            described = "; ".join(f"{kind}s: {', '.join(sorted(names))}" for kind, names in sorted(kinds.items()))
            self._log.info(
                f"{self.config.folder}: not read (only regular files in the folder are exports): {described}"
            )
        if listing.before_start_date:
            self._log.info(f"{self.name}: {listing.before_start_date} file(s) older than start_date ignored")
        unclaimed = unclaimed_files(listing.files, self._globs)
        if unclaimed and self.name == next(iter(STREAMS)):  # once per run, not once per stream
            self._log.info(f"files matching no stream's pattern (not read): {', '.join(unclaimed)}")
        return files_for_stream(listing.files, self.name, self._globs)

    def _list(self) -> FolderListing:
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                return list_folder(self.session.connection(), self.config.folder, self.config.start_date)
            except FileNotFoundError:
                raise SourceError(f"SFTP folder {self.config.folder} does not exist", CONFIG_ERROR) from None
            except (HostKeyMismatchError, SftpAuthError) as exc:
                raise SourceError.of(exc) from None
            except (SftpConnectionError, paramiko.SSHException, EOFError, OSError) as exc:
                self.session.close()
                if attempt == DOWNLOAD_ATTEMPTS:
                    raise SourceError(
                        f"listing {self.config.folder} failed {attempt} times: {exc}", TRANSIENT_ERROR
                    ) from None
                self._log.warning(f"{self.name}: listing {self.config.folder} failed ({exc}); retrying")
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
        raise AssertionError("unreachable")

    # -- records --------------------------------------------------------------------------------------------------

    def read_slice(self, stream_slice: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        """The records of one file that are newer than what was emitted for their keys; the state follows each
        record just before it is yielded, and the file is marked read after its last record."""
        if not stream_slice:
            return
        remote = RemoteFile(
            path=stream_slice["path"],
            name=stream_slice["path"].rsplit("/", 1)[-1],
            size=int(stream_slice["size"]),
            mtime=datetime.fromisoformat(stream_slice["mtime"]),
        )
        candidate = next((c for c in files_for_stream([remote], self.name, self._globs)), None)
        if candidate is None:
            return
        started = time.monotonic()
        notices = FileNotices(self._log, self.name, remote.path)
        report = ReadReport(
            on_reject=notices.reject,
            on_issue=notices.issue,
            on_notice=notices.notice,
            on_superseded=notices.superseded,
            admit=self._admit,
        )
        reader = ExportReader(self.declaration, report, self._column_mapping)
        counts = {"emitted": 0, "unchanged": 0, "stale": 0}
        mtime = mtime_position(remote.mtime)
        version_field = self.declaration.version_field
        with tempfile.TemporaryDirectory(prefix="stampli-") as work:
            workdir = Path(work)
            local = workdir / "download"
            sha256 = self._download(remote, local)
            if sha256 is None:
                return
            downloaded = time.monotonic()
            digest = short_hash(sha256)
            earlier = self._state.read_before(digest)
            if earlier is not None:  # an old file touched, copied or uploaded again under a new name
                self._state.mark_read(remote, digest)
                self._file_event(remote, f"same_content_as:{earlier}", sha256=sha256)
                return
            key_name, state = self.declaration.key, self._state
            for record in reader.read_file(local, remote.path, remote.mtime, workdir, candidate.member_filter):
                key = record[key_name]
                column = column_position(record.get(version_field)) if version_field else ""
                verdict, short = state.judge(key, record["_stampli_record_hash"], column, mtime)
                if verdict is NEWER:
                    state.remember(key, short, column, mtime)  # before the yield: the CDK checkpoints after emitting
                    counts["emitted"] += 1
                    yield record
                elif verdict is UNCHANGED:
                    counts["unchanged"] += 1
                else:
                    counts["stale"] += 1
                    notices.stale(record["_ab_source_file_url"], record["_stampli_source_rows"], key, verdict)
        state.mark_read(remote, digest)  # after the last record was emitted
        notices.close()
        records = sum(counts.values())
        event = SourceFileEvent(
            stream=self.name,
            path=remote.path,
            size=remote.size,
            mtime=format_timestamp(remote.mtime),
            sha256=sha256,
            rows=report.rows,
            records=records,
            superseded=report.superseded,
            rejected=report.rejected,
            flagged=report.flagged,
            reasons=dict(notices.reasons),
            seconds=round(time.monotonic() - started, 3),
            **counts,
        )
        self._totals.add(event)
        extra = f", {counts['stale']} older version(s) not emitted" if counts["stale"] else ""
        extra += f", {report.superseded} row(s) superseded in the file" if report.superseded else ""
        log_file(
            self._log,
            f"{self.name}: read {remote.path} ({remote.size} bytes; download {downloaded - started:.1f}s, "
            f"parse and emit {time.monotonic() - downloaded:.1f}s): {counts['emitted']} record(s) emitted, "
            f"{counts['unchanged']} unchanged since last emitted, {report.rejected} rejected, "
            f"{report.flagged} flag(s){extra}",
            event,
        )

    def _admit(self, reject: Reject) -> bool:
        """An archive no stream claims by name is opened by every stream: its unsafe members are reported once per
        sync (by the first stream that meets them), not once per stream."""
        return reject.reason != "unsafe_zip_member" or self.session.first_time(reject.reason, reject.source)

    def _file_event(self, remote: RemoteFile, why: str, sha256: str | None = None, human: str | None = None) -> None:
        """A listed file this read did not parse, and why (it is read next run unless it was already read)."""
        event = SourceFileEvent(
            stream=self.name,
            path=remote.path,
            size=remote.size,
            mtime=format_timestamp(remote.mtime),
            sha256=sha256,
            skipped=True,
            why=why,
        )
        self._totals.add(event)
        if human is None:
            human = (
                f"{remote.path} disappeared before it could be read"
                if why == "disappeared"
                else f"skipped {remote.path}: same content as {why.removeprefix('same_content_as:')}, already read"
            )
        log_file(self._log, f"{self.name}: {human}", event)

    def _download(self, remote: RemoteFile, local: Path) -> str | None:
        """Fetch the file; its hex SHA-256, or None when it is still being written (size or mtime moved) or gone."""
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                connection = self.session.connection()
                with local.open("wb") as out:
                    hashing = _HashingWriter(out)
                    written = connection.download(remote.path, hashing, remote.size)  # type: ignore[arg-type]
                after = connection.stat(remote.path)
                break
            except FileNotFoundError:
                self._file_event(remote, "disappeared")
                return None
            except (HostKeyMismatchError, SftpAuthError) as exc:
                raise SourceError.of(exc) from None
            except (SftpConnectionError, paramiko.SSHException, EOFError, OSError) as exc:
                self.session.close()
                if attempt == DOWNLOAD_ATTEMPTS:
                    raise SourceError(
                        f"downloading {remote.path} failed {attempt} times: {exc}", TRANSIENT_ERROR
                    ) from None
                self._log.warning(f"{self.name}: downloading {remote.path} failed ({exc}); retrying")
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
        if written != remote.size or after.size != remote.size or after.mtime != remote.mtime:
            self._file_event(
                remote,
                "still_being_written",
                human=f"{remote.path} is still being written (listed {remote.size} bytes, got {written}, now "
                f"{after.size}); it will be read next run",
            )
            return None
        return hashing.hexdigest()


class _HashingWriter:
    """Hashes the bytes on their way to the local file: the file's digest costs no second pass."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._hash = hashlib.sha256()

    def write(self, chunk: bytes) -> int:
        self._hash.update(chunk)
        return self._out.write(chunk)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
