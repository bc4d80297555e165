"""Spreadsheets in: CSV files and Excel workbooks read as facts, one row per fact.

Each row becomes the interchange dict a JSON line is (``legacyledger.facts.tables``), so an
import of spreadsheets goes through exactly the JSON Lines path: the same validation and
rules, all or nothing. A row's fact type comes from a ``fact`` column, else the file's name
(``MentorTimeLogged.csv``) or the sheet's. What is wrong with a whole table (no fact type, a
column that is not a field, a required field with no column) is one :class:`SheetError`
before anything is read; what is wrong with a row is reported with its table, row and column
(:meth:`Spreadsheets.locate`). Tables that all carry a ``position`` column (an export's) are
read in position order across tables, so an exported ledger imports in its own order.
"""

from __future__ import annotations

import csv
import heapq
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import attrs

from legacyledger.facts import MODELS
from legacyledger.facts.cells import spreadsheet_text
from legacyledger.facts.mapping import ColumnMapping, MappingError
from legacyledger.facts.parsing import FactError
from legacyledger.facts.tables import FACT, POSITION, columns, date_fields, fact_of_row

#: The file suffixes read as spreadsheets.
SUFFIXES = (".csv", ".xlsx")


class SheetError(ValueError):
    """A table that cannot be read as facts; the message names it and says how to fix it."""


@attrs.frozen
class Table:
    """One CSV file or one sheet: its label, header, and rows as (row number, cells)."""

    label: str
    name: str
    header: tuple[str, ...]
    rows: Iterable[tuple[int, tuple[str, ...]]]


def fact_named(name: str) -> str | None:
    """The fact type a file or sheet name stands for (any case), if any."""
    return {known.lower(): known for known in MODELS}.get(name.strip().lower())


def read_csv(lines: Iterable[bytes], label: str) -> Table:
    """A CSV file's lines (UTF-8, with or without Excel's byte-order mark) as a table."""
    reader = csv.reader(_decoded(lines, label))
    try:
        header = tuple(next(reader, ()))
    except csv.Error as error:
        raise SheetError(f"{label}: not a readable CSV file ({error})") from None
    return Table(label, Path(label).stem, header, _csv_rows(reader, label))


def _decoded(lines: Iterable[bytes], label: str) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise SheetError(
                f"{label}: line {number} is not UTF-8 text; in Excel, save as 'CSV UTF-8'"
            ) from None


def _csv_rows(
    reader: Any, label: str
) -> Iterator[tuple[int, tuple[str, ...]]]:
    try:
        for row in reader:
            yield reader.line_num, tuple(row)
    except csv.Error as error:
        raise SheetError(f"{label}: line {reader.line_num}: {error}") from None


def read_xlsx(source: str | os.PathLike[str] | IO[bytes], label: str) -> list[Table]:
    """Every sheet of an Excel workbook that has a header row, as tables."""
    try:
        from openpyxl import load_workbook  # type: ignore[import-untyped]
    except ImportError as error:  # an optional extra: say which
        raise SheetError(
            f"{label}: reading .xlsx needs openpyxl: pip install 'legacyledger[report]' ({error})"
        ) from None
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetError(f"{label}: not an Excel workbook ({error})") from None
    tables = []
    for sheet in book.worksheets:
        rows = ((n, tuple(map(excel_text, r))) for n, r in enumerate(sheet.values, start=1))
        first = next(rows, None)
        if first is not None and any(first[1]):
            tables.append(Table(f"{label}, sheet {sheet.title}", sheet.title, first[1], rows))
    return tables


