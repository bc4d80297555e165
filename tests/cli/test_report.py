"""``legacyledger report`` in every format, and ``legacyledger verify``, through CliRunner."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from legacyledger import Ledger
from legacyledger.application import LEDGER_ENV
from legacyledger.reports import report_schema
from legacyledger_cli import main
from tests.test_reports import AS_OF, back_dated_leaver, schema_errors, synthetic_ledger

Cli = Callable[..., Result]
FAMILIES = ("retention", "costs", "compliance", "reach")
DIGEST = "sha256:"


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_ledger(tmp_path_factory.mktemp("cli-report") / "ledger.db")


def runner(db: Path) -> Cli:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--ledger", str(db), *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def cli(shared_db: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(LEDGER_ENV, raising=False)
    return runner(shared_db)


def report(cli: Cli, *args: str) -> Result:
    result = cli("report", *args, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    return result


# -- every format -------------------------------------------------------------------------------


def test_table_has_a_heading_per_family_aligned_values_and_the_footer(cli: Cli) -> None:
    out = report(cli, "all").stdout
    for title in ("Retention (", "Costs (", "Framework compliance (", "Reach and activity ("):
        assert f"\n{title}" in f"\n{out}"
    assert "\x1b[" not in out  # colour only on a terminal
    header = next(line for line in out.splitlines() if line.strip().startswith("FIGURE"))
    rows = [line for line in out.splitlines() if line.startswith("  retention.")]
    assert rows and {line.index(" people") for line in rows if line.endswith(" people")} == {
        header.index("  UNIT") + 1
    }
    footer = out[out.index("\nFooter\n") :]
    for key in ("Ledger position", "Parameters", "Disclosure", "Digest"):
        assert f"  {key}" in footer
    assert DIGEST in footer and "nhs:" in footer


def test_json_follows_the_published_schema_and_ends_with_the_footer(cli: Cli) -> None:
    document = json.loads(report(cli, "all", "--format", "json").stdout)
    schema = report_schema()
    assert schema_errors(document, schema, schema) == []
    assert list(document)[-9:] == ["known_at", "ledger_head", "chain_link", "parameters",
                                   "disclosure", "disclosure_method", "generated_at",
                                   "frameworks", "digest"]
    assert {f["family"] for f in document["figures"]} == set(FAMILIES)
    for f in document["figures"]:  # the id's parts as fields, for grouping without parsing
        metric, *parts = f["id"].split("/")
        assert f["metric"] == metric and f["dims"] == dict(p.split("=", 1) for p in parts)
        assert (f["number"] is None and f["symbol"] == f["display"] in ("*", "n/a")) or (
            f["symbol"] is None and f["number"] == float(f["display"]))


def test_csv_is_tidy_a_header_and_one_row_per_figure(cli: Cli) -> None:
    raw = report(cli, "retention", "--format", "csv").stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    document = json.loads(report(cli, "retention", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [f["id"] for f in document["figures"]]
    assert list(rows[0])[:5] == ["family", "metric", "id", "label", "cohort"]
    assert all(r["family"] == "retention" and r["as_of"] == AS_OF.isoformat() for r in rows)
    assert {r["suppressed"] for r in rows} == {"true", "false"}
    assert all(r["digest"].startswith(DIGEST) and r["disclosure"] == "nhs" for r in rows)
    for r in rows:  # a value is a number, or empty with the symbol shown instead
        assert (r["value"] == "" and r["symbol"] in ("*", "n/a")) or (
            float(r["value"]) is not None and r["symbol"] == "")
        dims = dict(p.split("=") for p in r["id"].split("/")[1:])
        assert r["cohort"] == dims.get("cohort", "") and r["horizon"] == dims.get("h", "")
        assert r["label"]


def test_markdown_has_headings_tables_and_a_footer(cli: Cli) -> None:
    out = report(cli, "all", "--format", "markdown").stdout
    for family in ("## Retention", "## Costs", "## Framework compliance", "## Reach and activity"):
        assert f"\n{family}\n" in out
    assert "| Figure | Label | Value | Unit |" in out and "\\*" in out
    assert out.index("## Footer") > out.index("## Reach and activity") and DIGEST in out


def test_xlsx_has_a_table_per_family_definitions_and_about(cli: Cli, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "report.xlsx"
    result = report(cli, "all", "--format", "xlsx", "-o", str(path))
    assert result.stdout == "" and f"to {path}" in result.stderr
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*FAMILIES, "Definitions", "About"]
    assert all(list(book[f].tables) == [f] for f in FAMILIES)  # an Excel table, with filters
    header = [c.value for c in book["costs"][1]]
    assert header[:4] == ["family", "metric", "id", "label"] and "partnership" in header
    column = header.index("value")
    cells = [row[column] for row in book["costs"].iter_rows(min_row=2)]
    assert all(c.value is None or isinstance(c.value, (int, float)) for c in cells)
    retention = [c.value for c in book["retention"][1]]
    rates = [row for row in book["retention"].iter_rows(min_row=2)
             if row[retention.index("unit")].value == "ratio"
             and row[retention.index("value")].value is not None]  # fmt: skip
    assert rates and all(r[retention.index("value")].number_format == "0.0%" for r in rates)
    money = [c for c in cells if c.value is not None and c.number_format == "£#,##0.00"]
    assert money
    words = [row[3] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert any(" ÷ " in w for w in words)
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Digest"].startswith(DIGEST) and about["Disclosure"].startswith("nhs")


def test_html_is_written_by_its_module_or_is_a_clear_error(cli: Cli) -> None:
    result = cli("report", "reach", "--format", "html", "--as-of", AS_OF.isoformat())
    try:
        import legacyledger_cli.html.report  # noqa: F401
    except ImportError:
        assert result.exit_code == 1 and "html format is not available" in result.stderr
    else:
        assert result.exit_code == 0 and "<" in result.stdout


def test_html_prints_numbers_for_people_and_charts_reach_by_quarter(cli: Cli) -> None:
    """A real report writes exact decimals as text; the HTML must still format them
    (percentages, pounds) and draw reach per quarter, not one stand-in column."""
    result = cli("report", "all", "--format", "html", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    page = result.stdout
    body = page[page.index("<body"):]
    assert not re.search(r">[^<]*\d\.\d{8,}", body), "an unformatted decimal is printed"
    assert "£" in body and "%" in body
    assert "without a quarterly activity timeline" not in page
    assert 'data-chart="reach-events-by-kind"' in page


def test_output_file_replaces_stdout_and_quiet_silences_the_note(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    loud = report(cli, "costs", "--format", "markdown", "-o", str(path))
    assert loud.stdout == "" and "Wrote the markdown report" in loud.stderr
    assert path.read_text(encoding="utf-8").startswith("# legacyledger report")
    quiet = cli(
        "-q", "report", "costs", "--format", "markdown", "-o", str(path), "--as-of", "2025-09-30"
    )
    assert quiet.exit_code == 0 and quiet.output == ""


# -- options ------------------------------------------------------------------------------------


def _csv_values(cli: Cli, *args: str) -> dict[str, str]:
    raw = report(cli, *args, "--format", "csv").stdout_bytes.decode("utf-8-sig")
    return {r["id"]: r["value"] or r["symbol"] for r in csv.DictReader(io.StringIO(raw))}


def test_a_small_cohort_is_starred_under_nhs_and_a_number_under_none(cli: Cli) -> None:
    nhs = _csv_values(cli, "retention")
    internal = _csv_values(cli, "retention", "--disclosure", "none")
    small = [
        i
        for i, v in internal.items()
        if i.startswith("retention.cohort_size/") and 1 <= int(v) <= 7
    ]
    assert small and all(nhs[i] == "*" for i in small)
    assert all(internal[i].isdigit() for i in small)


def test_by_period_scope_and_known_at_reach_the_report(cli: Cli, shared_db: Path) -> None:
    document = json.loads(report(cli, "retention", "--by", "profession", "--by", "setting",
                                 "--period", "quarter", "--scope", "system", "--known-at", "1500",
                                 "--format", "json").stdout)  # fmt: skip
    assert document["parameters"]["retention"] == {
        "by": ["profession", "setting"],
        "period": "quarter",
        "scope": "system",
    }
    assert document["known_at"] == 1500
    assert all(f["derivation"]["known_at"] == 1500 for f in document["figures"])


def test_by_takes_the_comma_form_as_replay_explain_and_diff_do(cli: Cli) -> None:
    comma = report(cli, "retention", "--by", "employer,partnership", "--format", "json").stdout
    repeated = report(cli, "retention", "--by", "employer", "--by", "partnership",
                      "--format", "json").stdout  # fmt: skip
    assert json.loads(comma)["parameters"]["retention"]["by"] == ["employer", "partnership"]
    assert json.loads(comma)["figures"] == json.loads(repeated)["figures"]


def test_period_help_says_it_changes_the_cohort_ids() -> None:
    text = " ".join(CliRunner().invoke(main, ["report", "--help"]).output.split())
    assert "cohort ids" in text and "comma-separate" in text


def test_a_status_reads_as_its_word_in_the_table(cli: Cli) -> None:
    words = {
        row["id"]: row["label"]
        for row in csv.DictReader(io.StringIO(report(cli, "compliance", "--format", "csv")
                                              .stdout.lstrip("\ufeff")))
        if row["id"].startswith("compliance.status/")
    }  # fmt: skip
    assert {"met", "partial"} <= set(words.values())
    table = report(cli, "compliance").stdout
    for figure, word in words.items():
        assert re.search(rf"^  {re.escape(figure)} +{word}$", table, re.M), (figure, word)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--known-at", "999999"], "beyond the ledger's last position"),
        (["--known-at", "yesterday"], "neither a ledger position nor a date-time"),
        (["--period", "decade"], "Invalid value for '--period'"),
    ],
)
def test_bad_options_are_one_clear_error(cli: Cli, args: list[str], message: str) -> None:
    result = cli("report", "retention", *args)
    assert result.exit_code in (1, 2) and message in result.stderr


# -- verify -------------------------------------------------------------------------------------


def saved(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    report(cli, "all", "--format", "json", "-o", str(path), *args)
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_verify_a_fresh_report(cli: Cli, tmp_path: Path) -> None:
    document = saved(cli, tmp_path / "report.json")
    result = cli("verify", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Reproduces: {document['digest']}")


def test_verify_a_tampered_report_names_the_figure(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    document = saved(cli, path)
    target = next(
        f for f in document["figures"] if isinstance(f["display"], int) and f["display"] >= 10
    )
    target["display"] += 5
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli("verify", str(path))
    assert result.exit_code == 1
    assert "Does not reproduce" in result.stdout and "1 figure differ" in result.stdout
    assert (
        f"{target['id']}: report {target['display']}, rebuilt {target['display'] - 5}"
        in result.stdout
    )


def test_a_report_at_its_known_at_verifies_after_a_back_dated_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LEDGER_ENV, raising=False)
    db = synthetic_ledger(tmp_path / "ledger.db")
    cli, path = runner(db), tmp_path / "before.json"
    before = saved(cli, path)
    with Ledger(db) as ledger:
        ledger.record(back_dated_leaver(ledger))
    assert cli("verify", str(path)).exit_code == 0
    after = saved(cli, tmp_path / "after.json")
    assert after["known_at"] == before["known_at"] + 1 and after["digest"] != before["digest"]


def test_verify_without_a_report_checks_the_ledger(cli: Cli) -> None:
    result = cli("verify")
    assert result.exit_code == 0, result.output
    for name in ("positions", "facts", "source_ref index"):
        assert f"  {name}" in result.stdout
    assert result.stdout.rstrip().endswith("No problems found.")


def test_verify_of_a_file_that_is_not_a_report(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[1, 2", encoding="utf-8")
    assert "is not JSON" in cli("verify", str(tmp_path / "x.json")).stderr
    (tmp_path / "y.json").write_text('{"schema": "other/1"}', encoding="utf-8")
    result = cli("verify", str(tmp_path / "y.json"))
    assert result.exit_code == 1 and "not a legacyledger.report/1 document" in result.stdout


def test_every_unit_in_a_report_is_one_of_the_controlled_list(cli: Cli) -> None:
    from legacyledger.projections.units import UNITS

    document = json.loads(report(cli, "all", "--format", "json").stdout)
    units = {f["unit"] for f in document["figures"]}
    assert units - UNITS == set() and {"people", "events", "hours"} <= units
    assert not units & {"person", "registrants", "hour", "event"}
    assert all(f["label"] for f in document["figures"])  # costs and reach had none


def test_a_projection_cannot_make_a_unit_outside_the_controlled_list() -> None:
    """Units were made one way in the projections and put right only as a report was made,
    so the library's views spoke of "registrants" where reports said "people"."""
    import pytest

    from legacyledger.projections.base import Derivation, Figure

    derivation = Derivation(formula="n", version=1, parameters={}, as_of=None, known_at=None,
                            contributing=())
    assert Figure("x.y", 1, "registrants", derivation).unit == "people"
    with pytest.raises(ValueError, match=r"not in legacyledger\.projections\.units"):
        Figure("x.y", 1, "widgets", derivation)


def test_growth_is_in_a_controlled_unit(cli: Cli) -> None:
    from legacyledger.projections.units import UNITS

    document = json.loads(report(cli, "reach", "--from", "2024-04-01", "--format",
                                 "json").stdout)
    units = {f["unit"] for f in document["figures"]}
    assert "percent" in units and units <= UNITS
