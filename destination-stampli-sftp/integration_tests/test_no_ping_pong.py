"""No ping-pong, end to end: Stampli export → NAV (forward connection) → reverse sync → Stampli import file →
next Stampli export → forward again → reverse again. Nothing travels twice; a real NAV-side change travels once.

The four real connectors run against real servers (the embedded SFTP server holding Stampli's folders, the BC
emulator over HTTPS), in-process to keep the test quick. Stampli itself is simulated the way it behaves: it
imports the files in its inbound folder (an upsert of the non-empty cells) and exports its full vendor list with
a fresh modification date on every vendor that changed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
    Type,
)
from airbyte_cdk.test.entrypoint_wrapper import discover, read

from bc_client import BCConnectionConfig, BusinessCentralClient
from bc_emulator import EmulatorServer
from destination_stampli_sftp import DestinationStampliSftp
from destination_stampli_sftp.import_formats import VENDORS as VENDOR_IMPORT

pytest.importorskip("destination_dynamics_nav", reason="the forward destination is part of this repository")
from destination_dynamics_nav import DestinationDynamicsNav
from source_dynamics_nav import SourceDynamicsNav
from source_stampli_sftp import SourceStampliSftp

HEADERS = VENDOR_IMPORT.headers
REVERSE_STREAMS = ("vendors", "gl_accounts", "dimensions", "dimension_values")


class StampliSimulator:
    """Stampli's side of the SFTP folders: its vendor master, its exports, its importer."""

    def __init__(self, root: Path, vendors: list[dict[str, str]]) -> None:
        self.outbound = root / "outbound"
        self.inbound = root / "inbound"
        self.vendors = {row["Vendor ID"].casefold(): dict(row) for row in vendors}
        self.imported: list[str] = []
        self.exports = 0
        self._last_mtime = 0.0

    def export(self) -> Path:
        """A full vendor export with a modification time after everything already on the server."""
        self.exports += 1
        path = self.outbound / f"vendors_export_{self.exports:03d}.csv"
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=HEADERS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.vendors.values())
        path.write_text(buffer.getvalue(), encoding="utf-8")
        newest = max([p.stat().st_mtime for p in self.inbound.rglob("*") if p.is_file()] + [self._last_mtime])
        self._last_mtime = max(time.time(), newest + 1)
        os.utime(path, (self._last_mtime, self._last_mtime))
        return path

    def run_imports(self) -> list[str]:
        """Import every vendor file not imported yet: upsert the non-empty cells. Returns the changed vendor ids."""
        changed: list[str] = []
        for path in sorted(self.inbound.glob("vendors_*.csv")):
            if path.name in self.imported:
                continue
            self.imported.append(path.name)
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
                key = row["Vendor ID"].casefold()
                current = self.vendors.get(key, {header: "" for header in HEADERS})
                updated = {**current, **{h: v for h, v in row.items() if v and h != "Modified Date"}}
                if updated != current:
                    updated["Modified Date"] = "2026-11-26"
                    self.vendors[key] = updated
                    changed.append(row["Vendor ID"])
        return changed


def stampli_vendor(vendor_id: str, name: str, **cells: str) -> dict[str, str]:
    row = {header: "" for header in HEADERS}
    row.update({"Vendor ID": vendor_id, "Vendor Name": name, "Currency": "USD", "Payment Terms": "NET30",
                "Status": "Active", "Modified Date": "2026-11-20"})  # fmt: skip
    row.update(cells)
    return row


class Connection:
    """Source read piped into destination write, keeping the state the destination confirmed."""

    def __init__(
        self, source: Any, source_config: dict, destination: Any, destination_config: dict, catalog: Any
    ) -> None:
        self.source, self.source_config = source, source_config
        self.destination, self.destination_config = destination, destination_config
        self.catalog = catalog
        self.state: dict[str, AirbyteStateMessage] = {}

    def sync(self) -> dict[str, Any]:
        output = read(self.source(), self.source_config, self.catalog, list(self.state.values()) or None)
        assert not output.errors, output.get_formatted_error_message()
        messages = [m for m in output.records_and_state_messages]
        echoed = list(self.destination().write(self.destination_config, self.catalog, iter(messages)))
        for message in echoed:
            if message.type == Type.STATE:
                self.state[message.state.stream.stream_descriptor.name] = message.state
        return {"records": [m.record for m in output.records], "audit": audit_actions(echoed)}


def audit_actions(messages: list[AirbyteMessage]) -> Counter[str]:
    actions: Counter[str] = Counter()
    for message in messages:
        if message.type == Type.LOG and message.log.message.startswith('{"event":"stampli_nav.audit"'):
            payload = json.loads(message.log.message)
            actions[f"{payload['stream']}:{payload['action']}"] += 1
    return actions


def catalog_from(source: Any, config: dict, streams: tuple[str, ...]) -> ConfiguredAirbyteCatalog:
    """The source's own discovered streams, incremental, appended."""
    discovered = discover(source, config).catalog.catalog
    return ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=stream, sync_mode=SyncMode.incremental, destination_sync_mode=DestinationSyncMode.append
            )
            for stream in discovered.streams
            if stream.name in streams
        ]
    )


def nav_vendor_stamps(emulator: EmulatorServer) -> dict[str, str]:
    return {v["number"]: v["lastModifiedDateTime"] for v in emulator.dump()["companies"][0]["vendors"]}


