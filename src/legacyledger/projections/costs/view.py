"""Figures set against the totals: funding vs spend, cancelled events, unit costs, retention.

Unit costs divide the period's ``unit_cost_basis`` cost (delivery by default) by a
denominator from :mod:`costs_units`; a zero denominator gives ``None``, never infinity.
The cost per additional retained registrant is shown only when the retention figures are
passed in and the mentored-minus-comparator difference is positive; it is *indicative*
(the difference is descriptive, not causal).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from legacyledger.projections.base import Figure, PositionSet, Relation
from legacyledger.projections.costs.params import CostParams
from legacyledger.projections.costs.rollup import PeriodKey, Rollup, scopes
from legacyledger.projections.costs.state import CostState
from legacyledger.projections.costs.totals import periods
from legacyledger.projections.costs.units import DENOMINATORS, MEMBERS, Denominators
from legacyledger.projections.figures import (
    COUNT,
    MONEY,
    RATE,
    STATISTIC,
    FigureMaker,
    frozen_params,
)
from legacyledger.projections.periods import ZERO, divide, months_in, period_of

UNIT_METRICS = {
    "registrants_supported": "per_registrant_supported",
    "contact_hours": "per_contact_hour",
    "events_delivered": "per_event_delivered",
    "audience_reached": "per_audience_member",
    "ambassadors_active": "per_active_ambassador",
}
INDICATIVE = "indicative: mentored minus comparator retention is descriptive, not causal"


def funding_figures(make: FigureMaker, state: CostState, costs: Rollup) -> Iterator[Figure]:
    """Funding received per financial year against that year's total spend."""
    received = Rollup()
    for partnership, label, amount, positions in state.funding:
        for scope in scopes(partnership, state.params.by_partnership):
            received.add((scope, "fy", label, None), amount, positions)
    spent = {(s, label) for s, g, label in periods(costs) if g == "fy"}
    for scope, label in sorted({(k[0], k[2]) for k in received.parts} | spent, key=_order):
        key: PeriodKey = (scope, "fy", label, None)
        own = received.positions(key) if key in received else costs.positions(key)
        dims = {"partnership": scope, "period": label}
        yield make.make("funding", dims, received.value(key), "GBP", own, MONEY)
        balance = received.value(key) - costs.value(key)
        both = PositionSet((received.positions(key), costs.positions(key)))
        yield make.make("balance", dims, balance, "GBP", both, MONEY)


def _order(key: tuple[str | None, str]) -> tuple[str, str]:
    return key[0] or "", key[1]


def cancelled_figures(
    make: FigureMaker, state: CostState, grains: tuple[str, ...]
) -> Iterator[Figure]:
    """Priced cost (``CostIncurred`` and time) booked to events that were then cancelled."""
    acc = Rollup()
    by_partnership = state.params.by_partnership
    for (partnership, month), (costs, parts) in state.cancelled_rows().items():
        total = ZERO
        for cost in costs:
            total += cost
        positions = PositionSet(parts)
        for grain in grains:
            for scope in scopes(partnership, by_partnership):
                acc.add((scope, grain, period_of(month, grain), None), total, positions)
    for scope, grain, label in periods(acc):
        key: PeriodKey = (scope, grain, label, None)
        dims = {"partnership": scope, "period": label}
        yield make.make("cancelled_events", dims, acc.value(key), "GBP", acc.positions(key), MONEY)


#: What each unit cost's denominator counts.
DENOMINATOR_NOTES = {
    "registrants_supported": "registrants with at least one mentoring contact in the period",
    "contact_hours": "one-to-one and group mentoring hours logged in the period",
    "events_delivered": "events delivered in the period",
    "audience_reached": "audience members reached at events delivered in the period",
    "ambassadors_active": "ambassadors with a delivered event or delivery time in the period",
}
BASIS_NOTES = {
    "total": "full cost (administration + delivery)",
    "delivery": "delivery cost only (administration excluded)",
}
#: Unit costs are version 2: full cost by default, per event from the cost booked to events.
UNIT_VERSION = 2


def unit_note(metric: str, basis: str) -> str:
    if metric == "events_delivered":
        numerator = (f"cost booked to events (costs and mentor time naming an event, events "
                     f"later cancelled included), {BASIS_NOTES[basis]}")  # fmt: skip
    else:
        numerator = f"{BASIS_NOTES[basis]} in the period, costs and mentor time at rates in force"
    return f"numerator: {numerator}; denominator: {DENOMINATOR_NOTES[metric]}"


