"""Cost over time (figures.md §2): mentor time at the rate in force, costs, funding, unit costs.

``project_costs(records, params)`` is a pure fold over ledger records: the figures come from
the facts as they stand (:mod:`costs_state`), the restatements from replaying them through
the incremental fold when first read. The same fold is available incrementally as
:class:`CostFold` (``fold.extend(batch)`` then :func:`build_view`), so catching up and
rebuilding give the same view.

Figure ids (dims sorted; a missing dim means "all"; periods ``2024-10`` /
``2024-25-Q3`` / ``2024-25``):

* ``costs.total/[category=administration|delivery/][partnership=P/]period=L``
* ``costs.admin_share``, ``costs.unpriced_hours``, ``costs.cumulative`` (same dims, no category)
* ``costs.funding`` and ``costs.balance`` (funding - spend), financial years only
* ``costs.cancelled_events`` (priced cost booked to events later cancelled)
* denominators ``costs.registrants_supported``, ``costs.contact_hours``,
  ``costs.events_delivered``, ``costs.audience_reached``, ``costs.ambassadors_active`` and
  unit costs ``costs.per_registrant_supported``, ``costs.per_contact_hour``,
  ``costs.per_event_delivered``, ``costs.per_audience_member``,
  ``costs.per_active_ambassador`` for each ``unit_grains`` period (``basis=delivery`` when
  the unit cost basis is delivery only), and ``costs.event_cost`` (cost booked to events, the
  numerator of the cost per event delivered)
* ``costs.per_additional_retained/horizon=12m[/partnership=P]`` (indicative)

Every money value is an exact ``Decimal``; :func:`display` rounds to pence for showing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import localcontext

import attrs

from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.base import FactRecord, Figure, Value
from legacyledger.projections.costs.fold import PRICED, STORED, CostFold
from legacyledger.projections.costs.params import CostParams, RetentionInputs
from legacyledger.projections.costs.restate import REPRICING, Restatement
from legacyledger.projections.costs.rollup import roll_up
from legacyledger.projections.costs.state import CostState
from legacyledger.projections.costs.totals import cumulative_figures, total_figures
from legacyledger.projections.costs.view import (
    cancelled_figures,
    funding_figures,
    retention_figures,
    unit_figures,
)
from legacyledger.projections.figures import FigureMaker, frozen_params, index_figures
from legacyledger.projections.periods import SUM_CTX, display
from legacyledger.projections.tables import EffectiveTables

__all__ = [
    "CostFold",
    "CostParams",
    "CostView",
    "Deferred",
    "Restatement",
    "RetentionInputs",
    "build_view",
    "cost_figures",
    "costs_from_settled",
    "display",
    "project_costs",
    "restatements",
]


class Deferred:
    """A value worked out on first use and then kept (restatements: see :class:`CostView`)."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], tuple[Restatement, ...]]) -> None:
        self._make: Callable[[], tuple[Restatement, ...]] | None = make
        self._value: tuple[Restatement, ...] = ()

    def __call__(self) -> tuple[Restatement, ...]:
        if self._make is not None:
            self._value, self._make = self._make(), None
        return self._value


def _rows(value: tuple[Restatement, ...] | Deferred) -> tuple[Restatement, ...]:
    return value() if isinstance(value, Deferred) else value


