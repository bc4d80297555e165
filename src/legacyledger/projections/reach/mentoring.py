"""Mentor workload: caseload at ``as_of`` and utilisation over the window.

* ``caseload`` (per legacy mentor registered at ``as_of``) = registrants matched to them on
  ``as_of`` who have not left or ended follow-up; ``caseload_mean`` per partnership.
* ``utilisation`` = logged hours / contracted hours over the window, where contracted
  hours = ``contracted_hours_per_week`` x days registered in the window / 7 and a spread
  log (``until``) counts pro rata for its days inside the window. Per mentor with
  contracted hours, and pooled (sum / sum) per partnership and overall. One-day logs are
  summed as (hours x how many) per mentor: the same exact sum, far fewer additions.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from legacyledger import domain
from legacyledger.projections.base import Figure, PositionSet
from legacyledger.projections.figures import COUNT, RATE, STATISTIC, FigureMaker
from legacyledger.projections.periods import ZERO, divide, parse_date, to_decimal
from legacyledger.projections.reach.params import ReachParams, group, union
from legacyledger.projections.reach.state import Event, Mentor, Registrant
from legacyledger.projections.tables import POS, EffectiveTables

_MENTOR_TIME_LOGGED = domain.Mentor.TimeLogged.FACT

_DAY = timedelta(days=1)
_NONE: array[int] = array(POS)


class MentorTime(NamedTuple):
    """What a mentor's time logs (dated by ``as_of``) bring to the figures."""

    #: hours logged inside the window (a spread log pro rata), over the logs overlapping it
    logged: Decimal
    #: original positions of the logs overlapping the window
    used: array[int]
    #: original positions of delivery time (not zero hours) active after ``since``
    recent: array[int]


def mentor_time(settled: EffectiveTables, params: ReachParams, since: str) -> dict[str, MentorTime]:
    """One pass over the time logs: each mentor's logged hours and active delivery time."""
    as_of, start = params.as_of_iso, params.start_iso
    table = settled.table(_MENTOR_TIME_LOGGED)
    hours_of: dict[str, Decimal] = {}
    whole: dict[str, dict[str, int]] = {}  # mentor -> hours text -> one-day logs in the window
    spread: dict[str, list[Decimal]] = {}
    used: dict[str, array[int]] = {}
    recent: dict[str, array[int]] = {}
    for p, on, mentor, until, hours, category in table.rows(
        "on", "mentor", "until", "hours", "category"
    ):
        if on > as_of:
            continue
        last = until or on
        amount = hours_of.get(hours)
        if amount is None:
            amount = hours_of[hours] = to_decimal(hours)
        if category == "delivery" and amount and last > since:
            found = recent.get(mentor)
            if found is None:
                found = recent[mentor] = array(POS)
            found.append(p)
        if last >= start:
            found = used.get(mentor)
            if found is None:
                found = used[mentor] = array(POS)
            found.append(p)
            if on == last:
                counts = whole.get(mentor)
                if counts is None:
                    counts = whole[mentor] = {}
                counts[hours] = counts.get(hours, 0) + 1
            else:
                spread.setdefault(mentor, []).append(_hours_in_window(on, last, amount, params))
    out: dict[str, MentorTime] = {}
    for mentor in used.keys() | recent.keys():
        logged = ZERO
        for hours, count in whole.get(mentor, {}).items():
            logged += hours_of[hours] * count
        for share in spread.get(mentor, ()):
            logged += share
        out[mentor] = MentorTime(logged, used.get(mentor, _NONE), recent.get(mentor, _NONE))
    return out


def activity(
    time: Mapping[str, MentorTime], events: Iterable[Event], since: str, as_of: str
) -> dict[str, list[Any]]:
    """Per mentor: positions (as parts: delivery time, each event) of delivered events
    attended and delivery time logged, active after ``since`` (up to ``as_of``)."""
    out: dict[str, list[Any]] = {m: [t.recent] for m, t in time.items() if t.recent}
    for event in events:
        if event.delivered is not None:
            day = str(event.delivered["on"])
            if day > since and day <= as_of:
                for mentor in event.attendees:
                    out.setdefault(mentor, []).append(event.positions)
    return out


