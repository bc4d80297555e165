"""The exponents the incremental cost fold's running totals carry from their history.

:class:`~legacyledger.projections.costs.fold.CostFold` keeps a running total per
``(partnership, month, category)``: it adds each segment's cost as a fact arrives and, when a
later fact reprices it (a back-dated pay rate, a correction, a void, a changed enrolment),
subtracts the old cost and adds the new. Decimal sums are exact, so the *value* is the sum of
the costs in force at the end, which is what :mod:`costs_state` computes; but an exact
``Decimal`` sum keeps the smallest exponent of everything ever added or subtracted, so the
fold's total can carry trailing zeros from a cost it later withdrew (``949.5000…000`` rather
than ``949.50``). Totals must read the same whichever way they were computed, so this module
finds, per month-level key, the smallest exponent of the withdrawn costs (and unpriced
hours), and :class:`~legacyledger.projections.costs.state.CostState` pads its sums to it:

* a one-day log (or one inside one month and one rate) of a mentor whose rates were only
  ever added (never corrected or voided), whose partnership never changed after the log
  arrived, and which was not itself corrected: it was priced on arrival at the rate then in
  force on its date, and repriced each time a later rate became the one in force on that date
  (never by one that did not). Its costs are worked out from the order the rates arrived in;
* anything else with a history (corrected or voided facts, spread logs cut differently as
  rates arrived, mentors whose rates were corrected or whose partnership changed after their
  logs): those facts (with their mentors' rates and enrolments, and the corrections that
  reached them) are replayed through the fold itself and its totals read off. Such facts are
  few; the replay is exact by construction.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from legacyledger.domain import Mentor, Partnership
from legacyledger.domain.corrections import CORRECTED
from legacyledger.projections.base import FactRecord
from legacyledger.projections.costs.fold import CostFold
from legacyledger.projections.costs.params import CostParams
from legacyledger.projections.costs.pricing import UNASSIGNED, MonthKey
from legacyledger.projections.tables import EffectiveTables

_COST_INCURRED = Partnership.CostIncurred.FACT
_MENTOR_ENROLLED = Mentor.Enrolled.FACT
_MENTOR_TIME_LOGGED = Mentor.TimeLogged.FACT


class PricedState(Protocol):
    """The end-state cost fold as the history sees it (:class:`~.state.CostState` is one)."""

    @property
    def params(self) -> CostParams: ...

    @property
    def rates(self) -> Mapping[str, Any]: ...

    def price(self, rate: int, hours: Any) -> Decimal: ...

    def decimal_hours(self, hours: Any) -> Decimal: ...

PRICED_NAMES = (Mentor.TimeLogged.FACT, Partnership.CostIncurred.FACT, Mentor.PayRateSet.FACT,
                Mentor.Enrolled.FACT)
MENTOR_NAMES = (Mentor.PayRateSet.FACT, Mentor.Enrolled.FACT)


def exponent(value: Decimal) -> int:
    return int(value.as_tuple().exponent)


class History:
    """Smallest exponents, per month-level key, of the costs and unpriced hours the fold
    added and later withdrew (see the module docstring)."""

    def __init__(self) -> None:
        self.cost: dict[MonthKey, int] = {}
        self.hours: dict[MonthKey, int] = {}
        #: facts to replay through the fold: original positions, and whole mentors
        self.replay_positions: set[int] = set()
        self.replay_mentors: set[str] = set()
        self._state: PricedState | None = None
        self._enrolments: dict[str, list[tuple[int, str]]] = {}
        self._records: dict[tuple[str, int], list[int]] = {}
        self._seen: dict[tuple[int, int, Any], tuple[int, int | None]] = {}

    def _lower(self, into: dict[MonthKey, int], key: MonthKey, value: int) -> None:
        held = into.get(key)
        if held is None or value < held:
            into[key] = value

    # -- working it out ------------------------------------------------------------------

    def prepare(self, state: PricedState, settled: EffectiveTables) -> None:
        """Before the time logs are read: the mentors whose rates or enrolments were
        corrected or voided, and every mentor's enrolments in ledger order."""
        self._state = state
        for p, (name, _, fields) in settled.touched.items():
            if name in MENTOR_NAMES and fields.get("mentor") is not None:
                self.replay_mentors.add(fields["mentor"])
            if name in PRICED_NAMES:
                self.replay_positions.add(p)
        for p, mentor, partnership in settled.table(_MENTOR_ENROLLED).rows("mentor", "partnership"):
            self._enrolments.setdefault(mentor, []).append((p, partnership))

    def first_log(self, mentor: str, first: int) -> None:
        """The mentor's first time log is at ``first``: a later enrolment that changes the
        mentor's partnership reprices (moves) every log before it."""
        current = UNASSIGNED
        for p, partnership in self._enrolments.get(mentor, ()):
            if partnership != current and p > first:
                self.replay_mentors.add(mentor)
                return
            current = partnership

    def late(self, mentor: str, interval: int, p: int, key: MonthKey, hours: Any) -> None:
        """A one-day log priced on arrival at an earlier rate (or none), then repriced as
        later rates became the ones in force on its date: lower the key's exponents."""
        state = self._state
        assert state is not None
        times = self._records.get((mentor, interval))
        if times is None:
            times = self._records[(mentor, interval)] = _records(state, mentor, interval)
        i = bisect_left(times, p)  # the rates that arrived before the log
        # the same history (and hours) gives the same exponents: work them out once
        seen = self._seen.get((id(times), i, hours))
        if seen is None:
            unpriced = _exponent_of_hours(state, hours) if i == 0 else None
            start = 0 if i == 0 else i - 1  # else the last of them was in force on arrival
            cost = min(exponent(state.price(rate, hours)) for rate in times[start:])
            seen = self._seen[(id(times), i, hours)] = (cost, unpriced)
        self._lower(self.cost, key, seen[0])
        if seen[1] is not None:  # none was in force on its date: unpriced, until one was
            self._lower(self.hours, key, seen[1])

    def settle(self, state: PricedState, settled: EffectiveTables) -> None:
        """After the logs are read: replay what has a history the analysis does not cover."""
        if self.replay_positions or self.replay_mentors:
            self._replay(state, settled)
        self._state = None
        self._records.clear()
        self._seen.clear()

    def _replay(self, state: PricedState, settled: EffectiveTables) -> None:
        records = _records_to_replay(settled, self.replay_positions, self.replay_mentors)
        fold = CostFold(state.params, restate=False).extend(records)
        for key, total in fold.totals.items():
            self._lower(self.cost, key, exponent(total))
        for key, hours in fold.unpriced.items():
            self._lower(self.hours, key, exponent(hours))
        fold.close()


