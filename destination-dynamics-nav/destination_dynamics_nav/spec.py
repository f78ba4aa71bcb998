"""The connector's spec: bc_client's shared connection block plus the posting options of issue 5."""

from __future__ import annotations

from typing import Any

from bc_client.spec import CONNECTION_REQUIRED, connection_properties
from destination_dynamics_nav.config import DEFAULT_DIMENSION_MAPPING

DOCUMENTATION_URL = "https://github.com/stampli-nav/connectors/blob/main/docs/connectors/destination-dynamics-nav.md"


def posting_properties(order_start: int) -> dict[str, dict[str, Any]]:
    order = iter(range(order_start, order_start + 100))
    return {
        "posting_mode": {
            "type": "string",
            "title": "Posting mode",
            "description": (
                "journal: one balanced general journal document per invoice (G/L lines + a vendor line), posted "
                "through a journal batch. purchase_invoice: a NAV purchase invoice per invoice, posted — a real "
                "vendor invoice in NAV (document type Invoice, BC's duplicate check on the vendor invoice number)."
            ),
            "enum": ["journal", "purchase_invoice"],
            "default": "journal",
            "order": next(order),
        },
        "journal_template": {
            "type": "string",
            "title": "Journal template",
            "description": (
                "Optional. The API lists journal batches of the default General template; name another template "
                "(e.g. PURCHASES) to use a batch of that template."
            ),
            "maxLength": 10,
            "order": next(order),
        },
        "journal_batch": {
            "type": "string",
            "title": "Journal batch",
            "description": (
                "The general journal batch the connector writes and posts (created in the default General template if "
                "missing; a batch of a named journal_template must already exist in NAV). Use a batch only "
                "this connector uses: it is posted whole, and its No. Series must be empty because the connector "
                "assigns its own document numbers."
            ),
            "default": "STAMPLI",
            "maxLength": 10,
            "order": next(order),
        },
        "post_documents": {
            "type": "boolean",
            "title": "Post documents",
            "description": (
                "false leaves the journal lines / draft purchase invoices unposted for review in NAV. With "
                "deployment_type nav_web_services (NAV 2015-2018) it must be false: page web services cannot post, "
                "invoices are staged in the journal batch for an accountant to post."
            ),
            "default": True,
            "order": next(order),
        },
        "posting_statuses": {
            "type": "array",
            "title": "Statuses to post",
            "description": "Stampli invoice statuses that are posted. Voided/Canceled invoices already posted are reversed.",
            "items": {"type": "string"},
            "default": ["Approved"],
            "order": next(order),
        },
        "posting_date_field": {
            "type": "string",
            "title": "Posting date from",
            "description": "Which Stampli date becomes NAV's posting date.",
            "enum": ["invoice_date", "approved_date"],
            "default": "invoice_date",
            "order": next(order),
        },
        "document_number_prefix": {
            "type": "string",
            "title": "Document number prefix",
            "description": (
                "Prefix of the deterministic NAV document numbers (STP-<Stampli invoice id>, at most 20 characters; "
                "long ids are shortened with a hash). Letters and digits, at most 8."
            ),
            "default": "STP",
            "pattern": "^[A-Za-z0-9]{0,8}$",
            "order": next(order),
        },
        "dimension_mapping": {
            "type": "object",
            "title": "Dimension mapping",
            "description": "Stampli field → NAV dimension code. Each line's value becomes a dimension value of that code.",
            "additionalProperties": {"type": "string"},
            "default": dict(DEFAULT_DIMENSION_MAPPING),
            "order": next(order),
        },
        "gl_account_mapping": {
            "type": "object",
            "title": "G/L account mapping",
            "description": "Optional. Stampli G/L code → NAV G/L account number, for codes that differ.",
            "additionalProperties": {"type": "string"},
            "order": next(order),
        },
        "vendor_sync": {
            "type": "string",
            "title": "Vendor sync",
            "description": (
                "create_and_update: create missing vendors and update changed ones; create_only: never change "
                "existing vendors; off: never write vendors (invoices of unknown vendors are rejected)."
            ),
            "enum": ["create_and_update", "create_only", "off"],
            "default": "create_and_update",
            "order": next(order),
        },
        "vendor_number_mapping": {
            "type": "object",
            "title": "Vendor number mapping",
            "description": "Optional. Stampli vendor id → NAV vendor number, where they differ (default: the same).",
            "additionalProperties": {"type": "string"},
            "order": next(order),
        },
        "vendor_duplicate_check": {
            "type": "string",
            "title": "Duplicate vendor check",
            "description": (
                "Before creating a vendor, compare it with NAV's vendors (tax id, name + postal code, e-mail "
                "domain / phone). block: a likely duplicate of an existing NAV vendor is not created and its "
                "invoices are rejected until `stampli-nav match-vendors` maps it; warn: create it anyway and say so "
                "in the audit log; off: no check."
            ),
            "enum": ["block", "warn", "off"],
            "default": "block",
            "order": next(order),
        },
        "local_currency_code": {
            "type": "string",
            "title": "Local currency code",
            "description": (
                "Optional. The company's local currency (LCY), e.g. USD. Read from NAV's company information when "
                "empty; invoices in this currency are posted without a currency code, as NAV expects."
            ),
            "maxLength": 10,
            "order": next(order),
        },
        "dry_run": {
            "type": "boolean",
            "title": "Dry run",
            "description": "Validate, look up and report everything; write nothing (and confirm no state).",
            "default": False,
            "order": next(order),
        },
    }


def connection_specification() -> dict[str, Any]:
    connection = connection_properties(order_start=0)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Microsoft Dynamics NAV / Business Central destination",
        "type": "object",
        "required": list(CONNECTION_REQUIRED),
        "additionalProperties": True,
        "properties": {**connection, **posting_properties(order_start=len(connection))},
    }


def spec_payload() -> dict[str, Any]:
    return {
        "documentationUrl": DOCUMENTATION_URL,
        "connectionSpecification": connection_specification(),
        "supportsIncremental": True,
        # Posting is append-only whatever the mode: NAV's ledger is never truncated or overwritten.
        "supported_destination_sync_modes": ["append", "append_dedup", "overwrite"],
    }
