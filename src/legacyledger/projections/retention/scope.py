"""Whether a registrant counts as retained, by scope, on any date (figures.md §1).

Every registrant starts retained: the cohort is defined by its anchor, and the scope only
decides which later changes are leaving and which bring the registrant back.

=============  ===================================  ======================  =====================
scope          ``RegistrantMoved`` is retained if   ``RegistrantLeft`` is   ``RegistrantRejoined``
                                                    leaving (else censors)  is back if
=============  ===================================  ======================  =====================
organisation   employer is the enrolment employer   always                  same employer
nhs            ``sector`` nhs_trust and             unless ``other_nhs``    ``setting``
               ``same_staff_group``                                         secondary_care
system         employer is in the partnership on    always                  employer in the
               the move date (OrganisationJoined,                           partnership then
               not OrganisationLeft by then)
profession     always                               for left_profession,    always
                                                    left_uk, retired
=============  ===================================  ======================  =====================

A ``RegistrantLeft`` that is not leaving under the scope (``other_nhs`` under ``nhs``; any
destination but a profession exit under ``profession``) censors on its date: the registrant
is no longer observed, so is neither kept at risk nor counted as a leaver. ``deceased`` and
``FollowUpEnded`` censor under every scope. Nothing after the censoring date is read.
``parental_leave`` / ``career_break`` are leaving (until the next status change) only with
``count_leave``. Several changes on one day resolve to that day's end state.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import attrs

from legacyledger.domain import Registrant
from legacyledger.projections.retention.timeline import Change, Memberships, Timeline

_EMPLOYMENT_STATUS_CHANGED = Registrant.EmploymentStatusChanged.FACT
_FOLLOW_UP_ENDED = Registrant.FollowUpEnded.FACT
_REGISTRANT_LEFT = Registrant.Left.FACT

LEAVE_STATUSES = frozenset({"parental_leave", "career_break"})
PROFESSION_EXITS = frozenset({"left_profession", "left_uk", "retired"})
#: Settings of a rejoin that count as back inside the NHS (an NHS trust's secondary care).
NHS_SETTINGS = frozenset({"secondary_care"})
SCOPES = ("organisation", "nhs", "system", "profession")

Rule = Callable[[Mapping[str, Any], Timeline, date, Memberships], bool]


def _home(fact: Mapping[str, Any], tl: Timeline, day: date, m: Memberships) -> bool:
    return bool(fact["employer"] == tl.employer)


def _in_partnership(fact: Mapping[str, Any], tl: Timeline, day: date, m: Memberships) -> bool:
    return m.member(tl.partnership, str(fact["employer"]), day)


def _nhs_move(fact: Mapping[str, Any], tl: Timeline, day: date, m: Memberships) -> bool:
    return fact["sector"] == "nhs_trust" and bool(fact["same_staff_group"])


def _nhs_rejoined(fact: Mapping[str, Any], tl: Timeline, day: date, m: Memberships) -> bool:
    return fact["setting"] in NHS_SETTINGS


def _always(fact: Mapping[str, Any], tl: Timeline, day: date, m: Memberships) -> bool:
    return True


def _never(fact: Mapping[str, Any], tl: Timeline, day: date, m: Memberships) -> bool:
    return False


RULES: Mapping[str, Mapping[str, Rule]] = {
    "organisation": {
        Registrant.Moved.FACT: _home,
        Registrant.Left.FACT: _never,
        Registrant.Rejoined.FACT: _home,
    },
    "nhs": {
        Registrant.Moved.FACT: _nhs_move,
        Registrant.Left.FACT: _never,
        Registrant.Rejoined.FACT: _nhs_rejoined,
    },
    "system": {
        Registrant.Moved.FACT: _in_partnership,
        Registrant.Left.FACT: _never,
        Registrant.Rejoined.FACT: _in_partnership,
    },
    "profession": {
        Registrant.Moved.FACT: _always,
        Registrant.Left.FACT: _never,
        Registrant.Rejoined.FACT: _always,
    },
}
#: Per scope, the ``RegistrantLeft`` destinations that are *not* leaving: they censor.
NOT_LEAVING: Mapping[str, Callable[[str], bool]] = {
    "organisation": lambda destination: False,
    "nhs": lambda destination: destination == "other_nhs",
    "system": lambda destination: False,
    "profession": lambda destination: destination not in PROFESSION_EXITS,
}


@attrs.frozen
class Path:
    """A registrant's retained / not-retained steps (end-of-day states) under one scope."""

    days: tuple[date, ...]
    states: tuple[bool, ...]
    censored_on: date | None
    positions: tuple[int, ...] = ()
    #: The days that end not retained after ending retained: every leaving, in date order.
    exits: tuple[date, ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        exits = tuple(d for d, s in zip(self.days, self.states) if not s)
        object.__setattr__(self, "exits", exits)

    def retained_on(self, day: date) -> bool:
        i = bisect_right(self.days, day)
        return self.states[i - 1] if i else True

    def observed_on(self, day: date) -> bool:
        return self.censored_on is None or day <= self.censored_on

    def first_exit(self, since: date) -> date | None:
        """The first day on or after ``since`` that ends not retained."""
        if not self.retained_on(since - timedelta(days=1)):
            return since
        i = bisect_left(self.exits, since)
        return self.exits[i] if i < len(self.exits) else None


def _censors(change: Change, scope: str) -> bool:
    """The registrant is no longer observed: follow-up ended, died, or left for somewhere
    that is not leaving under ``scope``."""
    name = change.name
    if name == _FOLLOW_UP_ENDED:
        return True
    if name != _REGISTRANT_LEFT:
        return False
    destination = str(change.fact["destination"])
    return destination == "deceased" or NOT_LEAVING[scope](destination)


def scope_path(tl: Timeline, scope: str, count_leave: bool, m: Memberships) -> Path:
    rules, placed, on_leave = RULES[scope], True, False
    ends: dict[date, bool] = {}
    censored: date | None = None
    for change in tl.changes:
        if censored is not None and change.on > censored:
            break
        if _censors(change, scope):
            censored = change.on
        elif change.name == _EMPLOYMENT_STATUS_CHANGED:
            on_leave = change.fact["status"] in LEAVE_STATUSES
        else:
            placed = rules[change.name](change.fact, tl, change.on, m)
        ends[change.on] = placed and not (count_leave and on_leave)
    days, states = _steps(ends)
    return Path(days, states, censored, _membership_positions(tl, scope, m))


def _steps(ends: dict[date, bool]) -> tuple[tuple[date, ...], tuple[bool, ...]]:
    days: list[date] = []
    states: list[bool] = []
    for day, state in ends.items():
        if state != (states[-1] if states else True):
            days.append(day)
            states.append(state)
    return tuple(days), tuple(states)


def _membership_positions(tl: Timeline, scope: str, m: Memberships) -> tuple[int, ...]:
    if scope != "system":
        return ()
    orgs = {str(c.fact["employer"]) for c in tl.changes if "employer" in c.fact}
    return tuple(p for org in sorted(orgs) for p in m.positions.get((tl.partnership, org), ()))
