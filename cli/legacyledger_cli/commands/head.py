"""``legacyledger head``: the ledger's current chain link, to publish as an anchor."""

from __future__ import annotations

import click

from legacyledger_cli.shell import Shell, pass_shell


@click.command(
    epilog="\b\nExamples:\n  legacyledger head\n"
    "  legacyledger verify --anchor 1200:3f2a...e9 (what head printed then)",
)
@pass_shell
def head(shell: Shell) -> None:
    """Print the last position and its hash-chain link as POSITION:LINK.

    The link pins every fact up to that position. Publish it somewhere the ledger's
    owner cannot rewrite (a report, an e-mail, a ticket); `legacyledger verify --anchor
    POSITION:LINK` later fails if the ledger was truncated or rewritten up to it, even
    with a recomputed chain.
    """
    with shell.ledger() as ledger:
        position, link = ledger.chain_head()
    if link is None:
        raise click.ClickException("the ledger is empty: there is no link to publish yet")
    click.echo(f"{position}:{link}")
