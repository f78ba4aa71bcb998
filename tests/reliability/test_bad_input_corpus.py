"""Bad-input corpus (tests/data/bad_inputs, manifest.yaml): no crash, every record posted or rejected with a named
reason, nothing silently lost — and what was posted is in NAV exactly once, on the right date, for the right amount.

Each case is served as its own SFTP folder and read by the forward connection (source and destination in this
process; one BC emulator shared by the module, every case using its own invoice ids).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reliability_harness.corpus import CORPUS, Case, account, load_cases
from reliability_harness.inprocess import InProcessConnection
from reliability_harness.ledger import Books, posting_problems
from reliability_harness.world import World, open_world

CASES = load_cases()
EXPORTED_AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_world(tmp_path_factory.mktemp("corpus")) as world:
        yield world


def serve(world: World, case: Case) -> str:
    """Copy the case's files into their own SFTP folder, dated like a Stampli export; returns the folder."""
    folder = f"/{case.name}"
    target = world.sftp.root / case.name
    target.mkdir(parents=True, exist_ok=True)
    for path in case.files():
        copied = target / path.name
        shutil.copyfile(path, copied)
        os.utime(copied, (EXPORTED_AT.timestamp(), EXPORTED_AT.timestamp()))
    return folder


def test_manifest_covers_every_case_folder_and_every_file() -> None:
    folders = {path.name for path in CORPUS.iterdir() if path.is_dir()}
    assert folders == {case.name for case in CASES}
    for case in CASES:
        listed = {name.split("!/")[0] for name in case.units}
        assert listed == {path.name for path in case.files()}, case.name


PLAIN_CSV = [c for c in CASES if all(n.endswith(".csv") and "!/" not in n for n in c.units)]


@pytest.mark.parametrize("case", PLAIN_CSV, ids=lambda c: c.name)
def test_manifest_unit_counts_match_the_csv_files(case: Case) -> None:
    """The manifest's counts are Python's csv module's (what the source parses with), checked independently."""
    for name, units in case.units.items():
        raw = (case.folder / name).read_bytes()
        encodings = ("utf-16",) if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else ("utf-8-sig", "cp1252")
        for encoding in encodings:
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            assert case.invoices and all(e.value == "unknown_encoding" for e in case.invoices.values())
            continue  # undecodable on purpose: the whole-file reject covers its rows
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
        assert max(len(rows) - 1, 0) == units, name


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_is_posted_or_rejected_with_a_named_reason_never_lost(corpus_world: World, case: Case) -> None:
    folder = serve(corpus_world, case)
    connection = InProcessConnection(
        corpus_world.source_config(folder=folder), corpus_world.destination_config(), streams=("invoices",)
    )
    outcome = connection.sync()
    assert outcome.source_error is None, f"the source failed on {case.name}: {outcome.source_error}"
    assert outcome.destination_error is None, f"the destination failed on {case.name}: {outcome.error_text()}"
    assert outcome.states_confirmed == outcome.states_emitted  # the run completed: every state confirmed

    accounting = account(case, folder, outcome)
    print(accounting.summary())
    assert accounting.problems == [], f"{case.name} ({case.why}):\n  " + "\n  ".join(accounting.problems)

    # What was posted is in NAV once, for the manifest's amount, vendor and posting date; nothing else of this case.
    books = Books.of(corpus_world.emulator)
    ours = {f"VI-{i}".upper() for i in case.invoices} | {
        (e.invoice_number or "").upper() for e in case.invoices.values()
    }
    books.vendor_entries = [e for e in books.vendor_entries if str(e["externalDocumentNumber"]).upper() in ours]
    expected = {i: e.posting() for i, e in case.invoices.items() if e.outcome == "posted"}
    assert posting_problems(books, expected) == []
    for invoice_id, expectation in expected.items():
        posted = next(e for e in outcome.audit() if e["key"] == invoice_id)
        number = posted["nav_document_number"]
        assert number and len(number) <= 20, f"{invoice_id}: document number {number!r}"
        descriptions = {e["description"] for e in books.gl_by_document()[number]}
        for wanted in case.invoices[invoice_id].descriptions:
            assert wanted in descriptions, f"{invoice_id}: {wanted!r} not among {descriptions}"
        assert expectation.total == sum(
            (e["debitAmount"] - e["creditAmount"])
            for e in books.gl_by_document()[number]
            if e["accountNumber"] != "2100"
        )

    # Nothing landed outside the SFTP folder or the source's temporary folder (zip members named ../ or /tmp/...).
    assert not (corpus_world.sftp.root.parent / "invoices_escape.csv").exists()
    assert not Path("/tmp/invoices_absolute.csv").exists()


def test_accounting_catches_a_silently_dropped_row_and_an_unexplained_reject() -> None:
    """The corpus is only as good as its accounting: feed it a run that lost a row and refused without a reason."""
    from airbyte_cdk.models import AirbyteMessage, AirbyteRecordMessage, Type
    from reliability_harness.corpus import Expectation
    from reliability_harness.inprocess import SyncOutcome

    case = Case(
        name="synthetic",
        why="",
        units={"invoices_x.csv": 3},
        invoices={
            "S-1": Expectation("S-1", "posted", "10.00", vendor="V10000"),
            "S-2": Expectation("S-2", "rejected", "unknown_vendor"),
            "S-3": Expectation("S-3", "source_rejected", "wrong_field_count"),
        },
    )
    records = [
        {"invoice_id": "S-1", "_ab_source_file_url": "/synthetic/invoices_x.csv", "_stampli_source_rows": [2]},
        {"invoice_id": "S-2", "_ab_source_file_url": "/synthetic/invoices_x.csv", "_stampli_source_rows": [3]},
    ]
    audit = [
        {"event": "stampli_nav.audit", "stream": "invoices", "key": "S-1", "action": "posted", "amount": "10.00"},
        {"event": "stampli_nav.audit", "stream": "invoices", "key": "S-2", "action": "rejected", "reason": "refused"},
    ]
    outcome = SyncOutcome(
        forwarded=[
            AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream="invoices", data=r, emitted_at=0))
            for r in records
        ],
        destination_messages=[log_line(event) for event in audit],
    )
    problems = "\n".join(account(case, "/synthetic", outcome).problems)
    assert "unit 4 silently lost" in problems
    assert "S-2: reason 'refused' does not start with a named code" in problems
    assert "S-3: no source reject wrong_field_count" in problems


def log_line(event: dict[str, object]) -> object:
    import orjson
    from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, Level, Type

    return AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message=orjson.dumps(event).decode()))
