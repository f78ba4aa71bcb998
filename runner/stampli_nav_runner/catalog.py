"""Build the configured catalog handed to `read` and `write` from the source's discovered catalog."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stampli_nav_runner.connection import StreamSelection


class CatalogError(Exception):
    """The connection asks for something the source does not offer."""


def configure_catalog(
    discovered: Mapping[str, Any],
    selections: Sequence[StreamSelection] | None,
    full_refresh_streams: Sequence[str] = (),
) -> dict[str, Any]:
    """One configured stream per selected stream: incremental where the source supports it, unless the stream is
    asked for as a full refresh (connection setting or `replay --full-refresh`)."""
    streams_by_name = {stream["name"]: stream for stream in discovered.get("streams", [])}
    wanted = list(selections) if selections is not None else [StreamSelection(name=name) for name in streams_by_name]
    unknown = [selection.name for selection in wanted if selection.name not in streams_by_name]
    if unknown:
        raise CatalogError(
            f"the source offers no stream named {', '.join(unknown)}; it offers {', '.join(sorted(streams_by_name))}"
        )
    unknown_refresh = [name for name in full_refresh_streams if name not in {s.name for s in wanted}]
    if unknown_refresh:
        raise CatalogError(f"cannot fully refresh {', '.join(unknown_refresh)}: not a stream of this connection")

    configured = []
    for selection in wanted:
        stream = streams_by_name[selection.name]
        supported = stream.get("supported_sync_modes") or ["full_refresh"]
        primary_key = stream.get("source_defined_primary_key") or []
        if selection.name in full_refresh_streams:
            sync_mode = "full_refresh"
        elif selection.sync_mode is not None:
            sync_mode = selection.sync_mode
        else:
            sync_mode = "incremental" if "incremental" in supported else "full_refresh"
        if sync_mode not in supported:
            raise CatalogError(f"stream {selection.name} does not support {sync_mode} (it supports {supported})")
        entry: dict[str, Any] = {
            "stream": stream,
            "sync_mode": sync_mode,
            # Replays and refreshes append: the NAV destination never deletes what it posted, and its own
            # idempotency look-up is what removes duplicates.
            "destination_sync_mode": selection.destination_sync_mode
            or ("append_dedup" if primary_key and selection.name not in full_refresh_streams else "append"),
        }
        if primary_key:
            entry["primary_key"] = primary_key
        if sync_mode == "incremental":
            cursor = selection.cursor_field or stream.get("default_cursor_field")
            if cursor:
                entry["cursor_field"] = cursor
            elif not stream.get("source_defined_cursor"):
                raise CatalogError(f"stream {selection.name} is incremental but has no cursor field; set cursor_field")
        configured.append(entry)
    return {"streams": configured}


def primary_keys(configured_catalog: Mapping[str, Any]) -> dict[str, list[list[str]]]:
    return {
        entry["stream"]["name"]: entry.get("primary_key") or entry["stream"].get("source_defined_primary_key") or []
        for entry in configured_catalog.get("streams", [])
    }
