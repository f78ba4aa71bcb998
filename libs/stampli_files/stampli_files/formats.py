"""Export file formats: .csv, .xml, .csv.gz, .xml.gz and .zip archives of those, and their text encoding.

`export_members` turns one downloaded file into the CSV/XML documents inside it, each decompressed into a local
temporary file (streamed: never whole in memory) with its detected encoding. Problems become named rejects.
"""

from __future__ import annotations

import codecs
import gzip
import itertools
import posixpath
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from stampli_files.rejects import Reject

DocumentKind = Literal["csv", "xml"]
COPY_CHUNK = 1 << 20
SUPPORTED_SUFFIXES = (".csv", ".xml", ".csv.gz", ".xml.gz", ".zip")


class UnknownEncodingError(ValueError):
    pass


@dataclass(frozen=True)
class ExportDocument:
    """One CSV or XML document ready to parse."""

    url: str  # "/outbound/invoices.csv" or "/outbound/export.zip!/invoices.csv"
    kind: DocumentKind
    path: Path  # local, decompressed
    encoding: str


def document_kind(name: str) -> tuple[DocumentKind, bool] | None:
    """('csv'|'xml', gzipped) for a supported document name, else None. Case-insensitive."""
    lower = name.lower()
    for suffix, kind, gzipped in ((".csv", "csv", False), (".xml", "xml", False), (".csv.gz", "csv", True),
                                  (".xml.gz", "xml", True)):  # fmt: skip
        if lower.endswith(suffix):
            return kind, gzipped  # type: ignore[return-value]
    return None


def is_zip(name: str) -> bool:
    return name.lower().endswith(".zip")


def is_supported(name: str) -> bool:
    return is_zip(name) or document_kind(name) is not None


def export_documents(
    downloaded: Path,
    remote_path: str,
    workdir: Path,
    member_filter: Callable[[str], bool] = lambda _name: True,
) -> Iterator[ExportDocument | Reject]:
    """The documents in a downloaded export file, or rejects explaining why (part of) it cannot be read."""
    name = posixpath.basename(remote_path)
    if is_zip(name):
        yield from _zip_documents(downloaded, remote_path, workdir, member_filter)
        return
    kind = document_kind(name)
    if kind is None:
        yield Reject(remote_path, "unsupported_format", f"expected one of {', '.join(SUPPORTED_SUFFIXES)}")
        return
    yield from _document(downloaded, remote_path, kind, workdir, lambda: downloaded.open("rb"))


def _document(
    source: Path | None,
    url: str,
    kind: tuple[DocumentKind, bool],
    workdir: Path,
    open_source: Callable[[], BinaryIO],
) -> Iterator[ExportDocument | Reject]:
    document_type, gzipped = kind
    path = source
    try:
        if gzipped or path is None:
            path = _unique(workdir, document_type)
            with open_source() as raw, path.open("wb") as out:
                stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw  # type: ignore[assignment]
                shutil.copyfileobj(stream, out, COPY_CHUNK)
    except EOFError:
        yield Reject(url, "truncated_gzip", "the compressed stream ends before its end marker (incomplete upload?)")
        return
    except (gzip.BadGzipFile, zlib.error) as exc:
        yield Reject(url, "bad_gzip", f"not a readable gzip stream: {exc}")
        return
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
        yield Reject(url, "bad_zip_member", f"cannot extract: {exc}")
        return
    try:
        encoding = detect_encoding(path)
    except UnknownEncodingError as exc:
        yield Reject(url, "unknown_encoding", str(exc))
        return
    yield ExportDocument(url=url, kind=document_type, path=path, encoding=encoding)


def _zip_documents(
    downloaded: Path, remote_path: str, workdir: Path, member_filter: Callable[[str], bool]
) -> Iterator[ExportDocument | Reject]:
    try:
        archive = zipfile.ZipFile(downloaded)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Reject(remote_path, "bad_zip", f"not a readable zip archive: {exc}")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            url = f"{remote_path}!/{info.filename}"
            if not is_safe_member_name(info.filename):
                yield Reject(url, "unsafe_zip_member", "member name is absolute or climbs out of the archive (..)")
                continue
            base = posixpath.basename(info.filename)
            kind = document_kind(base)
            if kind is None:
                yield Reject(url, "unsupported_format", "zip member is not one of .csv, .xml, .csv.gz, .xml.gz")
                continue
            if not member_filter(base):
                continue
            # Extracted under a name of our choosing: the member name never becomes a local path.
            yield from _document(None, url, kind, workdir, lambda info=info: archive.open(info))  # type: ignore[misc]


def is_safe_member_name(name: str) -> bool:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return False
    return ".." not in normalized.split("/")


_counter = itertools.count()


def _unique(workdir: Path, suffix: str) -> Path:
    return workdir / f"document-{next(_counter)}.{suffix}"


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' (BOM), 'utf-16' (BOM), 'utf-8', or 'cp1252' (Windows exports); else UnknownEncodingError.

    The whole file is validated (streamed), so that a parser never discovers a bad byte after records went out.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    raise UnknownEncodingError(f"the file is neither valid {' nor '.join(candidates)}")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
