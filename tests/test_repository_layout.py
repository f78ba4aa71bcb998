"""The monorepo contract: each connector is an installable package laid out like an Airbyte Python connector."""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONNECTORS = ["source-stampli-sftp", "destination-dynamics-nav", "source-dynamics-nav", "destination-stampli-sftp"]


@pytest.mark.parametrize("connector", CONNECTORS)
def test_connector_is_a_package_with_console_script_named_like_its_folder(connector: str) -> None:
    folder = ROOT / connector
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    package = connector.replace("-", "_")
    assert project["project"]["name"] == connector
    assert project["project"]["scripts"][connector] == f"{package}.run:run"
    assert (folder / "main.py").is_file()
    assert (folder / package / "__init__.py").is_file()
    assert (folder / "unit_tests").is_dir()
    assert (folder / "integration_tests").is_dir()


def test_readme_documents_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme
    assert "make test" in readme
