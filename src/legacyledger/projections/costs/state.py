"""The cost figures' inputs, worked out once from the facts as they stand (settled).

A cost figure depends only on the facts in force at the end: each time log priced at the
rate in force on its activity date, attributed to its mentor's partnership (the latest
enrolment), each cost in its month. :class:`CostState` reads the settled facts
(:class:`~legacyledger.projections.tables.EffectiveTables`) once and keeps, per month-level key
``(partnership, month, category)``, the priced cost, the unpriced hours and the positions
behind them; per ``(partnership, month)`` the unit-cost denominators; and the cost booked to
cancelled events. :mod:`costs` rolls these up to periods and figures. The incremental
:class:`~legacyledger.projections.costs.fold.CostFold` reaches the same totals by repricing
as facts arrive (and tracks restatements on the way).

Pricing is exact and done once per distinct (hours, rate): a one-day log costs
``hours x loaded / hours_per_year`` (one division, as in :mod:`costs_pricing`), and a month's
total is the sum over its (hours, rate) pairs of cost x number of logs, which is exactly the
sum of the logs' costs (same value, same exponent). Spread logs (``until``) are cut by
:func:`~legacyledger.projections.costs.pricing.log_segments` as in the fold. Positions are
original positions (see :class:`~legacyledger.projections.base.PositionSet`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

from legacyledger.domain import Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.projections.base import PositionSet
from legacyledger.projections.costs.history import History
from legacyledger.projections.costs.params import CostParams
from legacyledger.projections.costs.pricing import UNASSIGNED, MonthKey, log_segments
from legacyledger.projections.costs.rates import MentorRates, Rate
from legacyledger.projections.periods import ZERO, divide, to_decimal
from legacyledger.projections.tables import POS, EffectiveTables

_COST_INCURRED = Partnership.CostIncurred.FACT
_EVENT_CANCELLED = ProgrammeEvent.Cancelled.FACT
_EVENT_DELIVERED = ProgrammeEvent.Delivered.FACT
_EVENT_PLANNED = ProgrammeEvent.Planned.FACT
_FUNDING_RECEIVED = Partnership.FundingReceived.FACT
_MENTORING_CONTACT_RECORDED = Registrant.MentoringContactRecorded.FACT
_MENTOR_ENROLLED = Mentor.Enrolled.FACT
_MENTOR_PAY_RATE_SET = Mentor.PayRateSet.FACT
_MENTOR_TIME_LOGGED = Mentor.TimeLogged.FACT
_REGISTRANT_ENROLLED = Registrant.Enrolled.FACT
SubKey = tuple[str, str]
CONTACT_ACTIVITIES = frozenset({"one_to_one", "group"})


class _Timeline:
    """A mentor's rates: the fold's sorted timeline (for cutting spread logs) and, for the
    one-day logs, the rate in force from each distinct start date (ties: later position)."""

    __slots__ = ("ons", "rates", "timeline")

    def __init__(self, timeline: MentorRates) -> None:
        self.timeline = timeline
        self.ons: list[str] = []
        self.rates: list[Rate] = []
        for rate in timeline._rates:
            if self.ons and self.ons[-1] == rate.on:
                self.rates[-1] = rate
            else:
                self.ons.append(rate.on)
                self.rates.append(rate)

    def at(self, iso: str) -> Rate | None:
        i = bisect_right(self.ons, iso) - 1
        return self.rates[i] if i >= 0 else None


class Bucket:
    """One month-level key: what its segments cost and the facts behind them.

    ``priced`` is the running sum of the one-day logs' costs (from ``ZERO``, as the fold's)
    and ``unpriced`` counts their unpriced hours per hours text; ``extra_cost`` /
    ``extra_hours`` hold other segments' amounts one by one (spread logs, costs). ``rates``:
    the pay rates (by position) that priced any of them.
    """

    __slots__ = ("extra_cost", "extra_hours", "mentors", "positions", "priced", "rates", "unpriced")

    def __init__(self) -> None:
        self.priced: Decimal | None = None
        self.unpriced: dict[Any, int] = {}
        self.extra_cost: list[Decimal] = []
        self.extra_hours: list[Decimal] = []
        self.positions = array(POS)
        self.mentors: set[str] = set()
        self.rates: set[int] = set()


class Tally:
    """Per (partnership, month): a sum (or distinct members) and the facts behind it."""

    __slots__ = ("counts", "extra", "members", "mentors", "positions")

    def __init__(self) -> None:
        self.counts: dict[Any, int] = {}  # hours text -> one-day logs (or plain amounts)
        self.extra: list[Decimal] = []
        #: distinct members (registrants supported: their latest enrolment is behind it too)
        self.members: set[str] = set()
        self.positions = array(POS)
        self.mentors: set[str] = set()  # their enrolments are behind it too


class _Day:
    """What one day of one partnership adds to: its month's buckets (by category) and
    tallies. Looked up by the day's (interned) ISO string, so that the read loop builds no
    tuple keys."""

    __slots__ = ("_ambassadors", "_contacts", "_registrants", "buckets", "key", "month", "tallies")

    def __init__(self, state: CostState, partnership: str, on: str) -> None:
        self.tallies = state.tallies  # not the state itself: no reference cycle (the GC is off)
        self.month = on[:7]
        self.key = (partnership, self.month)
        self.buckets: dict[str, Bucket] = {}
        self._contacts: Tally | None = None
        self._ambassadors: Tally | None = None
        self._registrants: Tally | None = None

    def _tally(self, metric: str) -> Tally:
        tallies = self.tallies[metric]
        tally = tallies.get(self.key)
        if tally is None:
            tally = tallies[self.key] = Tally()
        return tally

    @property
    def contacts(self) -> Tally:
        if self._contacts is None:
            self._contacts = self._tally("contact_hours")
        return self._contacts

    @property
    def ambassadors(self) -> Tally:
        if self._ambassadors is None:
            self._ambassadors = self._tally("ambassadors_active")
        return self._ambassadors

    @property
    def registrants(self) -> Tally:
        if self._registrants is None:
            self._registrants = self._tally("registrants_supported")
        return self._registrants


class _Mentor:
    """What the read loop needs of one mentor, looked up once per log."""

    __slots__ = (
        "ambassador",
        "days",
        "first",
        "latest",
        "ons",
        "partnership",
        "prices",
        "rates",
        "timeline",
    )

    def __init__(self, state: CostState, mentor: str, first: int) -> None:
        #: position of the mentor's first time log (dated by as_of)
        self.first = first
        self.partnership = partnership = state.partnership.get(mentor, UNASSIGNED)
        self.days = state._days(partnership)
        self.ambassador = state.roles.get(mentor) == "ambassador"
        timeline = state.rates.get(mentor)
        self.timeline = None if timeline is None else timeline.timeline
        self.ons = None if timeline is None else timeline.ons
        self.rates = None if timeline is None else [r.position for r in timeline.rates]
        self.prices = None if self.rates is None else [state.price_table(r) for r in self.rates]
        #: position of the last rate to arrive (a log before it may have been repriced)
        self.latest = 0 if timeline is None else max(r.position for r in timeline.timeline._rates)


def _padded(total: Decimal, smallest: int | None) -> Decimal:
    """``total`` spelled down to exponent ``smallest`` when that is smaller (same value)."""
    if smallest is None or smallest >= total.as_tuple().exponent:  # type: ignore[operator]
        return total
    return total.quantize(Decimal((0, (1,), smallest)))


class CostState:
    """Everything the cost figures read (see the module docstring)."""

    def __init__(self, settled: EffectiveTables, params: CostParams) -> None:
        self.params = params
        self.more = settled.more
        self.as_of = params.as_of_iso
        self._mentors(settled)
        self.hours: dict[Any, Decimal] = {}
        #: id(loaded) -> hours text -> cost of a one-day log (rates with the same salary and
        #: on-cost texts share one loaded value, so one table)
        self.prices: dict[int, dict[Any, Decimal]] = {}
        self.buckets: dict[MonthKey, Bucket] = {}
        self._by_day: dict[str, dict[str, _Day]] = {}
        self.mentor_info: dict[str, _Mentor] = {}
        self.history = History()
        #: denominators: metric -> (partnership, month) -> tally
        self.tallies: dict[str, dict[SubKey, Tally]] = {
            m: {}
            for m in (
                "registrants_supported",
                "contact_hours",
                "events_delivered",
                "audience_reached",
                "ambassadors_active",
            )
        }
        self.cancelled = self._cancelled(settled)
        #: (partnership, month) -> (priced costs booked to cancelled events, positions)
        self.cancelled_cost: dict[SubKey, tuple[list[Decimal], list[Any]]] = {}
        #: (partnership, month, category) -> (priced costs booked to any event, positions)
        self.event_cost: dict[MonthKey, tuple[list[Decimal], list[Any]]] = {}
        self._time(settled)
        self._costs(settled)
        self._contacts(settled)
        self._events(settled)
        self.funding = self._funding(settled)
        self.history.settle(self, settled)

    # -- mentors -------------------------------------------------------------------------

    def _mentors(self, settled: EffectiveTables) -> None:
        """Partnership and role (latest enrolment, any date), enrolment positions, rates."""
        self.partnership: dict[str, str] = {}
        self.roles: dict[str, str] = {}
        self.enrolled: dict[str, list[int]] = {}
        for p, key, partnership, role in settled.table(_MENTOR_ENROLLED).rows(
            "mentor", "partnership", "role"
        ):
            self.partnership[key] = partnership
            self.roles[key] = role
            self.enrolled.setdefault(key, []).append(p)
        timelines: dict[str, MentorRates] = {}
        #: rate position -> loaded annual cost (one object per distinct salary and on-cost)
        self.loaded: dict[int, Decimal] = {}
        made: dict[tuple[Any, Any], Decimal] = {}
        for p, on, key, salary, oncost in settled.table(_MENTOR_PAY_RATE_SET).rows(
            "on", "mentor", "annual_salary", "oncost_rate"
        ):
            loaded = made.get((salary, oncost))
            if loaded is None:
                loaded = made[(salary, oncost)] = to_decimal(salary) * (1 + to_decimal(oncost))
            self.loaded[p] = loaded
            # a rate is known here by its position: it stands as the Rate's ref too
            timelines.setdefault(key, MentorRates()).put(Rate(on, p, p, loaded))
        self.rates = {key: _Timeline(t) for key, t in timelines.items()}

    def enrolment_positions(self, mentor: str) -> list[int]:
        return self.enrolled.get(mentor, [])

    # -- costs and time ------------------------------------------------------------------

    def _bucket(self, key: MonthKey) -> Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket()
        return bucket

    def _tally(self, metric: str, key: SubKey) -> Tally:
        tallies = self.tallies[metric]
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally()
        return tally

    def _days(self, partnership: str) -> dict[str, _Day]:
        days = self._by_day.get(partnership)
        if days is None:
            days = self._by_day[partnership] = {}
        return days

    def _day(self, partnership: str, on: str) -> _Day:
        days = self._days(partnership)
        day = days.get(on)
        if day is None:
            day = days[on] = _Day(self, partnership, on)
        return day

    def price_table(self, rate: int) -> dict[Any, Decimal]:
        loaded = self.loaded[rate]
        table = self.prices.get(id(loaded))
        if table is None:
            table = self.prices[id(loaded)] = {}
        return table

    def price(self, rate: int, hours: Any) -> Decimal:
        """A one-day log's cost: ``hours x loaded / hours_per_year``, once per (loaded, hours)."""
        table = self.price_table(rate)
        cost = table.get(hours)
        if cost is None:
            amount = self.decimal_hours(hours)
            cost = table[hours] = divide(amount * self.loaded[rate], self.params.hours_per_year)
        return cost

    def decimal_hours(self, hours: Any) -> Decimal:
        amount = self.hours.get(hours)
        if amount is None:
            amount = self.hours[hours] = to_decimal(hours)
        return amount

    def _time(self, settled: EffectiveTables) -> None:
        as_of, hpy = self.as_of, self.params.hours_per_year
        cancelled, mentors = self.cancelled, self.mentor_info
        contact_activities = CONTACT_ACTIVITIES
        touched, history, hours_of = settled.touched, self.history, self.hours
        history.prepare(self, settled)
        late, replay_mentors = history.late, history.replay_mentors
        table = settled.table(_MENTOR_TIME_LOGGED)
        for row, (p, on, mentor, until, hours, activity, category, event) in enumerate(
            table.rows("on", "mentor", "until", "hours", "activity", "category", "event")
        ):
            if as_of is not None and on > as_of:
                continue
            info = mentors.get(mentor)
            if info is None:
                info = mentors[mentor] = _Mentor(self, mentor, p)
                history.first_log(mentor, p)
            ons = info.ons
            i = 0 if ons is None else bisect_right(ons, on)
            if (
                until is not None
                and until != on
                and (
                    until[:7] != on[:7]
                    or until < on
                    or (as_of is not None and until > as_of)
                    or (ons is not None and i < len(ons) and ons[i] <= until)
                )
            ):
                self._spread(table, row, p, info, mentor, on, until, hours, activity, category,
                             event, hpy)  # fmt: skip
                continue
            # A one-day log, or a spread one inside one month and one rate: one segment in
            # the month of ``on`` at the rate in force on ``on``, costing hours x loaded /
            # hours_per_year exactly as the fold's pro-rata piece does (days = span).
            day = info.days.get(on)
            if day is None:
                day = info.days[on] = _Day(self, info.partnership, on)
            buckets = day.buckets
            bucket = buckets.get(category)
            if bucket is None:
                bucket = buckets[category] = self._bucket((info.partnership, day.month, category))
            bucket.positions.append(p)
            bucket.mentors.add(mentor)
            if i:
                rate = info.rates[i - 1]  # type: ignore[index]
                cost = info.prices[i - 1].get(hours)  # type: ignore[index]
                if cost is None:
                    cost = self.price(rate, hours)
                priced = bucket.priced
                bucket.priced = cost if priced is None else priced + cost
                bucket.rates.add(rate)
                if rate > p and p not in touched and mentor not in replay_mentors:
                    late(mentor, i, p, (info.partnership, day.month, category), hours)
                if event is not None:
                    self._book_event((info.partnership, day.month, category), cost, (p, rate),
                                     mentor)  # fmt: skip
                    if event in cancelled:
                        self._cancel((info.partnership, day.month), self.price(rate, hours),
                                     (p, rate), event, mentor)  # fmt: skip
            else:
                bucket.unpriced[hours] = bucket.unpriced.get(hours, 0) + 1
            if activity in contact_activities:
                tally = day._contacts
                if tally is None:
                    tally = day.contacts
                counts = tally.counts
                counts[hours] = counts.get(hours, 0) + 1
                tally.positions.append(p)
                tally.mentors.add(mentor)
            if info.ambassador and category == "delivery":
                amount = hours_of.get(hours)
                if amount is None:
                    amount = self.decimal_hours(hours)
                if amount:
                    tally = day.ambassadors
                    tally.members.add(mentor)
                    tally.positions.append(p)
                    tally.mentors.add(mentor)

    def _spread(
        self,
        table: Any,
        row: int,
        p: int,
        info: _Mentor,
        mentor: str,
        on: str,
        until: str,
        hours: Any,
        activity: str,
        category: str,
        event: str | None,
        hpy: Decimal,
    ) -> None:
        """A log spread over days (``until``): cut and priced as the fold does."""
        if info.latest > p:  # rates arrived after it: it may have been cut otherwise before
            self.history.replay_positions.add(p)
        fact = {"on": on, "until": until, "hours": hours, "category": category,
                "activity": activity}  # fmt: skip
        try:
            segments = log_segments(fact, info.partnership, info.timeline, hpy, self.as_of)
        except ValueError:
            fact["source_ref"] = table.ref(row)  # again, naming the fact
            log_segments(fact, info.partnership, info.timeline, hpy, self.as_of)
            raise
        for seg in segments:
            rate = cast(int | None, seg.rate_ref)  # the rate's position (see _mentors)
            self._segment(p, mentor, seg.partnership, seg.month, category, activity, event,
                          seg.cost, seg.hours, rate)  # fmt: skip

    def _segment(
        self,
        p: int,
        mentor: str | None,
        partnership: str,
        month: str,
        category: str,
        activity: str,
        event: str | None,
        cost: Decimal | None,
        hours: Decimal,
        rate: int | None,
    ) -> None:
        """One priced piece of a spread log or a cost, added one by one."""
        bucket = self._bucket((partnership, month, category))
        bucket.positions.append(p)
        if mentor is not None:
            bucket.mentors.add(mentor)
        if cost is None:
            bucket.extra_hours.append(hours)
        else:
            bucket.extra_cost.append(cost)
            if rate is not None:
                bucket.rates.add(rate)
            own = (p,) if rate is None else (p, rate)
            if event is not None:
                self._book_event((partnership, month, category), cost, own, mentor)
            if event is not None and event in self.cancelled:
                self._cancel((partnership, month), cost, own, event, mentor)
        if mentor is None:
            return
        if activity in CONTACT_ACTIVITIES:
            t = self._tally("contact_hours", (partnership, month))
            t.extra.append(hours)
            t.positions.append(p)
            t.mentors.add(mentor)
        if hours and category == "delivery" and self.roles.get(mentor) == "ambassador":
            t = self._tally("ambassadors_active", (partnership, month))
            t.members.add(mentor)
            t.positions.append(p)
            t.mentors.add(mentor)

    def _book_event(
        self, key: MonthKey, cost: Decimal, own: tuple[int, ...], mentor: str | None
    ) -> None:
        """Priced cost that names an event (``CostIncurred`` or time logged for it)."""
        costs, parts = self.event_cost.setdefault(key, ([], []))
        costs.append(cost)
        parts.append(own)
        if mentor is not None:
            parts.append(self.enrolment_positions(mentor))

    def _cancel(
        self, key: SubKey, cost: Decimal, own: tuple[int, ...], event: str, mentor: str | None
    ) -> None:
        costs, parts = self.cancelled_cost.setdefault(key, ([], []))
        costs.append(cost)
        parts.append(own)
        parts.append(self.cancelled[event])
        if mentor is not None:
            parts.append(self.enrolment_positions(mentor))

    def _costs(self, settled: EffectiveTables) -> None:
        as_of = self.as_of
        for p, on, partnership, amount, category, event in settled.table(_COST_INCURRED).rows(
            "on", "partnership", "amount", "category", "event"
        ):
            if as_of is not None and on > as_of:
                continue
            self._segment(p, None, partnership, on[:7], category, "cost", event,
                          to_decimal(amount), ZERO, None)  # fmt: skip

    # -- what the costs are set against --------------------------------------------------

    def _cancelled(self, settled: EffectiveTables) -> dict[str, tuple[int, ...]]:
        """Event key -> original position of its (effective, dated <= as_of) cancellation."""
        out: dict[str, tuple[int, ...]] = {}
        for p, on, event in settled.table(_EVENT_CANCELLED).rows("on", "event"):
            if self.as_of is None or on <= self.as_of:
                out[event] = (p,)
        return out

    def _contacts(self, settled: EffectiveTables) -> None:
        enrolled = settled.table(_REGISTRANT_ENROLLED)
        latest: dict[str, tuple[str, int]] = {}
        for p, key, partnership in enrolled.rows("registrant", "partnership"):
            latest[key] = (partnership, p)
        as_of = self.as_of
        self.registrant_enrolment = latest
        days: dict[str | None, dict[str, _Day]] = {}
        for p, on, registrant in settled.table(_MENTORING_CONTACT_RECORDED).rows("on",
                                                                                 "registrant"):
            if as_of is not None and on > as_of:
                continue
            enrolment = latest.get(registrant)
            partnership = UNASSIGNED if enrolment is None else enrolment[0]
            mine = days.get(partnership)
            if mine is None:
                mine = days[partnership] = self._days(partnership)
            day = mine.get(on)
            if day is None:
                day = mine[on] = _Day(self, partnership, on)
            tally = day.registrants
            tally.members.add(registrant)
            tally.positions.append(p)

    def _events(self, settled: EffectiveTables) -> None:
        plans: dict[str, tuple[str, int]] = {}
        for p, key, partnership in settled.table(_EVENT_PLANNED).rows("event", "partnership"):
            plans[key] = (partnership, p)
        delivered = settled.table(_EVENT_DELIVERED)
        for p, on, key, audience, attendees in delivered.rows(
            "on", "event", "audience_reached", "attendees"
        ):
            if self.as_of is not None and on > self.as_of:
                continue
            plan = plans.get(key)
            partnership = UNASSIGNED if plan is None else plan[0]
            own = (p,) if plan is None else (p, plan[1])
            month = on[:7]
            events = self._tally("events_delivered", (partnership, month))
            events.counts[1] = events.counts.get(1, 0) + 1
            events.positions.extend(own)
            reached = self._tally("audience_reached", (partnership, month))
            reached.extra.append(Decimal(audience))
            reached.positions.extend(own)
            for mentor in attendees or ():
                if self.roles.get(mentor) == "ambassador":
                    where = (self.partnership.get(mentor, UNASSIGNED), month)
                    active = self._tally("ambassadors_active", where)
                    active.members.add(mentor)
                    active.positions.extend(own)
                    active.mentors.add(mentor)

    def _funding(self, settled: EffectiveTables) -> list[tuple[str, str, Decimal, tuple[int, ...]]]:
        """(partnership, financial year label, amount, positions) of each funding fact."""
        out: list[tuple[str, str, Decimal, tuple[int, ...]]] = []
        for p, on, partnership, amount, year in settled.table(_FUNDING_RECEIVED).rows(
            "on", "partnership", "amount", "financial_year"
        ):
            if self.as_of is not None and on > self.as_of:
                continue
            label = str(year).replace("/", "-").replace(" ", "-")
            out.append((partnership, label, to_decimal(amount), (p,)))
        return out

    # -- reading -------------------------------------------------------------------------

    def month_keys(self) -> Iterable[MonthKey]:
        return self.buckets.keys()

    def cost(self, key: MonthKey) -> Decimal:
        """The month's priced total: the fold's running sum, from ``ZERO`` (none: ``ZERO``)."""
        bucket = self.buckets[key]
        total = ZERO if bucket.priced is None else ZERO + bucket.priced  # the fold starts at ZERO
        for cost in bucket.extra_cost:
            total += cost
        return _padded(total, self.history.cost.get(key))

    def unpriced(self, key: MonthKey) -> Decimal:
        bucket = self.buckets[key]
        total = ZERO
        for hours, count in bucket.unpriced.items():
            total += self.decimal_hours(hours) * count
        for hours in bucket.extra_hours:
            total += hours
        return _padded(total, self.history.hours.get(key))

    def positions(self, key: MonthKey) -> PositionSet:
        """Every fact behind the month's segments: the facts, the pay rates that priced them
        and the enrolments of their mentors."""
        bucket = self.buckets[key]
        enrolments = [self.enrolment_positions(m) for m in bucket.mentors]
        return PositionSet((bucket.positions, array(POS, bucket.rates), *enrolments))

    def tally_value(self, metric: str, tally: Tally) -> Decimal:
        total = ZERO
        if metric == "contact_hours":
            for hours, count in tally.counts.items():
                total += self.decimal_hours(hours) * count
        else:
            for amount, count in tally.counts.items():
                total += Decimal(amount) * count
        for amount in tally.extra:
            total += amount
        return total

    def tally_positions(self, metric: str, tally: Tally) -> PositionSet:
        parts: list[Any] = [tally.positions]
        parts += [self.enrolment_positions(m) for m in tally.mentors]
        if metric == "registrants_supported":
            enrolled = self.registrant_enrolment
            parts.append(array(POS, (enrolled[r][1] for r in tally.members if r in enrolled)))
        return PositionSet(parts)

    def cancelled_rows(self) -> Mapping[SubKey, tuple[list[Decimal], list[Any]]]:
        return self.cancelled_cost

    def event_rows(self) -> Mapping[MonthKey, tuple[list[Decimal], list[Any]]]:
        """The priced cost booked to events, per (partnership, month, category), with its
        facts' positions."""
        return self.event_cost
