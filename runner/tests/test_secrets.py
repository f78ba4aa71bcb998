"""The encrypted secrets file and `${env:}` / `${secret:}` references."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.secret_references import SecretReferenceError, SecretResolver, plain_text_secret_paths
from stampli_nav_runner.secret_store import SecretStore, SecretStoreError, generate_key


def test_store_round_trips_and_hides_names_and_values(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "stampli-nav.secrets"
    store = SecretStore(path, generate_key())
    store.set("sftp_password", "hunter2-long")
    store.set("nav_key", "k3y/with+chars")
    assert store.names() == ["nav_key", "sftp_password"]
    assert store.get("sftp_password") == "hunter2-long"
    raw = path.read_bytes()
    assert b"hunter2" not in raw and b"sftp_password" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.delete("nav_key") and store.names() == ["sftp_password"]


def test_wrong_or_missing_key_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "s.secrets"
    SecretStore(path, generate_key()).set("a", "value-1")
    with pytest.raises(SecretStoreError, match="not the key it was written with"):
        SecretStore(path, generate_key()).load()
    with pytest.raises(SecretStoreError, match="STAMPLI_NAV_SECRETS_KEY is not set"):
        SecretStore(path, None).load()
    with pytest.raises(SecretStoreError, match="not a valid Fernet key"):
        SecretStore(path, "short").load()


def test_references_resolve_from_env_and_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SecretStore(tmp_path / "s.secrets", generate_key())
    store.set("nav_key", "from-the-store")
    monkeypatch.setenv("SFTP_PASSWORD", "from-the-env")
    resolver = SecretResolver(store_factory=lambda: store)
    resolved = resolver.resolve(
        {
            "host": "sftp.example.com",
            "credentials": {"auth_method": "password", "password": "${env:SFTP_PASSWORD}"},
            "deployment": {"auth": {"web_service_access_key": "${secret:nav_key}"}},
            "list": ["prefix-${env:SFTP_PASSWORD}", 3],
        }
    )
    assert resolved.config["credentials"]["password"] == "from-the-env"
    assert resolved.config["deployment"]["auth"]["web_service_access_key"] == "from-the-store"
    assert resolved.config["list"] == ["prefix-from-the-env", 3]
    assert resolved.secret_values == {"from-the-env", "from-the-store"}


def test_missing_reference_names_the_reference_not_a_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NOPE", raising=False)
    resolver = SecretResolver(store_factory=lambda: SecretStore(tmp_path / "none", generate_key()))
    with pytest.raises(SecretReferenceError, match=r"\$\{env:NOPE\}"):
        resolver.resolve({"password": "${env:NOPE}"})
    with pytest.raises(SecretReferenceError, match=r"secrets set missing"):
        resolver.resolve({"password": "${secret:missing}"})


def test_plain_text_secrets_are_spotted() -> None:
    config = {
        "credentials": {"password": "plain", "auth_method": "password"},
        "deployment": {"client_secret": "${env:X}", "client_id": "abc"},
    }
    assert plain_text_secret_paths(config) == ["credentials.password"]


def test_masker_masks_raw_and_json_escaped_values() -> None:
    masker = SecretMasker(['pa"ss\\word', "x"])
    assert masker.mask('{"p": "pa\\"ss\\\\word"}') == '{"p": "****"}'
    assert masker.mask_bytes(b'login pa"ss\\word') == b"login ****"
    assert masker.mask("x marks") == "x marks"  # too short to mask meaningfully
