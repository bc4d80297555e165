"""Retention cohorts (figures.md §1) as a pure fold over ledger facts.

``project_retention(records, params)`` reads the records once in ledger order, keeping only the
facts retention needs (``retention_timeline``); applies corrections and voids (``settled``);
builds one timeline per registrant and its retained / not-retained path under ``params.scope``
(``retention_scope``); works out once per registrant its cohort, Kaplan-Meier subject and
status at each horizon (``retention_members``); then aggregates per
cohort (anchor period x ``params.by``): R_h with its censoring, Kaplan-Meier with delayed entry
(``retention_km``), early leavers, mentored against comparator; and per reporting period:
leaver rate and stability index. Every number is also a :class:`Figure`
(``retention_figures``: ids and derivations) whose ``contributing`` positions, replayed alone,
give the same figure.

Conventions beyond figures.md:
* facts dated after ``as_of`` are ignored; a status on a date is the state at the end of that
  day (a leaving dated on the horizon date is not retained);
* ``late_entry_h``: members enrolled after anchor + h, whose status at h the programme did
  not see: not eligible for R_h (Kaplan-Meier excludes that time too);
* ``censored_before_h``: the last observed day (``FollowUpEnded``, death, a leaving the scope
  does not count) is before anchor + h while still retained; a member no longer retained on
  that day was seen leaving before h and is eligible and not retained;
* ``late_entry_h``, ``censored_before_h``, ``not_yet_observable_h`` and ``eligible_h`` add up to
  the cohort size;
* early leavers: people whose first leaving (by scope) is dated before ``registered_on`` + 24
  months, over people who have left at all, per cohort;
* a period ``[start, end)``: headcounts at the end of ``start - 1`` and of ``end - 1``;
  leavers are people with a leaving dated in the period; the stability base leaves out
  people whose follow-up ended before the period's last day; the average headcount is the
  days in post while observed ÷ the period's days, the leaver rate leavers ÷ it; the
  stability index is a Kaplan-Meier estimate over the period of those in post at its start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

import attrs

from legacyledger.projections.base import FactRecord, Figure
from legacyledger.projections.retention.figures import (
    FigureMaker,
    cohort_figures,
    comparison_figures,
    difference,
    period_figures,
)
from legacyledger.projections.retention.km import kaplan_meier
from legacyledger.projections.retention.members import (
    Enrolments,
    Member,
    contributing,
    horizon_row,
    member,
    period_row,
)
from legacyledger.projections.retention.model import (
    CohortRow,
    ComparisonRow,
    HorizonRow,
    Key,
    PeriodRow,
    RetentionParams,
    ratio,
)
from legacyledger.projections.retention.periods import bounds, complete_periods
from legacyledger.projections.retention.scope import scope_path
from legacyledger.projections.retention.timeline import collect_settled, relevant_names
from legacyledger.projections.tables import EffectiveTables

__all__ = [
    "CohortRow",
    "ComparisonRow",
    "HorizonRow",
    "PeriodRow",
    "RetentionParams",
    "RetentionView",
    "project_retention",
    "retention_from_settled",
]

_DAY = timedelta(days=1)


@attrs.frozen
class RetentionView:
    params: RetentionParams
    cohorts: tuple[CohortRow, ...]
    periods: tuple[PeriodRow, ...]
    comparisons: tuple[ComparisonRow, ...]
    figures: tuple[Figure, ...]
    _index: Mapping[str, Figure] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.id: f for f in self.figures})

    def figure(self, figure_id: str) -> Figure:
        return self._index[figure_id]


def names_for(params: RetentionParams) -> frozenset[str]:
    """The facts this parameter set can use (the rest never change a retention figure)."""
    return relevant_names(params.anchor, params.count_leave_as_leaving, params.scope)


def project_retention(records: Iterable[FactRecord], params: RetentionParams) -> RetentionView:
    return retention_from_settled(EffectiveTables.of(records, names_for(params)), params)


def retention_from_settled(settled: EffectiveTables, params: RetentionParams) -> RetentionView:
    """The view from facts already settled (``build_views`` settles once for every family)."""
    count_leave = params.count_leave_as_leaving
    timelines, orgs = collect_settled(settled, params.as_of, names_for(params))
    members = [member(tl, scope_path(tl, params.scope, count_leave, orgs), params)
               for tl in timelines]  # fmt: skip
    return _View(params, members).build()


class _View:
    def __init__(self, params: RetentionParams, members: list[Member]) -> None:
        self.params, self.members, self.maker = params, members, FigureMaker(params)
        self.figures: dict[str, Figure] = {}

    def build(self) -> RetentionView:
        split = self.params.compare_groups and "group" not in self.params.by
        cohorts = [self._cohort(k, ms, split)
                   for k, ms in self._cohort_groups(self.params.by).items()]  # fmt: skip
        groups = {k: Enrolments(ms) for k, ms in _groups(self.members, self.params.by).items()}
        periods = [row for label in self._period_labels() for row in self._periods(label, groups)]
        comparisons = self._comparisons() if self.params.compare_groups else []
        return RetentionView(self.params, tuple(cohorts), tuple(periods), tuple(comparisons),
                             tuple(self.figures.values()))  # fmt: skip

    def _add(self, figures: Iterable[Figure]) -> None:
        self.figures.update((f.id, f) for f in figures)

    def _cohort_groups(self, by: Sequence[str]) -> dict[Key, list[Member]]:
        groups: defaultdict[Key, list[Member]] = defaultdict(list)
        for m in self.members:
            if m.cohort is not None:
                groups[(("cohort", m.cohort), *m.dims(by))].append(m)
        return dict(sorted(groups.items()))

    def _cohort(self, key: Key, members: list[Member], split: bool = False) -> CohortRow:
        """The cohort's row and figures; ``split``: its mentored and comparator groups are
        published too (``_comparisons``), so its counts are stated as their sums."""
        curve = kaplan_meier([m.subject for m in members if m.subject is not None])
        days = [round(h * 365.25 / 12) for h in self.params.horizons]
        horizons = tuple(horizon_row(members, i, h, curve.at(day), curve.events_by(day))
                         for i, (h, day) in enumerate(zip(self.params.horizons, days)))  # fmt: skip
        leavers = [m.early_leaver for m in members if m.early_leaver is not None]
        early = sum(leavers)
        row = CohortRow(key[0][1], key[1:], len(members), horizons, curve, len(leavers), early,
                        ratio(early, len(leavers)))  # fmt: skip
        groups = tuple((*key, *g) for g in _groups(members, ("group",))) if split else ()
        self._add(cohort_figures(self.maker, row, contributing(members), groups))
        return row

    def _period_labels(self) -> tuple[str, ...]:
        if self.params.periods or not self.members:
            return self.params.periods
        first = min(m.tl.enrolled_on for m in self.members)
        return complete_periods(first, self.params.as_of, self.params.period)

    def _periods(self, label: str, groups: dict[Key, Enrolments]) -> Iterable[PeriodRow]:
        start, end = bounds(label)
        if end - _DAY > self.params.as_of:
            raise ValueError(f"period {label} ends after as_of {self.params.as_of}")
        for dims, group in groups.items():
            seen, positions = group.before(end)
            if seen:
                row = period_row(label, start, end, dims, seen)
                self._add(period_figures(self.maker, row, positions))
                yield row

    def _comparisons(self) -> list[ComparisonRow]:
        """Mentored against comparator within each cohort. Each group's own figures are
        emitted even when the other group is absent, so that they do not depend on it."""
        others = tuple(d for d in self.params.by if d != "group")
        rows = []
        for key, members in self._cohort_groups(others).items():
            split = {
                dims[0][1]: self._cohort((*key, *dims), group)
                for dims, group in _groups(members, ("group",)).items()
            }
            if "mentored" in split and "comparator" in split:
                rows.append(self._comparison(split["mentored"], split["comparator"], members))
        return rows

    def _comparison(self, m: CohortRow, c: CohortRow, members: list[Member]) -> ComparisonRow:
        diffs = tuple((hm.months, difference(hm.rate, hc.rate))
                      for hm, hc in zip(m.horizons, c.horizons))  # fmt: skip
        row = ComparisonRow(m.cohort, tuple(d for d in m.dims if d[0] != "group"), m, c, diffs)
        self._add(comparison_figures(self.maker, row, contributing(members)))
        return row


def _groups(members: Iterable[Member], by: Sequence[str]) -> dict[Key, list[Member]]:
    groups: defaultdict[Key, list[Member]] = defaultdict(list)
    for m in members:
        groups[m.dims(by)].append(m)
    return dict(sorted(groups.items()))
