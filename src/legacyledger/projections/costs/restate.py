"""As reported vs restated, tracked in the same pass as the totals.

A period counts as *reported* once the ledger's clock has passed its end. The clock is the
latest ``recorded_at`` date seen on a cost-relevant record; a ledger without ``recorded_at``
falls back to the latest activity date (``on``/``until`` of time logs and costs) seen
*before* the record in hand. Any later change to a reported period's total, whatever
caused it (a back-dated pay rate, a back-dated cost or time log, a correction, a void, a
changed enrolment), is a restatement: the figure as known just before the record, the
figure after it, the difference and the record (position, source_ref). Changes to periods
still open are ordinary accumulation and are not listed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from legacyledger.domain import Mentor, Partnership, Subject
from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.base import CORRECTIONS, FactRecord
from legacyledger.projections.costs.params import CostParams
from legacyledger.projections.costs.pricing import MonthKey
from legacyledger.projections.figures import figure_id
from legacyledger.projections.periods import ZERO, months_in, period_end, period_of

if TYPE_CHECKING:
    from collections.abc import Mapping


class RunningTotals(Protocol):
    """The cost fold as a restatement sees it (:class:`~.fold.CostFold` is one): running
    totals by (partnership, month, category) and by (month, category), and the change the
    record being applied made to them."""

    totals: dict[MonthKey, Decimal]
    month_totals: dict[tuple[str, str], Decimal]
    delta: dict[MonthKey, Decimal]

CATEGORIES = ("administration", "delivery")
#: The facts that restate a reported period by changing what is already recorded (rather
#: than adding activity late): corrections, voids and back-dated pay rates.
REPRICING = frozenset({Mentor.PayRateSet.FACT, Subject.Corrected.FACT, Subject.Voided.FACT})
_ACTIVITY = frozenset({Mentor.TimeLogged.FACT, Partnership.CostIncurred.FACT})

Scoped = tuple[str | None, str, str | None]


@attrs.frozen
class Restatement:
    """One reported period total changed by one record."""

    figure_id: str
    grain: str
    period: str
    partnership: str | None
    category: str | None
    as_reported: Decimal
    restated: Decimal
    difference: Decimal
    position: int
    source_ref: str
    fact: str
    target: str | None = None


class RestatementTracker:
    """Keeps the clock and turns each record's net change per closed period into rows."""

    def __init__(self, params: CostParams, only: frozenset[str] | None = None) -> None:
        """``only``: list the restatements caused by these facts only (e.g. :data:`REPRICING`;
        a ledger imported in one go otherwise restates every past month with every fact)."""
        self.params = params
        self.only = only
        self.recorded = ""
        self.activity = ""
        self.rows: list[Restatement] = []

    def saw(self, fact: Mapping[str, Any]) -> str:
        """Advance the clock to the record's ``recorded_at``; return the first open month."""
        stamp = fact.get("recorded_at")
        if stamp:
            day = str(stamp)[:10]
            if day > self.recorded:
                self.recorded = day
        return (self.recorded or self.activity)[:7]

    def advance(self, new: EffectiveFact | None) -> None:
        if new is not None and new.name in _ACTIVITY:
            self.advance_to(new.fact.get("until") or new.fact["on"])

    def advance_to(self, day: str) -> None:
        if day > self.activity:
            self.activity = day

    @property
    def clock(self) -> str:
        return self.recorded or self.activity

    def observe(self, record: FactRecord, fold: RunningTotals) -> None:
        if self.only is not None and record.fact["fact"] not in self.only:
            return
        clock = self.clock
        open_month = clock[:7]  # a month is reported once it ends on or before the clock
        closed = [
            (key, change) for key, change in fold.delta.items() if change and key[1] < open_month
        ]
        if not closed:
            return
        for grain in self.params.grains:
            changes = self._by_period(closed, grain, clock)
            for scoped in sorted(changes, key=lambda k: (k[0] or "", k[1], k[2] or "")):
                if changes[scoped]:
                    self.rows.append(self._row(record, fold, grain, scoped, changes[scoped]))

    def _by_period(
        self, closed: list[tuple[tuple[str, str, str], Decimal]], grain: str, clock: str
    ) -> dict[Scoped, Decimal]:
        scopes_of = (lambda p: (p, None)) if self.params.by_partnership else (lambda p: (None,))
        changes: dict[Scoped, Decimal] = {}
        for (partnership, month, category), change in closed:
            label = period_of(month, grain)
            if period_end(label, grain) > clock:
                continue
            for scope in scopes_of(partnership):
                for cat in (category, None):
                    changes[scope, label, cat] = changes.get((scope, label, cat), ZERO) + change
        return changes

    def _row(
        self, record: FactRecord, fold: RunningTotals, grain: str, scoped: Scoped, change: Decimal
    ) -> Restatement:
        scope, label, category = scoped
        after = period_total(fold, scope, label, grain, category)
        fact = record.fact
        return Restatement(
            figure_id=figure_id("costs.total", category=category, partnership=scope, period=label),
            grain=grain,
            period=label,
            partnership=scope,
            category=category,
            as_reported=after - change,
            restated=after,
            difference=change,
            position=record.position,
            source_ref=str(fact.get("source_ref", "")),
            fact=str(fact["fact"]),
            target=fact.get("target") if fact["fact"] in CORRECTIONS else None,
        )


def period_total(
    fold: RunningTotals, scope: str | None, label: str, grain: str, category: str | None
) -> Decimal:
    """A period's running total from the month-level totals (scope None: all partnerships)."""
    cats = CATEGORIES if category is None else (category,)
    months = months_in(label, grain)
    if scope is None:
        return sum((fold.month_totals.get((m, c), ZERO) for m in months for c in cats), ZERO)
    return sum((fold.totals.get((scope, m, c), ZERO) for m in months for c in cats), ZERO)
