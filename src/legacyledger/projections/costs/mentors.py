"""What the cost fold knows per mentor: pay-rate timeline, partnership, time logs to reprice.

A rate change on ``d`` can only alter the price of time on or after ``d``, so only that
mentor's logs ending on or after ``d`` are repriced; a rate set ahead of all logged time
(the usual case) reprices nothing. A changed enrolment can move a mentor to another
partnership, so all of that mentor's logs are re-attributed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.costs.params import CostParams
from legacyledger.projections.costs.pricing import UNASSIGNED, Segment, log_segments
from legacyledger.projections.costs.rates import MentorRates, rate_from_fact
from legacyledger.projections.current import FactStore


class SegmentSink(Protocol):
    """The cost fold as the mentor index sees it (:class:`~.fold.CostFold` is one)."""

    params: CostParams
    store: FactStore

    def set_segments(self, ref: str, segments: tuple[Segment, ...]) -> None: ...


class MentorIndex:
    """Per-mentor state of the cost fold, with the change handlers that maintain it."""

    def __init__(self, fold: SegmentSink) -> None:
        self.fold = fold
        self.rates: dict[str, MentorRates] = {}
        self.enrolments: dict[str, dict[str, None]] = {}
        self.partnership: dict[str, str] = {}
        #: mentor -> log ref -> (first day, last day): what a rate change may touch
        self.logs: dict[str, dict[str, tuple[str, str]]] = {}
        self.log_end: dict[str, str] = {}

    def log_changed(self, old: EffectiveFact | None, new: EffectiveFact | None) -> None:
        if old is not None:
            self.logs[old.fact["mentor"]].pop(old.source_ref, None)
        if new is None:
            assert old is not None
            self.fold.set_segments(old.source_ref, ())
        else:
            self.fold.set_segments(new.source_ref, self.add_log(new.source_ref, new.fact))

    def add_log(self, ref: str, fact: Mapping[str, Any]) -> tuple[Segment, ...]:
        """Index a log under its mentor (for repricing) and price it."""
        mentor = fact["mentor"]
        refs = self.logs.get(mentor)
        if refs is None:
            refs = self.logs[mentor] = {}
        end = fact.get("until") or fact["on"]
        refs[ref] = (fact["on"], end)
        if end > self.log_end.get(mentor, ""):
            self.log_end[mentor] = end
        return self._segments(fact)

    def _segments(self, fact: Mapping[str, Any]) -> tuple[Segment, ...]:
        mentor = fact["mentor"]
        params = self.fold.params
        return log_segments(
            fact,
            self.partnership.get(mentor, UNASSIGNED),
            self.rates.get(mentor),
            params.hours_per_year,
            params.as_of_iso,
        )

    def _price(self, log: EffectiveFact) -> None:
        self.fold.set_segments(log.source_ref, self._segments(log.fact))

    def rate_changed(self, old: EffectiveFact | None, new: EffectiveFact | None) -> None:
        """Reprice the logs the change can touch: from the earliest date it moves, up to the
        next rate that starts after it (later time keeps that rate either way)."""
        ons: dict[str, list[str]] = {}
        if old is not None:
            self.rates[old.fact["mentor"]].drop(old.source_ref)
            ons.setdefault(old.fact["mentor"], []).append(old.fact["on"])
        if new is not None:
            rate = rate_from_fact(new.position, new.fact)
            self.rates.setdefault(new.fact["mentor"], MentorRates()).put(rate)
            ons.setdefault(new.fact["mentor"], []).append(new.fact["on"])
        for mentor, days in ons.items():
            self._reprice(mentor, min(days), self.rates[mentor].next_change(max(days)))

    def _reprice(self, mentor: str, start: str, stop: str | None = None) -> None:
        """Reprice this mentor's logs that end on or after ``start`` and begin before ``stop``."""
        if self.log_end.get(mentor, "") < start:
            return
        store = self.fold.store
        for ref, (first, last) in list(self.logs.get(mentor, {}).items()):
            if last >= start and (stop is None or first < stop):
                log = store.get(ref)
                if log is not None:
                    self._price(log)

    def enrolment_changed(self, old: EffectiveFact | None, new: EffectiveFact | None) -> None:
        touched = set()
        for fact, keep in ((old, False), (new, True)):
            if fact is None:
                continue
            mentor = fact.fact["mentor"]
            refs = self.enrolments.setdefault(mentor, {})
            if keep:
                refs[fact.source_ref] = None
            else:
                refs.pop(fact.source_ref, None)
            touched.add(mentor)
        for mentor in sorted(touched):
            self._reattribute(mentor)

    def _reattribute(self, mentor: str) -> None:
        """The latest (by position) effective enrolment names the mentor's partnership."""
        latest = self._latest(mentor)
        partnership = UNASSIGNED if latest is None else str(latest.fact["partnership"])
        if partnership != self.partnership.get(mentor, UNASSIGNED):
            self.partnership[mentor] = partnership
            self._reprice(mentor, "")

    def enrolment_positions(self, mentor: str) -> tuple[int, ...]:
        facts = self.fold.store
        return tuple(
            p for r in self.enrolments.get(mentor, ()) if (f := facts.get(r)) for p in f.positions
        )

    def roles(self) -> dict[str, str]:
        """Mentor → role of the latest effective enrolment (read once, at the end)."""
        roles: dict[str, str] = {}
        for mentor in self.enrolments:
            latest = self._latest(mentor)
            if latest is not None:
                roles[mentor] = str(latest.fact["role"])
        return roles

    def _latest(self, mentor: str) -> EffectiveFact | None:
        facts = [f for r in self.enrolments.get(mentor, ()) if (f := self.fold.store.get(r))]
        return max(facts, key=lambda f: f.position, default=None)
