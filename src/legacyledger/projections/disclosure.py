"""Statistical disclosure control: an output step over figures, never stored (figures.md §5).

Policies:
* ``nhs`` (default for published outputs below national level, the NHS England HES/ECDS
  method): a count of 1-7 is shown as ``*``, other counts are rounded to the nearest 5
  (0 stays 0);
* ``under10`` (the Skills for Care threshold): a count of 1-9 is ``*``, other counts are
  rounded to the nearest 5, so that no difference of published counts gives back a
  suppressed one;
* ``none`` (internal audit): everything as computed.

Under ``nhs`` and ``under10`` nothing published may give back a suppressed count or a count
before rounding (version 4 of the method):

* a count that, with the counts it adds up with (``derivation.relations``), would give a
  suppressed count away, or narrow it below ``1 .. threshold``, or give a count's value
  before rounding, is suppressed as well (secondary suppression,
  :mod:`legacyledger.projections.secondary`), decided from the displays alone and shown as
  any suppressed count is;
* a figure resting on a suppressed count (``derivation.inputs``, followed recursively), or
  on a figure missing from those given, is suppressed;
* a statistic that is a number of people (:data:`HEADCOUNTS`: the effective number a
  Kaplan-Meier estimate follows, the stability index's effective base) is shown as a count
  of people is, from its value to the nearest whole person: 1-7 (1-9) is suppressed, others
  are rounded to the nearest 5;
* every other rate or statistic resting on counts has a formula over its inputs
  (:data:`RECIPES`: shares, the leaver rate, unit costs, growth, differences, Kaplan-Meier
  survival and its interval, the stability index, compliance shares, means) and is
  **computed from its inputs' displayed values** (rounded counts and numbers of people,
  disclosed rates, money), so it tells nothing the displayed inputs do not; ratios are
  shown to 3 decimal places, a variance to 2 significant digits. The average headcount,
  days in post while observed, is a known mix of counts to a reader who knows every date
  (version 3 showed it as a count of people is): it is shown as the NHS average of the
  displayed headcounts, an approximation;
* a mean of a measure over counted things (:data:`MEANS`: minutes per contact) is shown to
  the whole unit: its total is published nowhere, so it bounds only the total;
* a figure resting on counts with none of these is suppressed (method 2 showed it at
  "coarse" precision, 2 decimal places, which can single out a count: 0.70 beside 40
  subjects and 10 events is only 28 of 40, figures.md §5).

Each count is disclosed from its own unrounded value, so a total computed from unrounded
parts is rounded once, as a total. Money is not about individuals and is never suppressed.
A figure without ``kind`` is treated as a count when its value is an ``int``, as money when
its unit is pounds, otherwise as a statistic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

import attrs

from legacyledger.projections.base import Derivation, Figure, Relation
from legacyledger.projections.figures import metric_of
from legacyledger.projections.retention.km import loglog_bounds
from legacyledger.projections.retention.model import MIN_AVERAGE_HEADCOUNT
from legacyledger.projections.secondary import Audits, Cell, by_cell, component, further

#: The version of the disclosure method above: a report records it, so that a figure shown
#: under an earlier method is known for what it is (``reports.verify_report``).
METHOD = 4

Policy = Literal["nhs", "under10", "none"]
POLICIES = ("nhs", "under10", "none")
#: Counts from 1 to this are suppressed, per policy.
SUPPRESS_UP_TO = {"nhs": 7, "under10": 9, "none": 0}
#: Policies that round counts (to the nearest 5) and recompute rates from displayed values.
ROUNDING = frozenset({"nhs", "under10"})
SUPPRESSED = "*"
NOT_AVAILABLE = "n/a"
#: Notes of a figure shown from its inputs as displayed whose true value is missing, or
#: whose displayed inputs give none: the rule is applied to what is displayed, so that
#: whether it is shown tells nothing more (figures.md §5).
SHOWN_ANYWAY = (
    "computed from its inputs as displayed: the rule that leaves it out is applied to them"
)
LEFT_OUT = "not available from its inputs as displayed"
Display = str | int | Decimal | float
RATIO_PLACES = Decimal("0.001")


@attrs.frozen
class DisclosedFigure:
    id: str
    display: Display
    unit: str
    kind: str
    suppressed: bool
    derivation: Derivation
    label: str = ""


def describe(policy: str) -> str:
    """What ``policy`` does, in words, for every report format's footer."""
    if policy not in ROUNDING:
        return "as computed, nothing suppressed (internal audit use only: do not publish)"
    return (
        f"counts of 1 to {SUPPRESS_UP_TO[policy]} are shown as *, other counts are rounded to the "
        "nearest 5 (0 stays 0); some larger counts are shown as * too, where with counts they add "
        "up with they would give a suppressed one away; every rate or estimate resting on counts "
        "is computed from the counts as shown (in small groups it can be several points from the "
        "true value), or suppressed with them; money is never suppressed"
    )


