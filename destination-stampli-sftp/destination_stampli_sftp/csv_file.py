"""Rendering an import file: CSV (RFC 4180: comma, double quotes, CRLF), UTF-8 without BOM, header row first,
columns in the format's documented order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime

from destination_stampli_sftp.import_formats import ImportFormat


def render_csv(fmt: ImportFormat, rows: Iterable[Mapping[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")
    headers = fmt.headers
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode("utf-8")


def import_file_name(stream: str, moment: datetime, suffix: str) -> str:
    """`vendors_20261125T100000123Z_1a2b3c.csv`: names sort in time order (to the millisecond, so an importer that
    takes files by name applies two quick syncs in order); the random suffix keeps simultaneous writers apart."""
    return f"{stream}_{moment.strftime('%Y%m%dT%H%M%S')}{moment.microsecond // 1000:03d}Z_{suffix}.csv"