def excel_text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold (dates ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@attrs.frozen
class _Reading:
    """A table with its mapping applied to the header: the field each column is read as."""

    table: Table
    fields: tuple[str | None, ...]
    fact: str | None  # the fact type of every row, unless rows name theirs

    def column_of(self, field: str | None) -> str | None:
        head = (field or "").split(".")[0]
        found = [c for c, f in zip(self.table.header, self.fields) if f == head]
        return found[0] if found else head or None


class Spreadsheets:
    """Several tables read as one import: ``facts()`` for ``Ledger.import_facts``, and
    ``locate`` to say where an error's line is (table, row, column)."""

    def __init__(self, tables: Sequence[Table], mapping: ColumnMapping | None = None) -> None:
        self.mapping = mapping or ColumnMapping()
        self.readings = [self._reading(table) for table in tables]
        #: The table and row of each fact handed out, in order (the import's lines), kept
        #: as machine integers: eight bytes a fact, not a tuple each.
        self.tables, self.row_numbers = array("l"), array("l")

    def _reading(self, table: Table) -> _Reading:
        fields = tuple(self.mapping.field_of(column.strip()) for column in table.header)
        fact = self.mapping.fact or (None if FACT in fields else fact_named(table.name))
        if fact is None and FACT not in fields:
            raise SheetError(
                f"{table.label}: which fact does it hold? Name the file or sheet after the fact "
                f"(e.g. MentorTimeLogged.csv), or add a {FACT!r} column"
            )
        if fact is not None and FACT not in fields:
            self._check_columns(table, fact, fields)
        return _Reading(table, fields, fact)

    def _check_columns(self, table: Table, fact: str, fields: Sequence[str | None]) -> None:
        known = set(columns(fact)) | {POSITION, FACT}
        stray = [c for c, f in zip(table.header, fields) if f is not None and f not in known]
        if stray:
            raise SheetError(
                f"{table.label}: column {stray[0]!r} is not a field of {fact} "
                f"(its columns: {', '.join(columns(fact))}); remove it or map it with --mapping"
            )
        given = {*fields, *self.mapping.set.get("*", {}), *self.mapping.set.get(fact, {})}
        if self.mapping.source_ref:
            given.add("source_ref")
        required = [f for f in columns(fact) if MODELS[fact].model_fields[f].is_required()]
        lacking = [f for f in required if f not in given]
        if lacking:
            raise SheetError(f"{table.label}: no column for {fact}'s required field {lacking[0]!r}")

    def facts(self) -> Iterator[dict[str, Any]]:
        """Every row as an interchange dict, in position order when every table has one."""
        streams = [self._rows(index) for index in range(len(self.readings))]
        ordered = all(POSITION in r.fields for r in self.readings) and len(streams) > 1
        merged: Iterable[tuple[int, int, int, dict[str, Any]]] = (
            heapq.merge(*streams, key=lambda row: row[0]) if ordered else
            (row for stream in streams for row in stream)
        )
        for _, index, number, fact in merged:
            self.tables.append(index)
            self.row_numbers.append(number)
            yield fact

    def _rows(self, index: int) -> Iterator[tuple[int, int, int, dict[str, Any]]]:
        reading = self.readings[index]
        for number, cells in reading.table.rows:
            if not any(cell.strip() for cell in cells):
                continue
            fields = self._fields(reading, number, cells)
            name = reading.fact or fields.get(FACT, "").strip()
            fact = fact_of_row(name, fields) if name in MODELS else {**fields, FACT: name}
            yield _position(fields), index, number, fact

    def _fields(self, reading: _Reading, number: int, cells: Sequence[str]) -> dict[str, str]:
        # each cell's text as written before an export made it inert (``facts.cells``)
        named = dict(zip((c.strip() for c in reading.table.header), map(spreadsheet_text, cells)))
        try:
            fields = self.mapping.row(named)
        except MappingError as error:
            raise SheetError(f"{reading.table.label}: row {number}: {error}") from None
        return {**fields, FACT: reading.fact} if reading.fact else fields

    def relocated(self, error: FactError) -> FactError:
        """An error of the import with its table's row as ``line`` and the column as
        ``field`` (a workbook's sheet named in the message when it has several)."""
        if error.line is None or not 0 < error.line <= len(self.tables):
            return error
        index = self.tables[error.line - 1]
        reading = self.readings[index]
        sheet = f"{reading.table.label}: " if len(self.readings) > 1 else ""
        return attrs.evolve(error, line=self.row_numbers[error.line - 1],
                            field=reading.column_of(error.field) if error.field else None,
                            message=sheet + error.message + _date_hint(error))  # fmt: skip

    def locate(self, error: FactError) -> str:
        """An error of the import, told as table, row and column."""
        if error.line is None or not 0 < error.line <= len(self.tables):
            return str(error)
        index, number = self.tables[error.line - 1], self.row_numbers[error.line - 1]
        reading = self.readings[index]
        column = reading.column_of(error.field)
        said = column if column in (None, error.field) else f"{column} ({error.field})"
        where = f"{reading.table.label}: row {number}"
        fact = f" [{error.fact}]" if error.fact and not reading.fact else ""
        message = error.message + _date_hint(error)
        return f"{where}, column {said}{fact}: {message}" if said else f"{where}{fact}: {message}"


def _date_hint(error: FactError) -> str:
    """Excel saves dates in the computer's locale (31/03/2026 in the UK): say how to read them."""
    if error.fact in MODELS and error.field in date_fields(error.fact) and (
            "ISO date" in error.message):
        return ' (day-first dates such as 31/03/2026: give a --mapping with "dates": "DD/MM/YYYY")'
    return ""


def _position(fields: Mapping[str, str]) -> int:
    text = fields.get(POSITION, "").strip()
    return int(text) if text.isdigit() else 0


def open_tables(path: str | os.PathLike[str], file: IO[bytes] | None = None) -> list[Table]:
    """The tables of a ``.csv`` or ``.xlsx`` file (``file``: already open, e.g. stdin)."""
    label = os.path.basename(str(path))
    if str(path).lower().endswith(".xlsx"):
        return read_xlsx(file or path, label)
    lines = file if file is not None else Path(path).read_bytes().splitlines(keepends=True)
    return [read_csv(lines, label)]


__all__ = [
    "SUFFIXES",
    "SheetError",
    "Spreadsheets",
    "Table",
    "excel_text",
    "fact_named",
    "open_tables",
    "read_csv",
    "read_xlsx",
]
