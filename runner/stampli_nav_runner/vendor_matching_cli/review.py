"""The review file: one row per Stampli vendor, what the rules propose and why, and an `accept` column a person
edits. CSV (for a spreadsheet) plus a small HTML page (to read), written atomically side by side."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from stampli_nav_runner.atomic_files import write_bytes_atomic
from vendor_matching import Confidence, MatchReport, MatchStatus, VendorMatch

COLUMNS = (
    "accept",
    "status",
    "confidence",
    "stampli_vendor_id",
    "stampli_name",
    "stampli_postal_code",
    "stampli_tax_id",
    "nav_number",
    "nav_name",
    "nav_postal_code",
    "nav_tax_id",
    "score",
    "evidence",
    "other_candidates",
    "note",
)
ACCEPTED = frozenset({"yes", "y", "x", "true", "1", "accept", "accepted"})
STATUS_ORDER = {"proposed": 0, "ambiguous": 1, "unmatched": 2, "already_mapped": 3}


class ReviewFileError(ValueError):
    """An edited review file that cannot be read back."""


@dataclass(frozen=True)
class AcceptedPair:
    stampli_vendor_id: str
    nav_number: str
    row: int


def review_rows(report: MatchReport) -> list[dict[str, str]]:
    rows = [_row(match) for match in report.matches]
    confidence_order = {"high": 0, "medium": 1, "low": 2, "": 3}
    rows.sort(key=lambda r: (STATUS_ORDER[r["status"]], confidence_order[r["confidence"]], r["stampli_vendor_id"]))
    return rows


def _row(match: VendorMatch) -> dict[str, str]:
    best = match.best
    nav = best.nav if best is not None else None
    return {
        # Pre-filled only where the rules are sure; a person writes "yes" (or a NAV number) elsewhere.
        "accept": "yes" if match.is_high else "",
        "status": match.status.value,
        "confidence": best.confidence.value if best is not None and match.status is not MatchStatus.UNMATCHED else "",
        "stampli_vendor_id": match.stampli.key,
        "stampli_name": match.stampli.name,
        "stampli_postal_code": match.stampli.postal_code,
        "stampli_tax_id": match.stampli.tax_id,
        "nav_number": match.mapped_to or (nav.key if nav is not None else ""),
        "nav_name": nav.name if nav is not None else "",
        "nav_postal_code": nav.postal_code if nav is not None else "",
        "nav_tax_id": nav.tax_id if nav is not None else "",
        "score": f"{best.score:.2f}" if best is not None else "",
        "evidence": best.describe() if best is not None else "",
        "other_candidates": " | ".join(
            f"{c.nav.key} {c.nav.name} ({c.confidence.value})" for c in match.alternatives[:3]
        ),
        "note": match.note,
    }


def render_csv(rows: Iterable[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    # utf-8-sig: Excel opens it with the right encoding, and reading it back strips the mark again.
    return buffer.getvalue().encode("utf-8-sig")


def render_html(rows: list[dict[str, str]], report: MatchReport, connection: str, csv_name: str) -> str:
    environment = Environment(
        loader=PackageLoader("stampli_nav_runner", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return environment.get_template("vendor_review.html.j2").render(
        rows=rows,
        counts=report.counts(),
        connection=connection,
        csv_name=csv_name,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        high=Confidence.HIGH.value,
    )


def write_review(report: MatchReport, folder: Path, connection: str) -> tuple[Path, Path]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"vendor-review-{connection}-{stamp}.csv"
    html_path = csv_path.with_suffix(".html")
    rows = review_rows(report)
    write_bytes_atomic(csv_path, render_csv(rows))
    write_bytes_atomic(html_path, render_html(rows, report, connection, csv_path.name).encode("utf-8"))
    return csv_path, html_path


def read_accepted(path: Path) -> list[AcceptedPair]:
    """Rows whose `accept` says yes, with the (possibly edited) NAV number; rows without a NAV number are errors."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ReviewFileError(f"cannot read {path}: {error.strerror}") from error
    reader = csv.DictReader(io.StringIO(text))
    missing = {"accept", "stampli_vendor_id", "nav_number"} - set(reader.fieldnames or ())
    if missing:
        raise ReviewFileError(f"{path} is not a vendor review file: no column {', '.join(sorted(missing))}")
    pairs: list[AcceptedPair] = []
    problems: list[str] = []
    for number, row in enumerate(reader, start=2):
        if (row.get("accept") or "").strip().casefold() not in ACCEPTED:
            continue
        stampli_id, nav_number = (row.get("stampli_vendor_id") or "").strip(), (row.get("nav_number") or "").strip()
        if not stampli_id or not nav_number:
            problems.append(f"row {number}: accepted but stampli_vendor_id or nav_number is empty")
            continue
        if (row.get("status") or "") == MatchStatus.ALREADY_MAPPED.value:
            continue
        pairs.append(AcceptedPair(stampli_id, nav_number.upper(), number))
    if problems:
        raise ReviewFileError(f"{path}: " + "; ".join(problems))
    return pairs
