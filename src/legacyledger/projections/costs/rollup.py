"""Rolling month-level totals up to periods, keeping the positions behind each one.

Everything is attributed to (partnership, month, category) (see :mod:`costs_state`). A
figure's contributing positions are every fact behind its months: the cost facts and their
corrections, the pay rates that priced them and the mentor's enrolments (which decide the
partnership). Replaying just those records prices the same hours at the same rates into
the same months, so it reproduces the figure. A period's positions are the union of its
months' (a :class:`~legacyledger.projections.base.PositionSet` of them, not a copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from legacyledger.projections.base import PositionSet
from legacyledger.projections.periods import ZERO, period_of

if TYPE_CHECKING:
    from legacyledger.projections.costs.state import CostState

MonthKey = tuple[str, str, str]
#: (scope: partnership or None for all, grain, period label, category or None for both)
PeriodKey = tuple[str | None, str, str, str | None]


class Rollup:
    """Sums and position parts per key; the positions are read (merged, sorted) only when a
    figure's derivation is read, and every figure naming the same key shares one set."""

    def __init__(self) -> None:
        self.values: dict[PeriodKey, Decimal] = {}
        self.parts: dict[PeriodKey, list[Iterable[int] | PositionSet]] = {}
        self._sets: dict[PeriodKey, PositionSet] = {}

    def add(self, key: PeriodKey, value: Decimal, positions: Iterable[int] | PositionSet) -> None:
        self.values[key] = self.values.get(key, ZERO) + value
        self.parts.setdefault(key, []).append(positions)

    def value(self, key: PeriodKey) -> Decimal:
        return self.values.get(key, ZERO)

    def positions(self, key: PeriodKey) -> PositionSet:
        """One set per key, shared by every figure that names the same facts."""
        done = self._sets.get(key)
        if done is None:
            done = self._sets[key] = PositionSet(self.parts.get(key, ()))
        return done

    def union(self, *keys: PeriodKey) -> PositionSet:
        return PositionSet(self.positions(key) for key in keys)

    def __contains__(self, key: object) -> bool:
        return key in self.parts


def scopes(partnership: str, by_partnership: bool) -> tuple[str | None, ...]:
    return (partnership, None) if by_partnership else (None,)


def roll_up(state: CostState, grains: Iterable[str]) -> tuple[Rollup, dict[PeriodKey, Decimal]]:
    """(cost rollup, unpriced hours) over every grain, scope and category.

    Unpriced hours share the cost positions: the same facts decide both.
    """
    costs: Rollup = Rollup()
    unpriced: dict[PeriodKey, Decimal] = {}
    by_partnership = state.params.by_partnership
    grains = tuple(grains)
    for key in state.month_keys():
        partnership, month, category = key
        cost, hours, positions = state.cost(key), state.unpriced(key), state.positions(key)
        for grain in grains:
            label = period_of(month, grain)
            for scope in scopes(partnership, by_partnership):
                for cat in (category, None):
                    period: PeriodKey = (scope, grain, label, cat)
                    costs.add(period, cost, positions)
                    unpriced[period] = unpriced.get(period, ZERO) + hours
    return costs, unpriced
