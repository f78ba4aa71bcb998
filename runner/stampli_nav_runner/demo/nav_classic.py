"""`make demo-nav-classic`: the same Stampli exports against a classic NAV 2018 server (issue 13).

The BC emulator runs as NAV 2018 (`bc_version="nav2018"`): no api/v2.0, OData V4 page web services only, so the
destination stages invoices in journal batch STAMPLI and posts nothing. The demo then plays the accountant who
posts the batch (the emulator's admin endpoint), and shows that the next forward run stages nothing again because
the documents are now found in the general ledger. Finally the reverse connection reads NAV's master data through
the page services into Stampli's import folder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from stampli_nav_runner.connection import load_connection
from stampli_nav_runner.demo.environment import DemoEnvironment
from stampli_nav_runner.progress import ConsoleProgress
from stampli_nav_runner.secret_store import SECRETS_KEY_ENV, SecretStore
from stampli_nav_runner.sync_run import SyncRequest, SyncRunner
from stampli_nav_runner.workspace import Workspace

NAV_KEY_SECRET_NAME = "nav_web_service_key"
NAV_PASSWORD_SECRET_NAME = "nav_ntlm_password"
TEMPLATE = "GENERAL"
BATCH = "STAMPLI"
CLASSIC_REVERSE_STREAMS = ["vendors", "gl_accounts", "dimensions", "dimension_values"]


class ClassicDemoEnvironment(DemoEnvironment):
    """The demo world with the emulator as a NAV 2018 server; `auth` is "basic" (NavUserPassword with a web
    service access key) or "ntlm" (Windows)."""

    def __init__(self, root: Path, *, auth: str = "basic", **options: Any) -> None:
        settings = {"bc_version": "nav2018", **options.pop("emulator_settings", {})}
        super().__init__(root, emulator_settings=settings, **options)
        self.auth = auth

    def _start(self) -> None:
        super()._start()
        store = SecretStore(self.paths.secrets_file, os.environ[SECRETS_KEY_ENV])
        store.set(NAV_KEY_SECRET_NAME, self.emulator.basic_access_key)
        store.set(NAV_PASSWORD_SECRET_NAME, self.emulator.settings.nav_ntlm_users[self.ntlm_user])

    @property
    def ntlm_user(self) -> str:
        return next(iter(self.emulator.settings.nav_ntlm_users))

    def nav_block(self) -> dict[str, Any]:
        emulator = self.emulator
        auth: dict[str, Any] = (
            {"auth_type": "ntlm", "username": self.ntlm_user, "password": f"${{secret:{NAV_PASSWORD_SECRET_NAME}}}"}
            if self.auth == "ntlm"
            else {
                "auth_type": "basic",
                "username": emulator.basic_username,
                "web_service_access_key": f"${{secret:{NAV_KEY_SECRET_NAME}}}",
            }
        )
        block: dict[str, Any] = {
            "deployment": {
                "deployment_type": "nav_web_services",
                "server_url": emulator.nav_server_url,
                "server_instance": emulator.server_instance,
                "auth": auth,
            },
            "company": emulator.company_name,
        }
        if emulator.ca_pem:
            block["ca_certificate"] = emulator.ca_pem
        return block

    def forward_connection(self) -> dict[str, Any]:
        connection = super().forward_connection()
        connection["description"] = "Stampli exports on SFTP → NAV 2018 journal batch STAMPLI (staged, not posted)"
        connection["destination"]["config"]["journal_template"] = TEMPLATE
        connection["destination"]["config"]["journal_batch"] = BATCH
        return connection

    def reverse_connection(self) -> dict[str, Any]:
        connection = super().reverse_connection()
        connection["description"] = "NAV 2018 master data (page web services) → Stampli import files on SFTP"
        connection["streams"] = list(CLASSIC_REVERSE_STREAMS)
        return connection

    def batch_documents(self) -> set[str]:
        """Document numbers waiting in the batch, read through the page services like another NAV user."""
        from bc_client import BCConnectionConfig
        from bc_client.nav import NavPageClient

        block = self.nav_block()
        block["deployment"]["auth"] = {
            "auth_type": "basic",
            "username": self.emulator.basic_username,
            "web_service_access_key": self.emulator.basic_access_key,
        }
        where = f"Journal_Template_Name eq '{TEMPLATE}' and Journal_Batch_Name eq '{BATCH}'"
        with NavPageClient.from_config(BCConnectionConfig.model_validate(block)) as nav:
            return {str(line["Document_No"]) for line in nav.read("general_journal", filter=where)}

    def post_batch(self) -> dict[str, Any]:
        """The accountant posts the batch in NAV (emulator machinery: POST /_emulator/nav/post-batch)."""
        verify: Any = True
        if self.emulator.ca_pem:
            import ssl

            verify = ssl.create_default_context(cadata=self.emulator.ca_pem)
        response = httpx.post(
            f"{self.emulator.url}/_emulator/nav/post-batch",
            json={"company": self.emulator.company_name, "journal_template": TEMPLATE, "journal_batch": BATCH},
            verify=verify,
            timeout=60.0,
        )
        response.raise_for_status()
        return dict(response.json())


def resend_invoices() -> SyncRequest:
    return SyncRequest(
        kind="replay", full_refresh_streams=["invoices"], only_streams=["invoices"], start_state_origin="current state"
    )


def run_classic_demo(root: Path, say: Callable[[str], None], *, auth: str = "basic") -> int:
    started = time.monotonic()
    say("Stampli → Dynamics NAV 2018 demo: page web services (OData V4), nothing posted by the connector")
    with ClassicDemoEnvironment(root, auth=auth) as env:
        say(f"  NAV 2018 (emulator) {env.emulator.odata_v4_url}  company “{env.emulator.company_name}”, auth {auth}")
        say(f"  connections         {env.forward_path}, {env.reverse_path}")
        workspace = Workspace(env.paths.runs)
        runner = SyncRunner(workspace, reporter=ConsoleProgress(interval_seconds=1.0))
        forward = load_connection(str(env.forward_path))

        say("\n[1/5] forward sync: invoices are staged as balanced lines in journal batch STAMPLI")
        first = runner.run(forward)
        after_first = env.batch_documents()
        say(f"      batch STAMPLI holds {len(after_first)} document(s)")
        # Runs 2 and 3 re-send every invoice (a full refresh of the stream), so that "nothing staged" is the
        # destination's exactly-once at work, not merely a source with nothing new.
        say("\n[2/5] every invoice sent again: they wait in the batch, so nothing may be staged twice")
        second = runner.run(forward, resend_invoices())
        after_second = env.batch_documents()
        say(f"      batch STAMPLI holds {len(after_second)} document(s)")
        say("\n[3/5] the accountant posts batch STAMPLI in NAV")
        posting = env.post_batch()
        say(f"      posted {posting.get('posted_documents')} document(s), {posting.get('gl_entries')} G/L entries")
        say("\n[4/5] every invoice sent a third time: they are in the ledger now, nothing may be staged")
        third = runner.run(forward, resend_invoices())
        after_third = env.batch_documents()
        say(f"      batch STAMPLI holds {len(after_third)} document(s)")
        say("\n[5/5] reverse sync: source-dynamics-nav (page web services) → destination-stampli-sftp")
        reverse = runner.run(load_connection(str(env.reverse_path)))

        results = {"forward 1": first, "forward 2": second, "forward 3": third, "reverse": reverse}
        say("")
        for name, result in results.items():
            say(f"{name}: {result.status}, destination {result.actions or {}}")
            for error in result.errors[:3]:
                say(f"    error: {error}")
        say(
            f"Run 1 staged {len(after_first)} document(s); run 2 left the batch as it was "
            f"({'same documents' if after_second == after_first else 'DIFFERENT documents'}); the accountant posted "
            f"{posting.get('posted_documents')}; run 3 staged {len(after_third)} "
            f"({third.actions.get('skipped_duplicate', 0)} re-sent invoices found in the ledger)."
        )
    healthy = (
        all(result.succeeded for result in results.values())
        and bool(after_first)
        and after_second == after_first
        and posting.get("posted_documents") == len(after_first)
        and not after_third
        and third.actions.get("skipped_duplicate", 0) >= len(after_first)
    )
    say(f"{'OK' if healthy else 'NOT OK'}: done in {time.monotonic() - started:.1f}s.")
    return 0 if healthy else 1
