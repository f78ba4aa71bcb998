"""Listing the export folder: which files exist, which are still being written, which stream reads which file."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from stampli_files.formats import is_zip
from stampli_files.sftp import RemoteEntry, SftpConnection

# Names uploaders use while a transfer is in progress (WinSCP .filepart, curl/rsync .part, generic .tmp).
IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".filepart", ".partial", ".crdownload")


@dataclass(frozen=True)
class RemoteFile:
    path: str
    name: str
    size: int
    mtime: datetime  # UTC

    @property
    def version(self) -> str:
        """What "already read" compares: size and modification time (whole seconds, as SFTP v3 reports them)."""
        return f"{self.size}:{int(self.mtime.timestamp())}"


@dataclass
class FolderListing:
    files: list[RemoteFile]  # regular files, oldest first (mtime, path)
    in_progress: list[str] = field(default_factory=list)  # skipped this run: temporary upload names
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, why): unsafe names
    not_files: list[tuple[str, str]] = field(default_factory=list)  # (name, kind): sub-folders, symlinks, ...
    before_start_date: int = 0


def is_in_progress_name(name: str) -> bool:
    return name.lower().endswith(IN_PROGRESS_SUFFIXES)


def is_safe_name(name: str) -> bool:
    """A plain file name: nothing that could address a path outside the listed folder."""
    return (
        bool(name)
        and name not in (".", "..")
        and "/" not in name
        and "\\" not in name
        and not any(ord(c) < 32 for c in name)
    )


def list_folder(connection: SftpConnection, folder: str, start_date: datetime | None = None) -> FolderListing:
    files: list[RemoteFile] = []
    listing = FolderListing(files)
    for entry in connection.iter_dir(folder):
        if not is_safe_name(entry.name):
            listing.refused.append((entry.name, "unsafe file name"))
            continue
        if not entry.is_file:
            listing.not_files.append((entry.name, entry.kind))  # exports land as regular files in one folder
            continue
        if is_in_progress_name(entry.name):
            listing.in_progress.append(entry.name)
            continue
        if start_date is not None and entry.mtime < start_date:
            listing.before_start_date += 1
            continue
        files.append(_remote_file(folder, entry))
    files.sort(key=lambda f: (f.mtime, f.path))
    return listing


def _remote_file(folder: str, entry: RemoteEntry) -> RemoteFile:
    return RemoteFile(path=posixpath.join(folder, entry.name), name=entry.name, size=entry.size, mtime=entry.mtime)


def split_globs(pattern: str) -> tuple[str, ...]:
    """'*invoice*|*bill*' → ('*invoice*', '*bill*')."""
    return tuple(p.strip() for p in pattern.split("|") if p.strip())


def matches(name: str, globs: Sequence[str]) -> bool:
    lower = name.lower()
    return any(fnmatch.fnmatchcase(lower, glob.lower()) for glob in globs)


@dataclass(frozen=True)
class Candidate:
    file: RemoteFile
    member_filter: Callable[[str], bool]  # which zip members belong to the stream (all for non-archives)


def files_for_stream(
    files: Sequence[RemoteFile], stream: str, patterns: Mapping[str, Sequence[str]]
) -> list[Candidate]:
    """The stream's files: names matching its globs; plus archives no stream claims by name, read for the
    members whose names match the stream's globs (an 'export.zip' holding invoices.csv and vendors.csv)."""
    own = patterns[stream]
    candidates: list[Candidate] = []
    for remote in files:
        if matches(remote.name, own):
            candidates.append(Candidate(remote, _everything))
        elif is_zip(remote.name) and not any(matches(remote.name, globs) for globs in patterns.values()):
            candidates.append(Candidate(remote, lambda member, own=own: matches(member, own)))  # type: ignore[misc]
    return candidates


def unclaimed_files(files: Sequence[RemoteFile], patterns: Mapping[str, Sequence[str]]) -> list[str]:
    """Files that no stream reads (reported so that nothing disappears silently)."""
    return [
        f.name for f in files if not is_zip(f.name) and not any(matches(f.name, globs) for globs in patterns.values())
    ]


def _everything(_name: str) -> bool:
    return True
