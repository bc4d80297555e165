"""Parameters of the cost projection: every one is recorded in each figure's derivation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from legacyledger.projections.periods import GRAINS, to_decimal

BASES = ("delivery", "total")


def _grains(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(value) - set(GRAINS)
    if unknown:
        raise ValueError(f"unknown grains {sorted(unknown)}; use {GRAINS}")
    return tuple(value)


@attrs.frozen
class RetentionInputs:
    """Outputs of the retention projection, passed in: costs does not recompute retention.

    ``r_mentored`` / ``r_comparator`` are ``R_h`` at ``horizon_months``; ``eligible_mentored``
    is the mentored cohort's ``eligible_h``. ``partnership`` None prices the whole ledger.
    """

    horizon_months: int
    r_mentored: Decimal = attrs.field(converter=to_decimal)
    r_comparator: Decimal = attrs.field(converter=to_decimal)
    eligible_mentored: int
    partnership: str | None = None

    def as_mapping(self) -> dict[str, Any]:
        return {
            "horizon_months": self.horizon_months,
            "r_mentored": str(self.r_mentored),
            "r_comparator": str(self.r_comparator),
            "eligible_mentored": self.eligible_mentored,
        }


@attrs.frozen
class CostParams:
    """How costs are valued and rolled up.

    ``hours_per_year`` is the salary divisor (37.5 h x 52 = 1950 by default, figures.md §2).
    ``unit_cost_basis`` picks the numerator of unit costs: ``total`` (full cost, administration
    and delivery: the default) or ``delivery`` cost only (ids then carry ``basis=delivery``).
    ``cumulative`` names the grains that get running totals (each names every earlier fact,
    so monthly ones are costly on a long ledger). Unit costs are computed for
    ``unit_grains``; financial-year totals are always computed, for funding vs spend.
    """

    as_of: date | None = None
    hours_per_year: Decimal = attrs.field(default=Decimal(1950), converter=to_decimal)
    grains: tuple[str, ...] = attrs.field(default=GRAINS, converter=_grains)
    by_partnership: bool = True
    cumulative: tuple[str, ...] = attrs.field(default=("fy",), converter=_grains)
    unit_grains: tuple[str, ...] = attrs.field(default=("fy",), converter=_grains)
    unit_cost_basis: str = attrs.field(default="total", validator=attrs.validators.in_(BASES))
    retention: tuple[RetentionInputs, ...] = ()

    @property
    def as_of_iso(self) -> str | None:
        return None if self.as_of is None else self.as_of.isoformat()

    def as_mapping(self) -> dict[str, Any]:
        return {
            "hours_per_year": str(self.hours_per_year),
            "oncost": "annual_salary x (1 + oncost_rate)",
            "rate_in_force": "latest MentorPayRateSet.on <= activity date; later position on ties",
            "spread": "until inclusive, pro rata by day, cut at month starts and rate changes",
            "unit_cost_basis": self.unit_cost_basis,
        }
