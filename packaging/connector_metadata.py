"""Read one field of a connector's metadata.yaml (`data.<field>`), for the shell scripts.

python packaging/connector_metadata.py source-stampli-sftp dockerRepository   # -> stampli-nav/source-stampli-sftp
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONNECTORS = ("source-stampli-sftp", "destination-dynamics-nav", "source-dynamics-nav", "destination-stampli-sftp")


def load_metadata(connector: str, root: Path = ROOT) -> dict[str, Any]:
    """The parsed `<connector>/metadata.yaml` (the whole document: `data` and `metadataSpecVersion`)."""
    document = yaml.safe_load((root / connector / "metadata.yaml").read_text())
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise ValueError(f"{connector}/metadata.yaml: expected a mapping with a `data` mapping")
    return document


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python packaging/connector_metadata.py <connector> <data field>", file=sys.stderr)
        return 2
    connector, field = argv
    value = load_metadata(connector)["data"].get(field)
    if value is None:
        print(f"{connector}/metadata.yaml has no data.{field}", file=sys.stderr)
        return 1
    print(value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
