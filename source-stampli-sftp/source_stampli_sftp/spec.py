"""The connector's configuration (the issue's field names are a contract) and its Airbyte spec."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field, field_validator, model_validator

from stampli_files.declarations import STREAMS
from stampli_files.headers import ColumnMappingError, HeaderResolver
from stampli_files.sftp import SftpSettings
from stampli_nav_rules import describe_validation_error

DOCUMENTATION_URL = "https://github.com/stampli-nav/connectors/blob/main/docs/connectors/source-stampli-sftp.md"


class SourceStampliSftpConfig(SftpSettings):
    """host, port, username, credentials, host_key (SftpSettings) plus what to read."""

    folder: str = Field(
        default="/outbound",
        description="Folder on the SFTP server where Stampli drops its exports.",
        json_schema_extra={"order": 5},
    )
    start_date: datetime | None = Field(
        default=None,
        description="Ignore files last modified before this moment (ISO-8601, e.g. 2026-01-01 or 2026-01-01T00:00:00Z; UTC when no offset).",
        json_schema_extra={"order": 6, "examples": ["2026-01-01", "2026-01-01T00:00:00Z"]},
    )
    file_patterns: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Per stream, a file name glob (case-insensitive; several globs separated by '|'). Defaults: "
            + "; ".join(f"{name}: {d.default_glob}" for name, d in STREAMS.items())
            + ". Zip archives whose names match no stream are read member by member with the same globs."
        ),
        json_schema_extra={"order": 7, "examples": [{"invoices": "approved_invoices_*.csv"}]},
    )
    column_mapping: dict[str, str | dict[str, str]] = Field(
        default_factory=dict,
        description=(
            "Export header → field overrides, for headers the built-in aliases do not know. Either "
            '{"Inv Ref": "invoice_number"} for every stream, or per stream {"invoices": {"Inv Ref": "invoice_number"}}. '
            "Targets are field names or reference column ids (invoice_number, line_amount, lines.amount)."
        ),
        json_schema_extra={"order": 8},
    )

    @field_validator("folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        value = value.strip() or "/"
        return value if value == "/" else value.rstrip("/")

    @field_validator("start_date")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("file_patterns")
    @classmethod
    def _known_streams(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(STREAMS))
        if unknown:
            raise ValueError(f"file_patterns: unknown stream(s) {', '.join(unknown)}; streams are {', '.join(STREAMS)}")
        return value

    @model_validator(mode="after")
    def _mapping_targets_exist(self) -> SourceStampliSftpConfig:
        for stream in STREAMS:
            try:
                HeaderResolver(STREAMS[stream], self.mapping_for(stream))
            except ColumnMappingError as exc:
                raise ValueError(str(exc)) from None
        for source_header, target in self.column_mapping.items():
            if isinstance(target, dict):
                if source_header not in STREAMS:
                    raise ValueError(f"column_mapping: {source_header!r} is not a stream ({', '.join(STREAMS)})")
            elif not any(HeaderResolver(d).target_slot(target) for d in STREAMS.values()):
                raise ValueError(f"column_mapping: {source_header!r} → {target!r}: no stream has a field {target!r}")
        return self

    def mapping_for(self, stream: str) -> dict[str, str]:
        """Global entries whose target the stream has, overridden by the stream's own entries."""
        declaration = STREAMS[stream]
        probe = HeaderResolver(declaration)
        mapping = {
            header: target
            for header, target in self.column_mapping.items()
            if isinstance(target, str) and probe.target_slot(target) is not None
        }
        own = self.column_mapping.get(stream)
        if isinstance(own, dict):
            mapping.update(own)
        return mapping

    def globs_for(self, stream: str) -> tuple[str, ...]:
        from stampli_files.listing import split_globs

        return split_globs(self.file_patterns.get(stream) or STREAMS[stream].default_glob)


# What is wrong with a config, by field and problem, never by value (values may be secrets): the shared rule.
config_problems = describe_validation_error


def connection_specification() -> dict[str, Any]:
    """JSON Schema of the config, shaped for Airbyte's UI: no $refs, oneOf with const discriminators, secrets marked."""
    schema = SourceStampliSftpConfig.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            node = {k: inline(v) for k, v in node.items() if k != "discriminator"}
            # pydantic writes optional fields as anyOf [X, null]; Airbyte's UI wants one type (null still valid)
            if "anyOf" in node and len(node["anyOf"]) == 2 and {"type": "null"} in node["anyOf"]:
                (inner,) = [v for v in node.pop("anyOf") if v != {"type": "null"}]
                node = {**inner, **node, "type": [inner["type"], "null"]}
                if node.get("default", "") is None:
                    del node["default"]
            return node
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    spec = inline(schema)
    spec["$schema"] = "http://json-schema.org/draft-07/schema#"
    spec["title"] = "Stampli SFTP Source Spec"
    spec["description"] = "Reads Stampli CSV/XML exports from an SFTP folder; emits new or changed records only."
    spec["additionalProperties"] = True
    credentials = spec["properties"]["credentials"]
    credentials["type"] = "object"
    for option in credentials["oneOf"]:
        option["properties"]["auth_method"].pop("default", None)
        option["required"] = sorted(set(option.get("required", [])) | {"auth_method"})
    start_date = spec["properties"]["start_date"]
    start_date.pop("format", None)  # dates without a time are accepted too
    start_date["pattern"] = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
    return spec
