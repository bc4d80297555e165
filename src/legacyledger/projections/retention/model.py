"""The retention projection's parameters and the immutable rows of its view."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from typing import Any, Literal

import attrs

from legacyledger.projections.retention.km import KMCurve, KMPoint, effective_number
from legacyledger.projections.retention.periods import PERIOD_KINDS, bounds, period_of
from legacyledger.projections.retention.scope import SCOPES

Scope = Literal["organisation", "nhs", "system", "profession"]
Anchor = Literal["registered_on", "in_post_since", "matched_on"]
ANCHORS = ("registered_on", "in_post_since", "matched_on")
DIMENSIONS = ("profession", "setting", "employer", "partnership", "group")


def _one_of(choices: tuple[str, ...] | frozenset[str]) -> Any:
    return attrs.validators.in_(choices)


def _dimensions(instance: object, attribute: object, value: tuple[str, ...]) -> None:
    unknown = [d for d in value if d not in DIMENSIONS]
    if unknown or len(set(value)) != len(value):
        raise ValueError(f"by must name distinct dimensions of {DIMENSIONS}, got {value}")


def _horizons(instance: object, attribute: object, value: tuple[int, ...]) -> None:
    if not value or any(not isinstance(h, int) or h <= 0 for h in value):
        raise ValueError(f"horizons must be positive whole months, got {value}")


def _periods(instance: object, attribute: object, value: tuple[str, ...]) -> None:
    for label in value:
        bounds(label)


ALL = "all"


@lru_cache(maxsize=64)
def parse_cohort_range(text: str) -> tuple[date, date]:
    """``"2022-09-01..2024-01-14"``: the first and last anchor dates (both included)."""
    first, sep, last = text.partition("..")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        start, end = date.max, date.min
    if not sep or start > end:
        raise ValueError(
            f"a cohort is {ALL!r} or an anchor date range FIRST..LAST (e.g. "
            f"2022-09-01..2024-01-14, first <= last), got {text!r}"
        )
    return start, end


def _cohorts(instance: object, attribute: object, value: str | None) -> None:
    if value is not None and value != ALL:
        parse_cohort_range(value)


@attrs.frozen
class RetentionParams:
    """``as_of`` is the business cut-off: facts dated after it are ignored.

    ``cohorts``: ``None`` groups cohorts by the ``period`` of the anchor; ``"all"`` makes one
    cohort of everyone anchored by ``as_of`` (pooled); ``"FIRST..LAST"`` one cohort of those
    anchored in that date range (both ends included). Leaver rates keep ``period``.
    """

    as_of: date
    scope: Scope = attrs.field(default="nhs", validator=_one_of(SCOPES))
    anchor: Anchor = attrs.field(default="registered_on", validator=_one_of(ANCHORS))
    period: str = attrs.field(default="fy", validator=_one_of(PERIOD_KINDS))
    by: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_dimensions)
    horizons: tuple[int, ...] = attrs.field(
        default=(6, 12, 18, 24), converter=tuple, validator=_horizons
    )
    count_leave_as_leaving: bool = False
    #: Periods for leaver rate and stability index; empty: every complete ``period``.
    periods: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_periods)
    compare_groups: bool = True
    cohorts: str | None = attrs.field(default=None, validator=_cohorts)

    def described(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "anchor": self.anchor,
            "period": self.period,
            "by": self.by,
            "horizons": self.horizons,
            "count_leave_as_leaving": self.count_leave_as_leaving,
        } | ({} if self.cohorts is None else {"cohorts": self.cohorts})

    def cohort_of(self, anchor: date) -> str | None:
        """The cohort label of an anchor date (None: in no cohort)."""
        if self.cohorts is None:
            return period_of(anchor, self.period)
        if self.cohorts == ALL:
            return ALL
        first, last = parse_cohort_range(self.cohorts)
        return self.cohorts if first <= anchor <= last else None


Key = tuple[tuple[str, str], ...]
#: A period whose average headcount is below this gets no leaver rate (figures.md §1).
MIN_AVERAGE_HEADCOUNT = 10


@attrs.frozen
class HorizonRow:
    """Retention at ``months`` after the anchor, and Kaplan-Meier at ``km.day`` days."""

    months: int
    eligible: int
    retained: int
    rate: Decimal | None
    not_yet_observable: int
    censored_before: int
    late_entry: int
    km: KMPoint
    #: Kaplan-Meier events (leavings) on or before ``km.day``.
    km_events: int = 0

    @property
    def km_effective_n(self) -> float | None:
        """``km_events / (1 - S)``: with it ``S = 1 - km_events / km_effective_n``; None where
        nobody has left or nobody is at risk (no estimate)."""
        return effective_number(self.km_events, self.km.survival) if self.km.at_risk else None


@attrs.frozen
class CohortRow:
    cohort: str
    dims: Key
    size: int
    horizons: tuple[HorizonRow, ...]
    curve: KMCurve
    leavers: int
    early_leavers: int
    early_leaver_share: Decimal | None

    @property
    def key(self) -> Key:
        return (("cohort", self.cohort), *self.dims)


@attrs.frozen
class PeriodRow:
    period: str
    start: date
    end: date
    dims: Key
    leavers: int
    headcount_start: int
    headcount_end: int
    leaver_rate: Decimal | None
    stability_base: int
    stable: int
    #: Kaplan-Meier estimate of still being in post at the end, of those in post at the start.
    stability_index: float | None
    #: Days in post while observed in the period, summed over the members.
    person_days: int = 0
    #: The period's length in days.
    days: int = 0
    #: In post at the start, observation ended in the period while in post (out of the base).
    stability_censored: int = 0

    @property
    def stability_leavers(self) -> int:
        """In post at the start and not at the end of their last observed day in the period:
        the stability index's Kaplan-Meier events."""
        return self.stability_base - self.stable

    @property
    def stability_effective_base(self) -> float | None:
        """``stability_leavers / (1 - stability_index)``: with it the index is ``1 - (base -
        stable) / effective base``; None when no one left or there is no index."""
        if self.stability_index is None:
            return None
        return effective_number(self.stability_leavers, self.stability_index)

    @property
    def headcount_average(self) -> Decimal | None:
        """Person-days in post while observed ÷ the period's days (the leaver rate's
        denominator)."""
        return ratio(self.person_days, self.days)


@attrs.frozen
class ComparisonRow:
    """Mentored against comparator in one cohort: descriptive, not causal."""

    cohort: str
    dims: Key
    mentored: CohortRow
    comparator: CohortRow
    differences: tuple[tuple[int, Decimal | None], ...]


#: Rates are exact to 28 significant digits whatever the caller's decimal context.
DECIMAL = Context(prec=28, rounding=ROUND_HALF_EVEN)


def ratio(numerator: int, denominator: int) -> Decimal | None:
    return DECIMAL.divide(Decimal(numerator), Decimal(denominator)) if denominator else None
