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
before rounding (version 2 of the method):

* a figure resting on a suppressed count (``derivation.inputs``, followed recursively), or
  on a figure missing from those given, is suppressed;
* a rate with a known formula over its inputs (:data:`RECIPES`: shares, the leaver rate,
  unit costs, growth, the mentored-comparator difference) is **computed from its inputs'
  displayed values** (rounded counts, disclosed rates, money), so it tells nothing the
  displayed counts do not; ratios are shown to 3 decimal places;
* a statistic that is a number of people (:data:`HEADCOUNTS`: an average headcount, the
  effective number a Kaplan-Meier estimate follows) is shown as a count of people is, from
  its value to the nearest whole person: 1-7 (1-9) is suppressed, others are rounded to the
  nearest 5;
* any other rate or statistic resting on counts (Kaplan-Meier estimates, means, compliance
  shares) is shown at **coarse precision**: 2 decimal places (2 significant digits below
  0.1), or a whole number to the nearest 5.

Each count is disclosed from its own unrounded value, so a total computed from unrounded
parts is rounded once, as a total. Money is not about individuals and is never suppressed.
A figure without ``kind`` is treated as a count when its value is an ``int``, as money when
its unit is pounds, otherwise as a statistic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import attrs

from legacyledger.projections.base import Derivation, Figure

#: The version of the disclosure method above: a report records it, so that a figure shown
#: under an earlier method is known for what it is (``reports.verify_report``).
METHOD = 2

Policy = Literal["nhs", "under10", "none"]
POLICIES = ("nhs", "under10", "none")
#: Counts from 1 to this are suppressed, per policy.
SUPPRESS_UP_TO = {"nhs": 7, "under10": 9, "none": 0}
#: Policies that round counts (to the nearest 5) and recompute rates from displayed values.
ROUNDING = frozenset({"nhs", "under10"})
SUPPRESSED = "*"
NOT_AVAILABLE = "n/a"
Display = str | int | Decimal | float
RATIO_PLACES = Decimal("0.001")
COARSE_PLACES = Decimal("0.01")


@attrs.frozen
class DisclosedFigure:
    id: str
    display: Display
    unit: str
    kind: str
    suppressed: bool
    derivation: Derivation
    label: str = ""


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


def show_count(value: int, policy: str) -> Display:
    if suppress_count(value, policy):
        return SUPPRESSED
    return round5(value) if policy in ROUNDING else value


# -- rates from displayed inputs ----------------------------------------------------------

Numbers = Sequence[Decimal]
Recipe = Callable[[Numbers], Decimal | None]


def _quotient(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return numerator / denominator if denominator else None


def ratio(v: Numbers) -> Decimal | None:
    """inputs (numerator, denominator)"""
    return _quotient(v[0], v[1])


def per_unit(v: Numbers) -> Decimal | None:
    """inputs (units, cost): cost per unit"""
    return _quotient(v[1], v[0])


def share_of_sum(v: Numbers) -> Decimal | None:
    """inputs (part, rest): part / (part + rest)"""
    return _quotient(v[0], v[0] + v[1])


def leaver_rate(v: Numbers) -> Decimal | None:
    """inputs (leavers, average headcount): leavers / average headcount"""
    return _quotient(v[0], v[1])


def difference(v: Numbers) -> Decimal | None:
    """inputs (a, b, ...): a - b"""
    return v[0] - v[1]


def growth_percent(v: Numbers) -> Decimal | None:
    """inputs (before, after): whole-percent growth, halves up"""
    change = _quotient((v[1] - v[0]) * 100, v[0])
    return None if change is None else change.to_integral_value(ROUND_HALF_UP)


#: How a rate is computed from its inputs, by formula: under a rounding policy it is computed
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
    "retention.R_h_difference": difference,
    "reach.cancellation_rate": share_of_sum,
    "reach.growth_pct": growth_percent,
}
_WHOLE = frozenset({"reach.growth_pct"})
#: Statistics that are a number of people (not a count of them): disclosed as a count is,
#: from the value to the nearest whole person.
HEADCOUNTS = frozenset({
    "retention.headcount_average", "retention.km_effective_n",
    "retention.stability_effective_base",
})  # fmt: skip


def whole_people(value: int | Decimal | float) -> int:
    """A number of people to the nearest whole person, halves up."""
    return int(Decimal(str(value)).to_integral_value(ROUND_HALF_UP))


def shown_differently_since(method: int, formula: str, kind: str, policy: str) -> bool:
    """Whether a figure (its formula and kind) may be shown differently under ``policy`` now
    than under disclosure method ``method``. Method 1 showed counts as now under ``nhs`` but
    unrounded under ``under10``, money as computed, and every rate and statistic at full
    precision from the true counts."""
    if method >= METHOD or policy not in ROUNDING:
        return False
    if kind == "count":
        return policy == "under10"
    if kind == "money":
        return formula in RECIPES
    return True


