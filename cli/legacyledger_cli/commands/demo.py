"""``legacyledger demo``: generate a synthetic programme, import it, summarise the ledger."""

from __future__ import annotations

import importlib
import time
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import click

from legacyledger_cli.commands.importing import Sources, run_import
from legacyledger_cli.dates import IsoDate
from legacyledger_cli.demo.figures import summary, write_reports
from legacyledger_cli.demo.report import DemoRun, report
from legacyledger_cli.render import plural
from legacyledger_cli.shell import Failure, Shell, pass_shell

FILE_NAME = "demo-facts.jsonl"


def generator() -> ModuleType:
    try:
        return importlib.import_module("legacyledger.synthetic")
    except ImportError as error:
        raise Failure("the synthetic generator is not available", [str(error)]) from None


def configure(synthetic: ModuleType, facts: int | None, seed: int | None) -> Any:
    """The generator's default programme, or one sized to about ``facts`` facts."""
    config_class = synthetic.SyntheticConfig
    config = config_class() if facts is None else config_class.for_facts(facts)
    return config if seed is None else attrs.evolve(config, seed=seed)


def timed(timings: dict[str, float], step: str, function: Any, *args: Any) -> Any:
    start = time.perf_counter()
    try:
        return function(*args)
    finally:
        timings[step] = time.perf_counter() - start


@click.command(
    epilog="\b\nExamples:\n  legacyledger --ledger out/demo.db demo\n"
    "  legacyledger --ledger out/big.db demo --facts 200000 --seed 7 --out out/big",
)
@click.option(
    "--facts", type=click.IntRange(min=1), metavar="N", help="Size the programme to about N facts."
)
@click.option("--seed", type=int, help="Seed of the generator (same seed, same facts).")
@click.option(
    "--out",
    default="out",
    show_default=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where to write {FILE_NAME}.",
)
@click.option(
    "--as-of",
    type=IsoDate(),
    metavar="DATE",
    help="Business date of the reports.  [default: the programme's last day, or today]",
)
@click.option("--no-report", is_flag=True, help="Only import and summarise; write no reports.")
@pass_shell
def demo(
    shell: Shell,
    facts: int | None,
    seed: int | None,
    out: Path,
    as_of: Any,
    no_report: bool,
) -> None:
    """Generate a synthetic programme, import it and summarise it.

    Writes the facts to DIR/demo-facts.jsonl (so you can read or re-import them), imports
    them into the ledger, then prints counts by subject and fact, partnerships,
    registrants by cohort, leavers, positions and timings; then headline figures (each
    with its id for `legacyledger explain`) and writes DIR/report.html (a self-contained
    report to open in a browser) and DIR/report.json (for `legacyledger verify`).
    Synthetic data only: no real people.
    """
    synthetic = generator()
    config = configure(synthetic, facts, seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    timings: dict[str, float] = {}
    written = timed(timings, "generate", synthetic.write_jsonl, path, config)
    shell.say(f"Wrote {plural(written, 'fact')} to {path}", err=True)
    with shell.ledger(create=shell.may_create()) as ledger, path.open("rb") as facts_file:
        result = timed(timings, "import", run_import, shell, ledger, Sources([facts_file]))
        run = DemoRun(ledger, path, written, result, timings)
        for line in report(run):
            click.echo(line)
        if no_report:
            return
        day = as_of.date() if as_of else last_day(run)
        written_reports = timed(timings, "report", write_reports, ledger, out, day)
        for line in summary(written_reports, shell.location):
            click.echo(line)
        click.echo(f"\nReports written in {timings['report']:.2f} s.")


def last_day(run: DemoRun) -> date:
    """The latest business date in the ledger (the programme's last recorded day), or today
    if that is in the future."""
    latest = run.tally.last_on
    return min(date.fromisoformat(latest), date.today()) if latest else date.today()