def caseload_figures(
    make: FigureMaker,
    params: ReachParams,
    mentors: Mapping[str, Mentor],
    registrants: Mapping[str, Registrant],
) -> Iterator[Figure]:
    as_of = params.as_of_iso
    by_mentor: dict[str, list[Registrant]] = {}
    for reg in registrants.values():
        for key in {m for _, m, _ in reg.matches}:
            if reg.matched_to(key, as_of):
                by_mentor.setdefault(key, []).append(reg)
    serving = [m for m in mentors.values() if m.role == "legacy_mentor" and m.registered(as_of)]
    loads = {m.key: by_mentor.get(m.key, []) for m in serving}
    where = {m.key: union(m.positions, *(r.positions for r in loads[m.key])) for m in serving}
    for mentor in serving:
        dims = {"mentor": mentor.key, "partnership": mentor.partnership}
        count = len(loads[mentor.key])
        yield make.make("caseload", dims, count, "registrant", where[mentor.key], COUNT)
    groups = group(serving, lambda m: m.partnership, lambda m: {}, params.by_partnership)
    for dims_key, members in groups.items():
        total = sum(len(loads[m.key]) for m in members)
        positions = union(*(where[m.key] for m in members))
        mean = divide(Decimal(total), len(members))
        parts = tuple(
            make.id("caseload", {"mentor": m.key, "partnership": m.partnership}) for m in members
        )
        yield make.make(
            "caseload_mean", dict(dims_key), mean, "registrant", positions, RATE, inputs=parts
        )


def utilisation_figures(
    make: FigureMaker,
    params: ReachParams,
    mentors: Mapping[str, Mentor],
    time: Mapping[str, MentorTime],
) -> Iterator[Figure]:
    rows: list[tuple[Mentor, Decimal, Decimal, PositionSet]] = []
    for mentor in mentors.values():
        contracted = _contracted(mentor, params)
        if contracted:
            logs = time.get(mentor.key)
            logged = ZERO if logs is None else ZERO + logs.logged
            positions = union(mentor.positions, () if logs is None else logs.used)
            rows.append((mentor, logged, contracted, positions))
    for mentor, logged, contracted, positions in rows:
        dims = {"mentor": mentor.key, "partnership": mentor.partnership}
        share = divide(logged, contracted)
        yield make.make("utilisation", dims, share, "ratio", positions, STATISTIC)
    groups = group(rows, lambda r: r[0].partnership, lambda r: {}, params.by_partnership)
    for dims_key, members in groups.items():
        logged = sum((r[1] for r in members), ZERO)
        contracted = sum((r[2] for r in members), ZERO)
        positions = union(*(r[3] for r in members))
        yield make.make(
            "utilisation", dict(dims_key), divide(logged, contracted), "ratio", positions, STATISTIC
        )


def _registered_span(mentor: Mentor, params: ReachParams) -> tuple[date, date]:
    first = parse_date(max(mentor.enrolled_on, params.start_iso))
    last = params.as_of
    if mentor.withdrew_on is not None:
        last = min(last, parse_date(mentor.withdrew_on) - _DAY)
    return first, last


def _contracted(mentor: Mentor, params: ReachParams) -> Decimal:
    first, last = _registered_span(mentor, params)
    days = (last - first).days + 1
    return divide(mentor.contracted_per_week * days, 7) if days > 0 else ZERO


def _hours_in_window(on: str, last: str, hours: Decimal, params: ReachParams) -> Decimal:
    """A spread log's hours pro rata for its days inside the window (both ends inclusive)."""
    if on == last:
        return hours  # a one-day log that overlaps the window is inside it
    start, end = parse_date(on), parse_date(last)
    span = (end - start).days + 1
    first = start if params.period_start is None else max(start, params.period_start)
    inside = (min(end, params.as_of) - first).days + 1
    return hours if inside == span else divide(hours * inside, span)
