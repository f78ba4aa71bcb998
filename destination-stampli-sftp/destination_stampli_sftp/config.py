"""The destination's configuration: the SFTP block shared with source-stampli-sftp, plus where files go.

Field names are a contract (issue 7, issue 3): `host`, `port`, `username`, `credentials` (`auth_method`,
`password` | `private_key`, `passphrase`), `host_key`, and `folder` (Stampli's inbound folder, default
`/inbound`). The optional `stampli_export_folder`, `stampli_export_patterns` and `manifest_folder` tune the
echo suppression (see README "No ping-pong").
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stampli_files.sftp import SftpSettings
from stampli_nav_rules import ConfigError, validate_blocks

__all__ = ["ConfigError", "DestinationConfig", "DestinationSettings", "parse_config"]

DEFAULT_FOLDER = "/inbound"
DEFAULT_EXPORT_FOLDER = "/outbound"
MANIFEST_SUBFOLDER = ".stampli-nav"


def _folder(value: str, field_name: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"{field_name} must not be empty")
    if "\x00" in text:
        raise ValueError(f"{field_name} contains a NUL character")
    normalised = posixpath.normpath(text)
    return normalised if normalised != "." else "/"


class DestinationSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    folder: str = DEFAULT_FOLDER
    stampli_export_folder: str | None = DEFAULT_EXPORT_FOLDER
    stampli_export_patterns: dict[str, str] = Field(default_factory=dict)
    manifest_folder: str | None = None
    # The forward connection's mappings (Stampli code -> NAV number), copied here and applied backwards.
    vendor_number_mapping: dict[str, str] = Field(default_factory=dict)
    gl_account_mapping: dict[str, str] = Field(default_factory=dict)

    @field_validator("folder", mode="before")
    @classmethod
    def _default_folder(cls, value: object) -> object:
        return DEFAULT_FOLDER if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("folder")
    @classmethod
    def _valid_folder(cls, value: str) -> str:
        return _folder(value, "folder")

    @field_validator("stampli_export_folder", "manifest_folder", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("stampli_export_folder", "manifest_folder")
    @classmethod
    def _valid_optional_folder(cls, value: str | None) -> str | None:
        return None if value is None else _folder(value, "folder")

    @field_validator("stampli_export_patterns")
    @classmethod
    def _patterns(cls, value: dict[str, str]) -> dict[str, str]:
        from destination_stampli_sftp.catalog_policy import ACCEPTED_STREAMS

        unknown = sorted(set(value) - set(ACCEPTED_STREAMS))
        if unknown:
            raise ValueError(
                f"stampli_export_patterns names unknown stream(s) {', '.join(unknown)}; "
                f"use {', '.join(ACCEPTED_STREAMS)}"
            )
        return {stream: pattern.strip() for stream, pattern in value.items() if pattern.strip()}

    @field_validator("vendor_number_mapping", "gl_account_mapping", mode="before")
    @classmethod
    def _no_mapping(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("vendor_number_mapping", "gl_account_mapping")
    @classmethod
    def _one_to_one(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned = {str(stampli).strip(): str(nav).strip() for stampli, nav in value.items()}
        by_nav: dict[str, list[str]] = {}
        for stampli, nav in cleaned.items():
            if not stampli or not nav:
                raise ValueError("mapping entries need a Stampli code and a NAV number")
            by_nav.setdefault(nav.casefold(), []).append(stampli)
        shared = {nav: codes for nav, codes in by_nav.items() if len(codes) > 1}
        if shared:
            nav, codes = next(iter(shared.items()))
            raise ValueError(
                f"NAV number {nav.upper()} is mapped from several Stampli codes ({', '.join(sorted(codes))}): "
                "the reverse direction cannot tell which one Stampli knows it by"
            )
        return cleaned

    @model_validator(mode="after")
    def _distinct_folders(self) -> DestinationSettings:
        if self.stampli_export_folder == self.folder:
            # Our own import files would then be read as Stampli's exports: echo suppression would trust itself.
            raise ValueError("stampli_export_folder must be Stampli's export folder, not the inbound folder (folder)")
        return self

    @property
    def resolved_manifest_folder(self) -> str:
        return self.manifest_folder or posixpath.join(self.folder, MANIFEST_SUBFOLDER)


class DestinationConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    sftp: SftpSettings
    settings: DestinationSettings


def parse_config(config: Mapping[str, Any]) -> DestinationConfig:
    """The SFTP block and the settings; a `ConfigError` names every wrong field of both, never a value."""
    sftp, settings = validate_blocks(config, SftpSettings, DestinationSettings)
    return DestinationConfig(sftp=sftp, settings=settings)
