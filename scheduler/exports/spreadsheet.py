"""CSV for spreadsheets, one rule for every export: UTF-8 with a byte order mark, CRLF rows, no formula.

Excel reads BOM-less CSV in the system's ANSI code page and garbles Chinese, hence the BOM. A cell
starting with = + - @, a tab or a carriage return is prefixed with ' so a spreadsheet shows it as text
instead of running it as a formula (OWASP's CSV injection advice): titles, names and comments come
from people. Every other character passes as it is (Chinese byte for byte); the csv module quotes
cells holding commas, quotes or line breaks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A header and rows as CSV bytes for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(cell(name) for name in header)
    for row in rows:
        writer.writerow(cell(value) for value in row)
    return out.getvalue().encode("utf-8-sig")
