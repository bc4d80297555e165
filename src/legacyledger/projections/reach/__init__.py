"""Reach and activity (figures.md §4): events, integrated delivery, people, feedback, dose.

``project_reach(records, params)`` is a pure fold. The fold only keeps the facts it reads
(corrections applied as they arrive, see :mod:`costs_store`); every figure is computed at
the end from the facts as they stand, so :class:`ReachFold` can be extended batch by batch
and read at any point with :func:`build_view`.

Figure ids are ``reach.<metric>/<dim>=<value>/...`` with dims sorted and a missing dim
meaning "all": e.g. ``reach.events_delivered/kind=careers_fair/partnership=devon``,
``reach.registered/employer=gss:E10000008/partnership=devon/role=ambassador``,
``reach.growth_pct/from=2016-12-31/partnership=devon/role=ambassador``,
``reach.caseload/mentor=M-101/partnership=wy-legacy``. The metric modules document their
formulas: :mod:`reach_events`, :mod:`reach_people`, :mod:`reach_dose`,
:mod:`reach_mentoring`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import localcontext

import attrs

from legacyledger.domain import Mentor, Partnership
from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.base import CORRECTIONS, FactRecord, Figure, Value
from legacyledger.projections.current import FactStore
from legacyledger.projections.figures import FigureMaker, frozen_params, index_figures
from legacyledger.projections.periods import SUM_CTX
from legacyledger.projections.reach.dose import dose_figures
from legacyledger.projections.reach.events import event_figures, feedback_figures
from legacyledger.projections.reach.mentoring import (
    activity,
    caseload_figures,
    mentor_time,
    utilisation_figures,
)
from legacyledger.projections.reach.params import ReachParams
from legacyledger.projections.reach.people import (
    active_since,
    people_figures,
    recruitment_figures,
)
from legacyledger.projections.reach.state import (
    EVENT_FACTS,
    MENTOR_FACTS,
    REGISTRANT_FACTS,
    events,
    mentors,
    registrants,
)
from legacyledger.projections.tables import EffectiveTables

_RECRUITMENT_TARGET_SET = Partnership.RecruitmentTargetSet.FACT

__all__ = [
    "ReachFold",
    "ReachParams",
    "ReachView",
    "build_view",
    "project_reach",
    "reach_from_settled",
]

KEPT = frozenset(
    {*MENTOR_FACTS, *EVENT_FACTS, *REGISTRANT_FACTS, Mentor.TimeLogged.FACT,
     Partnership.RecruitmentTargetSet.FACT}
)


class ReachFold:
    """Keeps the facts reach reads; cheap per record (a dict insert), corrections applied."""

    def __init__(self, params: ReachParams) -> None:
        self.params = params
        self.store = FactStore(KEPT)

    def extend(self, records: Iterable[FactRecord]) -> ReachFold:
        put, correct = self.store.put, self.store.correct
        for record in records:
            name = record.fact["fact"]
            if name in KEPT:
                put(record)
            elif name in CORRECTIONS:
                correct(record)
        return self

    def apply(self, record: FactRecord) -> ReachFold:
        return self.extend((record,))


@attrs.frozen
class ReachView:
    """Every reach figure, sorted by id."""

    params: ReachParams
    figures: tuple[Figure, ...]
    _index: Mapping[str, Figure] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", index_figures(self.figures))

    def figure(self, figure_id: str) -> Figure:
        return self._index[figure_id]

    def get(self, figure_id: str) -> Figure | None:
        return self._index.get(figure_id)

    def value(self, figure_id: str) -> Value:
        return self._index[figure_id].value

    def ids(self) -> tuple[str, ...]:
        return tuple(self._index)


def project_reach(records: Iterable[FactRecord], params: ReachParams) -> ReachView:
    return reach_from_settled(EffectiveTables.of(records, KEPT), params)


def build_view(fold: ReachFold) -> ReachView:
    """Read a fold's state into figures; the fold is not changed and can keep going."""
    settled = EffectiveTables(KEPT)
    for name in sorted(KEPT):
        settled.extend_known(name, fold.store.of(name))
    return reach_from_settled(settled.finish(), fold.params)


#: Formulas whose definition changed since version 1. Version 2 of the drop-out gap and the
#: recruitment needed: they rest (``inputs``) on the assumed drop-out rate and the target
#: too; of minutes per registrant-month, on minutes per contact (new, version 1): disclosure
#: control computes them from those as displayed (figures.md §5).
VERSIONS = {
    "reach.dropout_gap": 2,
    "reach.recruitment_needed": 2,
    "reach.minutes_per_registrant": 2,
}


def reach_from_settled(settled: EffectiveTables, params: ReachParams) -> ReachView:
    """The view from facts already settled (``build_views`` settles once for every family)."""
    with localcontext(SUM_CTX):
        figures = sorted(_figures(params, settled), key=lambda f: f.id)
    return ReachView(params, tuple(figures))


def _figures(params: ReachParams, settled: EffectiveTables) -> Iterator[Figure]:
    as_of, since = params.as_of_iso, active_since(params)
    make = FigureMaker("reach", frozen_params(params.as_mapping()), params.as_of,
                       more=settled.more, versions=VERSIONS)  # fmt: skip
    people, planned = mentors(settled, as_of), events(settled, as_of)
    mentored, time = registrants(settled, as_of), mentor_time(settled, params, since)
    yield from event_figures(make, params, planned, people)
    yield from feedback_figures(make, params, planned)
    yield from people_figures(make, params, people, activity(time, planned.values(), since, as_of))
    yield from recruitment_figures(make, params, _targets(settled, as_of), people)
    yield from dose_figures(make, params, mentored)
    yield from caseload_figures(make, params, people, mentored)
    yield from utilisation_figures(make, params, people, time)


def _targets(settled: EffectiveTables, as_of: str) -> dict[str, EffectiveFact]:
    """Each partnership's latest (by position) recruitment target dated on or before as_of."""
    table = settled.table(_RECRUITMENT_TARGET_SET)
    latest: dict[str, int] = {}
    for row, (on, key) in enumerate(zip(table.col("on"), table.col("partnership"))):
        if on <= as_of:
            latest[key] = row
    return {
        key: EffectiveFact(table.pos[row], table.fact(row), (table.pos[row],))
        for key, row in latest.items()
    }