def unit_figures(make: FigureMaker, state: CostState, costs: Rollup) -> Iterator[Figure]:
    denominators = Denominators(state)
    params = state.params
    basis = "delivery" if params.unit_cost_basis == "delivery" else None
    events = event_rollup(state, params.unit_grains)
    unit = attrs.evolve(make, version=UNIT_VERSION)
    found = {p for r in denominators.rollups.values() for p in periods(r)}
    found |= {p for p in periods(costs) if p[1] in params.unit_grains}
    for scope, grain, label in sorted(found, key=lambda p: (p[0] or "", p[1], p[2])):
        whole: PeriodKey = (scope, grain, label, None)
        key: PeriodKey = (scope, grain, label, basis)
        cost_positions = costs.positions(key) if key in costs else costs.positions(whole)
        anchor = cost_positions or denominators.positions(whole)
        dims = {"partnership": scope, "period": label}
        booked = events.positions(key) if key in events else anchor
        at = {**dims, "category": basis}
        yield make.make("event_cost", at, events.value(key), "GBP", booked, MONEY)
        for metric, name in DENOMINATORS.items():
            rollup = denominators.rollups[metric]
            count = rollup.value(whole)
            own = rollup.positions(whole) if whole in rollup else anchor
            hours = metric == "contact_hours"
            value = count if hours else int(count)
            relations = () if hours else adding_up(make, metric, whole, found, params)
            yield make.make(metric, dims, value, name, own, STATISTIC if hours else COUNT,
                            relations=relations)  # fmt: skip
            on_events = metric == "events_delivered"
            cost = events.value(key) if on_events else costs.value(key)
            per = divide(cost, count) if count else None
            both = PositionSet((booked if on_events else cost_positions, own))
            parts = (make.id(metric, dims), make.id("event_cost" if on_events else "total", at))
            note = unit_note(metric, basis or "total")
            yield unit.make(UNIT_METRICS[metric], {**dims, "basis": basis}, per, f"GBP/{name}",
                            both, RATE, note, inputs=parts)  # fmt: skip


#: The grains whose periods fall within one period of each grain.
FINER = {"fy": ("quarter", "month"), "quarter": ("month",), "month": ()}


def adding_up(make: FigureMaker, metric: str, key: PeriodKey,
              found: Iterable[tuple[str | None, str, str]], params: CostParams
              ) -> list[Relation]:  # fmt: skip
    """A denominator count of a period as the sum of the partnerships' (for all of them) and
    of its shorter periods' (a quarter's months, ...); distinct people (:data:`MEMBERS`) are
    no fewer than in any shorter period, not their sum. A period not among ``found`` (scope,
    grain, label) has none."""
    scope, grain, label, _ = key
    dims = {"partnership": scope, "period": label}
    found = list(found)
    relations = []
    if scope is None and params.by_partnership:
        scoped = sorted(p for p, g, name in found if p is not None and (g, name) == (grain, label))
        relations.append(make.sums(metric, dims, ((metric, {"partnership": p, "period": label})
                                                  for p in scoped)))  # fmt: skip
    for finer in (g for g in FINER[grain] if g in params.unit_grains):
        within = sorted(name for p, g, name in found if (p, g) == (scope, finer)
                        and period_of(months_in(name, finer)[0], grain) == label)  # fmt: skip
        parts = [(metric, {"partnership": scope, "period": name}) for name in within]
        if metric in MEMBERS:
            relations += [make.bounds(metric, dims, [part]) for part in parts]
        elif parts:
            relations.append(make.sums(metric, dims, parts))
    return relations


def event_rollup(state: CostState, grains: Iterable[str]) -> Rollup:
    """Priced cost booked to events, per period, scope and category (and both)."""
    rollup = Rollup()
    for (partnership, month, category), (amounts, parts) in state.event_rows().items():
        total = ZERO
        for amount in amounts:
            total += amount
        positions = PositionSet(parts)
        for grain in grains:
            for scope in scopes(partnership, state.params.by_partnership):
                for cat in (category, None):
                    rollup.add((scope, grain, period_of(month, grain), cat), total, positions)
    return rollup


def retention_figures(make: FigureMaker, state: CostState, costs: Rollup) -> Iterator[Figure]:
    for inputs in state.params.retention:
        scope = inputs.partnership
        keys = [(s, g, label, None) for s, g, label in periods(costs) if s == scope and g == "fy"]
        total = sum((costs.value(k) for k in keys), ZERO)
        difference = inputs.r_mentored - inputs.r_comparator
        denominator = difference * inputs.eligible_mentored
        value = divide(total, denominator) if difference > 0 and denominator > 0 else None
        maker = FigureMaker(
            make.formula_prefix,
            frozen_params({**make.parameters, **inputs.as_mapping()}),
            make.as_of,
            more=make.more,
        )
        dims = {"partnership": scope, "horizon": f"{inputs.horizon_months}m"}
        note = INDICATIVE if value is not None else f"{INDICATIVE}; not shown: difference <= 0"
        yield maker.make(
            "per_additional_retained",
            dims,
            value,
            "GBP/registrant",
            costs.union(*keys),
            MONEY,
            note,
        )
