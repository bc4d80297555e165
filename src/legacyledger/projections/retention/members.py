"""What each registrant brings to the retention aggregates, worked out once per registrant:
anchor and cohort, Kaplan-Meier subject, status at every horizon, first leaving, positions.

A status on a date is the state at the end of that day. At horizon h (anchor + h calendar
months) a member is ``LATE`` (not eligible) when enrolled after it; else, when observation
ended before it (``FollowUpEnded``, death, a leaving the scope does not count), ``LEFT`` if
not retained on the last observed day (a leaving seen before h counts whatever comes later)
and ``CENSORED`` if still retained then; else ``NOT_YET`` if it is after ``as_of``; else
``LEFT`` or ``RETAINED`` by the state on that day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from legacyledger.projections.base import PositionSet
from legacyledger.projections.retention.km import KMPoint, Subject, kaplan_meier
from legacyledger.projections.retention.model import (
    MIN_AVERAGE_HEADCOUNT,
    HorizonRow,
    Key,
    PeriodRow,
    RetentionParams,
    ratio,
)
from legacyledger.projections.retention.periods import add_months
from legacyledger.projections.retention.scope import Path
from legacyledger.projections.retention.timeline import Timeline

CENSORED, NOT_YET, LEFT, RETAINED, LATE = 0, 1, 2, 3, 4
_DAY = timedelta(days=1)
ANCHOR: Mapping[str, Callable[[Timeline], date | None]] = {
    "registered_on": lambda tl: tl.registered_on,
    "in_post_since": lambda tl: tl.in_post_since,
    "matched_on": lambda tl: tl.matched_on,
}
DIMENSION: Mapping[str, Callable[[Timeline], str]] = {
    "profession": lambda tl: tl.profession,
    "setting": lambda tl: tl.setting,
    "employer": lambda tl: tl.employer,
    "partnership": lambda tl: tl.partnership,
    "group": lambda tl: "comparator" if tl.comparator else "mentored",
}


class Member(NamedTuple):
    tl: Timeline
    path: Path
    positions: tuple[int, ...]
    cohort: str | None = None
    subject: Subject | None = None
    statuses: tuple[int, ...] = ()
    early_leaver: bool | None = None

    def dims(self, names: Sequence[str]) -> Key:
        return tuple((n, DIMENSION[n](self.tl)) for n in names)


def member(tl: Timeline, path: Path, params: RetentionParams) -> Member:
    exits = path.exits
    early = exits[0] < add_months(tl.registered_on, 24) if exits else None
    plain = Member(tl, path, (*tl.positions, *path.positions), early_leaver=early)
    anchor = ANCHOR[params.anchor](tl)
    if anchor is None or anchor > params.as_of:
        return plain
    as_of = params.as_of
    statuses = tuple(_status(tl, path, add_months(anchor, h), as_of) for h in params.horizons)
    return plain._replace(
        cohort=params.cohort_of(anchor),
        subject=_subject(tl, path, anchor, as_of),
        statuses=statuses,
    )


def _status(tl: Timeline, path: Path, at: date, as_of: date) -> int:
    if tl.enrolled_on > at:
        return LATE
    last = path.censored_on
    if last is not None and last < at:
        return CENSORED if path.retained_on(last) else LEFT
    if at > as_of:
        return NOT_YET
    return RETAINED if path.retained_on(at) else LEFT


def _subject(tl: Timeline, path: Path, anchor: date, as_of: date) -> Subject:
    entry = (tl.enrolled_on - anchor).days
    end = min(path.censored_on or as_of, as_of)
    exit_on = path.first_exit(anchor)
    last = exit_on if exit_on is not None and exit_on <= end else end
    return Subject(entry if entry > 0 else None, (last - anchor).days, last == exit_on)


def horizon_row(
    members: Iterable[Member], i: int, months: int, km: KMPoint, km_events: int
) -> HorizonRow:
    counts = [0] * 5
    for m in members:
        counts[m.statuses[i]] += 1
    eligible, retained = counts[LEFT] + counts[RETAINED], counts[RETAINED]
    return HorizonRow(
        months, eligible, retained, ratio(retained, eligible), counts[NOT_YET],
        counts[CENSORED], counts[LATE], km, km_events,
    )  # fmt: skip


def period_row(label: str, start: date, end: date, dims: Key, members: list[Member]) -> PeriodRow:
    """Headcounts at the end of ``start - 1`` and ``end - 1``; leavers dated in the period;
    the days in post while observed in it (their sum ÷ the period's days is the average
    headcount, the leaver rate's denominator).

    A member whose observation ends within the period while still in post (follow-up ended,
    died, left the scope's sight) is out of both headcounts and of the stability base, but
    brings the days it was observed in post, and is a leaver if seen leaving earlier in the
    period. No leaver rate when the average headcount is below :data:`MIN_AVERAGE_HEADCOUNT`."""
    first = start - _DAY
    days = (end - start).days
    counts = [0, 0, 0, 0, 0]  # at start, at end, leavers, stability base, stable
    person_days = 0
    subjects: list[Subject] = []  # those in post and observed at the start
    for m in members:
        path, enrolled = m.path, m.tl.enrolled_on
        before = enrolled <= first
        if not path.days and path.censored_on is None:  # never left, never censored
            counts[0] += before
            counts[1] += 1
            counts[3] += before
            counts[4] += before
            person_days += max(0, (end - max(start, enrolled)).days)
            if before:
                subjects.append(Subject(None, days, False))
        else:
            for i, n in enumerate(_period_counts(path, before, start, end)):
                counts[i] += n
            person_days += in_post_days(path, max(start, enrolled), end)
            if before and path.observed_on(first) and path.retained_on(first):
                subjects.append(stability_subject(path, start, end))
    at_start, at_end, leavers, base, stable = counts
    enough = person_days >= MIN_AVERAGE_HEADCOUNT * days
    return PeriodRow(
        label, start, end, dims, leavers, at_start, at_end,
        ratio(leavers * days, person_days) if enough else None, base, stable,
        stability(subjects, days), person_days, days, len(subjects) - base,
    )  # fmt: skip


def stability_subject(path: Path, start: date, end: date) -> Subject:
    """Someone in post and observed at the end of ``start - 1``, as a Kaplan-Meier subject in
    days since then: not in post at the end of their last observed day in the period → an
    event on the day their last spell out of post began (a leaver back in post by then is
    not one); observation ending earlier while in post → censored on that day; else in post
    through the period."""
    first, last = start - _DAY, end - _DAY
    censored = path.censored_on
    seen = last if censored is None or censored >= last else censored
    if not path.retained_on(seen):
        i = bisect_right(path.exits, seen)
        return Subject(None, (path.exits[i - 1] - first).days, True)
    return Subject(None, (seen - first).days, False)


def stability(subjects: Sequence[Subject], days: int) -> float | None:
    """The Kaplan-Meier estimate of still being in post ``days`` after the start (None when
    no one is left at risk then: the estimate would rest on nobody)."""
    curve = kaplan_meier(subjects)
    return None if curve.at_risk(days) == 0 else curve.at(days).survival


def in_post_days(path: Path, since: date, end: date) -> int:
    """The days ``d`` in ``[since, end)`` on which the registrant is observed (up to and
    including the day observation ends) and in post at the end of ``d``. A leaving day is
    not in post; the day observation ends is (the state at its end is the last one seen)."""
    censored = path.censored_on
    until = end if censored is None else min(end, censored + _DAY)
    if since >= until:
        return 0
    total, here, state = 0, since, path.retained_on(since)
    for i in range(bisect_right(path.days, since), bisect_left(path.days, until)):
        day = path.days[i]
        total += (day - here).days if state else 0
        here, state = day, path.states[i]
    return total + ((until - here).days if state else 0)


def _period_counts(path: Path, before: bool, start: date, end: date) -> tuple[bool, ...]:
    first, last = start - _DAY, end - _DAY
    i = bisect_left(path.exits, start)
    left = i < len(path.exits) and path.exits[i] < end
    censored = path.censored_on
    if censored is not None and censored < last and path.retained_on(censored):
        # no longer observed, while in post: out of the headcounts (a leaving seen earlier
        # in the period still counts)
        return False, False, left, False, False
    in_start = before and path.observed_on(first) and path.retained_on(first)
    in_end = path.observed_on(last) and path.retained_on(last)
    return in_start, in_end, left, in_start, in_start and in_end


class Enrolments:
    """A group's members in enrolment order, and the positions behind each prefix, built
    incrementally (periods usually come in date order)."""

    def __init__(self, members: Iterable[Member]) -> None:
        self.members = sorted(members, key=lambda m: m.tl.enrolled_on)
        self.dates = [m.tl.enrolled_on for m in self.members]

    def before(self, end: date) -> tuple[list[Member], PositionSet]:
        k = bisect_left(self.dates, end)
        seen = self.members[:k]
        return seen, PositionSet(m.positions for m in seen)


def contributing(members: Iterable[Member]) -> PositionSet:
    """Every position behind the members (read lazily: see :class:`PositionSet`)."""
    return PositionSet(m.positions for m in members)
