"""``legacyledger export``: the ledger as interchange JSON Lines, now or as known earlier."""

from __future__ import annotations

import click

from legacyledger_cli.render import plural
from legacyledger_cli.shell import Shell, check_output, known_position, open_output, pass_shell

KNOWN_AT = click.IntRange(min=0)


@click.command(
    epilog="\b\nExamples:\n  legacyledger export -o backup.jsonl\n"
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
    "--known-at", type=KNOWN_AT, metavar="POSITION", help="Only facts recorded up to this position."
)
@pass_shell
def export(shell: Shell, output: str, known_at: int | None) -> None:
    """Export the ledger's facts as JSON Lines, in ledger order.

    The output is the interchange format: importing it into an empty ledger and
    exporting again gives the same bytes.
    """
    check_output(output)
    with shell.ledger() as ledger:
        stop = None if known_at is None else known_position(ledger, known_at)
        with open_output(output, "wb") as out:
            count = ledger.export(out, stop=stop)
    if output != "-":
        shell.say(f"Exported {plural(count, 'fact')} to {output}")
