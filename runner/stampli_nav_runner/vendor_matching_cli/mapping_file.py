"""Merge accepted vendor pairs into a connection file's `destination.config.vendor_number_mapping`.

The file is read as data and written back whole (atomically, the previous version kept as `<file>.bak`):
`${env:…}` / `${secret:…}` references are plain strings to YAML and stay exactly as written, never resolved.
YAML comments do not survive the rewrite; the backup keeps them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stampli_nav_runner.atomic_files import write_bytes_atomic
from stampli_nav_runner.connection import ConnectionFileError
from stampli_nav_runner.vendor_matching_cli.review import AcceptedPair


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line values (a CA certificate) as literal blocks, like the demo writes them."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)


@dataclass
class MergeResult:
    added: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def merge_mapping(current: dict[str, str], pairs: Iterable[AcceptedPair]) -> tuple[dict[str, str], MergeResult]:
    """A Stampli id already mapped elsewhere, or a NAV number another Stampli id already has, is a conflict left
    for a person: one NAV vendor per Stampli vendor and back, never silently overwritten."""
    merged = dict(current)
    result = MergeResult()
    owners = {str(nav).upper(): stampli for stampli, nav in merged.items()}
    for pair in pairs:
        existing = merged.get(pair.stampli_vendor_id)
        if existing is not None and str(existing).upper() == pair.nav_number:
            result.unchanged.append(pair.stampli_vendor_id)
            continue
        if existing is not None:
            result.conflicts.append(
                f"{pair.stampli_vendor_id} is already mapped to {existing}, not to {pair.nav_number} (row {pair.row})"
            )
            continue
        owner = owners.get(pair.nav_number)
        if owner is not None and owner != pair.stampli_vendor_id:
            result.conflicts.append(
                f"NAV vendor {pair.nav_number} is already mapped from {owner}; {pair.stampli_vendor_id} left out "
                f"(row {pair.row})"
            )
            continue
        merged[pair.stampli_vendor_id] = pair.nav_number
        owners[pair.nav_number] = pair.stampli_vendor_id
        result.added[pair.stampli_vendor_id] = pair.nav_number
    return merged, result


def current_mapping(raw: dict[str, Any]) -> dict[str, str]:
    config = ((raw.get("destination") or {}).get("config")) or {}
    mapping = config.get("vendor_number_mapping") or {}
    if not isinstance(mapping, dict):
        raise ConnectionFileError("destination.config.vendor_number_mapping must be a mapping")
    return {str(k): str(v) for k, v in mapping.items()}


def load_raw(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("destination"), dict):
        raise ConnectionFileError(f"{path} has no destination block")
    return raw


def write_mapping(path: Path, pairs: Iterable[AcceptedPair]) -> MergeResult:
    raw = load_raw(path)
    merged, result = merge_mapping(current_mapping(raw), pairs)
    if not result.added:
        return result
    raw["destination"].setdefault("config", {})["vendor_number_mapping"] = dict(sorted(merged.items()))
    if path.suffix == ".json":
        data = json.dumps(raw, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    else:
        text = yaml.dump(raw, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
        data = text.encode("utf-8")
    shutil.copy2(path, path.with_name(path.name + ".bak"))
    write_bytes_atomic(path, data, mode=path.stat().st_mode & 0o777)
    return result
