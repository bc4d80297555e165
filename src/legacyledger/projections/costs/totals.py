"""Period totals as figures: total, by category, administration share, unpriced hours, cumulative.

A category with nothing in a period is still shown (as 0) when the period has any cost, so
every period has a complete split; its derivation names the period's facts, which is what
shows it is zero.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from legacyledger.projections.base import Figure, PositionSet
from legacyledger.projections.costs.restate import CATEGORIES
from legacyledger.projections.costs.rollup import PeriodKey, Rollup
from legacyledger.projections.figures import MONEY, STATISTIC, FigureMaker
from legacyledger.projections.periods import ZERO, divide

Period = tuple[str | None, str, str]


def periods(rollup: Rollup) -> list[Period]:
    """(scope, grain, label) of every period with data, in a stable order."""
    found = {(s, g, label) for (s, g, label, c) in rollup.parts if c is None}
    return sorted(found, key=lambda p: (p[0] or "", p[1], p[2]))


def total_figures(
    make: FigureMaker, costs: Rollup, unpriced: Mapping[PeriodKey, Decimal]
) -> Iterator[Figure]:
    for scope, grain, label in periods(costs):
        whole: PeriodKey = (scope, grain, label, None)
        dims = {"partnership": scope, "period": label}
        yield make.make("total", dims, costs.value(whole), "GBP", costs.positions(whole), MONEY)
        yield from _split(make, costs, whole, dims)
        yield _share(make, costs, whole, dims)
        hours = unpriced.get(whole, ZERO)
        yield make.make("unpriced_hours", dims, hours, "hours", costs.positions(whole), STATISTIC)


def _split(
    make: FigureMaker, costs: Rollup, whole: PeriodKey, dims: dict[str, str | None]
) -> Iterator[Figure]:
    for category in CATEGORIES:
        key = (*whole[:3], category)
        positions = costs.positions(key) if key in costs else costs.positions(whole)
        value = costs.value(key)
        yield make.make("total", {**dims, "category": category}, value, "GBP", positions, MONEY)


def _share(
    make: FigureMaker, costs: Rollup, whole: PeriodKey, dims: dict[str, str | None]
) -> Figure:
    total = costs.value(whole)
    admin = costs.value((*whole[:3], "administration"))
    share = divide(admin, total) if total else None
    parts = (make.id("total", {**dims, "category": "administration"}), make.id("total", dims))
    positions = costs.positions(whole)
    return make.make("admin_share", dims, share, "ratio", positions, STATISTIC, inputs=parts)


def cumulative_figures(
    make: FigureMaker, costs: Rollup, grains: tuple[str, ...]
) -> Iterator[Figure]:
    """Running total to the end of each period, per scope and grain (periods with data only).

    Each one names every fact before it (the previous total's set plus the period's, so the
    sets share their parts): which grains get them is a parameter.
    """
    series: dict[tuple[str | None, str], list[str]] = {}
    for scope, grain, label in periods(costs):
        if grain not in grains:
            continue
        series.setdefault((scope, grain), []).append(label)
    for (scope, grain), labels in series.items():
        running, seen = ZERO, PositionSet()
        for label in labels:
            key: PeriodKey = (scope, grain, label, None)
            running += costs.value(key)
            seen = PositionSet((seen, costs.positions(key)))
            dims = {"partnership": scope, "period": label}
            yield make.make("cumulative", dims, running, "GBP", seen, MONEY)
