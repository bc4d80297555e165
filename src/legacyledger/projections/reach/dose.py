"""Mentoring dose per registrant (figures.md §4; preceptorship-style indicators).

* ``contacts_per_registrant`` / ``minutes_per_registrant`` = ``contacts`` (minutes) in the
  window / ``registrant_months`` in it, where a registrant-month is a calendar month in which
  the registrant was matched on some day (or had a contact); with ``dose_by_month`` also
  per calendar month (contacts in the month / registrants mentored in it).
* ``first_contact_in_time``: first contact on or within ``first_contact_days`` of the first
  match. A registrant counts once the deadline has passed by ``as_of`` or the contact
  has happened; matches before the window are out.
* ``early_contacts_met``: at least ``early_contacts`` contacts in the ``early_months``
  after the first match, counted once that span has ended or the bar is reached.
Comparator registrants are never mentored, so they are not in these figures.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from legacyledger.projections.base import Contributing, Figure
from legacyledger.projections.figures import COUNT, RATE, STATISTIC, FigureMaker
from legacyledger.projections.periods import add_months, divide, next_month, parse_date
from legacyledger.projections.reach.params import Dims, ReachParams, group, splits, union
from legacyledger.projections.reach.state import Contacts, Registrant
from legacyledger.projections.tables import POS

_DAY = timedelta(days=1)


class Dose(NamedTuple):
    """One registrant's dose in the window, worked out once for every group it is in."""

    months: set[str]
    tally: dict[str, list[int]]
    positions: array[int]
    by_month: dict[str, array[int]]


class _Cases:
    """A group's registrants counted for one timeliness standard: how many met it, how many
    were eligible, and the contacts that decided it."""

    __slots__ = ("eligible", "met", "positions")

    def __init__(self) -> None:
        self.met = self.eligible = 0
        self.positions = array(POS)


class _Group:
    """One group's dose and timeliness, added to registrant by registrant (a registrant's
    own working is dropped once added to its groups)."""

    __slots__ = ("early", "first", "people", "placed", "positions", "tally", "where")

    def __init__(self) -> None:
        self.people: Counter[str] = Counter()
        self.tally: dict[str, list[int]] = {}
        self.where: dict[str, list[array[int]]] = {}
        self.positions = array(POS)  # every dose's positions
        self.placed = array(POS)  # every member's placing facts
        self.first = _Cases()
        self.early = _Cases()

    def add(self, dose: Dose, cases: tuple[Case | None, Case | None], reg: Registrant) -> None:
        self.people.update(dose.months)
        tally = self.tally
        for month, (contacts, minutes) in dose.tally.items():
            counts = tally.get(month)
            if counts is None:
                tally[month] = [contacts, minutes]
            else:
                counts[0] += contacts
                counts[1] += minutes
        for month, behind in dose.by_month.items():
            self.where.setdefault(month, []).append(behind)
        self.positions.extend(dose.positions)
        self.placed.extend(reg.positions)
        for case, into in zip(cases, (self.first, self.early)):
            if case is not None:
                into.met += case[0]
                into.eligible += 1
                into.positions.extend(case[1])


def dose_figures(
    make: FigureMaker, params: ReachParams, registrants: Mapping[str, Registrant]
) -> Iterator[Figure]:
    groups = group(
        registrants.values(), lambda r: r.partnership, lambda r: {}, params.by_partnership
    )
    found: dict[Dims, _Group] = {dims: _Group() for dims in groups}
    of: dict[str, list[_Group]] = {}
    for dims, members in groups.items():
        for reg in members:
            of.setdefault(reg.key, []).append(found[dims])
    for key, reg in registrants.items():
        contacts = reg.contacts
        dose, cases = _dose(reg, params, contacts), _cases(reg, params, contacts)
        for acc in of.get(key, ()):
            acc.add(dose, cases, reg)
    for dims, finer in splits(groups).items():
        split = [[dict(d) for d in one] for one in finer]
        yield from _monthly(make, params, dict(dims), found[dims], split)
        yield from _timeliness(make, dict(dims), found[dims], split)


def matched_months(registrant: Registrant, params: ReachParams) -> set[str]:
    """Calendar months in which the registrant had a mentor on some day of the window."""
    months: set[str] = set()
    for on, _, end in registrant.matches:
        last = params.as_of_iso
        for stop in (end, registrant.ended_on):
            if stop is not None:
                last = min(last, _day_before(stop))
        first = max(on, params.start_iso)
        if first <= last:
            months.update(_months(first[:7], last[:7]))
    return months


@cache
def _day_before(iso: str) -> str:
    return (parse_date(iso) - _DAY).isoformat()


@cache
def _months(first: str, last: str) -> tuple[str, ...]:
    """The month labels from ``first`` to ``last`` (``YYYY-MM``), both included."""
    out, day = [], parse_date(first + "-01")
    while (label := day.isoformat()[:7]) <= last:
        out.append(label)
        day = next_month(day)
    return tuple(out)


def _dose(reg: Registrant, params: ReachParams, contacts: Contacts) -> Dose:
    start, end, by_month = params.start_iso, params.as_of_iso, params.dose_by_month
    months = matched_months(reg, params)
    tally: dict[str, list[int]] = {}
    where: dict[str, list[int]] = {m: list(reg.positions) for m in months} if by_month else {}
    inside = contacts.between(start, end)
    days, minutes, positions = contacts.days, contacts.minutes, contacts.positions
    for i in inside:
        on = days[i]
        month = on[:7]
        months.add(month)
        counts = tally.get(month)
        if counts is None:
            counts = tally[month] = [0, 0]
        counts[0] += 1
        counts[1] += minutes[i]
        if by_month:
            where.setdefault(month, list(reg.positions)).append(positions[i])
    own = array(POS, reg.positions)
    own.extend(positions[inside.start : inside.stop])
    packed = {m: array(POS, w) for m, w in where.items()}
    return Dose(months, tally, own, packed)


