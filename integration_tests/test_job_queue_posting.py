"""Post with Job Queue end to end: NAV's General Ledger Setup schedules journal posts in the background.

Real processes (the `stampli-nav` runner starts source-stampli-sftp and destination-dynamics-nav) against the
emulator with "Post with Job Queue" on: the first run sees its post answered 204 with nothing posted yet, waits for
the job queue and confirms only what reached the ledger; a replay of the same records posts nothing and deletes
nothing.
"""

from __future__ import annotations

import httpx

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.sync_run import SyncRunner
from stampli_nav_runner.workspace import Workspace


def test_job_queue_posting_is_waited_for_and_a_replay_adds_and_deletes_nothing(make_environment, e2e) -> None:
    env = make_environment(exports=["vendors_20261124_0600.csv", "invoices_20261123_0800.csv"])
    verify = str(env.emulator.ca_file) if env.emulator.ca_file else True
    with httpx.Client(base_url=f"{env.emulator.url}/_emulator", verify=verify) as admin:
        switched = admin.patch("/setup", json={"postWithJobQueue": True})
        assert switched.json()["postWithJobQueue"] is True
        env.emulator.settings.job_queue_delay_s = 1.0
        workspace = Workspace(env.paths.runs)
        forward = load_connection(str(env.forward_path))

        first = SyncRunner(workspace).run(forward)
        assert first.succeeded, first.errors
        assert first.actions["posted"] == 5  # INV-1001, 1002, 1003, 1004, 1006: each posted by its own job
        ledger = e2e.ledger_by_document(env)
        posted = {doc: e2e.posted_amount(entries) for doc, entries in ledger.items() if doc.startswith("STP-")}
        assert len(posted) == 5
        assert env.emulator.dump()["companies"][0]["journalLines"] == []
        assert admin.get("/job-queue").json()["value"] == []

        replay = e2e.stampli_nav(env, "replay", str(env.forward_path), "--from-state", first.run_id)
        assert replay.returncode == 0, replay.stdout + replay.stderr
        record = workspace.runs("forward")[-1].read_record()
        assert record["status"] == "succeeded"
        assert record["actions"].get("posted", 0) == 0 and record["actions"]["skipped_duplicate"] >= 5
        after = {doc: e2e.posted_amount(e) for doc, e in e2e.ledger_by_document(env).items() if doc.startswith("STP-")}
        assert after == posted  # nothing posted twice
        assert env.emulator.dump()["companies"][0]["journalLines"] == []
