"""Facts as spreadsheet rows: cells read as the JSON Lines path reads a line, and back."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given

from legacyledger import ImportRejected, Ledger
from legacyledger.facts import MODELS
from legacyledger.facts.cells import spreadsheet_cell
from legacyledger.facts.mapping import ColumnMapping, MappingError
from legacyledger.facts.sheets import SheetError, Spreadsheets, Table, excel_text, read_csv
from legacyledger.facts.tables import POSITION, cell_value, columns, fact_of_row, guide, row_of
from tests import strategies as s

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "example-facts.jsonl"


def tables_of(lines: list[bytes]) -> list[Table]:
    """A ledger's export as one table per fact type, each row after its position."""
    by_name: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for position, line in enumerate(lines, start=1):
        fact = orjson.loads(line)
        rows = by_name.setdefault(fact["fact"], [])
        cells = (str(spreadsheet_cell(cell)) for cell in row_of(fact))  # inert, as exported
        rows.append((len(rows) + 2, (str(position), *cells)))
    return [Table(f"{n}.csv", n, (POSITION, *columns(n)), rows) for n, rows in by_name.items()]


def round_trip(lines: list[bytes]) -> list[bytes]:
    with Ledger(":memory:") as again:
        again.import_facts(Spreadsheets(tables_of(lines)).facts())
        return list(again.export_lines())


def test_the_example_round_trips_through_tables_byte_for_byte() -> None:
    with Ledger(":memory:") as ledger:
        ledger.import_file(EXAMPLE)
        lines = list(ledger.export_lines())
    assert round_trip(lines) == lines


@given(s.histories())
def test_any_history_round_trips_through_tables(facts: list[dict[str, object]]) -> None:
    with Ledger(":memory:") as ledger:
        ledger.import_facts(facts)
        lines = list(ledger.export_lines())
    assert round_trip(lines) == lines


def test_text_made_inert_by_the_export_reads_back_as_it_was() -> None:
    texts = ["=SUM(A1)", "'=kept", "''=x", "+44 7700", "-x", "@home", "'", "'x", "-1", "'-1"]
    header = ("mentor", "on", "course", "hours", "note")
    rows = [(n + 2, ("M-1", "2024-06-01", "c", "1", str(spreadsheet_cell(t))))
            for n, t in enumerate(texts)]  # fmt: skip
    facts = Spreadsheets([Table("t.csv", "MentorTrained", header, rows)]).facts()
    assert [f["note"] for f in facts] == texts


def test_columns_are_the_models_fields_and_the_guide_says_what_each_takes() -> None:
    for name, model in MODELS.items():
        assert ("fact", *columns(name)) == tuple(model.model_fields)
        assert [field for field, _, _ in guide(name)] == list(columns(name))
    said = {field: (needed, what) for field, needed, what in guide("MentorTimeLogged")}
    assert said["activity"] == (True, "one of: one_to_one | group | outreach | admin | training "
                                      "| action_research | travel")
    assert said["on"] == (True, "date as YYYY-MM-DD, e.g. 2024-04-01")
    assert said["until"][0] is False
    assert said["hours"][1] == "decimal such as 12.50 (≥ 0, ≤ 10000)"


@pytest.mark.parametrize(("fact", "field", "text", "value"), [
    ("EventPlanned", "expected_audience", "12", 12),
    ("EventPlanned", "expected_audience", "twelve", "twelve"),  # left for validation to name
    ("EventPlanned", "integrated", "Yes", True),
    ("EventPlanned", "integrated", "0", False),
    ("EventDelivered", "attendees", "M-1, M-2", ["M-1", "M-2"]),
    ("EventDelivered", "attendees", '["M-1"]', ["M-1"]),
    ("FactCorrected", "replacement", '{"minutes": 65}', {"minutes": 65}),
    ("MentorTimeLogged", "hours", "1.5", "1.5"),
])
def test_a_cell_is_read_as_its_fields_type(fact: str, field: str, text: str, value: object) -> None:
    assert cell_value(fact, field, text) == value


def test_empty_cells_are_absent_fields() -> None:
    cells = {"mentor": "M-1", "on": "2024-01-01", "course": "x", "hours": "2", "note": " "}
    assert fact_of_row("MentorTrained", cells) == {
        "fact": "MentorTrained", "mentor": "M-1", "on": "2024-01-01", "course": "x", "hours": "2"}


def test_a_csv_with_a_byte_order_mark_and_a_quoted_newline_is_read() -> None:
    table = read_csv([b'\xef\xbb\xbfmentor,note\r\n', b'M-1,"two\r\n', b'lines"\r\n'], "x.csv")
    assert table.header == ("mentor", "note")
    assert list(table.rows) == [(3, ("M-1", "two\r\nlines"))]


def test_a_csv_that_is_not_utf8_is_one_error_saying_how_to_save_it() -> None:
    table = read_csv([b"mentor,note\n", b"M-1,caf\xe9\n"], "x.csv")
    with pytest.raises(SheetError, match=r"x\.csv: line 2 is not UTF-8.*CSV UTF-8"):
        list(table.rows)


