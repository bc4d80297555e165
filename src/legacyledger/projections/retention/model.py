"""The retention projection's parameters and the immutable rows of its view."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any, Literal

import attrs

from legacyledger.projections.retention.km import KMCurve, KMPoint
from legacyledger.projections.retention.periods import PERIOD_KINDS, bounds
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


@attrs.frozen
class RetentionParams:
    """``as_of`` is the business cut-off: facts dated after it are ignored."""

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

    def described(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "anchor": self.anchor,
            "period": self.period,
            "by": self.by,
            "horizons": self.horizons,
            "count_leave_as_leaving": self.count_leave_as_leaving,
        }


Key = tuple[tuple[str, str], ...]
#: A period with fewer in post at its start gets no leaver rate (figures.md §1).
MIN_START_HEADCOUNT = 10


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
    stability_index: Decimal | None


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
