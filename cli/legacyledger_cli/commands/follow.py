"""``legacyledger follow``: a worker that keeps the persisted views up to date."""

from __future__ import annotations

from datetime import date, datetime

import click

from legacyledger.views.follow import follow as run
from legacyledger_cli.dates import IsoDate
from legacyledger_cli.shell import Shell, pass_shell

AS_OF = IsoDate()


def as_date(value: datetime | None) -> date | None:
    return None if value is None else value.date()


@click.command(
    epilog="\b\nExamples:\n  legacyledger follow --poll 0.5\n"
    "  legacyledger follow --once --as-of 2026-03-31   # catch up, refresh, exit",
)
@click.option("--poll", "poll", type=click.FloatRange(min=0.01), default=1.0, show_default=True,
              metavar="SECONDS", help="How often to look for newly recorded facts.")
@click.option("--batch", type=click.IntRange(min=1), default=5000, show_default=True,
              metavar="N", help="Facts applied per transaction while catching up.")
@click.option("--as-of", "as_of", type=AS_OF, metavar="DATE",
              help="Keep the figures as of this date (default: today, moving daily).")
@click.option("--once", is_flag=True, help="Catch up and refresh once, then exit.")
@pass_shell
def follow(shell: Shell, poll: float, batch: int, as_of: datetime | None, once: bool) -> None:
    """Keep the persisted views current while other processes record facts.

    Applies newly recorded facts to the current-facts view in batches (each batch in one
    transaction with its tracked position, so a batch counts exactly once and a killed
    worker resumes where it stopped), then refreshes the figure snapshots that those facts
    can change. Stores them beside a SQLite ledger (FILE.views) or in views_* tables of a
    PostgreSQL schema. SIGTERM or Ctrl-C stop it between batches.
    """
    def progress(event: str, position: int, head: int, families: list[str]) -> None:
        if event == "caught_up":
            shell.say(f"caught up to {position} of {head}")
        elif event == "refreshed":
            again = f" (recomputed: {', '.join(families)})" if families else ""
            shell.say(f"views current at {position}{again}")
        elif event == "rebuilt":
            shell.say(f"the views were of another ledger history: rebuilt them at {position}")
        elif event == "retrying":
            click.echo(f"retrying after {families[0]}", err=True)
        elif event == "stopped":
            shell.say(f"stopped at {position} (head {head})")

    with shell.ledger(writes_views=True) as ledger:
        shell.say(f"following {shell.where}")
        run(ledger, poll_seconds=poll, batch=batch, on_progress=progress,
            as_of=as_date(as_of), once=once)
