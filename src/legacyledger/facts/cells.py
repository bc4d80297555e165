"""Text bound for a spreadsheet cell, made inert, and read back: the one place every writer of
CSV and Excel goes through, and every reader of a spreadsheet of facts (issue 12: a framework
title starting with ``=`` was a live formula in the Excel report and ``=…`` in the CSV).

It lives with the facts because the import of spreadsheets (this layer) reads what the CSV
export wrote: a text fact exported, then imported by the library or the CLI, is the same
fact, apostrophes and all."""

from __future__ import annotations

import re

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


__all__ = ["FORMULA_STARTS", "spreadsheet_cell", "spreadsheet_text"]
