"""``legacyledger log``: the stored facts in ledger order, filtered."""

from __future__ import annotations

import click

from legacyledger_cli.commands.export import KNOWN_AT
from legacyledger_cli.query import KIND, LogQuery, fact_names
from legacyledger_cli.render import LOG_HEADERS, json_line, log_row, table
from legacyledger_cli.shell import Shell, pass_shell


@click.command(
    epilog="\b\nExamples:\n  legacyledger log --kind registrant --key R-5001\n"
    "  legacyledger log --fact RegistrantLeft --from 1200 --json | jq .destination",
)
@click.option("--kind", type=KIND, help="Only facts about this kind of subject.")
@click.option("--key", help="Only facts about the subject with this key (its own history).")
@click.option(
    "--fact",
    "facts",
    multiple=True,
    callback=fact_names,
    metavar="NAME",
    help="Only facts of this name (repeatable), e.g. MentorMatched.",
)
@click.option("--from", "start", type=KNOWN_AT, metavar="POS", help="First position to show.")
@click.option("--to", "stop", type=KNOWN_AT, metavar="POS", help="Last position to show.")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N facts.")
@click.option(
    "--json", "as_json", is_flag=True, help="The stored JSON, one line per fact, with its position."
)
@pass_shell
def log(
    shell: Shell,
    kind: str | None,
    key: str | None,
    facts: frozenset[str],
    start: int | None,
    stop: int | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List the facts in the order the ledger recorded them.

    Shows each fact's position, when it was recorded (UTC), its business date, name,
    subject key, source_ref, and the other subjects it names; a correction shows what it
    changed.
    """
    query = LogQuery(kind, key, facts, start, stop, limit)
    with shell.ledger() as ledger:
        records = query.select(ledger)
        lines = map(json_line, records) if as_json else table(LOG_HEADERS, map(log_row, records))
        for line in lines:
            click.echo(line)
