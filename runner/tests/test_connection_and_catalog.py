"""Connection files, intervals, configured catalogs and the per-stream connection state."""

from __future__ import annotations

from pathlib import Path

import pytest

from stampli_nav_runner.catalog import CatalogError, configure_catalog
from stampli_nav_runner.connection import ConnectionFileError, StreamSelection, load_connection, parse_interval
from stampli_nav_runner.connection_state import ConnectionState

DISCOVERED = {
    "streams": [
        {
            "name": "invoices",
            "supported_sync_modes": ["full_refresh", "incremental"],
            "source_defined_cursor": True,
            "default_cursor_field": ["_ab_source_file_last_modified"],
            "source_defined_primary_key": [["invoice_id"]],
        },
        {"name": "vendors", "supported_sync_modes": ["full_refresh"], "source_defined_primary_key": [["vendor_id"]]},
    ]
}


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("30s", 30), ("1h30m", 5400), ("90", 90), ("2h", 7200)])
def test_intervals(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "15 minutes", "m", "-5m"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)


def test_connection_file_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "connections"
    folder.mkdir()
    (folder / "forward.yaml").write_text(
        "source: {command: source-stampli-sftp --debug, config: {host: h}}\n"
        "destination: {command: [destination-dynamics-nav], config: {}}\n"
        "streams: [invoices, {name: vendors, sync_mode: full_refresh}]\n"
        "schedule: 15m\n"
    )
    monkeypatch.setenv("STAMPLI_NAV_CONNECTIONS_DIR", str(folder))
    connection = load_connection("forward")
    assert connection.name == "forward"
    assert connection.source.command == ["source-stampli-sftp", "--debug"]
    assert connection.stream_names() == ["invoices", "vendors"]
    assert connection.file == (folder / "forward.yaml").resolve()
    with pytest.raises(ConnectionFileError, match="no connection named 'reverse'"):
        load_connection("reverse")


def test_invalid_connection_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("source: {command: x}\nschedule: soon\n")
    with pytest.raises(ConnectionFileError, match="not a valid connection"):
        load_connection(str(path))


def test_catalog_is_incremental_where_supported() -> None:
    catalog = configure_catalog(DISCOVERED, None)
    by_name = {entry["stream"]["name"]: entry for entry in catalog["streams"]}
    assert by_name["invoices"]["sync_mode"] == "incremental"
    assert by_name["invoices"]["cursor_field"] == ["_ab_source_file_last_modified"]
    assert by_name["invoices"]["destination_sync_mode"] == "append_dedup"
    assert by_name["vendors"]["sync_mode"] == "full_refresh"


def test_full_refresh_replay_appends_and_unknown_streams_fail() -> None:
    catalog = configure_catalog(DISCOVERED, [StreamSelection(name="invoices")], full_refresh_streams=["invoices"])
    (entry,) = catalog["streams"]
    assert (entry["sync_mode"], entry["destination_sync_mode"]) == ("full_refresh", "append")
    with pytest.raises(CatalogError, match="no stream named payments"):
        configure_catalog(DISCOVERED, [StreamSelection(name="payments")])
    with pytest.raises(CatalogError, match="does not support incremental"):
        configure_catalog(DISCOVERED, [StreamSelection(name="vendors", sync_mode="incremental")])


def _stream_state(name: str, value: int) -> dict:
    return {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": {"v": value}}}


def test_state_merges_per_stream_and_persists(tmp_path: Path) -> None:
    state = ConnectionState()
    state.apply({**_stream_state("invoices", 1), "sourceStats": {"recordCount": 2.0}})
    state.apply(_stream_state("vendors", 1))
    state.apply(_stream_state("invoices", 2))
    assert state.messages() == [_stream_state("invoices", 2), _stream_state("vendors", 1)]
    path = tmp_path / "state.json"
    state.save(path)
    assert ConnectionState.load(path).messages() == state.messages()
    assert state.without_streams(["invoices"]).stream_names() == ["vendors"]
    state.apply({"type": "GLOBAL", "global": {"stream_states": []}})
    assert state.stream_names() == []
