"""Reading and writing Stampli export/import files over SFTP.

Modules: `sftp` (connection, host-key pinning, download, atomic upload), `listing` (export folder, globs,
in-progress files), `formats` (csv/xml/gz/zip, encodings), `csv_reader` / `xml_reader` (rows), `headers`
(normalisation, aliases, column_mapping), `declarations` (the five streams), `grouping` (bounded-memory
assembly), `records` (typed records, checks, hashing, audit fields), `reader` (the pipeline for one file).
"""

from stampli_files.declarations import STREAMS, FieldKind, FieldSpec, StreamDeclaration, json_schema
from stampli_files.reader import ExportReader
from stampli_files.rejects import Issue, Reject
from stampli_files.rows import ReadReport

__all__ = [
    "STREAMS",
    "ExportReader",
    "FieldKind",
    "FieldSpec",
    "Issue",
    "ReadReport",
    "Reject",
    "StreamDeclaration",
    "json_schema",
]
