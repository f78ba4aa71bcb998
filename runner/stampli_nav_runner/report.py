"""`stampli-nav report`: render the reconciliation (reconciliation.py) as one self-contained HTML file."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from stampli_nav_runner.atomic_files import write_bytes_atomic
from stampli_nav_runner.connection import Connection, ConnectionFileError, load_connection
from stampli_nav_runner.masking import SecretMasker
from stampli_nav_runner.reconciliation import INVOICES, LedgerReader, Reconciliation, collect, forward_runs
from stampli_nav_runner.secret_references import SecretResolver
from stampli_nav_runner.workspace import Workspace


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}"


def render_html(reconciliation: Reconciliation, ledger_source: str | None = None) -> str:
    environment = Environment(
        loader=PackageLoader("stampli_nav_runner", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("reconciliation.html.j2")
    return template.render(
        rec=reconciliation,
        money=money,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        ledger_source=ledger_source,
        vendor_total=sum(reconciliation.vendor_actions.values()),
    )


def _forward_connection(workspace: Workspace) -> Connection | None:
    """The connection file recorded by the latest run that carried invoices."""
    for run in reversed(forward_runs(workspace, None)):
        recorded = run.read_record().get("connection_file")
        if recorded and Path(recorded).is_file():
            try:
                return load_connection(recorded)
            except ConnectionFileError:
                continue
    return None


def write_report(
    workspace: Workspace,
    output: Path,
    connection: Connection | None = None,
    read_back: bool = True,
    ledger: LedgerReader | None = None,
) -> Reconciliation:
    connection = connection or _forward_connection(workspace)
    masker = SecretMasker()
    ledger_source = None
    account_mapping: dict[str, str] = {}
    ledger_error = None
    if connection is not None:
        account_mapping = dict(connection.destination.config.get("gl_account_mapping") or {})
    if read_back and ledger is None and connection is not None:
        try:
            resolved = SecretResolver().resolve(connection.destination.config)
            masker.add(resolved.secret_values)
            from stampli_nav_runner.nav_ledger import BusinessCentralLedger

            ledger = BusinessCentralLedger(resolved.config)
            ledger_source = ledger.config.resolved_api_base_url
        except Exception as exc:  # the report still shows the Stampli side
            ledger_error = masker.mask(f"{type(exc).__name__}: {exc}")
    elif read_back and ledger is None:
        ledger_error = f"no connection file found for a connection carrying {INVOICES}; pass --connection"
    reconciliation = collect(
        workspace,
        connection=connection.name if connection else None,
        ledger=ledger if read_back else None,
        account_mapping=account_mapping,
    )
    if reconciliation.ledger_error:
        reconciliation.ledger_error = masker.mask(reconciliation.ledger_error)
    elif ledger_error and not reconciliation.ledger_read:
        reconciliation.ledger_error = ledger_error
    html = render_html(reconciliation, ledger_source)
    write_bytes_atomic(output, masker.mask(html).encode("utf-8"))
    return reconciliation
