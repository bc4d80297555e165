"""The command line, through click's CliRunner (and once as a real process)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from legacyledger import Ledger
from legacyledger.application import LEDGER_ENV
from legacyledger.facts import MODELS
from legacyledger_cli import main
from legacyledger_cli.shell import display_location
from tests.sync import HUNG

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "example-facts.jsonl"
EXAMPLE_COUNT = 17
COMMANDS = sorted(main.commands)

Cli = Callable[..., Result]
BEYOND = "Error: known_at {} is beyond the ledger's last position (17)"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def cli(db: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``legacyledger --ledger <tmp>/ledger.db ARGS...``; unexpected exceptions propagate."""
    monkeypatch.delenv(LEDGER_ENV, raising=False)

    def invoke(*args: str, input: bytes | str | None = None, ledger: Path | str = db) -> Result:
        return CliRunner().invoke(
            main, ["--ledger", str(ledger), *args], input=input, catch_exceptions=False
        )

    return invoke


@pytest.fixture
def imported(cli: Cli) -> Cli:
    result = cli("import", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return cli


def count(location: Path | str) -> int:
    with Ledger(location) as ledger:
        return ledger.count()


def positions(result: Result) -> list[int]:
    """The POS column of a ``log`` table, or the positions of ``log --json`` lines."""
    lines = result.stdout.splitlines()
    if lines and lines[0].startswith("{"):
        return [json.loads(line)["position"] for line in lines]
    return [int(line.split()[0]) for line in lines[1:]]


def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.jsonl"
    good = (
        EXAMPLE.read_text()
        .splitlines()[0]
        .replace('"wy-legacy"', '"x-legacy"')
        .replace("wy-1", "x-1")
    )
    path.write_text(
        f"{good}\n\n"
        '{"fact":"MentorTimeLogged","mentor":"M-101","on":"2024-10-09","hours":1.5,'
        '"activity":"one_to_one","category":"delivery","source_ref":"x-2"}\n'
        "not json\n"
    )
    return path


# -- init ------------------------------------------------------------------------------------


def test_init_creates_the_ledger_and_says_where(cli: Cli, db: Path) -> None:
    result = cli("init")
    assert result.exit_code == 0
    assert db.exists()
    assert str(db) in result.stdout


def test_init_on_an_existing_ledger_changes_nothing_and_reports_it(imported: Cli, db: Path) -> None:
    result = imported("init")
    assert result.exit_code == 0
    assert "already holds 17 facts" in result.stdout
    assert count(db) == EXAMPLE_COUNT


def test_quiet_init_prints_nothing(db: Path) -> None:
    result = CliRunner().invoke(main, ["--quiet", "--ledger", str(db), "init"])
    assert result.exit_code == 0
    assert result.output == ""
    assert db.exists()


def test_the_ledger_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LEDGER_ENV, str(tmp_path / "env.db"))
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_a_ledger_that_cannot_be_opened_is_one_clear_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("init", ledger=tmp_path / "no" / "such" / "dir" / "ledger.db")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open the ledger at ")
    assert "Traceback" not in result.output


def test_display_location_hides_a_password() -> None:
    shown = display_location("postgresql://ll:s3cret@db.local/ledgers?schema=wy")
    assert "s3cret" not in shown
    assert shown == "postgresql://ll:***@db.local/ledgers?schema=wy"


# -- import ----------------------------------------------------------------------------------


def test_import_reports_what_it_read_and_recorded(cli: Cli, db: Path) -> None:
    result = cli("import", str(EXAMPLE))
    assert result.exit_code == 0
    assert result.stdout == (
        "Read 17 facts from example-facts.jsonl: 17 recorded, 0 already present "
        "(1 batch, positions 1-17).\n"
    )
    assert count(db) == EXAMPLE_COUNT


def test_reimport_is_a_no_op(imported: Cli, db: Path) -> None:
    result = imported("import", str(EXAMPLE))
    assert result.exit_code == 0
    assert "0 recorded, 17 already present (nothing to write)" in result.stdout
    assert count(db) == EXAMPLE_COUNT


