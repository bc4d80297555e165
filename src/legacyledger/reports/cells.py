"""Text bound for a Markdown page, made inert (issue 12: the Markdown report passed HTML).
Spreadsheet cells (CSV and Excel) are made inert by :mod:`legacyledger.facts.cells`, which the
import of spreadsheets reads back."""

from __future__ import annotations

from html import escape


def markdown_text(text: str) -> str:
    """Text for a Markdown table cell: HTML escaped, and the characters Markdown gives a
    meaning there (``\\ | *``, line breaks) made literal."""
    escaped = escape(text, quote=False)
    return escaped.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace(
        "\n", " "
    )
