"""Pure planning of the General Journal page lines (page 39) that stage one posting document.

No I/O. A `PostingDocument` (mapping.posting_document / reversing_document) becomes one G/L debit line per expense
line and one vendor credit line for the total, in NAV's OData field names with option captions as NAV 2018 sends
them. Everything here is deterministic, so a rerun plans exactly the same lines and can compare them with what the
batch already holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from destination_dynamics_nav.mapping import PostingDocument, truncate
from destination_dynamics_nav.reference_data import code_key

# BaseApp GenJournalLine.Table.al field 8 Description: Text[50] up to NAV 2018 (Text[100] from BC 14 on).
NAV2018_DESCRIPTION_MAX = 50
LINE_NUMBER_STEP = 10000  # the General Journal page's AutoSplitKey spacing (BaseApp GeneralJournal.Page.al)

Signature = tuple[str, str, Decimal, str, str]


class DimensionNotGlobalError(ValueError):
    """dimension_mapping names a dimension that is neither global dimension 1 nor 2 of the company."""


@dataclass(frozen=True)
class GlobalDimensions:
    """General Ledger Setup (page 118) Global_Dimension_1_Code / Global_Dimension_2_Code: the only dimensions
    the General Journal page carries (as Shortcut_Dimension_1_Code / Shortcut_Dimension_2_Code)."""

    dimension_1: str = ""
    dimension_2: str = ""

    @classmethod
    def from_setup(cls, setup: Mapping[str, Any]) -> GlobalDimensions:
        return cls(
            dimension_1=code_key(str(setup.get("Global_Dimension_1_Code") or "")),
            dimension_2=code_key(str(setup.get("Global_Dimension_2_Code") or "")),
        )

    def field_for(self, dimension_code: str) -> str | None:
        code = code_key(dimension_code)
        if code and code == self.dimension_1:
            return "Shortcut_Dimension_1_Code"
        if code and code == self.dimension_2:
            return "Shortcut_Dimension_2_Code"
        return None

    def describe(self) -> str:
        return f"global dimension 1 is {self.dimension_1 or '(none)'}, global dimension 2 is {self.dimension_2 or '(none)'}"

    def mapping_problems(self, dimension_mapping: Mapping[str, str]) -> list[str]:
        """One message per mapped dimension the journal page cannot carry."""
        return [
            f"dimension_mapping maps {field!r} to dimension {code}, which is not a global dimension ({self.describe()} "
            "in General Ledger Setup); NAV's General Journal page carries only the two global dimensions: map to "
            "one of them or remove the mapping"
            for field, code in dimension_mapping.items()
            if self.field_for(code) is None
        ]


def document_type(document: PostingDocument) -> str:
    """BaseApp GenJnlCheckLine.Codeunit.al CheckDocType: on a vendor line, Document Type Invoice needs a negative
    amount and Credit Memo a positive one. The vendor line credits the total, so a normal invoice is an Invoice and
    a credit memo (negative total) or a reversal (negated amounts) is a Credit Memo."""
    return "Invoice" if document.total > 0 else "Credit Memo"


def journal_lines(
    document: PostingDocument, *, template: str, batch: str, dimensions: GlobalDimensions
) -> list[dict[str, Any]]:
    """The General Journal page bodies that stage `document` (without Line_No: numbers are given when inserted).

    Raises DimensionNotGlobalError for a dimension the page cannot carry (check refuses such a mapping first).
    """
    common: dict[str, Any] = {
        "Journal_Template_Name": template,
        "Journal_Batch_Name": batch,
        "Posting_Date": document.posting_date.isoformat(),
        "Document_Type": document_type(document),
        "Document_No": document.document_number,
        "External_Document_No": document.external_document_number,
        # NAV has no currency row for its own currency: the local currency is a blank Currency_Code.
        "Currency_Code": document.currency_code,
    }
    lines: list[dict[str, Any]] = []
    for line in document.lines:
        body = {
            **common,
            "Account_Type": "G/L Account",
            "Account_No": line.account_number,
            "Amount": line.amount,
            "Description": truncate(line.description, NAV2018_DESCRIPTION_MAX),
        }
        for assignment in line.dimensions:
            field = dimensions.field_for(assignment.code)
            if field is None:
                raise DimensionNotGlobalError(
                    f"dimension {assignment.code} is not a global dimension ({dimensions.describe()})"
                )
            body[field] = assignment.value
        lines.append(body)
    lines.append(
        {
            **common,
            "Account_Type": "Vendor",
            "Account_No": document.vendor_number,
            "Amount": -document.total,
            "Description": truncate(document.vendor_description, NAV2018_DESCRIPTION_MAX),
        }
    )
    return lines


def signature(line: Mapping[str, Any]) -> Signature:
    """What identifies a staged line when comparing the batch with what should be there."""
    return (
        str(line.get("Account_Type") or "").strip(),
        code_key(str(line.get("Account_No") or "")),
        Decimal(str(line.get("Amount") or "0")),
        code_key(str(line.get("Document_No") or "")),
        str(line.get("External_Document_No") or "").strip().upper(),
    )


@dataclass(frozen=True)
class LineDiff:
    """How the batch's lines of one document differ from the planned ones."""

    missing: tuple[dict[str, Any], ...]  # planned bodies not in the batch yet
    extra: tuple[dict[str, Any], ...]  # batch lines that are not planned (changed since, or duplicated)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.extra


def diff_lines(planned: Iterable[Mapping[str, Any]], existing: Iterable[Mapping[str, Any]]) -> LineDiff:
    """Multiset comparison by signature: a half-staged document gets only its missing lines, never a second copy."""
    available = Counter(signature(line) for line in existing)
    missing: list[dict[str, Any]] = []
    for body in planned:
        key = signature(body)
        if available[key] > 0:
            available[key] -= 1
        else:
            missing.append(dict(body))
    extra: list[dict[str, Any]] = []
    for line in existing:
        key = signature(line)
        if available[key] > 0:
            available[key] -= 1
            extra.append(dict(line))
    return LineDiff(missing=tuple(missing), extra=tuple(extra))


def is_balanced(lines: Iterable[Mapping[str, Any]]) -> bool:
    return sum((Decimal(str(line.get("Amount") or "0")) for line in lines), Decimal("0")) == 0


def next_line_numbers(existing: Iterable[Mapping[str, Any]], count: int, *, after: int = 0) -> list[int]:
    """`count` line numbers after the highest one in the batch (and after `after`), spaced like AutoSplitKey."""
    highest = max((int(line.get("Line_No") or 0) for line in existing), default=0)
    start = max(highest, after)
    return [start + LINE_NUMBER_STEP * (index + 1) for index in range(count)]