def import_rows(inbound: Path) -> Counter[str]:
    """How often each vendor travelled to Stampli, over every vendor import file written so far."""
    counts: Counter[str] = Counter()
    for path in sorted(inbound.glob("vendors_*.csv")):
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
            counts[row["Vendor ID"].upper()] += 1
    return counts


@pytest.fixture
def world(sftp_server: Any, bc_emulator_factory: Any) -> dict[str, Any]:
    (sftp_server.root / "inbound").mkdir()
    emulator: EmulatorServer = bc_emulator_factory(tls=True)
    nav = {
        "deployment": {
            "deployment_type": "on_premises",
            "server_url": emulator.url,
            "server_instance": emulator.server_instance,
            "auth": {
                "auth_type": "basic",
                "username": emulator.basic_username,
                "web_service_access_key": emulator.basic_access_key,
            },  # fmt: skip
        },
        "company": emulator.company_name,
        "ca_certificate": emulator.ca_pem,
    }
    stampli = StampliSimulator(
        sftp_server.root,
        [
            # Known to NAV, but Stampli's address is newer: the forward connection updates NAV.
            stampli_vendor(
                "V10000",
                "Fabrikam, Inc.",
                **{
                    "Address Line 1": "51 Radcliff Street",
                    "City": "Marietta",
                    "State": "GA",
                    "Postal Code": "31772",
                    "Country": "US",
                    "Email": "accounts@fabrikam.example",
                    "Phone": "404-555-0134",
                    "Tax ID": "US-22-4931045",
                },
            ),  # fmt: skip
            # New to NAV: the forward connection creates it.
            stampli_vendor(
                "v20000",
                "Contoso Supplies",
                **{
                    "Address Line 1": "5 Pine Road",
                    "City": "Denver",
                    "State": "CO",
                    "Postal Code": "80202",
                    "Country": "us",
                    "Email": "ap@contoso.example",
                },
            ),  # fmt: skip
        ],
    )
    source_stampli = sftp_server.source_config()
    forward_catalog = catalog_from(SourceStampliSftp(), source_stampli, ("vendors",))
    reverse_catalog = catalog_from(SourceDynamicsNav(), nav, REVERSE_STREAMS)
    return {
        "emulator": emulator,
        "stampli": stampli,
        "nav": nav,
        "forward": Connection(SourceStampliSftp, source_stampli, DestinationDynamicsNav, nav, forward_catalog),
        "reverse": Connection(
            SourceDynamicsNav,
            nav,
            DestinationStampliSftp,
            {**sftp_server.connection_config(), "folder": "/inbound"},
            reverse_catalog,
        ),
    }


def test_nothing_travels_twice_and_a_real_nav_change_travels_once(world: dict[str, Any]) -> None:
    emulator, stampli = world["emulator"], world["stampli"]
    forward, reverse = world["forward"], world["reverse"]
    inbound = stampli.inbound

    # 1. Stampli exports; the forward connection brings its vendors to NAV.
    stampli.export()
    forward.sync()
    stamps = nav_vendor_stamps(emulator)
    assert "V20000" in stamps
    vendors_from_nav = set(stamps)

    # 2. Reverse: NAV's vendors go to Stampli — except the two that came from Stampli (the echo).
    first_reverse = reverse.sync()
    sent = import_rows(inbound)
    assert "V10000" not in sent and "V20000" not in sent, "Stampli's own changes must not come back"
    assert set(sent) == vendors_from_nav - {"V10000", "V20000"}
    assert first_reverse["audit"]["vendors:skipped_duplicate"] == 2

    # 3. Stampli imports and exports again; the forward connection sees new vendors but changes nothing in NAV.
    assert sorted(stampli.run_imports()) == sorted(sent)
    stampli.export()
    forward.sync()
    assert nav_vendor_stamps(emulator) == stamps, "the imported rows came back to NAV as changes (ping-pong)"

    # 4. Reverse again: nothing changed in NAV, nothing is written.
    files_before = sorted(inbound.glob("*.csv"))
    second_reverse = reverse.sync()
    assert second_reverse["records"] == []
    assert sorted(inbound.glob("*.csv")) == files_before

    # 5. A real change in NAV travels to Stampli once...
    with BusinessCentralClient(BCConnectionConfig.model_validate(world["nav"])) as bc:
        vendor = next(iter(bc.iter_entities("vendors", filter="number eq 'V10020'")))
        bc.update(f"vendors({vendor['id']})", {"city": "Cambridge"}, vendor["@odata.etag"])
    stamps = nav_vendor_stamps(emulator)
    reverse.sync()
    assert import_rows(inbound) - sent == Counter({"V10020": 1})
    assert stampli.run_imports() == ["V10020"]
    assert stampli.vendors["v10020"]["City"] == "Cambridge"

    # ...and does not bounce: Stampli's next export goes forward without touching NAV, and back without a file.
    stampli.export()
    forward.sync()
    assert nav_vendor_stamps(emulator) == stamps
    files_before = sorted(inbound.glob("*.csv"))
    reverse.sync()
    assert sorted(inbound.glob("*.csv")) == files_before

    # A full re-read of NAV (a reset of the reverse connection) sends nothing Stampli already has either.
    reverse.state = {}
    reset = reverse.sync()
    assert len(reset["records"]) > 0
    assert sorted(inbound.glob("*.csv")) == files_before
    assert all(count <= 2 for count in import_rows(inbound).values())
    assert import_rows(inbound)["V10020"] == 2  # once at the start, once for the real change