def _exponent_of_hours(state: PricedState, hours: Any) -> int:
    return exponent(state.decimal_hours(hours))


def _records(state: PricedState, mentor: str, interval: int) -> list[int]:
    """The rates (by position, which is also when they arrived) that became the one in force
    on a day of this interval (between two rate start dates), in the order they arrived."""
    timeline = state.rates[mentor]
    last_on = timeline.ons[interval - 1]
    arrived = sorted((r.position, r.on) for r in timeline.timeline._rates if r.on <= last_on)
    times: list[int] = []
    best: tuple[str, int] | None = None
    for position, on in arrived:
        if best is None or (on, position) > best:
            best = (on, position)
            times.append(position)
    return times


def _records_to_replay(
    settled: EffectiveTables, positions: set[int], mentors: set[str]
) -> list[FactRecord]:
    """The facts to replay (as first recorded) with the corrections that reached them, and
    for each time log its mentor's rates and enrolments, in ledger order."""
    chosen: dict[int, dict[str, Any]] = {}
    touched = settled.touched
    named: set[str] = set(mentors)

    def take(name: str, p: int, ref: str, fields: Mapping[str, Any]) -> None:
        if p in chosen:
            return
        fact = {k: v for k, v in fields.items() if v is not None}
        fact.update(fact=name, source_ref=ref)
        chosen[p] = fact
        if name == _MENTOR_TIME_LOGGED and fact.get("mentor") is not None:
            named.add(fact["mentor"])

    for p in positions:
        name, ref, fields = touched.get(p) or _row_at(settled, p)
        take(name, p, ref, fields)
        if name == _MENTOR_TIME_LOGGED:  # its final version may name another mentor
            final = _row_at(settled, p, missing_ok=True)
            if final is not None and final[2].get("mentor") is not None:
                named.add(final[2]["mentor"])
    for name in PRICED_NAMES:
        table = settled.table(name)
        if name == _COST_INCURRED:
            continue
        wanted = named if name in MENTOR_NAMES else mentors
        for row, mentor in enumerate(table.col("mentor")):
            if mentor in wanted:
                p = table.pos[row]
                if p in touched:
                    take(name, p, touched[p][1], touched[p][2])
                else:
                    take(name, p, table.ref(row), table.fields_at(row))
    for p, (name, ref, fields) in touched.items():
        if name in PRICED_NAMES and (fields.get("mentor") in named if name in MENTOR_NAMES
                                     else fields.get("mentor") in mentors):  # fmt: skip
            take(name, p, ref, fields)
    refs = {fact["source_ref"] for fact in chosen.values()}
    records = [FactRecord(p, fact) for p, fact in chosen.items()]
    fixes = [(p, c) for p, c in settled.corrections if c["target"] in refs]
    fixed = {c["source_ref"] for _, c in fixes if c["fact"] == CORRECTED}
    fixes += [(p, c) for p, c in settled.corrections if c["target"] in fixed]
    records += [FactRecord(p, c) for p, c in fixes]
    records.sort(key=lambda r: r.position)
    return records


def _row_at(settled: EffectiveTables, position: int, missing_ok: bool = False) -> Any:
    """(name, ref, fields) of the fact still in force at original ``position``."""
    for name in PRICED_NAMES:
        table = settled.table(name)
        i = bisect_left(table.pos, position)
        if i < len(table.pos) and table.pos[i] == position:
            return name, table.ref(i), table.fields_at(i)
    if missing_ok:
        return None
    raise KeyError(position)


def exponents(items: Iterable[tuple[MonthKey, int]]) -> dict[MonthKey, int]:
    out: dict[MonthKey, int] = {}
    for key, value in items:
        if key not in out or value < out[key]:
            out[key] = value
    return out
