"""Subjects of the reach figures, read from the facts as they stand at the end of the fold.

Each subject (mentor, event, registrant) carries every position behind it (as the original
positions of its facts: a figure's :class:`~legacyledger.projections.base.PositionSet` adds
the positions of their corrections when read), so a figure over a group of subjects names
the facts that decide the group and its members; replaying those facts rebuilds the same
subjects. Dates stay ISO strings (they compare in order).

Where a subject has several facts of one kind, the rule is: the latest ledger position
decides (enrolment, plan, reschedule); the earliest date closes (withdrawal, leaving).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from legacyledger import domain
from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.periods import to_decimal
from legacyledger.projections.tables import POS, ROW, EffectiveTables, FactRows, Table

_EVENT_CANCELLED = domain.ProgrammeEvent.Cancelled.FACT
_EVENT_DELIVERED = domain.ProgrammeEvent.Delivered.FACT
_EVENT_PLANNED = domain.ProgrammeEvent.Planned.FACT
_EVENT_RESCHEDULED = domain.ProgrammeEvent.Rescheduled.FACT
_FEEDBACK_RECORDED = domain.ProgrammeEvent.FeedbackRecorded.FACT
_FOLLOW_UP_ENDED = domain.Registrant.FollowUpEnded.FACT
_MENTORING_CONTACT_RECORDED = domain.Registrant.MentoringContactRecorded.FACT
_MENTOR_ENROLLED = domain.Mentor.Enrolled.FACT
_MENTOR_MATCHED = domain.Registrant.MentorMatched.FACT
_MENTOR_MOVED = domain.Mentor.Moved.FACT
_MENTOR_UNMATCHED = domain.Registrant.MentorUnmatched.FACT
_MENTOR_WITHDREW = domain.Mentor.Withdrew.FACT
_REGISTRANT_ENROLLED = domain.Registrant.Enrolled.FACT
_REGISTRANT_LEFT = domain.Registrant.Left.FACT

MENTOR_FACTS = (domain.Mentor.Enrolled.FACT, domain.Mentor.Moved.FACT, domain.Mentor.Withdrew.FACT)
EVENT_FACTS = (
    domain.ProgrammeEvent.Planned.FACT,
    domain.ProgrammeEvent.Rescheduled.FACT,
    domain.ProgrammeEvent.Delivered.FACT,
    domain.ProgrammeEvent.Cancelled.FACT,
    domain.ProgrammeEvent.FeedbackRecorded.FACT,
)
REGISTRANT_FACTS = (
    domain.Registrant.Enrolled.FACT,
    domain.Registrant.MentorMatched.FACT,
    domain.Registrant.MentorUnmatched.FACT,
    domain.Registrant.MentoringContactRecorded.FACT,
    domain.Registrant.Left.FACT,
    domain.Registrant.FollowUpEnded.FACT,
)


def _latest_rows(table: Table, key: str, as_of: str | None) -> dict[str, int]:
    """Subject key -> row of its latest (by position) fact of the table dated by ``as_of``
    (``None``: at any date)."""
    latest: dict[str, int] = {}
    if as_of is None:
        for row, k in enumerate(table.col(key)):
            latest[k] = row
    else:
        for row, (on, k) in enumerate(zip(table.col("on"), table.col(key))):
            if on <= as_of:
                latest[k] = row
    return latest


def _collect(positions: dict[str, list[int]], table: Table, key: str, as_of: str | None) -> None:
    """Append the (original) position of every fact of the table dated by ``as_of``."""
    if as_of is None:
        for p, k in table.rows(key):
            positions.setdefault(k, []).append(p)
    else:
        for p, on, k in table.rows("on", key):
            if on <= as_of:
                positions.setdefault(k, []).append(p)


@attrs.frozen
class Mentor:
    key: str
    partnership: str
    role: str
    sector: str
    enrolled_on: str
    withdrew_on: str | None
    employers: tuple[tuple[str, str], ...]
    contracted_per_week: Decimal
    #: original positions of the facts behind the mentor (corrections added when read)
    positions: tuple[int, ...]

    def registered(self, day: str) -> bool:
        return self.enrolled_on <= day and (self.withdrew_on is None or self.withdrew_on > day)

    def employer(self, day: str) -> str:
        """Employer on ``day``: the enrolment's, or the latest move dated on or before it."""
        current = self.employers[0][1]
        for on, employer in self.employers[1:]:
            if on <= day:
                current = employer
        return current


