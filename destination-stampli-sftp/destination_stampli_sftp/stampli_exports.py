"""What Stampli has now: its vendor / G/L account exports in the outbound folder, read over the same SFTP session.

The exports are read with the very code source-stampli-sftp uses (stampli_files: formats, header aliases, CSV and
XML), so both directions agree on what a column means. Files are read oldest first and a later file wins per key:
this works whether Stampli writes full snapshots or only the changed rows. Only the keys this sync is about are
kept in memory.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path

from destination_stampli_sftp.echo import StampliRow
from destination_stampli_sftp.import_formats import ImportFormat
from stampli_files.declarations import STREAMS as STAMPLI_STREAMS
from stampli_files.listing import files_for_stream, list_folder, split_globs
from stampli_files.reader import ExportReader
from stampli_files.rejects import Reject
from stampli_files.rows import ReadReport
from stampli_files.sftp import SftpConnection

logger = logging.getLogger("airbyte")


class ExportFolderMissingError(FileNotFoundError):
    pass


def stampli_patterns(overrides: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Globs per Stampli stream (source-stampli-sftp's defaults), with this connector's overrides."""
    patterns = {name: split_globs(declaration.default_glob) for name, declaration in STAMPLI_STREAMS.items()}
    for stream, pattern in overrides.items():
        patterns[stream] = split_globs(pattern)
    return patterns


def read_current_rows(
    connection: SftpConnection,
    folder: str,
    fmt: ImportFormat,
    keys: Collection[str],
    pattern_overrides: Mapping[str, str],
) -> dict[str, StampliRow]:
    """Stampli's current row per key (only for `keys`), from the export files of `fmt`'s stream."""
    declaration = fmt.stampli_export
    if declaration is None or not keys:
        return {}
    if not connection.is_dir(folder):
        raise ExportFolderMissingError(
            f"Stampli's export folder {folder} does not exist on the SFTP server (stampli_export_folder); "
            "set it to the folder Stampli exports to, or empty to compare with nothing but the manifest"
        )
    listing = list_folder(connection, folder)
    candidates = files_for_stream(listing.files, declaration.name, stampli_patterns(pattern_overrides))
    rejected: list[Reject] = []
    report = ReadReport(on_reject=rejected.append)
    reader = ExportReader(declaration, report)
    current: dict[str, StampliRow] = {}
    with tempfile.TemporaryDirectory(prefix="stampli-export-") as workdir:
        for candidate in candidates:  # oldest first: later files win
            remote = candidate.file
            local = Path(workdir) / "download"
            with local.open("wb") as out:
                connection.download(remote.path, out, remote.size)
            for record in reader.read_file(local, remote.path, remote.mtime, Path(workdir), candidate.member_filter):
                cells = fmt.cells_from_stampli(record)
                key = fmt.key(cells)
                if key in keys:
                    current[key] = StampliRow(cells=cells, source_file=remote.path, exported_at=remote.mtime)
            local.unlink(missing_ok=True)
    if rejected:
        logger.warning(
            "Stampli %s exports: %d row(s) or file(s) could not be read and were not compared (first: %s)",
            declaration.name,
            len(rejected),
            rejected[0].describe(),
        )
    logger.info(
        "Stampli %s exports: %d file(s) read from %s, %d of %d row(s) of this sync found",
        declaration.name,
        len(candidates),
        folder,
        len(current),
        len(keys),
    )
    return current
