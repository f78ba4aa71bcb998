"""Replay after an injected posting failure: nothing is lost, nothing is posted twice.

NAV refuses to post (the emulator answers 500 to every journal post) while a new export arrives; the sync fails and
keeps no state past what NAV confirmed. After NAV recovers, `stampli-nav replay --from-state <first run>` re-sends
everything from the start: what is already in NAV is looked up and skipped, only what is missing is posted.
"""

from __future__ import annotations

from decimal import Decimal

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.demo.environment import sample_exports
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace

POST_ROUTE = "companies/journals/Microsoft.NAV.post"


def test_replay_posts_only_what_the_failed_sync_missed(make_environment, e2e) -> None:
    env = make_environment(exports=["vendors_20261124_0600.csv", "invoices_20261123_0800.csv"])
    workspace = Workspace(env.paths.runs)
    runner = SyncRunner(workspace)
    forward = load_connection(str(env.forward_path))

    first = runner.run(forward)
    assert first.succeeded, first.errors
    assert first.actions["posted"] == 5  # INV-1001, 1002, 1003, 1004, 1006
    posted_before = {doc: e2e.posted_amount(entries) for doc, entries in e2e.ledger_by_document(env).items()}

    # NAV stops posting; Stampli drops the XML export (two repeats, three new invoices).
    rule = env.emulator.faults.add(kind="status", status=500, route=POST_ROUTE, methods=["POST"])
    xml_export = next(path for path in sample_exports() if path.name == "invoices_20261124_1400.xml")
    env.add_export(xml_export)
    failed = runner.run(forward)
    assert failed.status == "failed"
    assert failed.errors
    assert rule.fired >= 1
    assert {doc: e2e.posted_amount(e) for doc, e in e2e.ledger_by_document(env).items()} == posted_before
    invoices_state_before = [m for m in _state(workspace) if _stream(m) == "invoices"]

    # NAV recovers; replay from the state the first run started with (nothing: re-send everything).
    env.emulator.faults.remove(rule.id)
    replay = e2e.stampli_nav(env, "replay", str(env.forward_path), "--from-state", first.run_id)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    replay_run = workspace.runs("forward")[-1]
    record = replay_run.read_record()
    assert record["kind"] == "replay" and record["status"] == "succeeded"
    actions = record["actions"]
    # The 5 invoices of the first run are found in NAV by document number and not posted again; the 3 the failed
    # sync could not post (INV-1008, 1009, 1010) are posted now — the destination may post the journal lines the
    # failed run left in the batch first, and then find them posted when the records come again.
    assert actions.get("skipped_duplicate", 0) >= 5
    assert actions.get("posted", 0) + actions.get("skipped_duplicate", 0) == 8

    ledger = e2e.ledger_by_document(env)
    for document, amount in posted_before.items():
        assert e2e.posted_amount(ledger[document]) == amount, f"{document} posted twice"
    assert e2e.posted_amount(ledger["STP-INV-1008"]) == Decimal("5200.00")
    assert e2e.posted_amount(ledger["STP-INV-1009"]) == Decimal("940.00")
    assert e2e.posted_amount(ledger["STP-INV-1010"]) == Decimal("-480.00")
    assert env.emulator.dump()["companies"][0]["journalLines"] == []  # nothing half-written left behind
    # The connection's state moved on with the replay (the XML export is now confirmed as read).
    assert [m for m in _state(workspace) if _stream(m) == "invoices"] != invoices_state_before


def _state(workspace: Workspace) -> list[dict]:
    from stampli_nav_runner.connection_state import ConnectionState

    return ConnectionState.load(workspace.state_path("forward")).messages()


def _stream(message: dict) -> str:
    return message["stream"]["stream_descriptor"]["name"]