@attrs.frozen
class CostView:
    """Every cost figure (sorted by id) and every restatement (in ledger order).

    Restatements can be many (every change to a reported period, per grain, scope and
    category: a ledger imported in one go restates every past month with every fact) and few
    readers want them: they may be given as a :class:`Deferred`, worked out (by replaying the
    incremental :class:`CostFold` over the records) the first time they are read. A view from
    ``build_views`` re-reads its ledger then, so read them while the ledger is open.
    """

    params: CostParams
    figures: tuple[Figure, ...]
    _restatements: tuple[Restatement, ...] | Deferred = attrs.field(
        alias="restatements", eq=_rows, repr=False
    )
    #: Only the restatements caused by corrections, voids and back-dated pay rates, which
    #: is what a report shows (worked out on their own: far fewer to track).
    _repricings: tuple[Restatement, ...] | Deferred | None = attrs.field(
        alias="repricings", default=None, eq=False, repr=False
    )
    _index: Mapping[str, Figure] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", index_figures(self.figures))

    @property
    def restatements(self) -> tuple[Restatement, ...]:
        return _rows(self._restatements)

    @property
    def repricings(self) -> tuple[Restatement, ...]:
        """The restatements caused by :data:`REPRICING` facts (corrections, voids, back-dated
        pay rates), in ledger order."""
        if self._repricings is None:
            return tuple(r for r in self.restatements if r.fact in REPRICING)
        return _rows(self._repricings)

    def figure(self, figure_id: str) -> Figure:
        return self._index[figure_id]

    def get(self, figure_id: str) -> Figure | None:
        return self._index.get(figure_id)

    def value(self, figure_id: str) -> Value:
        return self._index[figure_id].value

    def ids(self) -> tuple[str, ...]:
        return tuple(self._index)


#: What the cost figures read (the fold also reads these, corrections aside).
NAMES = STORED | PRICED


def project_costs(records: Iterable[FactRecord], params: CostParams | None = None) -> CostView:
    params = params or CostParams()
    if not isinstance(records, Sequence):
        records = list(records)
    replay = records
    return costs_from_settled(
        EffectiveTables.of(records, NAMES),
        params,
        Deferred(lambda: tuple(CostFold(params).extend(replay).tracker.rows)),
    )


def build_view(fold: CostFold) -> CostView:
    """Read a fold's state into figures; the fold is not changed and can keep going."""
    settled = EffectiveTables(NAMES)
    for name in sorted(NAMES):
        settled.extend_known(name, _known(fold, name))
    return costs_from_settled(settled.finish(), fold.params, tuple(fold.tracker.rows))


def _known(fold: CostFold, name: str) -> Iterable[EffectiveFact]:
    """A kept name's facts as the fold holds them now, in ledger order."""
    return sorted(fold.store.of(name), key=lambda f: f.position)


def costs_from_settled(
    settled: EffectiveTables,
    params: CostParams,
    restated: tuple[Restatement, ...] | Deferred = (),
    repricings: tuple[Restatement, ...] | Deferred | None = None,
) -> CostView:
    """The view from facts already settled (``build_views`` settles once for every family);
    ``restated`` (and ``repricings``): the restatements, or how to work them out when first
    read."""
    with localcontext(SUM_CTX):
        state = CostState(settled, params)
    return CostView(params, cost_figures(state), restated, repricings)


def cost_figures(state: CostState) -> tuple[Figure, ...]:
    """Every cost figure of a state's inputs, sorted by id: the one place cost figures are
    made, whether the state was folded from settled facts or kept incrementally by the
    persisted views (:mod:`legacyledger.views.store.costs`)."""
    with localcontext(SUM_CTX):
        return tuple(sorted(_figures(state), key=lambda f: f.id))


def _figures(state: CostState) -> Iterable[Figure]:
    params = state.params
    grains = tuple(dict.fromkeys((*params.grains, *params.unit_grains, "fy")))
    costs, unpriced = roll_up(state, grains)
    make = FigureMaker("costs", frozen_params(params.as_mapping()), params.as_of, more=state.more)
    yield from total_figures(make, costs, unpriced)
    yield from cumulative_figures(make, costs, params.cumulative)
    yield from funding_figures(make, state, costs)
    yield from cancelled_figures(make, state, grains)
    yield from unit_figures(make, state, costs)
    yield from retention_figures(make, state, costs)


def restatements(
    records: Iterable[FactRecord], params: CostParams | None = None, period: str | None = None
) -> tuple[Restatement, ...]:
    """Restatements of one period (``"2024/25 Q1"`` and ``"2024-25-Q1"`` both work), or all."""
    rows = tuple(CostFold(params or CostParams()).extend(records).tracker.rows)
    if period is None:
        return rows
    label = period.replace("/", "-").replace(" ", "-")
    return tuple(row for row in rows if row.period == label)