def test_a_bad_file_writes_nothing_and_names_each_line_and_field(
    imported: Cli, db: Path, tmp_path: Path
) -> None:
    result = imported("import", str(bad_file(tmp_path)))
    assert result.exit_code == 1
    assert result.stdout == ""
    first, *errors = result.stderr.splitlines()
    assert first == "Error: 2 errors; nothing was written"
    assert errors[0].startswith("  line 3: MentorTimeLogged.hours: ")
    assert errors[1].startswith("  line 4: ")
    assert "Traceback" not in result.output
    assert count(db) == EXAMPLE_COUNT


def test_errors_across_several_files_name_the_file(cli: Cli, db: Path, tmp_path: Path) -> None:
    result = cli("import", str(EXAMPLE), str(bad_file(tmp_path)))
    assert result.exit_code == 1
    assert "  bad.jsonl: line 3: MentorTimeLogged.hours: " in result.stderr
    assert count(db) == 0


def test_max_errors_limits_the_list(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", "--max-errors", "1", str(bad_file(tmp_path)))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "  ... and 1 more (use --max-errors 0 to see all)"


def test_import_from_stdin_in_batches(cli: Cli, db: Path) -> None:
    result = cli("import", "--batch-size", "5", "-", input=EXAMPLE.read_bytes())
    assert result.exit_code == 0
    assert "from stdin: 17 recorded" in result.stdout
    assert "4 batches" in result.stdout
    assert count(db) == EXAMPLE_COUNT


def test_a_missing_file_is_a_usage_error(cli: Cli, db: Path) -> None:
    result = cli("import", "no-such-file.jsonl")
    assert result.exit_code == 2
    assert "no-such-file.jsonl" in result.stderr
    assert not db.exists()


# -- export ----------------------------------------------------------------------------------


def test_export_import_export_is_byte_identical(imported: Cli, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    assert imported("export", "-o", str(first)).exit_code == 0
    other = tmp_path / "other.db"
    assert imported("import", str(first), ledger=other).exit_code == 0
    again = imported("export", ledger=other)
    assert again.exit_code == 0
    assert again.stdout_bytes == first.read_bytes()
    assert len(first.read_bytes().splitlines()) == EXAMPLE_COUNT


def test_export_known_at_stops_at_that_position(imported: Cli) -> None:
    result = imported("export", "--known-at", "5")
    facts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [f["source_ref"] for f in facts] == ["wy-1", "wy-2", "wy-3", "wy-4", "wy-5"]
    assert all("recorded_at" not in f for f in facts)


@pytest.mark.parametrize(
    "args",
    [["export"], *(["report", "all", "--format", f] for f in ("table", "json", "csv", "markdown",
                                                              "html", "xlsx"))],
    ids=lambda args: args[-1],
)  # fmt: skip
def test_output_into_a_missing_directory_is_one_line(
    imported: Cli, tmp_path: Path, args: list[str]
) -> None:
    target = tmp_path / "no-such-dir" / "out.file"
    result = imported(*args, "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {target}: directory {target.parent} does not exist\n"
    )
    assert result.stdout == "" and not target.parent.exists()


def test_reading_commands_need_an_existing_ledger(cli: Cli, db: Path) -> None:
    for args in (("export",), ("log",), ("show", "mentor", "M-1")):
        result = cli(*args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: no ledger at {db}")
    assert not db.exists()


# -- log -------------------------------------------------------------------------------------


def test_log_lists_every_fact_in_ledger_order(imported: Cli) -> None:
    result = imported("log")
    assert result.exit_code == 0
    header, first, *_, last = result.stdout.splitlines()
    assert header.split()[:3] == ["POS", "RECORDED", "(UTC)"]
    assert first.split()[0] == "1" and "PartnershipFormed" in first and "wy-legacy" in first
    assert last.split()[0] == "17" and "corrects wy-11: minutes=65" in last
    assert "\x1b[" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--kind", "registrant", "--key", "R-5001"], [9, 10, 11, 15, 16, 17]),
        (["--kind", "Mentor"], [6, 7, 8, 12]),
        (["--key", "M-101", "--from", "8"], [8, 12]),
        (["--kind", "registrant", "--key", "R-5001", "--to", "11"], [9, 10, 11]),
        (["--fact", "MentorMatched", "--fact", "registrantleft"], [10, 16]),
        (["--from", "10", "--to", "12"], [10, 11, 12]),
        (["--limit", "3"], [1, 2, 3]),
        (["--kind", "event", "--json"], [13, 14]),
        (["--kind", "registrant", "--key", "R-404"], []),
    ],
    ids=[
        "subject",
        "kind",
        "key-from",
        "subject-to",
        "facts",
        "range",
        "limit",
        "json",
        "unknown-key",
    ],
)
def test_log_filters(imported: Cli, args: list[str], expected: list[int]) -> None:
    result = imported("log", *args)
    assert result.exit_code == 0
    assert positions(result) == expected


def test_log_json_is_the_stored_fact_with_its_position(imported: Cli) -> None:
    result = imported("log", "--json", "--from", "10", "--limit", "1")
    line = json.loads(result.stdout)
    assert line["position"] == 10
    assert line["fact"] == "MentorMatched"
    assert line["mentor"] == "M-101"
    assert "recorded_at" in line


def test_log_suggests_the_fact_meant(imported: Cli) -> None:
    result = imported("log", "--fact", "MentorMatchd")
    assert result.exit_code == 2
    assert "did you mean MentorMatched?" in result.stderr


# -- show ------------------------------------------------------------------------------------


def test_show_state_and_history_with_corrections_marked(imported: Cli) -> None:
    result = imported("show", "registrant", "R-5001")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "registrant R-5001"
    assert re.search(r"^  left +yes$", result.stdout, re.M)
    assert re.search(r"^  spans +from 2024-09-30 to 2025-08-29$", result.stdout, re.M)
    assert "History (6 facts, 1 correction)" in lines
    assert "wy-11  mentor=M-101; corrected at 17" in result.stdout
    assert "corrects wy-11: minutes=65" in result.stdout


def test_show_as_known_at_an_earlier_position(imported: Cli) -> None:
    result = imported("show", "registrant", "R-5001", "--known-at", "12")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "registrant R-5001 as known at position 12"
    assert re.search(r"^  left +no$", result.stdout, re.M)
    assert "History (3 facts)" in result.stdout
    assert "wy-16" not in result.stdout and "corrected" not in result.stdout


def test_show_json(imported: Cli) -> None:
    result = imported("show", "event", "EV-2025-004", "--json")
    document = json.loads(result.stdout)
    assert document["state"]["status"] == "delivered"
    assert document["state"]["rostered"] == []
    assert [h["position"] for h in document["history"]] == [13, 14]


def test_show_gives_the_kept_facts_in_the_interchange_form(imported: Cli) -> None:
    exported = [json.loads(line) for line in imported("export").stdout.splitlines()]
    refs = {"wy-9", "wy-10", "wy-11", "wy-15", "wy-16", "wy-17"}  # R-5001's own facts
    mine = [f for f in exported if f["source_ref"] in refs]
    corrections = [f for f in mine if f["fact"] == "FactCorrected"]
    text = imported("show", "registrant", "R-5001").stdout
    for leak in ("originator", "UUID(", "datetime.", "Registrant.Enrolled(", "recorded_at"):
        assert leak not in text, leak
    for fact in mine:
        assert json.dumps(fact, separators=(",", ":")) in text
    document = imported("show", "registrant", "R-5001", "--json").stdout
    assert "originator" not in document and "timestamp" not in document
    state = json.loads(document)["state"]
    assert state["originals"] == [f for f in mine if f not in corrections]
    assert state["amendments"] == corrections


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["registrant", "R-404"], 1, "Error: no registrant R-404 in the ledger"),
        (["registrant", "R-5001", "--known-at", "3"], 1, "was not known at position 3"),
        (["tutor", "T-1"], 2, "'tutor' is not one of"),
        (["registrant", "R-5001", "--known-at", "99"], 1, BEYOND.format(99)),
    ],
    ids=["unknown-key", "not-yet-known", "unknown-kind", "beyond-the-head"],
)
def test_show_errors(imported: Cli, args: list[str], code: int, message: str) -> None:
    result = imported("show", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert result.stdout == ""


# -- schema ----------------------------------------------------------------------------------


def test_schema_is_valid_json_naming_every_fact(cli: Cli) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    assert set(MODELS) <= set(json.loads(result.stdout)["$defs"])


def test_schema_of_one_fact(cli: Cli) -> None:
    document = json.loads(cli("schema", "mentortimelogged").stdout)
    assert {"hours", "activity", "category"} <= set(document["properties"])


# -- demo ------------------------------------------------------------------------------------


@attrs.frozen
class FakeConfig:
    facts: int = 17
    seed: int = 1

    @classmethod
    def for_facts(cls, facts: int) -> FakeConfig:
        return cls(facts=facts)


@pytest.fixture
def fake_generator(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[FakeConfig]]:
    """Stands in for ``legacyledger.synthetic``: writes the example facts, remembers its config."""
    configs: list[FakeConfig] = []

    def write_jsonl(path: Path, config: FakeConfig) -> int:
        configs.append(config)
        shutil.copyfile(EXAMPLE, path)
        return EXAMPLE_COUNT

    module = types.ModuleType("legacyledger.synthetic")
    module.SyntheticConfig = FakeConfig  # type: ignore[attr-defined]
    module.write_jsonl = write_jsonl  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "legacyledger.synthetic", module)
    yield configs


