"""``legacyledger export``: the ledger as interchange JSON Lines, now or as known earlier."""

from __future__ import annotations

import click

from legacyledger.application import interchange
from legacyledger_cli.render import plural
from legacyledger_cli.shell import (
    Failure,
    Shell,
    check_output,
    known_position,
    open_output,
    pass_shell,
)
from legacyledger_cli.tabular import directory, write_export

KNOWN_AT = click.IntRange(min=0)


@click.command(
    epilog="\b\nExamples:\n  legacyledger export -o backup.jsonl\n"
    "  legacyledger export --format csv -o exported\n"
    "  legacyledger export --known-at 1200 | legacyledger --ledger then.db import -",
)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write here instead of stdout (replaced whole, only once the export is complete).",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(("jsonl", "csv")),
    default="jsonl",
    show_default=True,
    help="csv: one CSV per fact type, in the folder -o names (re-importable).",
)
@click.option(
    "--known-at", type=KNOWN_AT, metavar="POSITION", help="Only facts recorded up to this position."
)
@pass_shell
def export(shell: Shell, output: str, form: str, known_at: int | None) -> None:
    """Export the ledger's facts as JSON Lines, in ledger order (or CSV, one per fact type).

    The output is the interchange format: importing it into an empty ledger and
    exporting again gives the same bytes. With --format csv, -o names a folder; each row
    starts with the fact's ledger position, so importing the CSV files together keeps
    the ledger's order.
    """
    if form == "csv":
        export_csv(shell, output, known_at)
        return
    check_output(output)
    with shell.ledger() as ledger:
        stop = None if known_at is None else known_position(ledger, known_at)
        with open_output(output, "wb") as out:
            count = ledger.export(out, stop=stop)
    if output != "-":
        shell.say(f"Exported {plural(count, 'fact')} to {output}")


def export_csv(shell: Shell, output: str, known_at: int | None) -> None:
    if output == "-":
        raise Failure("--format csv writes one file per fact type: give -o DIR")
    with shell.ledger() as ledger:
        stop = None if known_at is None else known_position(ledger, known_at)
        out = directory(output)
        records = ledger.records(0, stop)
        counts = write_export(out, ((r.position, interchange(r.fact)) for r in records))
    total = sum(counts.values())
    shell.say(f"Exported {plural(total, 'fact')} to {plural(len(counts), 'CSV file')} in {output}")
