"""Helpers for reading from the embedded SFTP server with the connector in-process (the CDK entrypoint)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import (
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    SyncMode,
)
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

from embedded_sftp.pytest_plugin import TestSftpServer
from source_stampli_sftp import SourceStampliSftp
from stampli_samples.exports import write_sample_folder

HERE = Path(__file__).parent


def catalog(streams: list[str] | None = None, sync_mode: SyncMode = SyncMode.incremental) -> ConfiguredAirbyteCatalog:
    raw = json.loads((HERE / "configured_catalog.json").read_text())
    entries = [e for e in raw["streams"] if streams is None or e["stream"]["name"] in streams]
    for entry in entries:
        entry["sync_mode"] = sync_mode.value
    return ConfiguredAirbyteCatalogSerializer.load({"streams": entries})


def final_states(output: EntrypointOutput) -> list[AirbyteStateMessage]:
    """The last STATE of each stream: what the platform would pass to the next run."""
    last: dict[str, AirbyteStateMessage] = {}
    for message in output.state_messages:
        last[message.state.stream.stream_descriptor.name] = message.state
    return list(last.values())


def records_by_stream(output: EntrypointOutput) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for message in output.records:
        result.setdefault(message.record.stream, []).append(message.record.data)
    return result


def roundtrip(states: list[AirbyteStateMessage]) -> list[AirbyteStateMessage]:
    """Through JSON, as a state file would be."""
    return [
        AirbyteStateMessageSerializer.load(json.loads(json.dumps(AirbyteStateMessageSerializer.dump(s))))
        for s in states
    ]


Reader = Callable[..., EntrypointOutput]


@pytest.fixture
def exports(sftp_server: TestSftpServer) -> dict[str, Path]:
    return write_sample_folder(sftp_server.outbound)


@pytest.fixture
def run_read(sftp_server: TestSftpServer) -> Reader:
    def _read(
        config: dict[str, Any] | None = None,
        state: list[AirbyteStateMessage] | None = None,
        streams: list[str] | None = None,
        sync_mode: SyncMode = SyncMode.incremental,
        expect_failure: bool = False,
    ) -> EntrypointOutput:
        from airbyte_cdk.test.models.outcome import ExpectedOutcome

        return read(
            SourceStampliSftp(),
            config or sftp_server.source_config(),
            catalog(streams, sync_mode),
            roundtrip(state) if state else None,
            expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS,
        )

    return _read
