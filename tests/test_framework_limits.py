"""Frameworks validated like facts (issue 12, "Frameworks"): encoding, size, depth, id
pattern and every rule parameter's range, each refused with a one-line error; then nothing
a framework says reaches a spreadsheet as a formula or a Markdown page as HTML."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from legacyledger import ImportRejected, Ledger
from legacyledger.facts.cells import spreadsheet_cell
from legacyledger.frameworks import (
    MAX_BYTES,
    MAX_DEPTH,
    PARAMETER_RANGES,
    RULES,
    FrameworkError,
    load_framework,
    parse_framework,
)
from legacyledger.reports import build_report
from legacyledger_cli.report_render import render
from tests.builders import (
    CUSTOM_FRAMEWORK,
    framework_adopted,
    framework_loaded,
    partnership_formed,
)


def content(**over: Any) -> dict[str, Any]:
    found = copy.deepcopy(CUSTOM_FRAMEWORK)
    found.update(over)
    return found


def with_rule(rule: str, **params: Any) -> dict[str, Any]:
    item = {"id": "x", "title": "X", "description": "", "area": "a", "assessment": "computed",
            "rule": {"id": rule, "params": params}}
    return content(items=[item])


def one_line_error(text: str | bytes) -> str:
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, "f.json")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("f.json: "), message
    return message


def test_a_framework_file_of_invalid_utf8_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(json.dumps(content()).encode()[:20] + b"\xff\xfe" + b"}")
    with pytest.raises(FrameworkError, match="not UTF-8"):
        load_framework(path)


def test_deep_json_in_a_framework_is_a_one_line_error() -> None:
    assert "nested" in one_line_error("[" * 100_000 + "]" * 100_000)
    assert "nested" in one_line_error(json.dumps(content(source=[[[[[[[["x"]]]]]]]])))


def test_a_framework_larger_than_the_limit_is_refused() -> None:
    assert "larger than" in one_line_error(" " * (MAX_BYTES + 1))


def test_a_300_character_framework_id_is_a_one_line_error() -> None:
    assert "id" in one_line_error(json.dumps(content(id="f" * 300)))


@pytest.mark.parametrize(
    ("rule", "params"),
    [("over_recruitment", {"dropout_rate": "1"}),
     ("ongoing_cpd", {"window_months": 10**30}),
     ("ongoing_cpd", {"window_months": 0}),
     ("ongoing_cpd", {"role": "nobody"}),
     ("preceptee_first_meeting", {"within_days": -1}),
     ("preceptor_protected_time", {"hours_per_year": "1e30"}),
     ("ongoing_cpd", {"met_share": "1.5"})],
)
def test_rule_parameters_out_of_range_are_refused_when_loaded(
    rule: str, params: dict[str, Any]
) -> None:
    message = one_line_error(json.dumps(with_rule(rule, **params)))
    assert f"parameter {next(iter(params))!r} must be" in message


def test_every_rule_parameter_has_a_range_its_default_keeps() -> None:
    for rule, defaults in RULES.items():
        for name, default in defaults.items():
            assert name in PARAMETER_RANGES, f"{rule}.{name} has no range"
            parse_framework(json.dumps(with_rule(rule, **{name: default})))


def test_control_characters_in_a_framework_title_are_refused() -> None:
    assert "U+0000" in one_line_error(json.dumps(content(title="a\u0000b")))


def test_a_framework_loaded_fact_with_deep_content_is_refused_with_its_line() -> None:
    deep: Any = "x"
    for _ in range(50):
        deep = [deep]
    with Ledger(":memory:") as ledger, pytest.raises(ImportRejected) as caught:
        ledger.import_facts([framework_loaded(content(source=deep))])
    (error,) = caught.value.errors
    assert error.line == 1 and error.field == "content"


BROKE_LOADING = {
    "invalid UTF-8": json.dumps(content()).encode()[:20] + b"\xff\xfe}",
    "deep JSON": ("[" * 100_000 + "]" * 100_000).encode(),
    "a 300-character id": json.dumps(content(id="f" * 300)).encode(),
    "dropout_rate 1": json.dumps(with_rule("over_recruitment", dropout_rate="1")).encode(),
    "window_months 1e30": json.dumps(with_rule("ongoing_cpd", window_months=1e30)).encode(),
}


@pytest.mark.parametrize("broken", BROKE_LOADING)
def test_a_framework_file_that_gave_a_traceback_is_one_line_from_frameworks_load(
    tmp_path: Path, broken: str
) -> None:
    """``legacyledger frameworks load`` of each file gave a traceback, or loaded a framework
    the compliance report then crashed on; now one line, and nothing is recorded."""
    from click.testing import CliRunner

    from legacyledger_cli import main

    ledger = str(tmp_path / "ledger.db")
    path = tmp_path / "framework.json"
    path.write_bytes(BROKE_LOADING[broken])
    runner = CliRunner()
    assert runner.invoke(main, ["--ledger", ledger, "init"]).exit_code == 0
    result = runner.invoke(main, ["--ledger", ledger, "frameworks", "load", str(path)])
    assert result.exit_code == 1 and not isinstance(result.exception, Exception)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    with Ledger(ledger) as opened:
        assert opened.count() == 0


@pytest.mark.parametrize(
    ("rule", "params"),
    [("over_recruitment", {"dropout_rate": "1"}), ("ongoing_cpd", {"window_months": 1e30})],
)
def test_rule_parameters_out_of_range_in_an_imported_framework_fact_are_refused(
    rule: str, params: dict[str, Any]
) -> None:
    """The same ranges hold for a ``FrameworkLoaded`` fact imported from a file."""
    with Ledger(":memory:") as ledger, pytest.raises(ImportRejected) as caught:
        ledger.import_facts([framework_loaded(with_rule(rule, **params))])
    (error,) = caught.value.errors
    assert (error.line, error.field) == (1, "content")
    assert f"parameter {next(iter(params))!r} must be" in error.message


HOSTILE = ["=HYPERLINK(\"http://x\",\"a\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "=1+1"]


def hostile_report() -> Any:
    framework = content(title=HOSTILE[0])
    framework["items"][0]["title"] = "=1+1"
    with Ledger(":memory:") as ledger:
        ledger.import_facts([framework_loaded(framework), partnership_formed(),
                             framework_adopted(framework="custom-csf", version="1")])
        return build_report(ledger)


@pytest.mark.parametrize("text", HOSTILE)
def test_text_starting_a_formula_is_neutralised(text: str) -> None:
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "+3", "1,234", "-5%", 7, "plain"])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert spreadsheet_cell(value) == value


def test_a_framework_title_starting_with_equals_is_not_a_formula_in_csv() -> None:
    import csv

    rows = list(csv.reader(io.StringIO(render(hostile_report(), "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert any("=1+1" in cell for cell in cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]


def test_a_framework_title_starting_with_equals_is_not_a_live_formula_in_excel() -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(io.BytesIO(render(hostile_report(), "xlsx")))  # type: ignore[arg-type]
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert any("=1+1" in str(cell.value) for cell in cells)
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_the_markdown_report_escapes_html() -> None:
    framework = content()
    framework["items"][0]["title"] = "<img src=x onerror=alert(1)>"
    with Ledger(":memory:") as ledger:
        ledger.import_facts([framework_loaded(framework), partnership_formed(),
                             framework_adopted(framework="custom-csf", version="1")])
        page = str(render(build_report(ledger), "markdown"))
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert MAX_DEPTH >= 5
