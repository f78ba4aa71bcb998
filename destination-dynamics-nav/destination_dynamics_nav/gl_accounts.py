"""The gl_accounts stream: compared with NAV's chart of accounts and reported. G/L accounts are read-only in the
API, so nothing is written; a controller reads the differences in the audit trail."""

from __future__ import annotations

from destination_dynamics_nav.audit import AuditEvent, RecordOrigin
from destination_dynamics_nav.config import DestinationSettings
from destination_dynamics_nav.mapping import nav_account_number
from destination_dynamics_nav.records import StampliGlAccount
from destination_dynamics_nav.reference_data import ReferenceData


def compare_gl_account(
    origin: RecordOrigin, account: StampliGlAccount, settings: DestinationSettings, reference: ReferenceData
) -> AuditEvent:
    number = nav_account_number(account.account_number, settings)
    nav = reference.account(number)
    if nav is None:
        return AuditEvent(
            origin,
            "ignored",
            reason=f"gl_account_missing_in_nav: Stampli G/L account {account.account_number} has no NAV account "
            f"{number}; invoices coded to it will be rejected (create it in NAV or map it in gl_account_mapping)",
        )
    differences: list[str] = []
    if account.account_name and account.account_name.strip().casefold() != nav.display_name.strip().casefold():
        differences.append(f"name differs (Stampli {account.account_name!r}, NAV {nav.display_name!r})")
    usable = nav.account_type.casefold() == "posting" and nav.direct_posting and not nav.blocked
    if account.active is not False and not usable:
        why = (
            "blocked"
            if nav.blocked
            else "not a posting account"
            if nav.account_type.casefold() != "posting"
            else "closed to direct posting"
        )
        differences.append(f"active in Stampli but {why} in NAV")
    if account.active is False and usable:
        differences.append("inactive in Stampli but open for posting in NAV")
    if differences:
        return AuditEvent(origin, "ignored", reason=f"gl_account_differs: account {number}: " + "; ".join(differences))
    return AuditEvent(origin, "ignored", reason=f"gl_account_in_sync: NAV account {number} matches (nothing to write)")
