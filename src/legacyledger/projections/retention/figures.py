"""Every retention number as a :class:`Figure` with a stable id and its derivation.

Ids: ``retention.<metric>/<dim>=<value>/...`` with the dimensions sorted by name and ``/`` in
values replaced by ``-``, e.g. ``retention.rate/cohort=2024-25/group=mentored/h=12/scope=nhs``.
Dimensions: ``cohort`` or ``period``, the ``by`` dimensions, ``h`` (months), ``scope``, and
``anchor`` / ``leave=counted`` only when those parameters are not the default, so figures of
different parameter sets never share an id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from legacyledger.projections.base import Contributing, Derivation, Figure, Relation, Value
from legacyledger.projections.retention.model import (
    DECIMAL,
    MIN_AVERAGE_HEADCOUNT,
    CohortRow,
    ComparisonRow,
    HorizonRow,
    Key,
    PeriodRow,
    RetentionParams,
)

COUNT, RATE, STATISTIC = "count", "rate", "statistic"
#: Figures (metric and key) whose sum a relation states.
Parts = Sequence[tuple[str, Key]]
_KM = "retention.kaplan_meier"
#: Formula ids where the metric name alone would not say which formula of figures.md §1.
FORMULAS = {
    "rate": "retention.R_h",
    "eligible": "retention.eligible_h",
    "retained": "retention.retained_h",
    "not_yet_observable": "retention.not_yet_observable_h",
    "censored_before": "retention.censored_before_h",
    "late_entry": "retention.late_entry_h",
    "km_survival": _KM,
    "km_variance": "retention.kaplan_meier_greenwood",
    "km_ci_lower": "retention.kaplan_meier_ci_loglog",
    "km_ci_upper": "retention.kaplan_meier_ci_loglog",
    "rate_difference": "retention.R_h_difference",
}
LABELS = {
    "rate": "retained at h months (R_h)",
    "km_survival": "Kaplan-Meier survival at h months",
    "km_ci_lower": "Kaplan-Meier 95% CI, lower (log-log)",
    "km_ci_upper": "Kaplan-Meier 95% CI, upper (log-log)",
    "km_variance": "Kaplan-Meier Greenwood variance",
    "rate_difference": "R_h mentored - R_h comparator (descriptive, not causal)",
}
NOT_CAUSAL = "descriptive, not causal: the groups were not randomised"
#: Each formula's version, bumped whenever its definition changes (figures.md §1). Version 2:
#: R_h counts leavings seen before h and leaves late entrants out; a leaving the scope does not
#: count censors, and a rejoin is back only inside the scope (every figure but the cohort size).
#: Version 3 of the leaver rate: leavers ÷ average headcount (person-time in post while
#: observed), not ÷ the mean of start and end headcounts; the leavers count a leaving seen
#: before observation ended in the period (version 2 dropped it when the registrant was back
#: in post by then). The average headcount is new (version 1). Version 3 of the stability
#: index: a Kaplan-Meier estimate over the period, not stable / base (which dropped people
#: whose observation ended in post but kept those who left first).
#: Version 3 of the Kaplan-Meier estimates and version 4 of the stability index: the same
#: values, resting (``inputs``) on the events so far and the effective number followed, new
#: (version 1), from which disclosure control shows them (figures.md §5).
#: Version 2 of the average headcount: the same value, resting on the headcounts from which
#: disclosure control shows it under ``nhs`` and ``under10``, by the NHS average.
VERSIONS = {
    "retention.cohort_size": 1,
    "retention.leaver_rate": 3,
    "retention.leavers": 3,
    "retention.headcount_average": 2,
    "retention.stability_index": 4,
    "retention.stability_censored": 1,
    "retention.stability_effective_base": 1,
    _KM: 3,
    "retention.kaplan_meier_greenwood": 3,
    "retention.kaplan_meier_ci_loglog": 3,
    "retention.km_cumulative_events": 1,
    "retention.km_effective_n": 1,
}
VERSION = 2
R_H_NOTE = (
    "eligible: enrolled by anchor + h and observed to it, or seen leaving before it (a leaving "
    "counts whatever happens later; follow-up ending or death removes only people still in "
    "post); people enrolled after anchor + h are not eligible (late_entry). With delayed "
    "entry R_h is conditional on being in post at enrolment: the Kaplan-Meier curve is the "
    "estimate without that bias"
)
NOTES = {"rate": R_H_NOTE}
NOBODY_AT_RISK = "not estimated: no one is at risk on this day (the curve stops here)"
LEAVER_RATE_NOTE = (
    "leavers in the period / average headcount (days in post while observed, summed over "
    "people, / the period's days). It equals the NHS definition (leavers / mean of start and "
    "end headcounts) when headcount changes evenly over the period and no one's observation "
    "ends in it; otherwise it differs because each person counts for the time they were "
    "actually observed in post: someone whose follow-up ended half-way counts 0.5 (the mean "
    "of start and end headcounts counts them fully, or not at all if they are dropped from "
    "both), a leaver counts until leaving, and joiners count from when they joined"
)
HEADCOUNT_AVERAGE_NOTE = (
    "days in post while observed in the period, summed over people, / the period's days: "
    "someone observed in post for half the period counts 0.5. Under the nhs and under10 "
    "policies it is shown as the NHS average of the headcounts as displayed, (headcount_start "
    "+ stability_censored + headcount_end) / 2, someone whose follow-up ended in the period "
    "counting half as a leaver does: the days in post, a known mix of the counts to a reader "
    "who knows the dates, could give counts back"
)
SMALL_AVERAGE = (
    f"not shown: average headcount below {MIN_AVERAGE_HEADCOUNT} (fewer than "
    f"{MIN_AVERAGE_HEADCOUNT} person-periods observed in post): too few at risk for a rate"
)
STABILITY_NOTE = (
    "Kaplan-Meier estimate, of those in post at the start, of still being in post at the end: "
    "someone whose observation ends in the period while in post (stability_censored) counts "
    "as at risk until then; a leaver back in post by the end is not a leaving. Equals "
    "stable / stability_base when no one's observation ends in the period while in post"
)
NOTES["stability_index"] = STABILITY_NOTE
LABELS["headcount_average"] = "average headcount (observed in post)"
LABELS["km_cumulative_events"] = "Kaplan-Meier events (leavings) up to h months"
LABELS["km_effective_n"] = "Kaplan-Meier effective number followed to h months"
LABELS["stability_effective_base"] = "stability effective base"
EFFECTIVE_N_NOTE = (
    "events so far / (1 - survival): the size of a cohort followed from the anchor with no one "
    "censored or enrolled late that these leavers would bring to this survival (with neither, "
    "the number at risk at the start); survival = 1 - events / effective number"
)
STABILITY_BASE_NOTE = (
    "(stability_base - stable) / (1 - stability_index): the base that, with no one's "
    "observation ending in the period, these leavers would bring to this index (with none, "
    "stability_base); index = 1 - (stability_base - stable) / effective base"
)
NO_LEAVER_YET = "not defined: no one has left, so the estimate is 1"
NO_INDEX = "not defined: no stability index for this period"
NOTES["headcount_average"] = HEADCOUNT_AVERAGE_NOTE
#: Units of figures that are not in the unit their kind implies.
UNITS = {"headcount_average": "people", "km_effective_n": "people",
         "stability_effective_base": "people"}  # fmt: skip


def figure_id(metric: str, dims: Key) -> str:
    parts = sorted((k, v.replace("/", "-")) for k, v in dims)
    return "retention." + metric + "".join(f"/{k}={v}" for k, v in parts)


class FigureMaker:
    def __init__(self, params: RetentionParams) -> None:
        self.params = params
        self.described = params.described()
        marks: list[tuple[str, str]] = [("scope", params.scope)]
        marks += [("anchor", params.anchor)] if params.anchor != "registered_on" else []
        marks += [("leave", "counted")] if params.count_leave_as_leaving else []
        self.marks: Key = tuple(marks)

    def id(self, metric: str, key: Key) -> str:
        return figure_id(metric, key + self.marks)

    def make(
        self,
        metric: str,
        key: Key,
        value: Value,
        kind: str,
        contributing: Contributing,
        **extra: Any,
    ) -> Figure:
        inputs = tuple(self.id(m, k) for m, k in extra.pop("inputs", ()))
        relations = self._relations(metric, key, extra.pop("sums", ()), extra.pop("at_least", ()))
        note = extra.pop("note", NOTES.get(metric))
        parameters = MappingProxyType({**self.described, **dict(key), **extra})
        formula = FORMULAS.get(metric, f"retention.{metric}")
        derivation = Derivation(
            formula,
            VERSIONS.get(formula, VERSION),
            parameters,
            self.params.as_of,
            None,
            contributing,
            note=note,
            inputs=inputs,
            relations=relations,
        )
        unit = UNITS.get(metric) or {COUNT: "people", RATE: "ratio", STATISTIC: "probability"}[kind]
        label = LABELS.get(metric, metric.replace("_", " "))
        return Figure(self.id(metric, key), value, unit, derivation, label, kind=kind)


    def _relations(
        self, metric: str, key: Key, sums: Iterable[Parts], at_least: Iterable[Parts]
    ) -> tuple[Relation, ...]:
        total = self.id(metric, key)
        made = [(parts, True) for parts in sums] + [(parts, False) for parts in at_least]
        return tuple(Relation(total, tuple(self.id(m, k) for m, k in parts), exact)
                     for parts, exact in made)  # fmt: skip


#: Where each member of a cohort stands at a horizon: these four add up to the cohort size.
HORIZON_STATUSES = ("eligible", "not_yet_observable", "censored_before", "late_entry")


def _over(groups: Sequence[Key], metric: str, *dims: tuple[str, str]) -> list[Parts]:
    """The count as the sum of the same count in each group of the cohort (none: no split)."""
    return [tuple((metric, (*g, *dims)) for g in groups)] if groups else []


def cohort_figures(
    mk: FigureMaker, row: CohortRow, pos: Contributing, groups: Sequence[Key] = ()
) -> Iterator[Figure]:
    """The cohort's figures; ``groups``: the keys of its mentored and comparator groups when
    their figures are published too (each count of the cohort is the sum of theirs)."""
    key = row.key
    at = [("h", str(h.months)) for h in row.horizons]
    statuses = [tuple((m, (*key, h)) for m in HORIZON_STATUSES) for h in at]
    yield mk.make("cohort_size", key, row.size, COUNT, pos,
                  sums=[(("km_subjects", key), ("km_excluded", key)), *statuses,
                        *_over(groups, "cohort_size")])  # fmt: skip
    # the effective number followed is never more than the people followed (figures.md §1)
    yield mk.make("km_subjects", key, row.curve.subjects, COUNT, pos,
                  sums=[(("km_events", key), ("km_censored", key)),
                        *_over(groups, "km_subjects")],
                  at_least=[(("km_at_risk", (*key, h)),) for h in at]
                  + [(("km_effective_n", (*key, h)),) for h in at])  # fmt: skip
    yield mk.make("km_events", key, row.curve.events, COUNT, pos,
                  sums=_over(groups, "km_events"),
                  at_least=[(("km_cumulative_events", (*key, h)),) for h in at])  # fmt: skip
    for name in ("censored", "excluded"):
        yield mk.make(f"km_{name}", key, getattr(row.curve, name), COUNT, pos,
                      sums=_over(groups, f"km_{name}"))  # fmt: skip
    yield mk.make("all_leavers", key, row.leavers, COUNT, pos,
                  sums=_over(groups, "all_leavers"), at_least=[(("early_leavers", key),)])
    yield mk.make("early_leavers", key, row.early_leavers, COUNT, pos, within_months=24,
                  sums=_over(groups, "early_leavers"))  # fmt: skip
    yield mk.make(
        "early_leaver_share",
        key,
        row.early_leaver_share,
        RATE,
        pos,
        inputs=(("early_leavers", key), ("all_leavers", key)),
    )
    for horizon in row.horizons:
        yield from _horizon_figures(mk, key, horizon, pos, groups)


def _horizon_figures(
    mk: FigureMaker, cohort: Key, row: HorizonRow, pos: Contributing, groups: Sequence[Key]
) -> Iterator[Figure]:
    at = ("h", str(row.months))
    key = (*cohort, at)
    for name in ("eligible", "retained", "not_yet_observable", "censored_before", "late_entry"):
        # the eligible are the retained and those seen leaving (published nowhere)
        more = [(("retained", key),)] if name == "eligible" else []
        yield mk.make(name, key, getattr(row, name), COUNT, pos, sums=_over(groups, name, at),
                      at_least=more)  # fmt: skip
    yield mk.make("rate", key, row.rate, RATE, pos, inputs=(("retained", key), ("eligible", key)))
    day = row.km.day
    for name, count in (("km_at_risk", row.km.at_risk), ("km_cumulative_events", row.km_events)):
        yield mk.make(name, key, count, COUNT, pos, day=day, sums=_over(groups, name, at))
    # Nothing is estimated where no one is at risk: the curve stops (disclosure control stops
    # it earlier, where the number at risk is suppressed)
    empty = row.km.at_risk == 0
    note = NOBODY_AT_RISK if empty else None
    effective = row.km_effective_n
    yield mk.make("km_effective_n", key, effective, STATISTIC, pos, day=day,
                  note=note or (EFFECTIVE_N_NOTE if effective else NO_LEAVER_YET),
                  at_least=[(("km_cumulative_events", key),)])  # fmt: skip
    # S = 1 - events / effective number: disclosure control shows the estimates from these
    # two numbers of people as displayed (figures.md §5)
    parts = (("km_cumulative_events", key), ("km_effective_n", key), ("km_at_risk", key))
    for name, value in (
        ("km_survival", row.km.survival),
        ("km_ci_lower", row.km.lower),
        ("km_ci_upper", row.km.upper),
        ("km_variance", row.km.variance),
    ):
        yield mk.make(name, key, None if empty else value, STATISTIC, pos, day=day, inputs=parts,
                      confidence=0.95, note=note)  # fmt: skip


def period_figures(mk: FigureMaker, row: PeriodRow, pos: Contributing) -> Iterator[Figure]:
    key = (("period", row.period), *row.dims)
    bounds = {"start": row.start, "end": row.end}
    counts = ("leavers", "headcount_start", "headcount_end", "stability_base", "stable",
              "stability_censored")
    # the stability base is the headcount at the start, of whom the stable are some
    relations = {"stability_base": {"sums": [(("headcount_start", key),)],
                                    "at_least": [(("stable", key),)]}}
    for name in counts:
        yield mk.make(name, key, getattr(row, name), COUNT, pos, **relations.get(name, {}),
                      **bounds)  # fmt: skip
    average = row.headcount_average
    shown_from = (("headcount_start", key), ("stability_censored", key), ("headcount_end", key))
    yield mk.make("headcount_average", key, average, STATISTIC, pos, inputs=shown_from,
                  **bounds)  # fmt: skip
    note = SMALL_AVERAGE if row.leaver_rate is None else LEAVER_RATE_NOTE
    inputs = (("leavers", key), ("headcount_average", key))
    yield mk.make(
        "leaver_rate", key, row.leaver_rate, RATE, pos, inputs=inputs, note=note, **bounds
    )
    effective = row.stability_effective_base
    yield mk.make("stability_effective_base", key, effective, STATISTIC, pos,
                  note=_effective_base_note(row), **bounds)  # fmt: skip
    # index = 1 - (base - stable) / effective base: disclosure control shows it from these
    # as displayed (figures.md §5)
    parts = (("stable", key), ("stability_base", key), ("stability_effective_base", key))
    yield mk.make("stability_index", key, row.stability_index, STATISTIC, pos, inputs=parts,
                  **bounds)  # fmt: skip


def _effective_base_note(row: PeriodRow) -> str:
    if row.stability_effective_base is not None:
        return STABILITY_BASE_NOTE
    return NO_INDEX if row.stability_index is None else NO_LEAVER_YET


def comparison_figures(mk: FigureMaker, row: ComparisonRow, pos: Contributing) -> Iterator[Figure]:
    """Each group's size and eligible count are inputs, never parameters: a parameter is shown
    as it is, so a count in one would escape disclosure control."""
    key: Key = (("cohort", row.cohort), *row.dims)
    groups = (row.mentored.key, row.comparator.key)
    for months, value in row.differences:
        at = ("h", str(months))
        parts = [("rate", (*g, at)) for g in groups]
        parts += [("cohort_size", g) for g in groups]
        parts += [("eligible", (*g, at)) for g in groups]
        yield mk.make(
            "rate_difference", (*key, at), value, STATISTIC, pos, note=NOT_CAUSAL, inputs=parts
        )


def difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else DECIMAL.subtract(a, b)
