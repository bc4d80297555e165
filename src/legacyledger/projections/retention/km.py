"""Kaplan-Meier survival with delayed entry, Greenwood variance and a log-log 95% CI.

Time is whole days since the anchor. A :class:`Subject` with ``entry`` ``None`` (enrolled on
or before the anchor) is at risk from day 0. A subject enrolled ``entry > 0`` days after the
anchor is at risk on day ``t`` only if ``entry < t <= duration``: someone enrolled on the day
another registrant leaves is not in that day's risk set, and a subject whose exit falls on
its own enrolment day is never at risk and is left out (counted in ``excluded``). This is
lifelines' left-truncation convention (``KaplanMeierFitter().fit(..., entry=...)``).

The arithmetic follows lifelines so the two agree to rounding error:
``log S(t) = Σ_{t_i <= t} log(1 - d_i/n_i)``, ``V(t) = Σ d_i / (n_i (n_i - d_i))`` (a step with
``d_i = n_i`` adds 0 and sets S to 0), ``Var S = S² V`` and the exponential-Greenwood bounds
``exp(-exp(log(-log S) ∓ z √V / log S))``, ``z = Φ⁻¹(0.975)``; S = 1 gives (1, 1), S = 0 (0, 0).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from statistics import NormalDist
from typing import NamedTuple

import attrs

Z95 = NormalDist().inv_cdf(0.975)


class Subject(NamedTuple):
    entry: int | None
    duration: int
    event: bool


@attrs.frozen
class KMPoint:
    """The estimate just after day ``day``; ``at_risk``/``events``/``censored`` are on that day."""

    day: int
    at_risk: int
    events: int
    censored: int
    survival: float
    greenwood: float
    lower: float
    upper: float

    @property
    def variance(self) -> float:
        """Greenwood variance of S: ``S² Σ d/(n(n-d))``."""
        return self.survival * self.survival * self.greenwood


_START = KMPoint(0, 0, 0, 0, 1.0, 0.0, 1.0, 1.0)


@attrs.frozen
class KMCurve:
    points: tuple[KMPoint, ...]
    subjects: int
    events: int
    censored: int
    excluded: int
    entries: tuple[int, ...] = attrs.field(repr=False)
    exits: tuple[int, ...] = attrs.field(repr=False)
    days: tuple[int, ...] = attrs.field(repr=False, default=())

    def at_risk(self, day: int) -> int:
        return bisect_left(self.entries, day) - bisect_left(self.exits, day)

    def at(self, day: int) -> KMPoint:
        """The step function at ``day``, with the number at risk on that day."""
        i = bisect_right(self.days, day)
        last = self.points[i - 1] if i else _START
        return attrs.evolve(last, day=day, at_risk=self.at_risk(day), events=0, censored=0)

    def events_by(self, day: int) -> int:
        """The events (leavings) on or before ``day``."""
        return sum(p.events for p in self.points[: bisect_right(self.days, day)])


def effective_number(events: int, survival: float) -> float | None:
    """``events / (1 - survival)``: the size of a cohort followed from the anchor with no one
    censored or entering late that the same ``events`` would leave at the same survival (in
    such a cohort, its size). None when nobody has left (the survival is 1 whatever it is).

    With it a survival is ``1 - events / effective number``, a ratio of two numbers of
    people, which disclosure control can show from their rounded values (figures.md §5)."""
    if events == 0 or survival >= 1.0:
        return None
    return events / (1.0 - survival)


def loglog_bounds(log_s: float, greenwood: float) -> tuple[float, float]:
    if log_s == 0.0:
        return 1.0, 1.0
    if math.isinf(log_s):
        return 0.0, 0.0
    spread = Z95 * math.sqrt(greenwood) / log_s
    centre = math.log(-log_s)
    return math.exp(-math.exp(centre - spread)), math.exp(-math.exp(centre + spread))


def kaplan_meier(subjects: Sequence[Subject]) -> KMCurve:
    kept = [s for s in subjects if s.entry is None or s.entry < s.duration]
    entries = tuple(sorted(-1 if s.entry is None else s.entry for s in kept))
    exits = tuple(sorted(s.duration for s in kept))
    deaths = Counter(s.duration for s in kept if s.event)
    losses = Counter(s.duration for s in kept if not s.event)
    excluded = len(subjects) - len(kept)
    curve = KMCurve((), len(kept), deaths.total(), losses.total(), excluded, entries, exits)
    points = _steps(curve, sorted(deaths.items()), losses)
    return attrs.evolve(curve, points=points, days=tuple(p.day for p in points))


def _steps(
    curve: KMCurve, deaths: list[tuple[int, int]], losses: Counter[int]
) -> tuple[KMPoint, ...]:
    log_s, greenwood, points = 0.0, 0.0, []
    for day, d in deaths:
        n = curve.at_risk(day)
        if d < n:
            log_s += math.log1p(-d / n)
            greenwood += d / (n * (n - d))
        else:
            log_s = -math.inf
        lower, upper = loglog_bounds(log_s, greenwood)
        points.append(KMPoint(day, n, d, losses[day], math.exp(log_s), greenwood, lower, upper))
    return tuple(points)
