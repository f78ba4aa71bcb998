"""What `stampli-nav match-vendors` does, step by step (the CLI only parses arguments and prints)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stampli_nav_runner.connection import Connection
from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.secret_references import SecretResolver
from stampli_nav_runner.vendor_matching_cli.inputs import read_nav_vendors, read_stampli_vendors
from stampli_nav_runner.vendor_matching_cli.mapping_file import MergeResult, current_mapping, load_raw, write_mapping
from stampli_nav_runner.vendor_matching_cli.review import AcceptedPair, read_accepted, write_review
from vendor_matching import MatchReport, VendorProfile, match_vendors


@dataclass
class MatchRun:
    report: MatchReport
    csv_path: Path
    html_path: Path
    stampli_count: int
    nav_count: int


def run_matching(connection: Connection, output_dir: Path) -> MatchRun:
    """Read both vendor lists, pair them and write the review file."""
    assert connection.file is not None
    resolver = SecretResolver()
    source = resolver.resolve(connection.source.config)
    destination = resolver.resolve(connection.destination.config)
    masker = SecretMasker([*source.secret_values, *destination.secret_values])
    stampli = read_stampli_vendors(connection, source.config, masker)
    nav = read_nav_vendors(destination.config)
    report = match_vendors(
        [VendorProfile.from_stampli(v) for v in stampli],
        [VendorProfile.from_nav(v) for v in nav],
        existing_mapping=current_mapping(load_raw(connection.file)),
    )
    csv_path, html_path = write_review(report, output_dir, connection.name)
    return MatchRun(report, csv_path, html_path, len(stampli), len(nav))


def accept_high(connection: Connection, run: MatchRun) -> MergeResult:
    pairs = [AcceptedPair(stampli, nav, row=0) for stampli, nav in run.report.high_pairs().items()]
    return _merge(connection, pairs)


def apply_review_file(connection: Connection, review: Path) -> MergeResult:
    return _merge(connection, read_accepted(review))


def _merge(connection: Connection, pairs: list[AcceptedPair]) -> MergeResult:
    assert connection.file is not None
    return write_mapping(connection.file, pairs)
