"""Export formats and encodings: gz, zip (members must not escape), BOM, Windows-1252; problems are named."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from stampli_files.formats import ExportDocument, detect_encoding, export_documents, is_safe_member_name
from stampli_files.rejects import Reject


def _items(path: Path, remote: str, workdir: Path, **kwargs) -> list[ExportDocument | Reject]:
    return list(export_documents(path, remote, workdir, **kwargs))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Vendor ID\nV1 Müller\n".encode(), "utf-8"),
        (b"\xef\xbb\xbfVendor ID\nV1\n", "utf-8-sig"),
        ("Vendor ID\nV1 Müller €\n".encode("cp1252"), "cp1252"),
        ("Vendor ID\nV1\n".encode("utf-16"), "utf-16"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == encoding


def test_unknown_encoding_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(b"Vendor ID\nV1 \x81\x8d\n\xff\xfe\xfd")  # not UTF-8, and 0x81/0x8D are undefined in cp1252
    (item,) = _items(path, "/outbound/v.csv", tmp_path)
    assert isinstance(item, Reject) and item.reason == "unknown_encoding"


def test_gzip_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "v.csv.gz"
    path.write_bytes(gzip.compress(b"Vendor ID\nV1\n"))
    (item,) = _items(path, "/outbound/v.csv.gz", tmp_path)
    assert isinstance(item, ExportDocument) and item.kind == "csv"
    assert item.path.read_bytes() == b"Vendor ID\nV1\n"


def test_truncated_gzip_is_a_named_reject(tmp_path: Path) -> None:
    path = tmp_path / "v.xml.gz"
    body = "".join(f"<Vendor><VendorID>V{n}</VendorID></Vendor>" for n in range(5000))
    compressed = gzip.compress(f"<Vendors>{body}</Vendors>".encode())
    path.write_bytes(compressed[: len(compressed) // 2])
    (item,) = _items(path, "/outbound/v.xml.gz", tmp_path)
    assert isinstance(item, Reject) and item.reason == "truncated_gzip" and item.source == "/outbound/v.xml.gz"


def test_not_gzip_is_a_named_reject(tmp_path: Path) -> None:
    path = tmp_path / "v.csv.gz"
    path.write_bytes(b"Vendor ID\nV1\n")
    (item,) = _items(path, "/outbound/v.csv.gz", tmp_path)
    assert isinstance(item, Reject) and item.reason == "bad_gzip"


def test_zip_members(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("invoices.csv", "Invoice ID\nS1\n")
        archive.writestr("nested/vendors.xml.gz", gzip.compress(b"<Vendors/>"))
        archive.writestr("../evil.csv", "x")
        archive.writestr("/abs.csv", "x")
        archive.writestr("notes.txt", "x")
        archive.writestr("folder/", "")
    items = _items(path, "/outbound/export.zip", tmp_path)
    documents = [i for i in items if isinstance(i, ExportDocument)]
    rejects = {i.source: i.reason for i in items if isinstance(i, Reject)}
    assert [(d.url, d.kind) for d in documents] == [
        ("/outbound/export.zip!/invoices.csv", "csv"),
        ("/outbound/export.zip!/nested/vendors.xml.gz", "xml"),
    ]
    assert documents[0].path.parent == tmp_path  # extracted under our own name, never the member's
    assert rejects == {
        "/outbound/export.zip!/../evil.csv": "unsafe_zip_member",
        "/outbound/export.zip!//abs.csv": "unsafe_zip_member",
        "/outbound/export.zip!/notes.txt": "unsupported_format",
    }


def test_zip_member_filter(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("invoices.csv", "Invoice ID\nS1\n")
        archive.writestr("vendors.csv", "Vendor ID\nV1\n")
    items = _items(path, "/o/export.zip", tmp_path, member_filter=lambda name: "vendor" in name)
    assert [i.url for i in items if isinstance(i, ExportDocument)] == ["/o/export.zip!/vendors.csv"]


def test_corrupt_zip_is_a_named_reject(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    (item,) = _items(path, "/o/export.zip", tmp_path)
    assert isinstance(item, Reject) and item.reason == "bad_zip"


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "invoices.xlsx"
    path.write_bytes(b"x")
    (item,) = _items(path, "/o/invoices.xlsx", tmp_path)
    assert isinstance(item, Reject) and item.reason == "unsupported_format"


@pytest.mark.parametrize(("name", "safe"), [("a.csv", True), ("d/a.csv", True), ("../a", False), ("a/../../b", False),
                                            ("/etc/passwd", False), ("C:\\x.csv", False), ("..\\x.csv", False)])  # fmt: skip
def test_member_name_safety(name: str, safe: bool) -> None:
    assert is_safe_member_name(name) is safe