def test_excel_cells_read_as_csv_text() -> None:
    from datetime import date, datetime

    assert [excel_text(v) for v in (None, True, 3.0, 2.5, datetime(2024, 4, 1), date(2024, 4, 2),
                                    "M-1")] == ["", "true", "3", "2.5", "2024-04-01", "2024-04-02",
                                                "M-1"]


def errors_of(tables: list[Table], mapping: ColumnMapping | None = None) -> list[str]:
    sheets = Spreadsheets(tables, mapping)
    with Ledger(":memory:") as ledger, pytest.raises(ImportRejected) as rejected:
        ledger.import_file(EXAMPLE)
        ledger.import_facts(sheets.facts())
    return [sheets.locate(e) for e in rejected.value.errors]


def test_errors_name_the_table_row_and_column() -> None:
    header = ("mentor", "on", "hours", "activity", "category")
    rows = [(2, ("M-101", "2024-10-09", "1", "group", "delivery")),
            (3, ("", "", "", "", "")),
            (4, ("M-101", "31/10/2024", "two", "group", "delivery"))]
    found = errors_of([Table("time.csv", "MentorTimeLogged", header, rows)])
    assert found == [
        "time.csv: row 4, column on: must be an ISO date such as \"2024-04-01\" (day-first "
        "dates such as 31/03/2026: give a --mapping with \"dates\": \"DD/MM/YYYY\")",
        "time.csv: row 4, column hours: must be a decimal string such as \"12.50\"",
    ]


def test_errors_name_the_column_as_the_export_calls_it() -> None:
    mapping = ColumnMapping.of({"columns": {"time": "hours", "who": "mentor"}})
    header = ("who", "on", "time", "activity", "category")
    rows = [(2, ("M-101", "2024-10-09", "-1", "group", "delivery"))]
    found = errors_of([Table("time.csv", "MentorTimeLogged", header, rows)], mapping)
    assert found == [
        "time.csv: row 2, column time (hours): Input should be greater than or equal to 0"]


def test_a_table_without_a_fact_type_is_one_error() -> None:
    with pytest.raises(SheetError, match=r"visits\.csv: which fact does it hold"):
        Spreadsheets([Table("visits.csv", "visits", ("mentor",), [])])


def test_a_column_that_is_no_field_is_one_error_before_any_row() -> None:
    with pytest.raises(SheetError, match="column 'hrs' is not a field of MentorTrained"):
        Spreadsheets([Table("t.csv", "MentorTrained", ("mentor", "on", "hrs"), [])])
    with pytest.raises(SheetError, match="no column for MentorTrained's required field 'course'"):
        Spreadsheets([Table("t.csv", "MentorTrained", ("mentor", "on", "hours"), [])])


def test_a_mapping_renames_maps_values_sets_fields_and_reads_dates() -> None:
    mapping = ColumnMapping.of({
        "columns": {"id": "mentor", "when": "on", "kind": "fact", "junk": None},
        "values": {"fact": {"t": "MentorTrained"}},
        "set": {"MentorTrained": {"course": "induction"}},
        "source_ref": "x-{id}-{when}",
        "dates": "DD/MM/YYYY",
    })
    row = mapping.row({"id": "M-1", "when": "31/03/2025", "kind": "t", "junk": "?", "hours": "2"})
    assert row == {"mentor": "M-1", "on": "2025-03-31", "fact": "MentorTrained", "hours": "2",
                   "course": "induction", "source_ref": "x-M-1-31-03-2025"}


@pytest.mark.parametrize(("data", "message"), [
    ({"colums": {}}, "unknown key 'colums'"),
    ({"fact": "MentorTrainned"}, "unknown fact 'MentorTrainned'"),
    ({"dates": "%d/%m/%Y"}, "must be like DD/MM/YYYY"),
])
def test_a_wrong_mapping_is_one_clear_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        ColumnMapping.of(data)


def test_two_columns_giving_one_field_two_values_is_an_error() -> None:
    mapping = ColumnMapping.of({"columns": {"a": "on", "b": "on"}})
    assert mapping.row({"a": "2024-01-01", "b": ""})["on"] == "2024-01-01"
    with pytest.raises(MappingError, match="two columns give 'on' different values"):
        mapping.row({"a": "2024-01-01", "b": "2024-01-02"})


def test_a_ledger_imports_a_csv_file_and_its_errors_name_row_and_column(tmp_path: Path) -> None:
    good = tmp_path / "MentorTrained.csv"
    good.write_text("mentor,on,course,hours\nM-101,2024-06-01,Coaching,3\n")
    bad = tmp_path / "trained.csv"
    bad.write_text("who,on,course,hours\n\nM 101,2024-06-02,Coaching,2\n")
    mapping = ColumnMapping.of({"fact": "MentorTrained", "columns": {"who": "mentor"}})
    with Ledger(":memory:") as ledger:
        ledger.import_file(EXAMPLE)
        assert ledger.import_file(good).recorded == 1
        with pytest.raises(ImportRejected) as rejected:
            ledger.import_file(bad, mapping=mapping)
        assert ledger.count() == 18
    [error] = rejected.value.errors
    assert (error.line, error.fact, error.field) == (3, "MentorTrained", "who")  # as exported
