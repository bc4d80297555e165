"""The auditors' and programme staff's commands: explain, diff, replay, record, frameworks.

The ledger is the example history with its leaver taken out, then a back-dated
``RegistrantLeft`` (to ``left_profession``) recorded last: known at position 16 the registrant
was retained at 12 months, known at 17 they were not.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from legacyledger import Ledger
from legacyledger.application import LEDGER_ENV
from legacyledger.reports import build_report
from legacyledger_cli import main
from legacyledger_cli.commands.record import build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "example-facts.jsonl"
PILLARS = ROOT / "examples" / "six-pillars.example.json"
AS_OF = "2026-03-31"
RETAINED_12 = "retention.retained/cohort=2024-25/h=12/scope=nhs"
BEFORE, AFTER = 16, 17
LATE_LEAVER = {
    "fact": "RegistrantLeft",
    "registrant": "R-5001",
    "on": "2025-01-15",
    "destination": "left_profession",
    "reason": "left nursing",
    "source_ref": "late-leaver",
}
TIME_LOGGED = (
    "MentorTimeLogged", "--mentor", "M-101", "--on", "2024-10-09", "--hours", "1.5",
    "--activity", "one_to_one", "--category", "delivery", "--registrant", "R-5001",
)  # fmt: skip

Cli = Callable[..., Result]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        ledger.import_facts(line for line in EXAMPLE.open("rb") if b'"wy-16"' not in line)
        assert ledger.head() == BEFORE
        ledger.record(LATE_LEAVER)
    return path


@pytest.fixture
def cli(db: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv(LEDGER_ENV, raising=False)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--ledger", str(db), *args], catch_exceptions=False)

    return invoke


def count(db: Path) -> int:
    with Ledger(db) as ledger:
        return ledger.count()


def listed_positions(output: str) -> list[int]:
    """The POS column of the first fact table after a ``Contributing facts`` heading."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Contributing facts"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        rows.append(int(line.split()[0]))
    return rows


# -- explain ---------------------------------------------------------------------------------


