"""``legacyledger init``: create the ledger and say where it is."""

from __future__ import annotations

import click

from legacyledger_cli.render import plural
from legacyledger_cli.shell import Shell, pass_shell


@click.command(
    epilog="\b\nExamples:\n  legacyledger --ledger wy.db init\n"
    "  legacyledger --ledger 'postgresql://ll@db.local/ledgers?schema=wy' init",
)
@pass_shell
def init(shell: Shell) -> None:
    """Create an empty ledger (a SQLite file or a PostgreSQL schema).

    Running it on an existing ledger changes nothing and says what it holds.
    """
    with shell.ledger(create=True) as ledger:
        count, head = ledger.count(), ledger.head()
    if count:
        shell.say(
            f"Ledger at {shell.where} already holds {plural(count, 'fact')} (head position {head})."
        )
    else:
        shell.say(f"Ledger ready at {shell.where}")
