"""The units a figure may be in: one controlled list, so the same thing is spelled one way.

A count of people is in ``people`` (registrants, mentors, ambassadors, an audience);
a count of things in the plural of the thing (``events``, ``hours``, ``items``); a share in
``ratio`` or ``probability``; a change in whole ``percent``; money in ``GBP``, and money per
something in ``GBP/<thing>`` (singular). Every figure is in these units: ``Figure.unit`` is
converted by :func:`unit_of` and checked against :data:`UNITS` when the figure is made, so
the views, the persisted views and every report agree, and a projection cannot make a unit
outside the list.
"""

from __future__ import annotations

PEOPLE = "people"
#: Every count unit, and the other spellings that mean it.
COUNTS: dict[str, tuple[str, ...]] = {
    PEOPLE: ("person", "persons", "registrant", "registrants", "mentor", "mentors",
             "ambassador", "ambassadors", "preceptor", "preceptors", "coordinator",
             "coordinators", "audience member", "audience members"),
    "events": ("event",),
    "hours": ("hour",),
    "contacts": ("contact",),
    "answers": ("answer",),
    "items": ("item",),
    "actions": ("action",),
    "organisations": ("organisation",),
    "matches": ("match",),
    "commitments": ("commitment",),
    "conditions": ("condition",),
    "inductions": ("induction",),
    "registrant-months": ("registrant-month",),
}  # fmt: skip
SHARES = ("ratio", "probability")
#: A change in whole percent (growth: 146 means +146%), not a share.
PERCENT = "percent"
MONEY = "GBP"
#: What money is counted per (``GBP/<thing>``) and rates per (``per <thing>``).
PER = ("ambassador", "audience member", "contact", "event", "hour", "registrant",
       "registrant-month")  # fmt: skip
UNITS = frozenset(
    {*COUNTS, *SHARES, PERCENT, MONEY, *(f"{MONEY}/{p}" for p in PER),
     *(f"per {p}" for p in PER)}
)
_SPELLINGS = {other: unit for unit, others in COUNTS.items() for other in others}


def unit_of(text: str) -> str:
    """The controlled unit for ``text`` (``person`` is ``people``, ``hour`` is ``hours``);
    a unit not in the list is returned as given (a test finds any a projection makes)."""
    return _SPELLINGS.get(text, text)


__all__ = ["COUNTS", "MONEY", "PEOPLE", "PER", "PERCENT", "SHARES", "UNITS", "unit_of"]
