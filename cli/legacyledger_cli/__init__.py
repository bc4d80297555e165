"""The ``legacyledger`` command line: a thin shell over :class:`legacyledger.Ledger`.

Each command builds the library object, calls one method and prints (``render``). The
commands live in ``legacyledger_cli.commands``; the group below only knows where the
ledger is and how loud to be.
"""

from __future__ import annotations

import gc

import click

from legacyledger import __version__
from legacyledger.application import DEFAULT_LOCATION, LEDGER_ENV
from legacyledger_cli.commands import COMMANDS
from legacyledger_cli.shell import Shell

#: Young-generation threshold for the CLI's process (Python's default is 700).
GC_THRESHOLD = 100_000


def tune_gc() -> None:
    """The CLI's own process, not the library, opts into a cheaper cyclic collector: the
    objects of start-up are frozen out of every collection, and young collections run
    ~100x less often. An import or a rebuild allocates millions of short-lived acyclic
    objects, each young collection of which would otherwise scan the survivors again.
    Once per process (a host that already raised the threshold is left alone)."""
    if gc.get_threshold()[0] < GC_THRESHOLD:
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


class Commands(click.Group):
    """Lists commands in the order of a session (init, import, ...), not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="\b\nExample:\n  legacyledger --ledger out/demo.db demo --facts 20000",
)
@click.option(
    "--ledger",
    "location",
    envvar=LEDGER_ENV,
    default=DEFAULT_LOCATION,
    show_default=f"./{DEFAULT_LOCATION}",
    show_envvar=True,
    metavar="PATH|DSN",
    help="The ledger: a SQLite file, or postgresql://user@host/db?schema=name.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bars or confirmations; errors still print."
)
@click.version_option(__version__, prog_name="legacyledger")
@click.pass_context
def main(ctx: click.Context, location: str, quiet: bool) -> None:
    """An event-sourced ledger for NHS workforce programmes.

    Facts go in as JSON Lines, CSV or Excel files (`templates` writes a CSV per fact
    type; validated, all or nothing, idempotent); the ledger keeps every fact in order,
    corrections included, and answers as it stands now or as it was known at any earlier
    position. Reports come out as tables, CSV and Excel for pivot tables, and HTML.
    """
    tune_gc()
    ctx.obj = Shell(location, quiet)


for command in COMMANDS:
    main.add_command(command)

__all__ = ["main"]
