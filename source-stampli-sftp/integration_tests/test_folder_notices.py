"""What the source says about the export folder is said once per sync, not once per stream (issue 16): an unsafe
member of an archive every stream opens, and the sub-folders and symlinks it does not read."""

from __future__ import annotations

import zipfile
from pathlib import Path

from embedded_sftp.pytest_plugin import TestSftpServer

from .test_fast_read import _process_read

INVOICES_CSV = "Invoice ID,Invoice Total,Line Number,Line Amount\nA-1,10.00,1,10.00\nA-2,5.00,1,5.00\n"


def _logs(messages: list[dict]) -> list[str]:
    return [m["log"]["message"] for m in messages if m["type"] == "LOG"]


def test_an_unsafe_zip_member_is_reported_once_per_sync(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    with zipfile.ZipFile(sftp_server.outbound / "stampli_export.zip", "w") as archive:
        archive.writestr("../evil.csv", "Invoice ID\nX-1\n")
        archive.writestr("vendors.csv", "Vendor ID,Vendor Name\nV1,Acme\n")
    code, messages = _process_read(sftp_server.source_config(), tmp_path)
    assert code == 0
    unsafe = [text for text in _logs(messages) if text.startswith("rejected") and "unsafe_zip_member" in text]
    assert len(unsafe) == 1, unsafe  # five streams open the archive; one report (its file's summary counts it)
    assert "/outbound/stampli_export.zip!/../evil.csv" in unsafe[0]
    vendors = [m["record"]["data"] for m in messages if m["type"] == "RECORD" and m["record"]["stream"] == "vendors"]
    assert [v["vendor_id"] for v in vendors] == ["V1"]  # the safe member is still read


def test_sub_folders_and_symlinks_are_logged_once_per_folder(sftp_server: TestSftpServer, tmp_path: Path) -> None:
    (sftp_server.outbound / "invoices_1.csv").write_text(INVOICES_CSV)
    (sftp_server.outbound / "archive").mkdir()
    (sftp_server.outbound / "archive" / "invoices_old.csv").write_text(INVOICES_CSV.replace("A-", "B-"))
    (sftp_server.outbound / "invoices_link.csv").symlink_to(sftp_server.outbound / "invoices_1.csv")
    code, messages = _process_read(sftp_server.source_config(), tmp_path)
    assert code == 0
    said = [text for text in _logs(messages) if "not read (only regular files" in text]
    assert said == ["/outbound: not read (only regular files in the folder are exports): sub-folders: archive; "
                    "symlinks: invoices_link.csv"]  # fmt: skip
    invoices = [m for m in messages if m["type"] == "RECORD" and m["record"]["stream"] == "invoices"]
    assert {m["record"]["data"]["_ab_source_file_url"] for m in invoices} == {"/outbound/invoices_1.csv"}
