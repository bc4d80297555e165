"""``legacyledger report``: one family's figures, or all, disclosed, in the format asked for."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import click

from legacyledger import Ledger
from legacyledger.projections.disclosure import POLICIES
from legacyledger.projections.retention.scope import SCOPES
from legacyledger.reports import FAMILY_NAMES, PERIODS, POOLED, Progress, Report, build_report
from legacyledger_cli.dates import IsoDate
from legacyledger_cli.figure_options import BY, KnownAt, split, to_date
from legacyledger_cli.html.report import partnership_names, report_timeline
from legacyledger_cli.report_render import BINARY, FORMATS, Unavailable, render
from legacyledger_cli.shell import Failure, Shell, check_output, open_output, pass_shell


@click.command(
    epilog="\b\nExamples:\n  legacyledger report retention --as-of 2025-09-30 --by profession\n"
    "  legacyledger report all --as-of 2025-09-30 --format json -o report.json\n"
    "  legacyledger report costs --period quarter --format xlsx -o costs.xlsx\n"
    "  legacyledger report all --format html --appendix -o board-pack.html",
)
@click.argument("family", type=click.Choice([*FAMILY_NAMES, "all"]))
@click.option(
    "--as-of",
    type=IsoDate(),
    callback=to_date,
    metavar="DATE",
    help="Business date: facts dated later are left out.  [default: today]",
)
@click.option(
    "--known-at",
    type=KnownAt(),
    metavar="POSITION|DATETIME",
    help="As the ledger knew it at this position or time.  [default: its last position]",
)
@click.option(
    "--by",
    multiple=True,
    callback=split,
    metavar="DIM",
    help=f"Split retention cohorts by ({', '.join(BY)}); repeat or comma-separate.",
)
@click.option(
    "--period",
    type=click.Choice([*PERIODS, POOLED]),
    help="Period length. Retention cohorts are grouped by it, so it changes their cohort ids "
    "(cohort=2024-25 Q2 for quarter), and its periods give the leaver rates; costs give "
    "totals and unit costs for it and the FY. 'all' pools everyone into one retention cohort "
    "(cohort=all).  [default: FY cohorts, costs in every period]",
)
@click.option(
    "--cohort",
    metavar="FIRST..LAST",
    help="One retention cohort of those anchored from FIRST to LAST (dates, both included), "
    "e.g. 2022-09-01..2024-01-14; its id reads cohort=FIRST..LAST.",
)
@click.option(
    "--from",
    "growth_from",
    type=click.DateTime(["%Y-%m-%d"]),
    callback=to_date,
    metavar="DATE",
    help="Reach: ambassadors and mentors registered on DATE, joined and left since, and the "
    "growth to --as-of (e.g. 26 -> 64 is +146%).",
)
@click.option("--scope", type=click.Choice(SCOPES), help="What counts as retained.  [default: nhs]")
@click.option(
    "--disclosure",
    type=click.Choice(POLICIES),
    default="nhs",
    show_default=True,
    help="Small-number control: nhs (1-7 as *, other counts to the nearest 5, rates from the "
    "shown counts), under10 (1-9 as *, the same otherwise), none (true values: internal only).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="How to write the report.",
)
@click.option(
    "--appendix/--no-appendix",
    default=False,
    show_default=True,
    help="html: end with every figure printed, its id and its value to the penny (printed "
    "too), for analysts; without it the pack is for a board (ids stay under each headline).",
)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write here instead of stdout (replaced whole, once complete).",
)
@pass_shell
def report(
    shell: Shell,
    family: str,
    as_of: date | None,
    known_at: int | datetime | None,
    by: tuple[str, ...],
    period: str | None,
    cohort: str | None,
    growth_from: date | None,
    scope: str | None,
    disclosure: str,
    fmt: str,
    appendix: bool,
    output: str,
) -> None:
    """Report the figures of one family (retention, costs, compliance, reach) or all.

    Every figure is shown after disclosure control, with its id (for `legacyledger
    explain`). The report ends with a footer: ledger position, parameters, disclosure
    policy and a digest; `legacyledger verify` rebuilds a JSON report and checks it.
    """
    families = FAMILY_NAMES if family == "all" else (family,)
    options = {"by": by or None, "period": period, "scope": scope, "cohort": cohort,
               "growth_from": growth_from}  # fmt: skip
    if fmt == "xlsx" and to_terminal(output):
        raise Failure("xlsx is binary: write it to a file with -o FILE")
    check_output(output)
    with shell.ledger() as ledger:
        warn_if_empty(ledger, known_at)
        # The HTML charts draw the views' rows, which persisted snapshots do not keep.
        made = make(shell, ledger, families, as_of, known_at, disclosure,
                    {**options, "persisted": fmt != "html"})  # fmt: skip
        timeline = activity(ledger, made) if fmt == "html" else None
        names = partnership_names(ledger, made) if fmt == "html" else None
        # Rendered while the ledger is open: a view may read rarely used rows on demand
        # (the cost restatements), and those read the ledger at the report's position.
        write(shell, made, fmt, output, timeline, names, appendix)


def warn_if_empty(ledger: Ledger, known_at: int | datetime | None) -> None:
    """A report of no facts is all zeros and blanks: say so, on stderr (the report still goes
    out, so a script's pipeline keeps its shape)."""
    if ledger.head() == 0 or known_at == 0:
        where = "is empty" if ledger.head() == 0 else "held no facts at position 0"
        click.echo(f"Warning: the ledger {where}: every figure is zero or not computable. "
                   "Import facts first (legacyledger import FILE).", err=True)


def make(
    shell: Shell,
    ledger: Ledger,
    families: Sequence[str],
    as_of: date | None,
    known_at: int | datetime | None,
    disclosure: str,
    options: dict[str, Any],
) -> Report:
    with progress(shell, len(families)) as told:
        try:
            return build_report(ledger, families, as_of, known_at, disclosure=disclosure,
                                progress=told, **options)  # fmt: skip
        except ValueError as error:
            raise Failure(str(error)) from None


@contextlib.contextmanager
def progress(shell: Shell, steps: int) -> Iterator[Progress | None]:
    """A bar on stderr naming the family being folded, on a terminal and unless --quiet."""
    if not shell.show_progress():
        yield None
        return
    with click.progressbar(length=steps, label="Building report", file=sys.stderr,
                           item_show_func=lambda name: name) as bar:  # fmt: skip
        done: list[str] = []

        def told(name: str) -> None:
            bar.update(1 if done else 0, name)
            done.append(name)

        yield told
        bar.update(steps - bar.pos, "done")


def activity(ledger: Ledger, made: Report) -> Any:
    """Reach per quarter for the HTML report's charts over time (None without reach)."""
    return report_timeline(ledger, made)


def to_terminal(output: str) -> bool:
    return output == "-" and sys.stdout.isatty()


def write(shell: Shell, made: Report, fmt: str, output: str, timeline: Any = None,
          names: Mapping[str, str] | None = None, appendix: bool = False) -> None:  # fmt: skip
    try:
        content = render(made, fmt, color=to_terminal(output), timeline=timeline, names=names,
                         appendix=appendix)  # fmt: skip
    except Unavailable as error:
        raise Failure(str(error)) from None
    if output == "-":
        click.echo(content, nl=False)  # bytes go to the binary stream
        return
    binary = fmt in BINARY
    with open_output(output, "wb" if binary else "w", None if binary else "utf-8") as out:
        out.write(content)
    shell.say(f"Wrote the {fmt} report to {output} ({len(made.figures)} figures, {made.digest})",
              err=True)  # fmt: skip
