"""``legacyledger views``: the state of the persisted views, and a blue/green rebuild."""

from __future__ import annotations

import click

from legacyledger.views.store import PersistedViews
from legacyledger.views.store.location import store_exists
from legacyledger_cli.shell import Shell, pass_shell


def behind(position: int, head: int) -> str:
    return "current" if position >= head else f"behind by {head - position}"


@click.group(
    epilog="\b\nExamples:\n  legacyledger views status\n  legacyledger views rebuild",
)
def views() -> None:
    """The persisted views that `legacyledger follow` keeps up to date."""


@views.command(epilog="\b\nExample:\n  legacyledger views status")
@pass_shell
def status(shell: Shell) -> None:
    """Tracked positions of every persisted view, the ledger head, and how far behind."""
    with shell.ledger() as ledger:
        if not store_exists(ledger):
            click.echo(f"no persisted views yet (head {ledger.head()}): run `legacyledger follow`")
            return
        with PersistedViews(ledger) as persisted:
            state = persisted.status()
            where = persisted.store.where
    click.echo(f"views:         {where}")
    click.echo(f"ledger head:   {state.head}")
    if state.edited:
        click.echo(f"NOT SERVED:    {state.edited}")
        return
    another_history = "built from ANOTHER ledger history: run `legacyledger views rebuild`"

    def lag_of(view: str, position: int) -> str:
        return another_history if view in state.other_history else behind(position, state.head)

    click.echo(f"current_facts: {state.tracked} ({lag_of('current_facts', state.tracked)})")
    for snapshot in state.snapshots:
        lag = lag_of(snapshot.view, snapshot.position)
        click.echo(f"{snapshot.view}: {snapshot.position} ({lag}; as of {snapshot.as_of}, "
                   f"built {snapshot.built_at})")


@views.command(epilog="\b\nExample:\n  legacyledger views rebuild --batch 10000")
@click.option("--batch", type=click.IntRange(min=1), default=5000, show_default=True,
              metavar="N", help="Facts applied per transaction.")
@pass_shell
def rebuild(shell: Shell, batch: int) -> None:
    """Rebuild every persisted view from scratch into a new store and swap it in whole.

    Readers never see a half-built view: they read the old store until the swap, the new
    one after it. A running `legacyledger follow` carries on from the rebuilt position.
    """
    with shell.ledger(writes_views=True) as ledger, PersistedViews(ledger) as persisted:
        position = persisted.rebuild(batch)
        views_built = len(persisted.status().snapshots)
    shell.say(f"rebuilt the views at position {position} ({views_built} figure views) "
              "and swapped them in")
