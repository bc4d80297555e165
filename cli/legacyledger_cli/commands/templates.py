"""``legacyledger templates``: a spreadsheet template per fact type, and a guide to them."""

from __future__ import annotations

import click

from legacyledger_cli.render import plural
from legacyledger_cli.shell import Shell, pass_shell
from legacyledger_cli.tabular import GUIDE, directory, write_templates


@click.command(
    epilog="\b\nExamples:\n  legacyledger templates -o templates\n"
    "  legacyledger import templates/MentorTimeLogged.csv",
)
@click.option(
    "-o", "--output", required=True, metavar="DIR", help="The folder to write them to."
)
@pass_shell
def templates(shell: Shell, output: str) -> None:
    """Write one CSV template per fact type (header = its fields) and GUIDE.txt.

    Fill a template in Excel (or anything that saves CSV), one fact per row, and import it
    with `legacyledger import`. GUIDE.txt says which columns are required and what each
    accepts (the values of a list, the form of a date or an amount).
    """
    out = directory(output)
    count = write_templates(out)
    shell.say(f"Wrote {plural(count, 'template')} and {GUIDE} to {output}")