def test_explain_lists_exactly_the_facts_the_library_names(cli: Cli, db: Path) -> None:
    with Ledger(db) as ledger:
        assert RETAINED_12 in ledger.views(as_of=date.fromisoformat(AS_OF)).by_id
        expected = [r.position for r in ledger.explain(RETAINED_12, date(2026, 3, 31)).facts]
    result = cli("explain", RETAINED_12, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert listed_positions(result.output) == expected == [9, AFTER]
    assert "retention.retained_h (version 2)" in result.output
    assert re.search(rf"known at\s+position {AFTER}$", result.output, re.M)
    assert re.search(r"as of\s+2026-03-31$", result.output, re.M)
    assert "late-leaver" in result.output and "destination=left_profession" in result.output


def test_explain_json_is_one_document_with_figure_derivation_and_facts(cli: Cli) -> None:
    result = cli("explain", RETAINED_12, "--as-of", AS_OF, "--json")
    document = json.loads(result.stdout)
    assert (document["id"], document["value"]) == (RETAINED_12, 0)
    derivation = document["derivation"]
    assert (derivation["known_at"], derivation["as_of"]) == (AFTER, AS_OF)
    assert [f["position"] for f in document["facts"]] == derivation["contributing"]


def test_explain_pages_through_the_facts(cli: Cli) -> None:
    second = cli("explain", RETAINED_12, "--as-of", AS_OF, "--page-size", "1", "--page", "2")
    assert listed_positions(second.output) == [AFTER]
    assert "page 2 of 2" in second.output
    beyond = cli("explain", RETAINED_12, "--as-of", AS_OF, "--page-size", "1", "--page", "3")
    assert beyond.exit_code == 1
    assert "no page 3" in beyond.output


def test_explain_as_known_earlier_shows_the_figure_then(cli: Cli) -> None:
    args = ("--as-of", AS_OF, "--known-at", str(BEFORE), "--json", "--disclosure", "none")
    result = cli("explain", RETAINED_12, *args)
    document = json.loads(result.stdout)
    assert (document["value"], document["derivation"]["known_at"]) == (1, BEFORE)
    assert "true values" in result.stderr and "do not publish" in result.stderr


def test_explain_diff_and_replay_show_values_as_a_report_does(cli: Cli) -> None:
    # 1 retained of a cohort of 1: a report shows "*"; so do explain, diff and replay by
    # default, and say so; only --disclosure none shows the true value
    explained = cli("explain", RETAINED_12, "--as-of", AS_OF, "--known-at", str(BEFORE))
    assert f"{RETAINED_12} = * (suppressed under disclosure nhs" in explained.stdout
    assert "exact value" not in explained.stdout and "true values" not in explained.stderr
    document = json.loads(cli("explain", RETAINED_12, "--as-of", AS_OF, "--known-at",
                              str(BEFORE), "--json").stdout)  # fmt: skip
    assert (document["value"], document["disclosure"]) == ("*", "nhs")
    cut_offs = ("--known-at", str(BEFORE), "--known-at", str(AFTER), "--as-of", AS_OF)
    change = json.loads(cli("diff", RETAINED_12, *cut_offs, "--json").stdout)
    assert (change["before"]["value"], change["after"]["value"]) == ("*", 0)
    replayed = json.loads(cli("replay", "--as-of", AS_OF, "--known-at", str(BEFORE),
                              "--json", "--disclosure", "under10").stdout)  # fmt: skip
    assert replayed["families"]["retention"]["values"][RETAINED_12] == "*"


def test_an_unknown_figure_id_suggests_close_ones(cli: Cli) -> None:
    result = cli("explain", RETAINED_12.replace("retained", "retaned"), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "no figure" in result.output
    assert f"did you mean {RETAINED_12}?" in result.output


def test_retention_parameters_come_from_the_id_or_the_options(cli: Cli) -> None:
    by_org = "retention.retained/cohort=2024-25/h=12/profession=midwife/scope=organisation"
    inferred = cli("explain", by_org, "--as-of", AS_OF, "--json")
    assert inferred.exit_code == 0, inferred.output
    assert json.loads(inferred.stdout)["derivation"]["parameters"]["by"] == ["profession"]
    given = ("--scope", "organisation", "--by", "profession", "--period", "fy", "--json")
    assert json.loads(cli("explain", by_org, "--as-of", AS_OF, *given).stdout)["value"] == 0
    assert cli("explain", by_org, "--as-of", AS_OF, "--scope", "nhs").exit_code == 1


def test_cost_figures_of_finer_periods_are_found_from_their_id(cli: Cli) -> None:
    for figure_id in (
        "costs.per_contact_hour/period=2024-10",
        "costs.cumulative/period=2024-25-Q3",
    ):
        result = cli("explain", figure_id, "--as-of", AS_OF, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["id"] == figure_id


# -- diff ------------------------------------------------------------------------------------


def test_diff_between_two_positions_names_the_back_dated_fact(cli: Cli) -> None:
    cut_offs = ("--known-at", str(BEFORE), "--known-at", str(AFTER), "--as-of", AS_OF,
                "--disclosure", "none")  # fmt: skip
    result = cli("diff", RETAINED_12, *cut_offs)
    assert result.exit_code == 0, result.output
    assert f"known at position {BEFORE}: 1 people" in result.output
    assert f"known at position {AFTER}: 0 people" in result.output
    assert "late-leaver" in result.output.split("Facts added")[1].split("Facts removed")[0]
    document = json.loads(cli("diff", RETAINED_12, *cut_offs, "--json").stdout)
    assert document["changed"] is True
    assert [f["source_ref"] for f in document["added"]] == ["late-leaver"]
    assert document["removed"] == []


def test_diff_needs_two_cut_offs(cli: Cli) -> None:
    result = cli("diff", RETAINED_12, "--known-at", str(BEFORE))
    assert result.exit_code == 2
    assert "exactly twice" in result.output


# -- replay ----------------------------------------------------------------------------------


def test_replay_at_an_earlier_position_gives_the_earlier_figures(cli: Cli) -> None:
    audit = ("--as-of", AS_OF, "--json", "--disclosure", "none")
    then = json.loads(cli("replay", *audit, "--known-at", str(BEFORE)).stdout)
    now = json.loads(cli("replay", *audit).stdout)
    assert (then["known_at"], now["known_at"]) == (BEFORE, AFTER)
    values = (then["families"]["retention"]["values"], now["families"]["retention"]["values"])
    assert (values[0][RETAINED_12], values[1][RETAINED_12]) == (1, 0)
    assert set(now["families"]) == {"retention", "costs", "compliance", "reach"}


def test_replay_summarises_each_family(cli: Cli) -> None:
    result = cli("replay", "--as-of", AS_OF, "--quiet")
    assert result.exit_code == 0, result.output
    for family in ("retention", "costs", "compliance", "reach"):
        assert re.search(rf"^{family}: \d+ figures in ", result.output, re.M), family
    assert "retention.cohort_size/cohort=2024-25/scope=nhs" in result.output
    ids = cli("replay", "--as-of", AS_OF, "--family", "retention", "--ids").output
    assert RETAINED_12 in ids and "costs." not in ids


def test_replay_known_at_a_time_before_any_fact_is_empty(cli: Cli) -> None:
    result = cli("replay", "--known-at", "2000-01-01T00:00", "--json")
    assert json.loads(result.stdout)["known_at"] == 0


# -- cut-offs beyond the ledger --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["explain", RETAINED_12, "--known-at", "99999"],
        ["diff", RETAINED_12, "--known-at", "1", "--known-at", "99999"],
        ["replay", "--known-at", "99999"],
        ["show", "registrant", "R-5001", "--known-at", "99999"],
        ["export", "--known-at", "99999"],
        ["report", "retention", "--known-at", "99999"],
    ],
    ids=lambda args: args[0],
)
def test_a_position_beyond_the_ledger_is_refused_alike(cli: Cli, args: list[str]) -> None:
    as_of = [] if args[0] in ("show", "export") else ["--as-of", AS_OF]
    result = cli(*args, *as_of)
    assert result.exit_code == 1
    beyond = f"known_at 99999 is beyond the ledger's last position ({AFTER})"
    assert result.stderr == f"Error: {beyond}\n"
    assert result.stdout == ""


def test_the_last_position_itself_is_a_cut_off(cli: Cli) -> None:
    result = cli("explain", RETAINED_12, "--known-at", str(AFTER), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output


# -- record ----------------------------------------------------------------------------------


def test_record_one_fact_prints_its_position(cli: Cli, db: Path) -> None:
    result = cli("record", *TIME_LOGGED)
    assert result.exit_code == 0, result.output
    assert f"at position {AFTER + 1}" in result.output
    with Ledger(db) as ledger:
        stored = next(ledger.records(AFTER)).fact
    assert (stored["fact"], stored["hours"], stored["registrant"]) == (
        "MentorTimeLogged",
        "1.5",
        "R-5001",
    )


def test_a_bad_fact_is_refused_naming_the_field(cli: Cli, db: Path) -> None:
    bad = [("lots" if arg == "1.5" else arg) for arg in TIME_LOGGED]
    result = cli("record", *bad)
    assert result.exit_code == 1
    assert "--hours" in result.output and "nothing was written" in result.output
    assert count(db) == AFTER


def test_an_unknown_fact_suggests_the_nearest(cli: Cli) -> None:
    result = cli("record", "MentorTimeLoged", "--mentor", "M-101")
    assert result.exit_code == 1
    assert "did you mean MentorTimeLogged?" in result.output


def test_field_values_convert_by_the_fact_model() -> None:
    delivered = build(
        "EventDelivered",
        ["--event", "EV-1", "--attendees", "M-1", "--attendees=M-2,M-3", "--audience-reached", "8"],
    )
    assert delivered["attendees"] == ["M-1", "M-2", "M-3"]
    assert delivered["audience_reached"] == 8
    corrected = build("FactCorrected", ["--replacement", '{"minutes":65}'])
    assert corrected["replacement"] == {"minutes": 65}
    assert build("RegistrantEnrolled", ["--comparator", "false"])["comparator"] is False
    assert build("FrameworkItemAssessed", ["--evidence", '["a, b"]'])["evidence"] == ["a, b"]


# -- frameworks ------------------------------------------------------------------------------


def test_frameworks_list_and_show(cli: Cli) -> None:
    listed = cli("frameworks", "list")
    assert re.search(r"^ney-legacy-stages\s+1\s+shipped\s+4\s", listed.output, re.M)
    shown = cli("frameworks", "show", "ney-legacy-stages")
    assert "planning_preparation" in shown.output and "ney_planning_preparation(" in shown.output
    missing = cli("frameworks", "show", "no-such-framework")
    assert missing.exit_code == 1 and "unknown framework" in missing.output


def test_a_loaded_framework_can_be_adopted_through_record(cli: Cli, db: Path) -> None:
    adopt = ("record", "FrameworkAdopted", "--partnership", "wy-legacy", "--on", "2024-05-01",
             "--framework", "ney-six-pillars-example", "--version", "0")  # fmt: skip
    assert cli(*adopt).exit_code == 1, "unknown before it is loaded"
    loaded = cli("frameworks", "load", str(PILLARS))
    assert loaded.exit_code == 0, loaded.output
    assert not (db.parent / "ledger.db.frameworks").exists(), "a fact, not a file"
    assert "already loaded" in cli("frameworks", "load", str(PILLARS)).output
    assert re.search(rf"^ney-six-pillars-example\s+0\s+ledger@{AFTER + 1}\s+6\s",
                     cli("frameworks", "list").output, re.M)
    recorded = cli(*adopt)
    assert recorded.exit_code == 0, recorded.output
    assert count(db) == AFTER + 2


def test_loading_other_content_under_a_loaded_version_is_refused(cli: Cli, tmp_path: Path) -> None:
    assert cli("frameworks", "load", str(PILLARS)).exit_code == 0
    changed = tmp_path / "changed.json"
    changed.write_text(PILLARS.read_text().replace("Pillar 1 (placeholder)", "Something else"))
    result = cli("frameworks", "load", str(changed))
    assert result.exit_code == 1
    assert "FrameworkLoaded.content.items[" in result.output
    assert "already known with other content" in result.output


def test_the_library_alone_gets_the_figures_the_cli_reports(cli: Cli, db: Path) -> None:
    cli("frameworks", "load", str(PILLARS))
    cli("record", "FrameworkAdopted", "--partnership", "wy-legacy", "--on", "2024-05-01",
        "--framework", "ney-six-pillars-example", "--version", "0")  # fmt: skip
    shown = cli("report", "compliance", "--format", "json", "--as-of", "2025-03-31")
    document = json.loads(shown.output)
    with Ledger(db) as ledger:  # no CLI, no frameworks given
        alone = build_report(ledger, ["compliance"], as_of=date(2025, 3, 31))
    assert alone.digest == document["digest"]
    assert "ney-six-pillars-example@0" in document["frameworks"]


def test_a_0_1_0_folder_is_still_read_and_loading_its_file_records_it(cli: Cli, db: Path) -> None:
    folder = db.parent / "ledger.db.frameworks"
    folder.mkdir()
    shutil.copyfile(PILLARS, folder / "ney-six-pillars-example-0.json")
    listed = cli("frameworks", "list").output
    assert re.search(r"^ney-six-pillars-example\s+0\s+folder\s+6\s", listed, re.M)
    adopted = cli("record", "FrameworkAdopted", "--partnership", "wy-legacy", "--on",
                  "2024-05-01", "--framework", "ney-six-pillars-example", "--version", "0")
    assert adopted.exit_code == 0, adopted.output
    assert cli("frameworks", "load", str(folder / "ney-six-pillars-example-0.json")).exit_code == 0
    assert re.search(r"^ney-six-pillars-example\s+0\s+ledger@", cli("frameworks", "list").output,
                     re.M)


# -- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["explain"], ["diff"], ["replay"], ["record"], ["frameworks"],
     ["frameworks", "list"], ["frameworks", "show"], ["frameworks", "load"]],
)  # fmt: skip
def test_every_command_has_help_ending_with_an_example(args: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    name = " ".join(args)
    assert re.search(rf"Examples?:\n(  .*\n)*  .*legacyledger .*{name}\b", result.output), (
        result.output
    )