def _monthly(
    make: FigureMaker, params: ReachParams, dims: dict[str, str], acc: _Group,
    split: list[list[dict[str, str]]],
) -> Iterator[Figure]:  # fmt: skip
    """Window figures always; a figure per calendar month only with ``dose_by_month``
    (each names every registrant mentored that month, which is costly on a long ledger).
    The window's counts are the sums of its groups' (``split``) and of its months'."""
    people, tally, where = acc.people, acc.tally, acc.where
    total = [0, 0, 0]
    for month in sorted(people):
        contacts, minutes = tally.get(month, [0, 0])
        total = [total[0] + contacts, total[1] + minutes, total[2] + people[month]]
        if params.dose_by_month:
            at, positions = {**dims, "period": month}, union(*where[month])
            yield from _per_registrant(make, at, contacts, minutes, people[month], positions)
    months = [[{**dims, "period": m} for m in sorted(people)]] if params.dose_by_month else []
    yield from _per_registrant(make, dims, total[0], total[1], total[2], union(acc.positions),
                               [*split, *months])  # fmt: skip


def _per_registrant(
    make: FigureMaker,
    dims: dict[str, str],
    contacts: int,
    minutes: int,
    people: int,
    positions: Contributing,
    split: Sequence[list[dict[str, str]]] = (),
) -> Iterator[Figure]:
    """``split``: where the counts are the sums of others' (groups, months)."""
    unit = "per registrant-month"
    over = {m: [make.sums(m, dims, ((m, d) for d in finer)) for finer in split]
            for m in ("registrant_months", "contacts")}  # fmt: skip
    yield make.make("registrant_months", dims, people, "registrant-month", positions, COUNT,
                    relations=over["registrant_months"])  # fmt: skip
    yield make.make("contacts", dims, contacts, "contact", positions, COUNT,
                    relations=over["contacts"])  # fmt: skip
    # the minutes are the contacts' minutes: with too few contacts to show, neither is shown
    parts = (make.id("contacts", dims), make.id("registrant_months", dims))
    per = divide(Decimal(contacts), people) if people else None
    yield make.make("contacts_per_registrant", dims, per, unit, positions, RATE, inputs=parts)
    # minutes per registrant-month = minutes per contact x contacts per registrant-month: the
    # total minutes are published nowhere, so the mean per contact tells nothing of the count
    mean = divide(Decimal(minutes), contacts) if contacts else None
    yield make.make("minutes_per_contact", dims, mean, "per contact", positions, STATISTIC,
                    inputs=parts[:1])  # fmt: skip
    per = divide(Decimal(minutes), people) if people else None
    inputs = (make.id("minutes_per_contact", dims), *parts)
    yield make.make("minutes_per_registrant", dims, per, unit, positions, RATE, inputs=inputs)


#: (met?, positions of the contacts that decided it); the registrant's placing facts are
#: the group's anyway
Case = tuple[bool, "array[int]"]


def _cases(
    reg: Registrant, params: ReachParams, contacts: Contacts
) -> tuple[Case | None, Case | None]:
    """(first contact in time, early contacts met) for one registrant; None = not yet counted."""
    start = reg.first_match()
    if start is None or not params.in_window(start):
        return None, None
    begin = parse_date(start)
    due = begin + timedelta(days=params.first_contact_days)
    due_iso, span_end = due.isoformat(), add_months(begin, params.early_months).isoformat()
    made = contacts.between(start, due_iso)[:1]
    first = None
    if made or due <= params.as_of:
        first = (bool(made), contacts.positions[made.start : made.stop])
    inside = contacts.between(start, span_end, end_excluded=True)
    met = len(inside) >= params.early_contacts
    early = None
    if met or span_end <= params.as_of_iso:
        early = (met, contacts.positions[inside.start : inside.stop])
    return first, early


def _timeliness(make: FigureMaker, dims: dict[str, str], acc: _Group,
                split: list[list[dict[str, str]]]) -> Iterator[Figure]:  # fmt: skip
    group_positions = union(acc.placed)
    yield from _share(make, dims, "first_contact_in_time", acc.first, group_positions, split)
    yield from _share(make, dims, "early_contacts_met", acc.early, group_positions, split)


def _share(
    make: FigureMaker,
    dims: dict[str, str],
    metric: str,
    cases: _Cases,
    group_positions: Contributing,
    split: list[list[dict[str, str]]],
) -> Iterator[Figure]:
    """Rate with its numerator and eligible count; the group's placing facts keep it defined.
    Each count is the sum of its groups' (``split``); those who met it are of the eligible."""
    met, eligible, decided = cases.met, cases.eligible, cases.positions
    positions = union(group_positions, decided)
    counts = (f"{metric}_eligible", f"{metric}_count")
    over = {m: [make.sums(m, dims, ((m, d) for d in finer)) for finer in split] for m in counts}
    of = make.bounds(counts[0], dims, [(counts[1], dims)])
    yield make.make(counts[0], dims, eligible, "registrant", positions, COUNT,
                    relations=[*over[counts[0]], of])  # fmt: skip
    yield make.make(counts[1], dims, met, "registrant", positions, COUNT,
                    relations=over[counts[1]])  # fmt: skip
    rate = divide(Decimal(met), eligible) if eligible else None
    parts = (make.id(f"{metric}_count", dims), make.id(f"{metric}_eligible", dims))
    yield make.make(metric, dims, rate, "ratio", positions, RATE, inputs=parts)
