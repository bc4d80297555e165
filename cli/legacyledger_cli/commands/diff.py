"""``legacyledger diff``: how a figure changed between two knowledge cut-offs, and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import click

from legacyledger.projections.base import Figure
from legacyledger.views import FigureDiff
from legacyledger_cli.commands.explain import (
    Disclosed,
    dumps,
    fact_json,
    fact_table,
    missing_frameworks,
    unknown_figure,
    warn_true_values,
)
from legacyledger_cli.figure_options import (
    cut_offs,
    disclosure_option,
    figure_params,
    retention_options,
    typed_id,
)
from legacyledger_cli.render import heading
from legacyledger_cli.shell import Shell, known_position, pass_shell


@click.command(
    epilog="\b\nExamples:\n  legacyledger diff"
    " 'retention.retained/cohort=2024-25/h=12/scope=organisation'"
    " --known-at 15 --known-at 17 --as-of 2026-03-31\n"
    "  legacyledger diff 'costs.total/period=2024-25' --known-at 2025-04-01T00:00"
    " --known-at 2025-07-01T00:00 --json",
)
@click.argument("figure_id", metavar="FIGURE-ID", callback=typed_id)
@cut_offs(multiple=True)
@retention_options
@disclosure_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document: both values, the facts.")
@pass_shell
def diff(
    shell: Shell,
    figure_id: str,
    as_of: date | None,
    known_at: tuple[Any, ...],
    scope: str | None,
    by: tuple[str, ...],
    period: str | None,
    disclosure: str,
    as_json: bool,
) -> None:
    """Compare a figure as known at two cut-offs, naming the facts that changed it.

    Give --known-at twice (positions or recorded times, earlier first). Facts added are
    those behind the figure at the second cut-off but not the first (a back-dated leaver,
    a correction); facts removed no longer count (a voided fact).
    """
    if len(known_at) != 2:
        raise click.UsageError("give --known-at exactly twice: the earlier and the later cut-off")
    params = figure_params(figure_id, scope, by, period)
    warn_true_values(disclosure)
    with shell.ledger() as ledger, missing_frameworks():
        a, b = (known_position(ledger, k) for k in known_at)
        change = ledger.diff(figure_id, a, b, as_of, params)
        if change.before is None and change.after is None:
            raise unknown_figure(ledger, figure_id, as_of, b, params)
        sides = tuple(Disclosed.of(ledger, disclosure, figure_id, as_of, k, params) for k in (a, b))
    lines = [document(change, a, b, sides)] if as_json else describe(change, a, b, sides)
    for line in lines:
        click.echo(line)


Sides = tuple[Disclosed, ...]


def side(figure: Figure | None, position: int, disclosed: Disclosed) -> dict[str, Any]:
    value = None if figure is None else disclosed.display(figure)
    return {"known_at": position, "exists": figure is not None, "value": value}


def document(change: FigureDiff, a: int, b: int, sides: Sides) -> str:
    known = change.after or change.before
    return dumps(
        {
            "figure_id": change.figure_id,
            "as_of": known.derivation.as_of if known else None,
            "disclosure": sides[0].policy,
            "before": side(change.before, a, sides[0]),
            "after": side(change.after, b, sides[1]),
            "changed": change.changed,
            "added": [fact_json(r) for r in change.added],
            "removed": [fact_json(r) for r in change.removed],
        }
    )


def describe(change: FigureDiff, a: int, b: int, sides: Sides) -> Iterator[str]:
    known = change.after or change.before
    as_of = known.derivation.as_of if known else None
    yield heading(f"{change.figure_id} (as of {as_of}, disclosure {sides[0].policy})")
    for position, figure, disclosed in ((a, change.before, sides[0]), (b, change.after, sides[1])):
        value = "(no such figure then)" if figure is None else disclosed.text(figure)
        yield f"  known at position {position}: {value}"
    yield f"  {'changed' if change.changed else 'unchanged'}"
    yield ""
    yield heading(f"Facts added ({len(change.added)})")
    yield from fact_table(change.added)
    yield ""
    yield heading(f"Facts removed ({len(change.removed)})")
    yield from fact_table(change.removed)
