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

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from legacyledger.projections.base import PositionSet
from legacyledger.projections.retention.km import KMPoint, Subject
from legacyledger.projections.retention.model import (
    MIN_START_HEADCOUNT,
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


def horizon_row(members: Iterable[Member], i: int, months: int, km: KMPoint) -> HorizonRow:
    counts = [0] * 5
    for m in members:
        counts[m.statuses[i]] += 1
    eligible, retained = counts[LEFT] + counts[RETAINED], counts[RETAINED]
    return HorizonRow(
        months, eligible, retained, ratio(retained, eligible), counts[NOT_YET],
        counts[CENSORED], counts[LATE], km,
    )  # fmt: skip


def period_row(label: str, start: date, end: date, dims: Key, members: list[Member]) -> PeriodRow:
    """Headcounts at the end of ``start - 1`` and ``end - 1``; leavers dated in the period.
    A member whose observation ends within the period while still in post (follow-up ended,
    died, left the scope's sight) leaves the period's population: neither headcount, nor the
    stability base. No leaver rate when fewer than :data:`MIN_START_HEADCOUNT` were in post
    at the start."""
    first = start - _DAY
    counts = [0, 0, 0, 0, 0]  # at start, at end, leavers, stability base, stable
    for m in members:
        path, before = m.path, m.tl.enrolled_on <= first
        if not path.days and path.censored_on is None:  # never left, never censored
            counts[0] += before
            counts[1] += 1
            counts[3] += before
            counts[4] += before
        else:
            for i, n in enumerate(_period_counts(path, before, start, end)):
                counts[i] += n
    at_start, at_end, leavers, base, stable = counts
    rate = ratio(2 * leavers, at_start + at_end) if at_start >= MIN_START_HEADCOUNT else None
    return PeriodRow(
        label, start, end, dims, leavers, at_start, at_end, rate, base, stable, ratio(stable, base),
    )  # fmt: skip


def _period_counts(path: Path, before: bool, start: date, end: date) -> tuple[bool, ...]:
    first, last = start - _DAY, end - _DAY
    censored = path.censored_on
    if censored is not None and censored < last and path.retained_on(censored):
        return (False,) * 5  # no longer observed, while in post: out of the population
    in_start = before and path.observed_on(first) and path.retained_on(first)
    i = bisect_left(path.exits, start)
    left = i < len(path.exits) and path.exits[i] < end
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
