"""What the costs are set against: denominators of unit costs, read from the final facts.

Denominators (per unit-cost grain, per partnership and overall; facts dated ≤ ``as_of``):

* registrants supported: distinct registrants with ≥ 1 ``MentoringContactRecorded`` in the
  period, attributed to the partnership of their latest ``RegistrantEnrolled``;
* contact hours: logged ``one_to_one`` + ``group`` hours in the period (spread pro rata,
  priced or not);
* events delivered and audience reached: ``EventDelivered`` in the period, attributed to
  the partnership of the event's ``EventPlanned``;
* ambassadors active: distinct mentors enrolled as ``ambassador`` who attended a delivered
  event or logged delivery time in the period, attributed to the mentor's partnership.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from legacyledger.projections.base import PositionSet
from legacyledger.projections.costs.rollup import PeriodKey, Rollup, scopes
from legacyledger.projections.costs.state import CONTACT_ACTIVITIES
from legacyledger.projections.periods import ZERO, period_of

if TYPE_CHECKING:
    from legacyledger.projections.costs.state import CostState

__all__ = ["CONTACT_ACTIVITIES", "DENOMINATORS", "Denominators"]
#: metric → unit of the denominator
DENOMINATORS = {
    "registrants_supported": "registrant",
    "contact_hours": "hour",
    "events_delivered": "event",
    "audience_reached": "audience member",
    "ambassadors_active": "ambassador",
}


MEMBERS = frozenset({"registrants_supported", "ambassadors_active"})


class Denominators:
    """One rollup per denominator metric, from the month-level tallies of the state."""

    def __init__(self, state: CostState) -> None:
        params = state.params
        self.rollups = {
            metric: _roll(state, metric, params.unit_grains, params.by_partnership)
            for metric in DENOMINATORS
        }

    def positions(self, key: PeriodKey) -> PositionSet:
        """Every fact behind any denominator of a period: what makes the period exist."""
        return PositionSet(r.positions(key) for r in self.rollups.values())


def _roll(state: CostState, metric: str, grains: Iterable[str], by_partnership: bool) -> Rollup:
    """Month-level sums (or distinct members) rolled up to periods once."""
    rollup, distinct = Rollup(), dict[PeriodKey, set[str]]()
    counted = metric in MEMBERS
    for key, tally in state.tallies[metric].items():
        p, month = key
        value = ZERO if counted else state.tally_value(metric, tally)
        positions = state.tally_positions(metric, tally)
        for grain in grains:
            for scope in scopes(p, by_partnership):
                period: PeriodKey = (scope, grain, period_of(month, grain), None)
                rollup.add(period, value, positions)
                if counted:
                    distinct.setdefault(period, set()).update(tally.members)
    for period, members in distinct.items():
        rollup.values[period] = Decimal(len(members))
    return rollup