def kind_of(figure: Figure) -> str:
    if figure.kind is not None:
        return figure.kind
    if isinstance(figure.value, int):
        return "count"
    return "money" if figure.unit.lower() in ("gbp", "£", "pounds") else "statistic"


def suppress_count(value: int, policy: str) -> bool:
    return 1 <= value <= SUPPRESS_UP_TO.get(policy, 0)


def round5(value: int) -> int:
    """To the nearest 5, halves up (0 stays 0)."""
    return 5 * ((value + 2) // 5)


def show_count(value: int, policy: str) -> int | str:
    if suppress_count(value, policy):
        return SUPPRESSED
    return round5(value) if policy in ROUNDING else value


# -- rates from displayed inputs ----------------------------------------------------------

#: Inputs as displayed: a number, or None where the input is not available (``n/a``).
Numbers = Sequence[Decimal | None]
Recipe = Callable[[Numbers], Decimal | None]


def _quotient(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or denominator is None or not denominator:
        return None
    return numerator / denominator


def ratio(v: Numbers) -> Decimal | None:
    """inputs (numerator, denominator, ...)"""
    return _quotient(v[0], v[1])


def per_unit(v: Numbers) -> Decimal | None:
    """inputs (units, cost): cost per unit"""
    return _quotient(v[1], v[0])


def share_of_sum(v: Numbers) -> Decimal | None:
    """inputs (part, rest): part / (part + rest)"""
    return None if v[0] is None or v[1] is None else _quotient(v[0], v[0] + v[1])


def leaver_rate(v: Numbers) -> Decimal | None:
    """inputs (leavers, average headcount): leavers / average headcount; none below an
    average of :data:`MIN_AVERAGE_HEADCOUNT` (figures.md §1)"""
    return None if v[1] is None or v[1] < MIN_AVERAGE_HEADCOUNT else _quotient(v[0], v[1])


def nhs_average(v: Numbers) -> Decimal | None:
    """inputs (in post at the start, in post at the start whose observation ended in the
    period, in post at the end): the NHS average headcount, the mean of the headcounts at the
    start and at the end. It stands for the average headcount in person-time, which a reader
    who knows every date could work counts back from (figures.md §5): an approximation, each
    one whose observation ends in the period counting half, as a leaver does."""
    known = _known(v)
    return None if known is None else (known[0] + known[1] + known[2]) / 2


def difference(v: Numbers) -> Decimal | None:
    """inputs (a, b, ...): a - b"""
    return None if v[0] is None or v[1] is None else v[0] - v[1]


def growth_percent(v: Numbers) -> Decimal | None:
    """inputs (before, after): whole-percent growth, halves up"""
    change = None if v[0] is None or v[1] is None else _quotient((v[1] - v[0]) * 100, v[0])
    return None if change is None else change.to_integral_value(ROUND_HALF_UP)


def met_share(v: Numbers) -> Decimal | None:
    """inputs (population, met, ...): met / population"""
    return _quotient(v[1], v[0])


def change_of_shares(v: Numbers) -> Decimal | None:
    """inputs (agreeing before, answers before, agreeing after, answers after): the share
    after less the share before"""
    before, after = _quotient(v[0], v[1]), _quotient(v[2], v[3])
    return None if before is None or after is None else after - before


def _known(v: Numbers) -> list[Decimal] | None:
    """Every input, when all are available; else None."""
    known = [n for n in v if n is not None]
    return known if known and len(known) == len(v) else None


def mean(v: Numbers) -> Decimal | None:
    """inputs (values, ...): their mean"""
    known = _known(v)
    return None if known is None else sum(known, Decimal(0)) / len(known)


def _observed_dropout(v: Numbers) -> Fraction | None:
    """(withdrawn, enrolled) pairs, one per role: withdrawn over enrolled, all roles, exactly"""
    known = _known(v)
    if known is None or not sum(known[1::2], Decimal(0)):
        return None
    return Fraction(sum(known[0::2], Decimal(0))) / Fraction(sum(known[1::2], Decimal(0)))


def dropout_gap(v: Numbers) -> Decimal | None:
    """inputs (assumed drop-out rate, then withdrawn and enrolled per role): the observed
    drop-out rate less the assumed one"""
    observed = _observed_dropout(v[1:])
    if observed is None or v[0] is None:
        return None
    return Decimal(observed.numerator) / Decimal(observed.denominator) - v[0]


def recruitment_needed(v: Numbers) -> Decimal | None:
    """inputs (target active, then withdrawn and enrolled per role): ``ceil(target / (1 -
    observed drop-out))``, exactly; None when every recruit is expected to leave"""
    observed = _observed_dropout(v[1:])
    if observed is None or v[0] is None or observed >= 1:
        return None
    return Decimal(math.ceil(Fraction(v[0]) / (1 - observed)))


def per_registrant_minutes(v: Numbers) -> Decimal | None:
    """inputs (minutes per contact, contacts, registrant-months): minutes per
    registrant-month"""
    per_contact = _quotient(v[1], v[2])
    return None if per_contact is None or v[0] is None else v[0] * per_contact


def survival(v: Numbers) -> Decimal | None:
    """inputs (events so far, effective number followed[, number at risk]): ``1 - events /
    effective number``, 1 when no one has left; none when no one is at risk"""
    if len(v) > 2 and v[2] == 0:
        return None
    if v[0] == 0:
        return Decimal(1)
    left = _quotient(v[0], v[1])
    return None if left is None else 1 - left


def _survival_variance(v: Numbers) -> tuple[Decimal, Decimal] | None:
    """(S, Var S) with ``Var S = S (1 - S) / effective number``: Greenwood's variance in a
    cohort followed from the anchor without losses"""
    s = survival(v)
    if s is None or s in (0, 1):
        return None if s is None else (s, Decimal(0))
    n = v[1]
    return None if n is None else (s, s * (1 - s) / n)


def survival_variance(v: Numbers) -> Decimal | None:
    """inputs as :func:`survival`: ``S (1 - S) / effective number``"""
    found = _survival_variance(v)
    return None if found is None else found[1]


def _bounds(v: Numbers) -> tuple[Decimal, Decimal] | None:
    found = _survival_variance(v)
    if found is None:
        return None
    s, variance = found
    log_s = math.log(s) if s else -math.inf
    lower, upper = loglog_bounds(log_s, float(variance / (s * s)) if s else 0.0)
    return Decimal(repr(lower)), Decimal(repr(upper))


def survival_lower(v: Numbers) -> Decimal | None:
    """inputs as :func:`survival`: the log-log 95% lower bound from S and its variance"""
    found = _bounds(v)
    return None if found is None else found[0]


def survival_upper(v: Numbers) -> Decimal | None:
    """inputs as :func:`survival`: the log-log 95% upper bound from S and its variance"""
    found = _bounds(v)
    return None if found is None else found[1]


def stability(v: Numbers) -> Decimal | None:
    """inputs (stable, base, effective base): ``1 - (base - stable) / effective base``, no
    lower than 0 (the rounded parts may not quite agree); none with no base"""
    if not v[1]:
        return None
    left = None if v[0] is None or v[1] is None else v[1] - v[0]
    found = survival([left, v[2]])
    return None if found is None else max(found, Decimal(0))


#: How a rate or statistic is computed from its inputs, by formula id, or by metric where
#: one formula has several figures (a confidence interval's bounds) or a metric's figures
#: come from several formulas (a compliance share): under a rounding policy it is computed
#: again from their displayed values.
RECIPES: Mapping[str, Recipe] = {
    **dict.fromkeys(
        (
            "retention.R_h",
            "retention.early_leaver_share",
            "reach.dropout_rate",
            "reach.integrated_share",
            "reach.response_rate",
            "reach.feedback_agree",
            "reach.first_contact_in_time",
            "reach.early_contacts_met",
            "reach.contacts_per_registrant",
            "compliance.inducted_share",
            "compliance.pay_rate_share",
        ),
        ratio,
    ),
    **dict.fromkeys(
        (
            "costs.per_registrant_supported",
            "costs.per_contact_hour",
            "costs.per_event_delivered",
            "costs.per_audience_member",
            "costs.per_active_ambassador",
        ),
        per_unit,
    ),
    "retention.leaver_rate": leaver_rate,
    "retention.headcount_average": nhs_average,
    "retention.R_h_difference": difference,
    "reach.cancellation_rate": share_of_sum,
    "reach.growth_pct": growth_percent,
    "retention.km_survival": survival,
    "retention.km_variance": survival_variance,
    "retention.km_ci_lower": survival_lower,
    "retention.km_ci_upper": survival_upper,
    "retention.stability_index": stability,
    "compliance.value": met_share,
    "reach.feedback_agree_change": change_of_shares,
    "reach.caseload_mean": mean,
    "reach.dropout_gap": dropout_gap,
    "reach.recruitment_needed": recruitment_needed,
    "reach.minutes_per_registrant": per_registrant_minutes,
}
_WHOLE = frozenset({"reach.growth_pct", "reach.recruitment_needed"})
_SIGNIFICANT = frozenset({"retention.km_variance"})
#: Numbers of people computed from displayed counts: to a tenth of a person.
_PEOPLE = frozenset({"retention.headcount_average"})
#: Statistics that are a number of people (not a count of them): disclosed as a count is,
#: from the value to the nearest whole person.
HEADCOUNTS = frozenset({"retention.km_effective_n", "retention.stability_effective_base"})
#: Means of a measure (minutes) over counted things (contacts), whose total is published
#: nowhere: shown to the whole unit, they bound only that total, never the count.
MEANS = frozenset({"reach.minutes_per_contact"})


def recipe_of(figure: Figure) -> Recipe | None:
    """The figure's formula over its inputs (:data:`RECIPES`), by metric, else by formula;
    None for a figure with no inputs (a count, a planning number)."""
    if not figure.derivation.inputs or kind_of(figure) == "count":
        return None
    return RECIPES.get(metric_of(figure.id)) or RECIPES.get(figure.derivation.formula)


def whole_people(value: int | Decimal | float) -> int:
    """A number of people to the nearest whole person, halves up."""
    return int(Decimal(str(value)).to_integral_value(ROUND_HALF_UP))


def shown_alone(value: object, kind: str, policy: str) -> int | str:
    """A count's display by its value alone (before secondary suppression), or a number of
    people's shown as a count is; ``n/a`` for no value."""
    if not isinstance(value, (int, Decimal, float)):
        return NOT_AVAILABLE
    if kind == "count" and isinstance(value, int):
        return show_count(value, policy)
    return show_count(whole_people(value), policy)


def shown_differently_since(
    method: int, formula: str, kind: str, policy: str, metric: str = "", *,
    then: object = None, now: object = None, value: object = None,
) -> bool:  # fmt: skip
    """Whether a figure (its formula, kind and metric) may be shown differently under
    ``policy`` now than under disclosure method ``method``; a count (or a number of people
    shown as one) only as ``then`` and ``now``, its displays then and now, and its ``value``
    say. Method 1 showed counts as now under ``nhs`` but unrounded under ``under10``, money as
    computed, and every rate and statistic at full precision from the true counts. Method 2
    showed counts and money as now, computed some rates from displayed inputs but left them
    out (``n/a``) by their true values, and showed the other estimates resting on counts at
    coarse precision: now every one with a formula (:data:`RECIPES`) is shown, or left out,
    from displayed inputs. Method 3 showed the average headcount as a count of people is,
    and the leaver rate from it: both are shown from the displayed headcounts now; and it
    suppressed no count to protect another: a count shown ``*`` now may have been shown
    then as its value alone shows it."""
    if method >= METHOD or policy not in ROUNDING:
        return False
    if kind == "count" or formula in HEADCOUNTS:
        unrounded = method < 2 and policy == "under10" and kind == "count"
        return unrounded or (now == SUPPRESSED and then == shown_alone(value, kind, policy))
    if kind == "money":
        return method < 2 and formula in RECIPES
    return method < 2 or metric in RECIPES or formula in RECIPES


def is_money(figure: Figure, kind: str) -> bool:
    """Money, or money per unit (a unit cost): never rounded to whole numbers."""
    return kind == "money" or figure.unit.upper().startswith("GBP")


class Discloser:
    """Discloses figures of ``figures`` (id → figure) under ``policy`` on demand, each input
    once (memoised), so one figure can be disclosed from a large set without the rest:
    ``Discloser(figures, "nhs").disclose(figure)``. ``audits``: secondary-suppression
    answers shared with other disclosers (:data:`~legacyledger.projections.secondary.Audits`).
    """

    def __init__(
        self, figures: Mapping[str, Figure], policy: str, audits: Audits | None = None
    ) -> None:
        self.figures, self.policy, self.audits = figures, policy, audits
        self.memo: dict[str, bool] = {}
        self.displays: dict[str, Display] = {}
        self.protecting: dict[str, bool] = {}
        self._related: dict[str, list[Relation]] | None = None
        self.uses: dict[str, int] = {}

    def suppressed(self, figure_id: str) -> bool:
        if figure_id not in self.memo:
            self.memo[figure_id] = True  # a cycle of inputs is treated as suppressed
            figure = self.figures.get(figure_id)
            self.memo[figure_id] = figure is None or self._suppressed(figure)
        return self.memo[figure_id]

    def _suppressed(self, figure: Figure) -> bool:
        kind = kind_of(figure)
        if self.policy == "none" or kind == "money":
            return False
        if kind == "count" or figure.derivation.formula in HEADCOUNTS:
            return self.primary(figure) == SUPPRESSED or self.protects(figure.id)
        if any(self.suppressed(i) for i in figure.derivation.inputs):
            return True
        return self.policy in ROUNDING and not self.shown_from_displays(figure)

    def primary(self, figure: Figure) -> int | str:
        """A count's display, or a number of people's shown as a count is, before secondary
        suppression."""
        return shown_alone(figure.value, kind_of(figure), self.policy)

    def related(self) -> dict[str, list[Relation]]:
        """Each figure's relations, from every figure's derivation, and how many figures rest
        on each (built once)."""
        if self._related is None:
            relations: list[Relation] = []
            for f in self.figures.values():
                relations += f.derivation.relations
                for i in f.derivation.inputs:
                    self.uses[i] = self.uses.get(i, 0) + 1
            self._related = by_cell(relations)
        return self._related

    def protects(self, figure_id: str) -> bool:
        """Whether the count is suppressed to protect another (secondary suppression,
        :mod:`legacyledger.projections.secondary`): its relations, and theirs, are audited
        together, from the displays alone."""
        if self.policy not in ROUNDING:
            return False
        if figure_id not in self.protecting:
            cells, relations = component(figure_id, self.related())
            shown = {i: self._cell(i) for i in cells}
            chosen = further(shown, relations, SUPPRESS_UP_TO[self.policy], self.audits)
            self.protecting.update((i, i in chosen) for i in cells)
        return self.protecting[figure_id]

    def _cell(self, figure_id: str) -> Cell:
        figure = self.figures.get(figure_id)
        if figure is None:
            return Cell(None)
        return Cell(self.primary(figure), kind_of(figure) == "count",
                    uses=self.uses.get(figure_id, 0))

    def shown_from_displays(self, figure: Figure) -> bool:
        """Whether the figure can be shown under a rounding policy: it rests on no count, or
        is a number of people, a mean of a measure, or has a formula over its inputs."""
        formula = figure.derivation.formula
        if formula in HEADCOUNTS or formula in MEANS or recipe_of(figure) is not None:
            return True
        return not self.rests_on_counts(figure)

    def rests_on_counts(self, figure: Figure) -> bool:
        for figure_id in figure.derivation.inputs:
            found = self.figures.get(figure_id)
            if found is not None and kind_of(found) in ("count", "rate"):
                return True
        return False

    def disclose(self, figure: Figure) -> DisclosedFigure:
        kind, hidden, display = kind_of(figure), self.suppressed(figure.id), self.display(figure.id)
        note = self._note(figure, kind, display)
        derivation = attrs.evolve(figure.derivation, disclosure=self.policy, note=note)
        return DisclosedFigure(figure.id, display, figure.unit, kind, hidden, derivation,
                               figure.label)  # fmt: skip

    def _note(self, figure: Figure, kind: str, display: Display) -> str | None:
        """The derivation's note, and why a figure shown from its inputs as displayed has a
        value where the true counts give none, or none where they give one."""
        note, missing = figure.derivation.note, figure.value is None
        if display == SUPPRESSED or missing == (display == NOT_AVAILABLE):
            return note
        if self._recipe(figure, kind) is None:
            return note
        why = SHOWN_ANYWAY if figure.value is None else LEFT_OUT
        return f"{why}; {note}" if note else why

    def display(self, figure_id: str) -> Display:
        if figure_id not in self.displays:
            figure = self.figures[figure_id]
            self.displays[figure_id] = self._display(figure, kind_of(figure))
        return self.displays[figure_id]

    def _display(self, figure: Figure, kind: str) -> Display:
        recipe = self._recipe(figure, kind)
        if recipe is not None:  # shown, or left out, from what its inputs display
            return SUPPRESSED if self.suppressed(figure.id) else self._recomputed(figure, recipe)
        value = figure.value
        if value is None:
            return NOT_AVAILABLE
        if self.suppressed(figure.id):
            return SUPPRESSED
        if kind == "count" and isinstance(value, int):
            return show_count(value, self.policy)
        if self.policy in ROUNDING and figure.derivation.formula in HEADCOUNTS:
            return show_count(whole_people(value), self.policy)
        if self.policy in ROUNDING and figure.derivation.formula in MEANS:
            return whole_people(value)
        return value  # not resting on counts (or none of them rounded): as computed

    def _recipe(self, figure: Figure, kind: str) -> Recipe | None:
        """The formula to show the figure by under a rounding policy (None: not so shown)."""
        if self.policy not in ROUNDING or kind == "money" or not self.rests_on_counts(figure):
            return None
        return recipe_of(figure)

    def _recomputed(self, figure: Figure, recipe: Recipe) -> Display:
        shown = [self.display(i) for i in figure.derivation.inputs]
        value = recipe([Decimal(s) if isinstance(s, (int, Decimal, float)) else None
                        for s in shown])  # fmt: skip
        if value is None:
            return NOT_AVAILABLE
        metric = metric_of(figure.id)
        if figure.derivation.formula in _WHOLE or metric in _WHOLE:
            return int(value)
        if is_money(figure, kind_of(figure)):
            return value
        if figure.derivation.formula in _PEOPLE:
            return value.quantize(Decimal("0.1"), ROUND_HALF_UP)
        if metric in _SIGNIFICANT:
            return Decimal(f"{value:.2g}") if value else Decimal(0)
        return value.quantize(RATIO_PLACES, ROUND_HALF_UP)


def _check(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"unknown disclosure policy {policy!r}; expected one of {POLICIES}")


def apply_disclosure(
    figures: Iterable[Figure], policy: str = "nhs", audits: Audits | None = None
) -> tuple[DisclosedFigure, ...]:
    """Disclose every figure under ``policy``; the derivation records the policy applied.
    ``audits``: secondary-suppression answers to share between reports (see
    :data:`~legacyledger.projections.secondary.Audits`); none are kept otherwise."""
    _check(policy)
    figures = tuple(figures)
    discloser = Discloser({f.id: f for f in figures}, policy, audits)
    return tuple(discloser.disclose(f) for f in figures)


def disclose_figure(
    figures: Mapping[str, Figure], figure_id: str, policy: str = "nhs"
) -> DisclosedFigure:
    """One figure disclosed under ``policy``, reading from ``figures`` only what it rests on
    (``explain`` and ``diff`` show a figure as a report would)."""
    _check(policy)
    return Discloser(figures, policy).disclose(figures[figure_id])