def mentors(settled: EffectiveTables, as_of: str) -> dict[str, Mentor]:
    """Mentors enrolled by ``as_of``, facts dated after it left out."""
    enrolled = settled.table(_MENTOR_ENROLLED)
    latest = _latest_rows(enrolled, "mentor", as_of)
    positions: dict[str, list[int]] = {}
    for name in MENTOR_FACTS:
        _collect(positions, settled.table(name), "mentor", as_of)
    moves: dict[str, list[tuple[str, int, str]]] = {}
    for p, on, key, employer in settled.table(_MENTOR_MOVED).rows("on", "mentor", "employer"):
        if on <= as_of:
            moves.setdefault(key, []).append((on, p, employer))
    withdrew: dict[str, str] = {}
    for on, key in zip(*(settled.table(_MENTOR_WITHDREW).col(f) for f in ("on", "mentor"))):
        if on <= as_of and (key not in withdrew or on < withdrew[key]):
            withdrew[key] = on
    out = {}
    for key, row in latest.items():
        enrolment = enrolled.fact(row, ref=False)
        out[key] = Mentor(
            key=key,
            partnership=enrolment["partnership"],
            role=enrolment["role"],
            sector=enrolment["sector"],
            enrolled_on=enrolment["on"],
            withdrew_on=withdrew.get(key),
            employers=(
                (enrolment["on"], enrolment["employer"]),
                *((on, e) for on, _, e in sorted(moves.get(key, ()))),
            ),
            contracted_per_week=to_decimal(enrolment.get("contracted_hours_per_week", "0")),
            positions=tuple(sorted(positions[key])),
        )
    return out


@attrs.frozen
class Event:
    key: str
    partnership: str
    kind: str
    audience: str
    date: str
    delivered: Mapping[str, Any] | None
    cancelled_on: str | None
    feedback: tuple[EffectiveFact, ...]
    positions: tuple[int, ...]

    @property
    def status(self) -> str:
        if self.delivered is not None:
            return "delivered"
        return "pending" if self.cancelled_on is None else "cancelled"

    @property
    def audience_reached(self) -> int:
        return 0 if self.delivered is None else int(self.delivered["audience_reached"])

    @property
    def attendees(self) -> tuple[str, ...]:
        found = () if self.delivered is None else self.delivered.get("attendees", ())
        return tuple(str(m) for m in found)

    @property
    def outcome_date(self) -> str:
        if self.delivered is not None:
            return str(self.delivered["on"])
        return self.cancelled_on or self.date


def events(settled: EffectiveTables, as_of: str) -> dict[str, Event]:
    """Events with a plan (at any date), outcome and feedback facts after ``as_of`` left out."""
    planned = settled.table(_EVENT_PLANNED)
    plans = _latest_rows(planned, "event", None)
    positions: dict[str, list[int]] = {}
    _collect(positions, planned, "event", None)
    for name in EVENT_FACTS[1:]:
        _collect(positions, settled.table(name), "event", as_of)
    moved = settled.table(_EVENT_RESCHEDULED)
    new_dates = {
        k: moved.value(row, "new_date") for k, row in _latest_rows(moved, "event", as_of).items()
    }
    delivered_table = settled.table(_EVENT_DELIVERED)
    delivered: dict[str, int] = {}
    for row, (on, key) in enumerate(zip(delivered_table.col("on"), delivered_table.col("event"))):
        if on <= as_of and key not in delivered:
            delivered[key] = row
    cancelled: dict[str, str] = {}
    for on, key in zip(*(settled.table(_EVENT_CANCELLED).col(f) for f in ("on", "event"))):
        if on <= as_of and (key not in cancelled or on < cancelled[key]):
            cancelled[key] = on
    feedback: dict[str, list[EffectiveFact]] = {}
    answers = settled.table(_FEEDBACK_RECORDED)
    for row, (p, on, key) in enumerate(answers.rows("on", "event")):
        if on <= as_of:
            feedback.setdefault(key, []).append(EffectiveFact(p, answers.fact(row), (p,)))
    out = {}
    for key, row in plans.items():
        plan = planned.fact(row, ref=False)
        done = delivered.get(key)
        out[key] = Event(
            key=key,
            partnership=plan["partnership"],
            kind=plan["kind"],
            audience=plan["audience"],
            date=new_dates[key] if key in new_dates else plan["on"],
            delivered=None if done is None else delivered_table.fact(done),
            cancelled_on=cancelled.get(key),
            feedback=tuple(feedback.get(key, ())),
            positions=tuple(sorted(positions[key])),
        )
    return out


class Contact(NamedTuple):
    on: str
    minutes: int
    #: original position (corrections added when a figure's positions are read)
    position: int


