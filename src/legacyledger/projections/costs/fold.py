"""The incremental cost fold: one pass in ledger order, corrections applied as they arrive.

The fold keeps, per cost fact, the segments it currently contributes. A fact, a
correction, a void, a (back-dated) pay rate or a changed enrolment retracts the old
segments of every fact it touches and adds the new ones, so running totals per
(partnership, month, category) are always those of the facts *as known at this position*.
That is what lets :mod:`costs_restate` report "as reported" against "restated" in the
same pass. Sums are exact (``SUM_CTX`` traps inexact results), so retract-then-add leaves
no residue and a fold in pieces equals a fold in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, localcontext
from typing import Any

from legacyledger.domain import Mentor, Partnership, ProgrammeEvent, Registrant
from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.base import CORRECTIONS, FactRecord
from legacyledger.projections.costs.mentors import MentorIndex
from legacyledger.projections.costs.params import CostParams
from legacyledger.projections.costs.pricing import MonthKey, Segment, cost_segments
from legacyledger.projections.costs.restate import RestatementTracker, RunningTotals
from legacyledger.projections.current import FactStore
from legacyledger.projections.periods import SUM_CTX, ZERO

_COST_INCURRED = Partnership.CostIncurred.FACT
_MENTOR_ENROLLED = Mentor.Enrolled.FACT
_MENTOR_PAY_RATE_SET = Mentor.PayRateSet.FACT
_MENTOR_TIME_LOGGED = Mentor.TimeLogged.FACT

#: Facts the cost figures only read at the end (denominators, funding, cancellations):
#: stored on arrival, with no further work.
STORED = frozenset(
    {
        Partnership.FundingReceived.FACT,
        Registrant.Enrolled.FACT,
        Registrant.MentoringContactRecorded.FACT,
        ProgrammeEvent.Planned.FACT,
        ProgrammeEvent.Delivered.FACT,
        ProgrammeEvent.Cancelled.FACT,
    }
)

#: Facts that are priced or decide a price: repriced as they arrive, and kept by name too,
#: so that :func:`~legacyledger.projections.costs.build_view` can read the fold's state.
PRICED = frozenset({Mentor.TimeLogged.FACT, Partnership.CostIncurred.FACT, Mentor.PayRateSet.FACT,
                    Mentor.Enrolled.FACT})

Change = Callable[[EffectiveFact | None, EffectiveFact | None], None]


class CostFold:
    """Apply records one at a time (or in batches); read the state when done."""

    def __init__(
        self, params: CostParams, restate: bool = True, only: frozenset[str] | None = None
    ) -> None:
        """``restate=False``: keep the totals only (no restatements are tracked); ``only``:
        track the restatements caused by these facts only."""
        self.params = params
        self.store = FactStore(STORED | PRICED)
        self.contrib: dict[str, tuple[Segment, ...]] = {}
        self.totals: dict[MonthKey, Decimal] = {}
        self.month_totals: dict[tuple[str, str], Decimal] = {}
        self.unpriced: dict[MonthKey, Decimal] = {}
        self.delta: dict[MonthKey, Decimal] = {}
        #: months before this one were reported when the record in hand was recorded
        self.open_month = ""
        self.mentors = MentorIndex(self)
        self.tracker = RestatementTracker(params, only) if restate else _Untracked(params)
        self._changes: dict[str, Change] = {
            _MENTOR_TIME_LOGGED: self.mentors.log_changed,
            _COST_INCURRED: self._cost_changed,
            _MENTOR_PAY_RATE_SET: self.mentors.rate_changed,
            _MENTOR_ENROLLED: self.mentors.enrolment_changed,
        }

    def extend(self, records: Iterable[FactRecord]) -> CostFold:
        changes, put, log = self._changes, self.store.put, self._new_log
        with localcontext(SUM_CTX):
            for record in records:
                name = record.fact["fact"]
                if name == _MENTOR_TIME_LOGGED:
                    log(record)
                elif name in STORED:
                    put(record)
                elif name in changes:
                    self._new(record, name)
                elif name in CORRECTIONS:
                    self._correction(record)
        return self

    def apply(self, record: FactRecord) -> CostFold:
        return self.extend((record,))

    def close(self) -> None:
        """Break the fold's reference cycle (its mentor index points back at it), so that it
        is freed at once even while the cyclic GC is paused."""
        self.mentors.fold = None  # type: ignore[assignment]

    def _new(self, record: FactRecord, name: str) -> None:
        fact = record.fact
        self.open_month = self.tracker.saw(fact)
        old = self.store.get(fact["source_ref"])
        self.store.put(record)
        new = EffectiveFact(record.position, fact, (record.position,))
        self._changes[name](old, new)
        self._settle(record, new)

    def _new_log(self, record: FactRecord) -> None:
        """The record the fold sees most: a new time log. Same result as ``_new``, fewer steps."""
        fact = record.fact
        ref = fact["source_ref"]
        if ref in self.store:
            self._new(record, _MENTOR_TIME_LOGGED)
            return
        self.open_month = self.tracker.saw(fact)
        self.store.put(record)
        segments = self.mentors.add_log(ref, fact)
        for seg in segments:
            self._add(seg, seg.hours, seg.cost)
        if segments:
            self.contrib[ref] = segments
        if self.delta:
            self.tracker.observe(record, self)
            self.delta = {}
        self.tracker.advance_to(fact.get("until") or fact["on"])

    def _correction(self, record: FactRecord) -> None:
        old, new = self.store.correct(record)
        change = None if old is None else self._changes.get(old.name)
        if change is None:
            return
        self.open_month = self.tracker.saw(record.fact)
        change(old, new)
        self._settle(record, new)

    def _settle(self, record: FactRecord, new: EffectiveFact | None) -> None:
        if self.delta:
            self.tracker.observe(record, self)
            self.delta = {}
        self.tracker.advance(new)

    def set_segments(self, ref: str, segments: tuple[Segment, ...]) -> None:
        """Replace what ``ref`` contributes: retract the old segments, add the new ones."""
        for seg in self.contrib.pop(ref, ()):
            self._add(seg, -seg.hours, None if seg.cost is None else -seg.cost)
        for seg in segments:
            self._add(seg, seg.hours, seg.cost)
        if segments:
            self.contrib[ref] = segments

    def _add(self, seg: Segment, hours: Decimal, cost: Decimal | None) -> None:
        key = (seg.partnership, seg.month, seg.category)
        if cost is None:
            self.unpriced[key] = self.unpriced.get(key, ZERO) + hours
            return
        self.totals[key] = self.totals.get(key, ZERO) + cost
        month_key = (seg.month, seg.category)
        self.month_totals[month_key] = self.month_totals.get(month_key, ZERO) + cost
        if seg.month < self.open_month:  # only a reported month can be restated
            self.delta[key] = self.delta.get(key, ZERO) + cost

    def _cost_changed(self, old: EffectiveFact | None, new: EffectiveFact | None) -> None:
        fact = new or old
        assert fact is not None
        segments = () if new is None else cost_segments(new.fact, self.params.as_of_iso)
        self.set_segments(fact.source_ref, segments)


class _Untracked(RestatementTracker):
    """A tracker that never reports a period: every month stays open, nothing is restated."""

    def saw(self, fact: Any) -> str:
        return ""

    def advance(self, new: EffectiveFact | None) -> None:
        pass

    def advance_to(self, day: str) -> None:
        pass

    def observe(self, record: FactRecord, fold: RunningTotals) -> None:
        pass
