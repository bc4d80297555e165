"""``legacyledger replay``: rebuild every view from the facts, as the ledger knew them then."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import attrs
import click

from legacyledger import Ledger
from legacyledger.projections.base import Figure
from legacyledger.projections.figures import metric_of
from legacyledger.views import FAMILIES
from legacyledger_cli.commands.explain import Disclosed, dumps, missing_frameworks, warn_true_values
from legacyledger_cli.figure_options import (
    Params,
    cut_offs,
    disclosure_option,
    figure_params,
    retention_options,
)
from legacyledger_cli.render import heading, plural, table
from legacyledger_cli.shell import Shell, known_position, pass_shell

#: Per family, the metrics worth a glance, and a text the id must contain.
HEADLINES: dict[str, tuple[tuple[str, str], ...]] = {
    "retention": (("cohort_size", ""), ("rate", "/h=12/"), ("leaver_rate", "")),
    "costs": (("cumulative", ""), ("funding", ""), ("per_registrant_supported", "")),
    "compliance": (("items_met", ""), ("items_applicable", "")),
    "reach": (("registered", ""), ("events_delivered", ""), ("audience_reached", "")),
}
PER_METRIC = 2


@attrs.frozen
class Rebuilt:
    family: str
    figures: tuple[Figure, ...]
    seconds: float
    disclosed: Disclosed

    def text(self, figure: Figure) -> str:
        return self.disclosed.text(figure)

    def headlines(self) -> list[Figure]:
        """For each headline metric, its broadest figures (fewest dimensions), latest last."""
        chosen: list[Figure] = []
        for metric, must in HEADLINES.get(self.family, ()):
            name = f"{self.family}.{metric}"
            found = [f for f in self.figures if metric_of(f.id) == name and must in f.id + "/"]
            found = [f for f in found if f.value is not None] or found
            fewest = min((f.id.count("/") for f in found), default=0)
            chosen += sorted((f for f in found if f.id.count("/") == fewest), key=lambda f: f.id)[
                -PER_METRIC:
            ]
        return chosen


@click.command(
    epilog="\b\nExamples:\n  legacyledger replay --as-of 2026-03-31\n"
    "  legacyledger replay --known-at 1200 --json > as-reported.json\n"
    "  legacyledger replay --family retention --ids",
)
@cut_offs()
@retention_options
@click.option(
    "--family",
    "families",
    multiple=True,
    type=click.Choice(list(FAMILIES)),
    help="Only these families (repeatable; default: all).",
)
@disclosure_option
@click.option("--ids", "list_ids", is_flag=True, help="List every figure id with its value.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document: every family's figures.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on the terminal.")
@pass_shell
def replay(
    shell: Shell,
    as_of: date | None,
    known_at: Any,
    scope: str | None,
    by: tuple[str, ...],
    period: str | None,
    families: tuple[str, ...],
    disclosure: str,
    list_ids: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Rebuild every view from the facts, as known at a position or recorded time.

    Each family (retention, costs, compliance, reach) is folded again from the stored
    facts up to --known-at, for the business date --as-of, and summarised: how many
    figures, a few headline figures, and how long the rebuild took. Replaying at an
    earlier position gives the figures exactly as they could have been reported then.
    """
    as_of = as_of or date.today()
    params = figure_params(None, scope, by, period)
    show = shell.show_progress() and not quiet
    warn_true_values(disclosure)
    with shell.ledger() as ledger, missing_frameworks():
        position = known_position(ledger, known_at)
        names = families or tuple(FAMILIES)
        rebuilt = rebuild_all(ledger, names, as_of, position, params, show, disclosure)
    if as_json:
        lines: Iterable[str] = [document(rebuilt, as_of, position, disclosure)]
    elif list_ids:
        lines = table(("FIGURE", "VALUE"), ((f.id, r.text(f)) for r in rebuilt for f in r.figures))
    else:
        lines = summary(rebuilt, as_of, position)
    for line in lines:
        click.echo(line)


def rebuild_all(
    ledger: Ledger,
    names: Sequence[str],
    as_of: date,
    position: int,
    params: Params,
    show: bool,
    policy: str,
) -> list[Rebuilt]:
    if not show:
        return [rebuild(ledger, name, as_of, position, params, policy) for name in names]
    label = f"Replaying to position {position}"
    with click.progressbar(
        names, label=label, item_show_func=lambda name: name or "", file=sys.stderr
    ) as bar:
        return [rebuild(ledger, name, as_of, position, params, policy) for name in bar]


def rebuild(
    ledger: Ledger, name: str, as_of: date, position: int, params: Params, policy: str
) -> Rebuilt:
    start = time.perf_counter()
    views = ledger.views(as_of, position, [name], params)
    seconds = time.perf_counter() - start
    return Rebuilt(name, views.figures, seconds, Disclosed(policy, views.by_id))


def summary(rebuilt: list[Rebuilt], as_of: date, position: int) -> Iterator[str]:
    yield heading(f"Replayed as known at position {position}, as of {as_of}")
    for family in rebuilt:
        yield ""
        count = plural(len(family.figures), "figure")
        yield heading(f"{family.family}: {count} in {took(family.seconds)}")
        rows = [(f.id, family.text(f)) for f in family.headlines()]
        yield from table(("HEADLINE", "VALUE"), rows, indent="  ") if rows else ["  (no figures)"]
    total = sum(len(r.figures) for r in rebuilt)
    seconds = sum(r.seconds for r in rebuilt)
    yield ""
    yield f"{plural(total, 'figure')} in {took(seconds)}; `legacyledger explain ID` shows any one."


def took(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def document(rebuilt: list[Rebuilt], as_of: date, position: int, policy: str) -> str:
    families = {
        r.family: {
            "figures": len(r.figures),
            "seconds": round(r.seconds, 4),
            "headlines": [f.id for f in r.headlines()],
            "values": {f.id: r.disclosed.display(f) for f in r.figures},
        }
        for r in rebuilt
    }
    return dumps({"as_of": as_of, "known_at": position, "disclosure": policy,
                  "families": families})  # fmt: skip
