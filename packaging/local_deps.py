"""Print the repository folders whose packages make up one connector's runtime: the connector itself and
every local library it depends on, transitively (test extras excluded: no emulator or SFTP server in images).

`build_images.sh` hands these folders to `pip wheel` in one call, so pip resolves `stampli-files` /
`bc-client` to the local folders instead of looking them up on an index.

    python packaging/local_deps.py source-stampli-sftp            # -> source-stampli-sftp libs/stampli_files
    python packaging/local_deps.py --digest source-stampli-sftp   # -> sha256 of what goes into its image
"""

from __future__ import annotations

import hashlib
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def normalize(name: str) -> str:
    """PEP 503 name normalisation, so `stampli_files` and `Stampli-Files` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The project name of a PEP 508 requirement string (`bc-client>=0.1; python_version>'3'` -> `bc-client`)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return normalize(match.group(1))


def local_projects(root: Path = ROOT) -> dict[str, Path]:
    """Every installable project of the repository: normalised name -> folder."""
    projects: dict[str, Path] = {}
    for pyproject in sorted([*root.glob("*/pyproject.toml"), *root.glob("libs/*/pyproject.toml")]):
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        projects[normalize(name)] = pyproject.parent
    return projects


def runtime_folders(connector: str, root: Path = ROOT) -> list[Path]:
    """The connector folder first, then the local libraries its runtime dependencies reach."""
    projects = local_projects(root)
    start = normalize(connector)
    if start not in projects:
        raise SystemExit(f"local_deps.py: no project named {connector!r} in {root}")
    ordered: list[str] = []
    pending = [start]
    while pending:
        name = pending.pop(0)
        if name in ordered:
            continue
        ordered.append(name)
        project = tomllib.loads((projects[name] / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            dependency = requirement_name(requirement)
            if dependency in projects and dependency not in ordered:
                pending.append(dependency)
    return [projects[name] for name in ordered]


def import_packages(folder: Path) -> list[Path]:
    """The importable packages a project folder ships (what its wheel holds): folders with an `__init__.py`,
    except test folders."""
    return sorted(
        child
        for child in folder.iterdir()
        if child.is_dir()
        and (child / "__init__.py").is_file()
        and child.name not in {"tests", "unit_tests", "integration_tests"}
    )


def source_digest(connector: str, root: Path = ROOT) -> str:
    """SHA-256 over everything that decides what the connector's image contains: the Dockerfile template and, for the
    connector and each local library it depends on, pyproject.toml and the shipped package files. Stored as an
    image label at build time, so image tests can tell an image built from older code."""
    digest = hashlib.sha256()
    files: list[Path] = [root / "packaging" / "Dockerfile"]
    for folder in runtime_folders(connector, root):
        files.append(folder / "pyproject.toml")
        for package in import_packages(folder):
            files.extend(
                path
                for path in package.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
            )
    for path in sorted(set(files)):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--digest":
        print(source_digest(argv[1]))
        return 0
    if len(argv) != 1:
        print("usage: python packaging/local_deps.py [--digest] <connector>", file=sys.stderr)
        return 2
    for folder in runtime_folders(argv[0]):
        print(folder.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
