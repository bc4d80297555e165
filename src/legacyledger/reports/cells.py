"""Text bound for a spreadsheet or a Markdown page, made inert: the one place every writer of
CSV, Excel and Markdown goes through (issue 12: a framework title starting with ``=`` was a
live formula in the Excel report and ``=…`` in the CSV; the Markdown report passed HTML)."""

from __future__ import annotations

import re
from html import escape

#: What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number ("-12.50", "1,234", "12%") is a value, never a formula: it stays as it is.
_NUMBER = re.compile(r"[-+]?[0-9][0-9,]*(\.[0-9]+)?%?")


def spreadsheet_cell(value: object) -> object:
    """``value`` for a CSV or Excel cell: text a spreadsheet would run as a formula gets a
    leading apostrophe (shown as text, as spreadsheets do with ``'``); anything else as is.
    Text already starting with apostrophes before such a start gets one more, so
    :func:`spreadsheet_text` gives back exactly what was written."""
    if isinstance(value, str) and _live(value.lstrip("'")):
        return "'" + value
    return value


def spreadsheet_text(cell: str) -> str:
    """The text :func:`spreadsheet_cell` was given, from the cell it wrote (a fact exported
    to CSV reads back as the same fact)."""
    return cell[1:] if cell.startswith("'") and _live(cell.lstrip("'")) else cell


def _live(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def markdown_text(text: str) -> str:
    """Text for a Markdown table cell: HTML escaped, and the characters Markdown gives a
    meaning there (``\\ | *``, line breaks) made literal."""
    escaped = escape(text, quote=False)
    return escaped.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace(
        "\n", " "
    )
