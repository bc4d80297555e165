"""Spreadsheets in and out on the command line: templates, CSV export, CSV and Excel import."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacyledger import Ledger
from legacyledger.application import interchange
from legacyledger.facts import MODELS
from legacyledger.facts.tables import POSITION, columns
from legacyledger_cli.tabular import write_export
from tests import builders as b
from tests.cli import test_cli as base
from tests.cli.test_cli import EXAMPLE, Cli, count

db, cli, imported = base.db, base.cli, base.imported  # the command line's fixtures

ROOT = Path(__file__).resolve().parents[2]
REDCAP = ROOT / "examples" / "redcap-export.csv"
REDCAP_MAPPING = ROOT / "examples" / "redcap-mapping.json"


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return next(csv.reader(file))


def test_templates_are_one_csv_per_fact_type_with_its_fields(cli: Cli, tmp_path: Path) -> None:
    result = cli("templates", "-o", str(tmp_path / "t"))
    assert result.exit_code == 0, result.output
    written = {p.stem for p in (tmp_path / "t").glob("*.csv")}
    assert written == set(MODELS)
    assert all(header(tmp_path / "t" / f"{n}.csv") == list(columns(n)) for n in MODELS)
    guide = (tmp_path / "t" / "GUIDE.txt").read_text()
    assert "  activity     required  one of: one_to_one | group" in guide


def test_a_filled_template_imports(imported: Cli, tmp_path: Path, db: Path) -> None:
    imported("templates", "-o", str(tmp_path))
    template = tmp_path / "MentorTrained.csv"
    with template.open("a", encoding="utf-8", newline="") as file:
        csv.writer(file).writerow(["M-101", "2024-06-01", "Coaching skills", "7.5", "", "", ""])
    result = imported("import", str(template))
    assert result.exit_code == 0, result.output
    assert "Read 1 fact from MentorTrained.csv: 1 recorded" in result.output


def test_csv_export_imports_back_to_the_same_facts(imported: Cli, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = imported("export", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 17 facts to 16 CSV files" in result.output
    assert header(out / "MentorTimeLogged.csv") == [POSITION, *columns("MentorTimeLogged")]
    again = tmp_path / "again.db"
    result = imported("import", *sorted(map(str, out.glob("*.csv"))), ledger=again)
    assert result.exit_code == 0, result.output
    original, copy = imported("export").stdout, imported("export", ledger=again).stdout
    assert copy == original and copy.count("\n") == 17


def test_an_excel_workbook_imports_one_sheet_per_fact_type(cli: Cli, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    formed = book.create_sheet("PartnershipFormed")
    formed.append(["partnership", "on", "name", "programme", "lead_org"])
    formed.append(["wy", date(2024, 4, 1), "West Yorkshire", "legacy_mentoring", "ods:QWO"])
    target = book.create_sheet("RecruitmentTargetSet")
    target.append(["partnership", "on", "target_active", "assumed_dropout_rate"])
    target.append(["wy", date(2024, 4, 2), 40, "0.6"])
    book.save(tmp_path / "programme.xlsx")
    result = cli("import", str(tmp_path / "programme.xlsx"))
    assert result.exit_code == 0, result.output
    lines = cli("export").stdout.splitlines()
    assert lines[1] == ('{"fact":"RecruitmentTargetSet","partnership":"wy","on":"2024-04-02",'
                        '"target_active":40,"assumed_dropout_rate":"0.6","source_ref":'
                        + lines[1].split('"source_ref":')[1])


def test_a_bad_excel_row_is_named_by_sheet_row_and_column(cli: Cli, tmp_path: Path,
                                                          db: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "PartnershipFormed"
    sheet.append(["partnership", "on", "name", "programme", "lead_org"])
    sheet.append(["wy", "2024-04-01", "West Yorkshire", "mentoring", "ods:QWO"])
    book.save(tmp_path / "p.xlsx")
    result = cli("import", str(tmp_path / "p.xlsx"))
    assert result.exit_code == 1
    assert "p.xlsx, sheet PartnershipFormed: row 2, column programme: Input should be" in (
        result.output)
    assert count(db) == 0


def test_the_redcap_example_imports_with_its_mapping_once(cli: Cli, tmp_path: Path) -> None:
    demo = cli("demo", "--facts", "2000", "--no-report", "--out", str(tmp_path))  # ney-legacy
    assert demo.exit_code == 0, demo.output
    args = ("import", "--mapping", str(REDCAP_MAPPING), str(REDCAP))
    first, second = cli(*args), cli(*args)
    assert first.exit_code == 0, first.output
    assert "Read 6 facts from redcap-export.csv: 6 recorded" in first.output
    assert "0 recorded, 6 already present" in second.output
    contact = cli("log", "--key", "R-6001", "--fact", "MentoringContactRecorded").stdout
    assert "redcap-R-6001-mentoring_arm_1-2" in contact and "2024-11-12" in contact


def test_spreadsheet_errors_name_file_row_and_column_and_write_nothing(
    imported: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "MentorTimeLogged.csv"
    path.write_text("mentor,on,hours,activity,category\n"
                    "M-101,2024-10-09,1,group,delivery\n"
                    "M-101,2024-10-10,1,chatting,delivery\n")
    result = imported("import", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "  MentorTimeLogged.csv: row 3, column activity: Input should be 'one_to_one', 'group', "
        "'outreach', 'admin', 'training', 'action_research' or 'travel'"]
    assert "1 error; nothing was written" in result.output


def test_a_csv_given_as_json_lines_is_read_as_csv(imported: Cli, tmp_path: Path) -> None:
    path = tmp_path / "MentorTrained.txt"
    path.write_text("mentor,on,course,hours\nM-101,2024-06-01,Coaching,3\n")
    result = imported("import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 recorded" in result.output


def test_a_file_that_is_neither_is_one_line_saying_how(imported: Cli, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("Some notes\n" * 200)
    result = imported("import", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: notes.jsonl is not JSON Lines: its first line is not a JSON object",
        "  JSON Lines holds one {...} fact per line; a spreadsheet is read from a .csv or "
        ".xlsx file (or give --format csv)"]


def test_a_csv_on_stdin_needs_format_csv(imported: Cli) -> None:
    body = "fact,mentor,on,course,hours\nMentorTrained,M-101,2024-06-01,Coaching,3\n"
    result = imported("import", "--format", "csv", "-", input=body)
    assert result.exit_code == 0, result.output
    assert "Read 1 fact from stdin: 1 recorded" in result.output


def test_json_lines_and_spreadsheets_are_imported_apart(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "MentorTrained.csv").write_text("mentor,on,course,hours\n")
    result = cli("import", str(EXAMPLE), str(tmp_path / "MentorTrained.csv"))
    assert result.exit_code == 1
    assert "give JSON Lines files and spreadsheets in separate imports" in result.output


def test_a_mapping_is_for_spreadsheets(cli: Cli) -> None:
    result = cli("import", "--mapping", str(REDCAP_MAPPING), str(EXAMPLE))
    assert result.exit_code == 1
    assert "--mapping reads spreadsheets" in result.output



def test_text_that_would_be_a_formula_is_exported_inert_and_imports_as_it_was(
    imported: Cli, tmp_path: Path
) -> None:
    recorded = imported("record", "MentorTrained", "--mentor", "M-101", "--on", "2024-06-01",
                        "--course", "=HYPERLINK(\"x\")", "--hours", "2", "--note", "'=kept")
    assert recorded.exit_code == 0, recorded.output
    out = tmp_path / "csv"
    imported("export", "--format", "csv", "-o", str(out))
    with (out / "MentorTrained.csv").open(encoding="utf-8-sig", newline="") as file:
        row = next(iter(csv.DictReader(file)))
    assert (row["course"], row["note"]) == ("'=HYPERLINK(\"x\")", "''=kept")
    again = tmp_path / "again.db"
    result = imported("import", *sorted(map(str, out.glob("*.csv"))), ledger=again)
    assert result.exit_code == 0, result.output
    assert imported("export", ledger=again).stdout == imported("export").stdout


def test_json_lines_with_a_byte_order_mark_is_still_json_lines(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "17 recorded" in result.output


#: Text a spreadsheet reads as a formula, or as the apostrophe that makes one inert.
TRICKY = st.tuples(
    st.sampled_from(["=", "+", "-", "@", "'", "'=", "''=", "'+", "'-", "'@", "''", "-1", "'-1"]),
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=8),
).map("".join)


@given(TRICKY, TRICKY)
def test_csv_export_then_import_gives_the_same_facts_for_any_text(course: str, note: str) -> None:
    """Text beginning = + - @ or ' comes back exactly, read by the library's import."""
    facts = [b.partnership_formed(), b.mentor_enrolled(),
             b.mentor_trained(course=course, note=note)]  # fmt: skip
    with tempfile.TemporaryDirectory() as where, Ledger(":memory:") as ledger:
        ledger.import_facts(facts)
        original = list(ledger.export_lines())
        write_export(Path(where), ((r.position, interchange(r.fact)) for r in ledger.records()))
        with Ledger(":memory:") as again:
            for name in ("PartnershipFormed", "MentorEnrolled", "MentorTrained"):
                again.import_file(Path(where) / f"{name}.csv")
            assert list(again.export_lines()) == original