class Contacts:
    """A registrant's contacts in order of (day, minutes, position), as three columns: a
    compact stand-in for a tuple of :class:`Contact` (iterating gives them)."""

    __slots__ = ("days", "minutes", "positions")

    @classmethod
    def of(cls, rows: FactRows) -> Contacts:
        """A registrant's contacts from their rows in the settled table."""
        table, picked = rows.table, rows.rows
        days, minutes = table.values_at("on", picked), table.values_at("minutes", picked)
        pos = table.pos
        return cls(zip(days, map(int, minutes), map(pos.__getitem__, picked)))

    def __init__(self, contacts: Iterable[tuple[str, int, int]] = ()) -> None:
        ordered = sorted(contacts)
        self.days: list[str] = [c[0] for c in ordered]
        self.minutes = array("i", [c[1] for c in ordered])
        self.positions = array(POS, [c[2] for c in ordered])

    def __len__(self) -> int:
        return len(self.days)

    def __iter__(self) -> Iterator[Contact]:
        new = tuple.__new__
        return (new(Contact, c) for c in zip(self.days, self.minutes, self.positions))

    def between(self, first: str, last: str, end_excluded: bool = False) -> range:
        """Indices of the contacts dated ``first`` … ``last`` (``last`` itself excluded when
        ``end_excluded``)."""
        high = bisect_left(self.days, last) if end_excluded else bisect_right(self.days, last)
        return range(bisect_left(self.days, first), high)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Contacts):
            return NotImplemented
        return (self.days, self.minutes, self.positions) == (
            other.days,
            other.minutes,
            other.positions,
        )

    def __hash__(self) -> int:
        return hash(tuple(self.positions))

    def __repr__(self) -> str:
        return f"Contacts({list(self)!r})"


@attrs.frozen
class Registrant:
    """``positions`` are the facts that place the registrant (enrolment, matches, leaving);
    each contact carries its own, so a figure about one month names only that month's."""

    key: str
    partnership: str
    matches: tuple[tuple[str, str, str | None], ...]
    #: the contacts dated by ``as_of``, as rows of the settled table (see :attr:`contacts`)
    contact_rows: FactRows
    ended_on: str | None
    positions: tuple[int, ...]

    @property
    def contacts(self) -> Contacts:
        """The contacts, sorted (worked out on each read: kept only as rows meanwhile)."""
        return Contacts.of(self.contact_rows)

    def first_match(self) -> str | None:
        return min((on for on, _, _ in self.matches), default=None)

    def matched_to(self, mentor: str, day: str) -> bool:
        if self.ended_on is not None and self.ended_on <= day:
            return False
        return any(
            m == mentor and on <= day and (end is None or end > day) for on, m, end in self.matches
        )


def registrants(settled: EffectiveTables, as_of: str) -> dict[str, Registrant]:
    """Mentored (non-comparator) registrants, facts dated after ``as_of`` left out."""
    enrolled = settled.table(_REGISTRANT_ENROLLED)
    latest = _latest_rows(enrolled, "registrant", as_of)
    comparator = enrolled.col("comparator")
    mentored = {k: row for k, row in latest.items() if not comparator[row]}
    positions: dict[str, list[int]] = {}
    for name in REGISTRANT_FACTS:
        if name != _MENTORING_CONTACT_RECORDED:
            _collect(positions, settled.table(name), "registrant", as_of)
    changes: dict[str, list[tuple[str, int, str, str]]] = {}
    for name in (_MENTOR_MATCHED, _MENTOR_UNMATCHED):
        for p, on, key, mentor in settled.table(name).rows("on", "registrant", "mentor"):
            if on <= as_of and key in mentored:
                changes.setdefault(key, []).append((on, p, name, mentor))
    ends: dict[str, str] = {}
    for name in (_REGISTRANT_LEFT, _FOLLOW_UP_ENDED):
        table = settled.table(name)
        for on, key in zip(table.col("on"), table.col("registrant")):
            if on <= as_of and (key not in ends or on < ends[key]):
                ends[key] = on
    table = settled.table(_MENTORING_CONTACT_RECORDED)
    rows: dict[str, array[int]] = {key: array(ROW) for key in mentored}
    get = rows.get
    for row, (on, key) in enumerate(zip(table.col("on"), table.col("registrant"))):
        if on <= as_of:
            found = get(key)
            if found is not None:
                found.append(row)
    out: dict[str, Registrant] = {}
    partnership = enrolled.col("partnership")
    for key, row in mentored.items():
        out[key] = Registrant(
            key=key,
            partnership=partnership[row],
            matches=_match_spans(sorted(changes.get(key, ()))),
            contact_rows=FactRows(table, rows[key]),
            ended_on=ends.get(key),
            positions=tuple(sorted(positions[key])),
        )
    return out


def _match_spans(
    changes: list[tuple[str, int, str, str]],
) -> tuple[tuple[str, str, str | None], ...]:
    """(matched on, mentor, unmatched on or None): each unmatch closes the open match it follows."""
    spans: list[tuple[str, str, str | None]] = []
    for on, _, name, mentor in changes:
        if name == _MENTOR_MATCHED:
            spans.append((on, mentor, None))
            continue
        for i, (start, m, end) in enumerate(spans):
            if m == mentor and end is None:
                spans[i] = (start, m, on)
    return tuple(spans)
