"""One Airbyte stream per Stampli export kind: a slice per file, dedup by key and content hash.

Checkpointing (CDK `CheckpointMixin`): the CDK reads `state` after each slice (file) and every
`state_checkpoint_interval` records. A record's hash enters the state just before the record is yielded, and a
file is marked read only after its last record was yielded, so no checkpoint ever covers a record not yet emitted;
after a crash the unfinished file is read again and the records it already emitted are skipped as unchanged.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any

import paramiko
from airbyte_cdk.models import AirbyteMessage, AirbyteRecordMessage, FailureType, SyncMode, Type
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_stampli_sftp.session import SftpSession
from source_stampli_sftp.spec import SourceStampliSftpConfig
from source_stampli_sftp.state import StreamState
from stampli_files.declarations import CURSOR_FIELD, STREAMS, StreamDeclaration, json_schema
from stampli_files.listing import Candidate, FolderListing, RemoteFile, files_for_stream, list_folder, unclaimed_files
from stampli_files.reader import ExportReader
from stampli_files.rejects import Issue, Reject
from stampli_files.rows import ReadReport
from stampli_files.sftp import HostKeyMismatchError, SftpAuthError, SftpConnectionError, SftpError

CHECKPOINT_EVERY_RECORDS = 10_000
MAX_LOGGED_PROBLEMS_PER_FILE = 200  # beyond this, a per-reason count closes the file's report
DOWNLOAD_ATTEMPTS = 3  # also for listing: a dropped connection is reopened in between
RETRY_PAUSE_SECONDS = 1.0


def as_traced(error: SftpError) -> AirbyteTracedException:
    """Config problems (host key, credentials) are the user's to fix; network problems are transient."""
    failure = (
        FailureType.config_error
        if isinstance(error, HostKeyMismatchError | SftpAuthError)
        else (FailureType.transient_error)
    )
    return AirbyteTracedException(message=str(error), internal_message=str(error), failure_type=failure)


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
        self._log = logger
        self._state = StreamState()
        self._globs = {name: config.globs_for(name) for name in STREAMS}
        self._column_mapping = config.mapping_for(declaration.name)
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
        return self._state.to_mapping()

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = StreamState.from_mapping(value)

    # -- slices: one per file to read -----------------------------------------------------------------------------

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | None]:
        if sync_mode == SyncMode.full_refresh:
            self._state = StreamState()  # full refresh re-reads every file and re-emits every record
        candidates = self._candidates()
        self._state.prune(c.file.path for c in candidates)
        pending = [c for c in candidates if not self._state.is_read(c.file)]
        self._log.info(
            f"{self.name}: {len(candidates)} file(s) in {self.config.folder}, {len(pending)} to read, "
            f"{len(candidates) - len(pending)} already read"
        )
        for candidate in pending:
            remote = candidate.file
            yield {"path": remote.path, "size": remote.size, "mtime": remote.mtime.isoformat()}

    def _candidates(self) -> list[Candidate]:
        listing = self._list()
        for name in listing.in_progress:
            self._log.info(f"{self.name}: {name} is still being uploaded (temporary name); it will be read next run")
        for name, why in listing.refused:
            self._log.warning(f"{self.name}: refused {name!r}: {why}")
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
                raise AirbyteTracedException(
                    message=f"SFTP folder {self.config.folder} does not exist",
                    failure_type=FailureType.config_error,
                ) from None
            except (HostKeyMismatchError, SftpAuthError) as exc:
                raise as_traced(exc) from None
            except (SftpConnectionError, paramiko.SSHException, EOFError, OSError) as exc:
                self.session.close()
                if attempt == DOWNLOAD_ATTEMPTS:
                    raise AirbyteTracedException(
                        message=f"listing {self.config.folder} failed {attempt} times: {exc}",
                        failure_type=FailureType.transient_error,
                    ) from None
                self._log.warning(f"{self.name}: listing {self.config.folder} failed ({exc}); retrying")
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
        raise AssertionError("unreachable")

    # -- records --------------------------------------------------------------------------------------------------

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | AirbyteMessage]:
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
        problems = _ProblemLog(self._log, remote.path)
        report = ReadReport(on_reject=problems.reject, on_issue=problems.issue, on_notice=problems.notice)
        reader = ExportReader(self.declaration, report, self._column_mapping)
        emitted = unchanged = 0
        with tempfile.TemporaryDirectory(prefix="stampli-") as work:
            workdir = Path(work)
            local = workdir / "download"
            if not self._download(remote, local):
                return
            downloaded = time.monotonic()
            key_name, state, name = self.declaration.key, self._state, self.name
            for record in reader.read_file(local, remote.path, remote.mtime, workdir, candidate.member_filter):
                key, digest = record[key_name], record["_stampli_record_hash"]
                if state.is_new_or_changed(key, digest):
                    state.remember(key, digest)  # before the yield: the CDK checkpoints only after emitting it
                    emitted += 1
                    # A ready AirbyteMessage skips the CDK's per-record dict copy and schema transform (a no-op here).
                    yield AirbyteMessage(
                        type=Type.RECORD,
                        record=AirbyteRecordMessage(stream=name, data=record, emitted_at=time.time_ns() // 1_000_000),
                    )
                else:
                    unchanged += 1
        state.mark_read(remote)  # after the last record was emitted
        problems.close()
        self._log.info(
            f"{self.name}: read {remote.path} ({remote.size} bytes; download {downloaded - started:.1f}s, "
            f"parse and emit {time.monotonic() - downloaded:.1f}s): {emitted} record(s) emitted, "
            f"{unchanged} unchanged since last emitted, {report.rejected} rejected, {report.flagged} flag(s)"
        )

    def _download(self, remote: RemoteFile, local: Path) -> bool:
        """Fetch the file; False when it is still being written (size or mtime moved) — it is read next run."""
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                connection = self.session.connection()
                with local.open("wb") as out:
                    written = connection.download(remote.path, out, remote.size)
                after = connection.stat(remote.path)
                break
            except FileNotFoundError:
                self._log.info(f"{self.name}: {remote.path} disappeared before it could be read")
                return False
            except (HostKeyMismatchError, SftpAuthError) as exc:
                raise as_traced(exc) from None
            except (SftpConnectionError, paramiko.SSHException, EOFError, OSError) as exc:
                self.session.close()
                if attempt == DOWNLOAD_ATTEMPTS:
                    raise AirbyteTracedException(
                        message=f"downloading {remote.path} failed {attempt} times: {exc}",
                        failure_type=FailureType.transient_error,
                    ) from None
                self._log.warning(f"{self.name}: downloading {remote.path} failed ({exc}); retrying")
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
        if written != remote.size or after.size != remote.size or after.mtime != remote.mtime:
            self._log.info(
                f"{self.name}: {remote.path} is still being written (listed {remote.size} bytes, "
                f"got {written}, now {after.size}); it will be read next run"
            )
            return False
        return True

    def get_error_display_message(self, exception: BaseException) -> str | None:
        if isinstance(exception, SftpError):
            return str(exception)
        return None


class _ProblemLog:
    """Logs rejects and flags of one file (WARN), capped, with a per-reason count at the end."""

    def __init__(self, logger: logging.Logger, path: str) -> None:
        self._log = logger
        self._path = path
        self._logged = 0
        self._unlogged: Counter[str] = Counter()

    def _warn(self, reason: str, message: str) -> None:
        if self._logged < MAX_LOGGED_PROBLEMS_PER_FILE:
            self._logged += 1
            self._log.warning(message)
        else:
            self._unlogged[reason] += 1

    def reject(self, reject: Reject) -> None:
        self._warn(reject.reason, reject.describe())

    def issue(self, issue: Issue) -> None:
        self._warn(issue.flag, issue.describe())

    def notice(self, message: str) -> None:
        self._log.info(message)

    def close(self) -> None:
        if self._unlogged:
            counts = ", ".join(f"{reason}: {n}" for reason, n in self._unlogged.most_common())
            self._log.warning(
                f"{self._path}: {sum(self._unlogged.values())} more problem(s) not logged one by one ({counts})"
            )