def is_money(figure: Figure, kind: str) -> bool:
    """Money, or money per unit (a unit cost): never rounded to whole numbers."""
    return kind == "money" or figure.unit.upper().startswith("GBP")


class Discloser:
    """Discloses figures of ``figures`` (id → figure) under ``policy`` on demand, each input
    once (memoised), so one figure can be disclosed from a large set without the rest:
    ``Discloser(figures, "nhs").disclose(figure)``."""

    def __init__(self, figures: Mapping[str, Figure], policy: str) -> None:
        self.figures, self.policy = figures, policy
        self.memo: dict[str, bool] = {}
        self.displays: dict[str, Display] = {}

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
        if kind == "count":
            return isinstance(figure.value, int) and suppress_count(figure.value, self.policy)
        value = figure.value
        if figure.derivation.formula in HEADCOUNTS and isinstance(value, (int, Decimal, float)):
            return suppress_count(whole_people(value), self.policy)
        return any(self.suppressed(i) for i in figure.derivation.inputs)

    def rests_on_counts(self, figure: Figure) -> bool:
        for figure_id in figure.derivation.inputs:
            found = self.figures.get(figure_id)
            if found is not None and kind_of(found) in ("count", "rate"):
                return True
        return False

    def disclose(self, figure: Figure) -> DisclosedFigure:
        kind, hidden = kind_of(figure), self.suppressed(figure.id)
        derivation = attrs.evolve(figure.derivation, disclosure=self.policy)
        return DisclosedFigure(figure.id, self.display(figure.id), figure.unit, kind, hidden,
                               derivation, figure.label)  # fmt: skip

    def display(self, figure_id: str) -> Display:
        if figure_id not in self.displays:
            figure = self.figures[figure_id]
            self.displays[figure_id] = self._display(figure, kind_of(figure))
        return self.displays[figure_id]

    def _display(self, figure: Figure, kind: str) -> Display:
        value = figure.value
        if value is None:
            return NOT_AVAILABLE
        if self.suppressed(figure.id):
            return SUPPRESSED
        if kind == "count" and isinstance(value, int):
            return show_count(value, self.policy)
        if self.policy in ROUNDING and figure.derivation.formula in HEADCOUNTS:
            return show_count(whole_people(value), self.policy)
        if self.policy not in ROUNDING or kind == "money" or not self.rests_on_counts(figure):
            return value
        recipe = RECIPES.get(figure.derivation.formula)
        return self._recomputed(figure, recipe) if recipe else _coarse(value)

    def _recomputed(self, figure: Figure, recipe: Recipe) -> Display:
        shown = [self.display(i) for i in figure.derivation.inputs]
        if any(not isinstance(s, (int, Decimal, float)) for s in shown):
            return NOT_AVAILABLE
        value = recipe([Decimal(s) for s in shown])
        if value is None:
            return NOT_AVAILABLE
        if figure.derivation.formula in _WHOLE:
            return int(value)
        if is_money(figure, kind_of(figure)):
            return value
        return value.quantize(RATIO_PLACES, ROUND_HALF_UP)


def _coarse(value: int | Decimal | float) -> Display:
    """A whole number to the nearest 5; a fraction to 2 decimal places, or to 2 significant
    digits when smaller than 0.1 (a variance), so it does not read as 0."""
    if isinstance(value, int):
        return round5(value)
    exact = Decimal(repr(value) if isinstance(value, float) else value)
    if exact and abs(exact) < Decimal("0.1"):
        return Decimal(f"{exact:.2g}")
    return exact.quantize(COARSE_PLACES, ROUND_HALF_UP)


def _check(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"unknown disclosure policy {policy!r}; expected one of {POLICIES}")


def apply_disclosure(figures: Iterable[Figure], policy: str = "nhs") -> tuple[DisclosedFigure, ...]:
    """Disclose every figure under ``policy``; the derivation records the policy applied."""
    _check(policy)
    figures = tuple(figures)
    discloser = Discloser({f.id: f for f in figures}, policy)
    return tuple(discloser.disclose(f) for f in figures)


def disclose_figure(
    figures: Mapping[str, Figure], figure_id: str, policy: str = "nhs"
) -> DisclosedFigure:
    """One figure disclosed under ``policy``, reading from ``figures`` only what it rests on
    (``explain`` and ``diff`` show a figure as a report would)."""
    _check(policy)
    return Discloser(figures, policy).disclose(figures[figure_id])
