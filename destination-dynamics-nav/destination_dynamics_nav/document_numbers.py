"""Deterministic NAV document numbers for Stampli invoices.

The document number is the connector's idempotency key in journal mode: BC has no idempotency key, so the same
Stampli invoice must always map to the same number, and two different invoices must never share one.

BC constraints: `Document No.` is a Code[20] field (upper-cased by BC, at most 20 characters) and
`External Document No.` / `Vendor Invoice No.` are Text[35]. A reversal needs its own number (same constraints).
"""

from __future__ import annotations

import base64
import hashlib
import re

DOCUMENT_NUMBER_MAX = 20
EXTERNAL_DOCUMENT_NUMBER_MAX = 35
REVERSAL_SUFFIX = "-R"
# Base numbers leave room for the reversal suffix, so a reversal number is always base + suffix.
BASE_DOCUMENT_NUMBER_MAX = DOCUMENT_NUMBER_MAX - len(REVERSAL_SUFFIX)
PREFIX_MAX = 8
HASH_LENGTH = 8  # 40 bits of SHA-256: collisions need ~10^6 long ids sharing the same visible head.

# Characters that survive BC's Code upper-casing unchanged and read well in NAV's ledgers.
_SAFE_ID = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
_PREFIX = re.compile(r"^[A-Z0-9]*$")


def normalize_prefix(prefix: str) -> str:
    """Validate a `document_number_prefix` (letters and digits, at most 8) and upper-case it."""
    value = prefix.strip().upper()
    if len(value) > PREFIX_MAX or not _PREFIX.match(value):
        raise ValueError(f"document_number_prefix must be at most {PREFIX_MAX} letters or digits, got {prefix!r}")
    return value


def _digest(text: str, length: int) -> str:
    # Base32 keeps the digest upper-case (BC upper-cases Code fields) and unambiguous.
    raw = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.b32encode(raw).decode("ascii").rstrip("=")[:length]


def document_number(prefix: str, invoice_id: str) -> str:
    """`STP-INV-1001` when the Stampli id is short and plain; otherwise a readable head plus a hash.

    Ids that BC would alter (lower case: BC upper-cases Code fields, so `inv-1` and `INV-1` would collide) or that
    do not fit get a hash of the full original id, so the number stays unique for every distinct id.
    """
    prefix = normalize_prefix(prefix)
    lead = f"{prefix}-" if prefix else ""
    invoice_id = invoice_id.strip()
    if not invoice_id:
        raise ValueError("invoice_id is empty")
    plain = lead + invoice_id
    if len(plain) <= BASE_DOCUMENT_NUMBER_MAX and _SAFE_ID.match(invoice_id):
        return plain
    head_room = BASE_DOCUMENT_NUMBER_MAX - len(lead) - HASH_LENGTH - 1
    head = re.sub(r"[^A-Z0-9]", "", invoice_id.upper())[: max(head_room, 0)]
    hashed = f"{lead}{head}~{_digest(invoice_id, HASH_LENGTH)}" if head else f"{lead}{_digest(invoice_id, HASH_LENGTH)}"
    return hashed


def reversal_document_number(prefix: str, invoice_id: str) -> str:
    """The number of the document that reverses `document_number(prefix, invoice_id)`: same plus `-R`."""
    return document_number(prefix, invoice_id) + REVERSAL_SUFFIX


def reversal_external_document_number(invoice_number: str) -> str:
    """External document number of a reversal.

    It must differ from the original's: BC rejects a vendor line whose external document number already has a
    non-reversed vendor ledger entry of the same document type for the vendor, and journal lines from the API all
    have a blank document type, so the original entry would block a reversal that reused its number.
    """
    candidate = invoice_number + REVERSAL_SUFFIX
    if len(candidate) <= EXTERNAL_DOCUMENT_NUMBER_MAX:
        return candidate
    keep = EXTERNAL_DOCUMENT_NUMBER_MAX - len(REVERSAL_SUFFIX) - 6
    return f"{invoice_number[:keep]}~{_digest(invoice_number, 5)}{REVERSAL_SUFFIX}"
