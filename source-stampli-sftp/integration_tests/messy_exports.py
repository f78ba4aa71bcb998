"""Deterministic messy invoice exports for the read-path equivalence test (test_read_equivalence.py).

Self-contained on purpose (random with a fixed seed, rows written by hand): the golden output this feeds was
produced by the read path as it was before the issue 14 speed work, and must keep meaning the same bytes whatever
happens to the sample generators elsewhere.

Each export mixes what real files carry: a BOM, CRLF line ends, blank lines, quoted commas and quotes, quoted
multi-line descriptions, thousands separators and other amount spellings, invalid amounts, dates and line numbers,
rows with too few or too many cells, rows without a key, invoices whose lines are scattered over the file, the same
invoice exported twice, repeated and out-of-order line numbers, and headers whose spelling differs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

HEADERS = (
    "Invoice ID",
    "Invoice Number",
    "Vendor ID",
    "Vendor Name",
    "Invoice Date",
    "Due Date",
    "Approved Date",
    "Currency",
    "Invoice Total",
    "Line Number",
    "Line Description",
    "GL Account",
    "Line Amount",
    "Department",
    "Location",
    "PO Number",
    "Status",
)
ODD_HEADERS = ("Stampli ID", "Invoice #", "Vendor #", "Supplier", "Inv Date", "Due", "Date Approved", "Curr",
               "Invoice Total", "Line #", "Description", "GL Account", "Amount", "Dept", "Site", "PO #", "Status")  # fmt: skip

_AMOUNT_SPELLINGS = ("{v}", "{v}", "{v}", '"{c}"', "${v}", "({v})", "{v}-", "USD {v}", " {v} ", "{e}")
_BAD_AMOUNTS = ("12.3.4", "abc", "1e5", "--5", "N/A")
_DATES = ("11/02/2026", "2026-11-04", "2026-11-04T10:00:00Z", "4-Nov-2026", "11/31/2026", "not a date", "", "20261105")
_DESCRIPTIONS = (
    "Toner cartridges",
    '"Paper, A4, 80g"',
    '"He said ""urgent"""',
    "Café supplies — Münster office",
    '"Two-line\ndescription"',
    "  padded  ",
    "",
)


def _cell_amount(rng: random.Random, value: int) -> str:
    """An amount in cents spelled one of the ways exports spell amounts (or, rarely, not an amount)."""
    whole, cents = divmod(value, 100)
    plain = f"{whole}.{cents:02d}"
    spelling = rng.choice(_AMOUNT_SPELLINGS)
    return spelling.format(v=plain, c=f"{whole:,}.{cents:02d}", e=rng.choice(_BAD_AMOUNTS))


def _invoice_rows(rng: random.Random, number: int, version: int) -> list[list[str]]:
    lines = rng.randint(0, 6)
    amounts = [rng.randint(-5_000, 2_000_000) for _ in range(lines)]
    total = sum(amounts) + (rng.choice((0, 0, 0, 1, 250)) if lines else 0)
    header = [
        f"STP-{number:05d}",
        f"INV-{number:05d}",
        rng.choice((f"V{number % 7:03d}", "", " V001 ")),
        rng.choice(('"Acme, Inc."', "Vendor 1 Supplies Inc.", '"Quote ""Co"""', "")),
        rng.choice(_DATES),
        rng.choice(_DATES),
        f"2026-11-{version + 1:02d}",
        rng.choice(("USD", "EUR", "")),
        _cell_amount(rng, total) if rng.random() > 0.05 else "",
    ]
    rows = []
    numbers = list(range(1, lines + 1))
    if lines > 2 and rng.random() < 0.2:
        numbers[1], numbers[2] = numbers[2], numbers[1]  # out of order
    if lines > 1 and rng.random() < 0.1:
        numbers[-1] = numbers[0]  # a repeated line number
    for line, amount in zip(numbers, amounts, strict=True):
        rows.append(
            [
                *header,
                rng.choice((str(line), str(line), f"{line}.0", "x", "")),
                rng.choice(_DESCRIPTIONS),
                rng.choice(("6400", "1500", "")),
                _cell_amount(rng, amount),
                rng.choice(("OPS", "SALES", "")),
                rng.choice(("CHI", "NYC", "")),
                rng.choice(("", "PO-1", "PO-2")),
                rng.choice(("Approved", "Paid")),
            ]
        )
    if not rows:
        rows.append([*header, "", "", "", "", "", "", "", "Approved"])  # an invoice row without a line
    return rows


def _damage(rng: random.Random, row: list[str]) -> list[str]:
    """Now and then a row the reader must trim, reject or skip."""
    roll = rng.random()
    if roll < 0.02:
        return row[:-3]  # too few cells
    if roll < 0.04:
        return [*row, "", ""]  # trailing empty columns (spreadsheets)
    if roll < 0.05:
        return [*row, "extra"]  # too many cells
    if roll < 0.06:
        return ["", *row[1:]]  # no key
    if roll < 0.07:
        return [f" {row[0]} ", *row[1:]]  # a key with spaces around it
    return row


def _rows(rng: random.Random, invoices: int, scatter: bool) -> Iterator[list[str]]:
    groups = [_invoice_rows(rng, n, 1) for n in range(1, invoices + 1)]
    for n in rng.sample(range(1, invoices + 1), invoices // 10):  # exported twice in one file: a later version
        groups.append(_invoice_rows(rng, n, 2))
    rows = [row for group in groups for row in group]
    if scatter:
        rng.shuffle(rows)
    else:  # mostly grouped, a few lines moved away from their invoice
        for _ in range(len(rows) // 40):
            i, j = rng.randrange(len(rows)), rng.randrange(len(rows))
            rows[i], rows[j] = rows[j], rows[i]
    for row in rows:
        yield _damage(rng, row)


def messy_export(seed: int, invoices: int = 60, scatter: bool = False) -> bytes:
    """One export file's bytes. Cells are written as given (they carry their own quotes)."""
    rng = random.Random(seed)
    newline = rng.choice(("\n", "\r\n"))
    delimiter = "," if seed % 3 else ";"
    headers = ODD_HEADERS if seed % 2 else HEADERS
    out = ["\ufeff" if rng.random() < 0.5 else ""]
    out.append(delimiter.join(headers) + newline)
    for row in _rows(rng, invoices, scatter):
        out.append(delimiter.join(row) + newline)
        if rng.random() < 0.03:
            out.append(newline)  # a blank line
        if rng.random() < 0.01:
            out.append(delimiter * (len(headers) - 1) + newline)  # a row of empty cells
    return "".join(out).encode("utf-8")


# (file name, seed, invoices, scattered)
EXPORTS = (
    ("invoices_1.csv", 1, 60, False),
    ("invoices_2.csv", 2, 60, True),
    ("invoices_3.csv", 3, 80, False),
    ("invoices_4.csv", 4, 40, False),
    ("invoices_5.csv", 5, 120, True),
    ("invoices_6.csv", 6, 50, False),
)
