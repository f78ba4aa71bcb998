"""Listing the export folder on a real SFTP server: in-progress uploads, start_date, globs, archives."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from embedded_sftp.pytest_plugin import TestSftpServer
from stampli_files.declarations import STREAMS
from stampli_files.listing import files_for_stream, is_safe_name, list_folder, split_globs, unclaimed_files
from stampli_files.sftp import SftpSettings, open_sftp

DEFAULT_GLOBS = {name: split_globs(d.default_glob) for name, d in STREAMS.items()}


def _touch(server: TestSftpServer, name: str, when: datetime, content: bytes = b"x") -> None:
    path = server.outbound / name
    path.write_bytes(content)
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_listing(sftp_server: TestSftpServer) -> None:
    old, new = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 25, 10, tzinfo=UTC)
    _touch(sftp_server, "Invoices_2.CSV", new, b"abc")
    _touch(sftp_server, "invoices_1.csv", old)
    _touch(sftp_server, "invoices_3.csv.filepart", new)
    _touch(sftp_server, ".vendors.csv.1a2b.tmp", new)
    _touch(sftp_server, "vendors.csv.part", new)
    (sftp_server.outbound / "archive").mkdir()
    with open_sftp(SftpSettings.model_validate(sftp_server.connection_config())) as conn:
        listing = list_folder(conn, "/outbound")
        since = list_folder(conn, "/outbound", start_date=datetime(2026, 6, 1, tzinfo=UTC))
    assert [(f.name, f.size, f.mtime) for f in listing.files] == [
        ("invoices_1.csv", 1, old),
        ("Invoices_2.CSV", 3, new),
    ]
    assert sorted(listing.in_progress) == [".vendors.csv.1a2b.tmp", "invoices_3.csv.filepart", "vendors.csv.part"]
    assert [f.name for f in since.files] == ["Invoices_2.CSV"] and since.before_start_date == 1
    assert listing.files[1].version == f"3:{int(new.timestamp())}"


def test_missing_folder_raises(sftp_server: TestSftpServer) -> None:
    with (
        open_sftp(SftpSettings.model_validate(sftp_server.connection_config())) as conn,
        pytest.raises(FileNotFoundError),
    ):
        list_folder(conn, "/nope")


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\b", "x\ny", ""])
def test_unsafe_names(name: str) -> None:
    assert not is_safe_name(name)


def test_stream_globs_and_archives() -> None:
    from stampli_files.listing import RemoteFile

    def remote(name: str) -> RemoteFile:
        return RemoteFile(f"/outbound/{name}", name, 1, datetime(2026, 11, 25, tzinfo=UTC))

    files = [remote(n) for n in ("INVOICES_1.csv", "invoices.zip", "export.zip", "vendors.xml.gz", "GL_Accounts.csv",
                                 "payments.csv", "po_2026.csv", "Purchase_Orders.xml", "readme.txt")]  # fmt: skip
    by_stream = {s: [c.file.name for c in files_for_stream(files, s, DEFAULT_GLOBS)] for s in STREAMS}
    assert by_stream == {
        "invoices": ["INVOICES_1.csv", "invoices.zip", "export.zip"],
        "vendors": ["export.zip", "vendors.xml.gz"],
        "gl_accounts": ["export.zip", "GL_Accounts.csv"],
        "payments": ["export.zip", "payments.csv"],
        "purchase_orders": ["export.zip", "po_2026.csv", "Purchase_Orders.xml"],
    }
    (claimed_archive,) = [
        c for c in files_for_stream(files, "invoices", DEFAULT_GLOBS) if c.file.name == "invoices.zip"
    ]
    (shared_archive,) = [c for c in files_for_stream(files, "invoices", DEFAULT_GLOBS) if c.file.name == "export.zip"]
    assert claimed_archive.member_filter("anything.csv")
    assert shared_archive.member_filter("invoices.csv") and not shared_archive.member_filter("vendors.csv")
    assert unclaimed_files(files, DEFAULT_GLOBS) == ["readme.txt"]
