"""Spreadsheet cells made inert can be read back as the text they were."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from legacyledger.facts.cells import spreadsheet_cell, spreadsheet_text

STARTS = st.sampled_from(["", "'", "''", "=", "+", "-", "@", "\t", "'=", "''-", "-1", "'-1"])


@given(STARTS, st.text(max_size=12))
def test_an_inert_cell_reads_back_as_its_text(start: str, rest: str) -> None:
    text = start + rest
    cell = spreadsheet_cell(text)
    assert isinstance(cell, str) and spreadsheet_text(cell) == text
    assert not cell.startswith(("=", "+", "@")) or (cell == text and text[1:2].isdigit())


def test_numbers_stay_numbers_and_formulas_get_an_apostrophe() -> None:
    assert [spreadsheet_cell(v) for v in ("-12.50", "=1+1", "'=x", "'x")] == [
        "-12.50", "'=1+1", "''=x", "'x"]