def test_demo_writes_imports_and_summarises(
    cli: Cli, db: Path, tmp_path: Path, fake_generator: list[FakeConfig]
) -> None:
    result = cli("demo", "--facts", "500", "--seed", "7", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert fake_generator == [FakeConfig(facts=500, seed=7)]
    assert (tmp_path / "out" / "demo-facts.jsonl").exists()
    assert count(db) == EXAMPLE_COUNT
    out = result.stdout
    for heading in (
        "Facts by subject (17 facts in the ledger)",
        "Partnerships (1)",
        "Leavers",
        "Timings",
    ):
        assert heading in out
    assert re.search(r"^  registrant +FactCorrected +1$", out, re.M)
    assert re.search(r"^  wy-legacy +legacy_mentoring +1 +1 +1 +West Yorkshire", out, re.M)
    assert re.search(r"^  2024/25 +1 +0 +1$", out, re.M)
    assert "1 registrant left (other_nhs 1)" in out
    assert "this import: 1-17; ledger head: 17 (17 facts)" in out
    assert "facts/s imported" in out


def test_demo_default_config(cli: Cli, tmp_path: Path, fake_generator: list[FakeConfig]) -> None:
    assert cli("demo", "--out", str(tmp_path)).exit_code == 0
    assert fake_generator == [FakeConfig()]


def test_demo_without_a_generator_is_a_clear_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "legacyledger.synthetic", None)
    result = cli("demo", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the synthetic generator is not available")


def test_demo_with_the_real_generator(cli: Cli, db: Path, tmp_path: Path) -> None:
    pytest.importorskip(
        "legacyledger.synthetic", reason="legacyledger.synthetic is not written yet"
    )
    result = cli("demo", "--facts", "400", "--seed", "3", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = len((tmp_path / "demo-facts.jsonl").read_bytes().splitlines())
    assert count(db) == written
    assert f"({written} facts in the ledger)" in result.stdout
    assert "Headline figures (as of 2026-03-" in result.stdout
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    # the board pack names the partnerships (the demo's said devon-ica, ney-legacy)
    from legacyledger import Ledger

    with Ledger(db) as ledger:
        named = {str(r.fact["partnership"]): str(r.fact["name"])
                 for r in ledger.records(names=["PartnershipFormed"])}
    title = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1]  # type: ignore[index]
    assert all(name in title for name in named.values()), title
    assert not any(key in title for key in named), title
    assert f"HTML: {(tmp_path / 'report.html').resolve()}" in result.stdout
    # Every headline's id is one `explain` knows, and the JSON report reproduces.
    ids = re.findall(r"^  .+?  +\S+  +((?:retention|costs|reach|compliance)\.\S+)$",
                     result.stdout, re.M)  # fmt: skip
    assert ids, result.stdout
    as_of = re.search(r"Headline figures \(as of ([\d-]+)", result.stdout)[1]  # type: ignore[index]
    explained = cli("explain", ids[0], "--as-of", as_of, "--json")
    assert explained.exit_code == 0, explained.output
    assert json.loads(explained.stdout)["id"] == ids[0]
    verified = cli("verify", str(tmp_path / "report.json"))
    assert verified.exit_code == 0 and "Reproduces" in verified.stdout


def test_demo_can_skip_the_reports(cli: Cli, db: Path, tmp_path: Path) -> None:
    result = cli("demo", "--facts", "300", "--no-report", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Headline figures" not in result.stdout
    assert not (tmp_path / "report.html").exists()


# -- help and docs ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_ending_with_an_example(name: str) -> None:
    command = main.commands[name]
    assert command.help, f"{name} has no help"
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert re.search(rf"Examples?:\n(  .*\n)*  .*legacyledger .*\b{name}\b", result.output), (
        result.output
    )


def examples(*command: str) -> list[list[str]]:
    """The example lines of a command's --help, as arguments after ``legacyledger``."""
    text = CliRunner().invoke(main, [*command, "--help"]).output.split("Examples:\n")[1]
    return [shlex.split(line)[1:] for line in text.splitlines() if line.strip()]


def test_the_record_examples_succeed_in_turn_on_the_example_ledger(imported: Cli) -> None:
    for args in examples("record"):
        result = imported(*args)
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout.startswith(f"Recorded {args[1]} ")


def test_the_diff_example_by_position_runs_on_the_example_ledger(imported: Cli) -> None:
    args = next(a for a in examples("diff") if "--json" not in a)
    result = imported(*args)
    assert result.exit_code == 0, result.output
    assert "\n  changed\n" in result.stdout and "RegistrantLeft" in result.stdout


def test_the_main_help_says_spreadsheets_go_in_and_come_out() -> None:
    """It said facts go in as JSON Lines only, the one way an analyst's data is not held."""
    said = " ".join(CliRunner().invoke(main, ["--help"]).output.split())
    assert "JSON Lines, CSV or Excel files" in said and "templates" in said
    assert "CSV and Excel for pivot tables" in said


def test_verify_help_names_every_check_it_makes() -> None:
    text = " ".join(CliRunner().invoke(main, ["verify", "--help"]).output.split())
    for check in ("positions", "validates", "source_ref index", "hash chain"):
        assert check in text, check


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.output.startswith("legacyledger, version ")


def readme_commands() -> str | None:
    """The README's ``## Commands`` (or ``### Commands``) section, up to the next heading."""
    readme = ROOT / "README.md"
    text = readme.read_text() if readme.exists() else ""
    found = re.search(r"^###? Commands\n(.*?)(?=^#|\Z)", text, re.M | re.S)
    return found.group(1) if found else None


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    section = readme_commands()
    if section is None:
        pytest.skip(
            "README.md has no '## Commands' section yet (a list of `legacyledger <cmd>` items)"
        )
    assert re.search(rf"^- `legacyledger {name}\b", section, re.M), (
        f"README.md Commands lacks `legacyledger {name}`"
    )


# -- the installed command, for real ---------------------------------------------------------


@pytest.mark.slow
def test_installed_command_init_import_log(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "legacyledger"
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != LEDGER_ENV}
    ledger = str(tmp_path / "ledger.db")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(script), "--ledger", ledger, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=HUNG,
        )
        assert done.returncode == 0, done.stderr
        return done

    assert ledger in run("init").stdout
    assert "17 recorded" in run("import", str(EXAMPLE)).stdout
    log = run("log", "--fact", "RegistrantLeft").stdout.splitlines()
    assert len(log) == 2 and log[1].split()[0] == "16"


@pytest.mark.postgres
def test_postgres_ledger(cli: Cli, pg_dsn: str) -> None:
    assert cli("init", ledger=pg_dsn).exit_code == 0
    assert "17 recorded" in cli("import", str(EXAMPLE), ledger=pg_dsn).stdout
    assert positions(cli("log", "--kind", "registrant", "--key", "R-5001", ledger=pg_dsn)) == [
        9,
        10,
        11,
        15,
        16,
        17,
    ]


def test_tables_stream_past_the_first_page() -> None:
    from legacyledger_cli.render import PAGE, table

    rows = ((str(n), "x" * (n % 7)) for n in range(PAGE + 5))
    lines = list(table(("N", "X"), rows))
    assert [line.split()[0] for line in lines[1:]] == [str(n) for n in range(PAGE + 5)]
