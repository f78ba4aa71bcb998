"""The four connectors under PyAirbyte 0.71, with its default DuckDB cache and without (`cache=False`).

A new user's first try is `destination.write(source)`: PyAirbyte reads the source into a local DuckDB cache,
whose columns are lower-cased (`displayName` → `displayname`), then feeds the destination from the cache with its
own `_airbyte_*` columns added. Issue 16 found destination-stampli-sftp writing blank vendor names that way. Here
both directions run both ways against the embedded SFTP server and the BC emulator, and what lands in NAV and in
Stampli's inbound folder must be identical.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import airbyte as ab
import pytest

from conftest import HERE, World, connector  # type: ignore[import-not-found]

pytestmark = pytest.mark.pyairbyte

MODES = ("cache", "no_cache")


def write(source: Any, destination: Any, mode: str) -> None:
    if mode == "cache":
        destination.write(source)  # PyAirbyte's default: through its DuckDB cache
    else:
        destination.write(source, cache=False)


def forward(world: World, mode: str) -> None:
    """Stampli exports on SFTP → NAV (source-stampli-sftp → destination-dynamics-nav)."""
    config = world.info["forward"]
    source = ab.get_source(
        "source-stampli-sftp",
        config=config["source"],
        local_executable=connector("source-stampli-sftp"),
        streams=config["streams"],
    )
    destination = ab.get_destination(
        "destination-dynamics-nav",
        config=config["destination"],
        local_executable=connector("destination-dynamics-nav"),
    )
    write(source, destination, mode)


def reverse(world: World, mode: str) -> None:
    """NAV → Stampli import files on SFTP (source-dynamics-nav → destination-stampli-sftp)."""
    config = world.info["reverse"]
    source = ab.get_source(
        "source-dynamics-nav",
        config=config["source"],
        local_executable=connector("source-dynamics-nav"),
        streams=config["streams"],
    )
    destination = ab.get_destination(
        "destination-stampli-sftp",
        config=config["destination"],
        local_executable=connector("destination-stampli-sftp"),
    )
    write(source, destination, mode)


def test_forward_and_reverse_land_the_same_postings_and_files_with_and_without_the_cache(
    make_world: Callable[[str], World], use_cache_root: Callable[[str], Path]
) -> None:
    postings: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for mode in MODES:
        world = make_world(mode)
        use_cache_root(mode)
        forward(world, mode)
        reverse(world, mode)
        postings[mode] = world.postings()
        files[mode] = world.import_files()

    # Something real happened: invoices posted, vendors created, every reference stream written.
    assert len(postings["no_cache"]["generalLedgerEntries"]) >= 20
    assert {"vendors", "gl_accounts", "dimensions", "dimension_values"} <= set(files["no_cache"])
    for mode in MODES:
        # The issue-16 symptom: rows written with blank names (and addresses) while the sync reported success.
        for row in files[mode]["vendors"]:
            assert row["Vendor Name"] and row["Address Line 1"] and row["City"], (mode, row)
        assert all(row["Account Name"] for row in files[mode]["gl_accounts"]), mode
        assert all(row["Dimension Name"] for row in files[mode]["dimensions"]), mode
        assert all(row["Value Name"] for row in files[mode]["dimension_values"]), mode

    assert postings["cache"] == postings["no_cache"]
    assert files["cache"] == files["no_cache"]


@pytest.mark.parametrize("mode", MODES)
def test_lower_cased_fields_are_read_and_a_record_lacking_a_field_is_rejected_never_written_blank(
    mode: str,
    make_world: Callable[[str], World],
    use_cache_root: Callable[[str], Path],
    python_executable: Callable[[str, Path], str],
) -> None:
    world = make_world(mode)
    use_cache_root(mode)
    source = ab.get_source(
        "source-fixed-vendors",
        config={},
        local_executable=python_executable("source-fixed-vendors", HERE / "fixed_source.py"),
        streams=["vendors"],
    )
    destination = ab.get_destination(
        "destination-stampli-sftp",
        config=world.info["reverse"]["destination"],
        local_executable=connector("destination-stampli-sftp"),
    )
    write(source, destination, mode)

    rows = {row["Vendor ID"]: row for row in world.import_files()["vendors"]}
    assert sorted(rows) == ["V90001", "V90002"], "V90003 lacks city: rejected, not written with a blank city"
    assert (rows["V90001"]["Vendor Name"], rows["V90001"]["City"]) == ("Camel Case Supplies", "Springfield")
    assert (rows["V90002"]["Vendor Name"], rows["V90002"]["City"]) == ("Lower Case Traders", "Peoria")
    assert world.manifest_keys("vendors") == {"v90001", "v90002"}, "a rejected row is never remembered as sent"
