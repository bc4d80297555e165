"""Ambassadors and mentors: registered, growth, active, drop-out and recruitment needed.

*Registered* on a day = enrolled on or before it and not withdrawn on or before it.
*Active* = registered at ``as_of`` with a delivered event attended, or delivery time
logged, in the ``active_months`` before ``as_of``. ``dropout_rate = withdrew / enrolled``
(both by ``as_of``). Growth from ``growth_from`` to ``as_of`` is reported as a whole
percentage, half up (26 -> 64 is +146%). Every group is split by ``role`` (ambassadors
and legacy mentors are never added together) and broken down by ``sector`` and by
``employer`` (the employer on ``as_of``, after moves).

Recruitment needed for a partnership's ``target_active``:
``ceil(target_active / (1 - dropout))``, with its assumed rate and with the observed one.
What the observed rate shows through (``dropout_gap``, observed minus assumed, and the
observed basis) rests on the partnership's ``withdrawn`` and ``enrolled`` counts, so
disclosure control suppresses it with them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from legacyledger.domain.corrections import EffectiveFact
from legacyledger.projections.base import Contributing, Figure, Relation
from legacyledger.projections.figures import COUNT, RATE, STATISTIC, FigureMaker
from legacyledger.projections.periods import add_months, divide, to_decimal
from legacyledger.projections.reach.params import ReachParams, group, splits, union
from legacyledger.projections.reach.state import Mentor

#: per mentor: original positions (in parts) of the activity after ``since``
#: (see ``reach_mentoring``)
Activity = Mapping[str, list[Any]]


def people_figures(
    make: FigureMaker, params: ReachParams, mentors: Mapping[str, Mentor], activity: Activity
) -> Iterator[Figure]:
    as_of = params.as_of_iso
    groups = group(
        mentors.values(),
        lambda m: m.partnership,
        lambda m: {"sector": m.sector, "employer": m.employer(as_of)},
        params.by_partnership,
        lambda m: (("role", m.role),),
    )
    for dims, finer in splits(groups).items():
        split = [[dict(d) for d in one] for one in finer]
        yield from _counts(make, params, dict(dims), groups[dims], split)
        yield _active(make, params, dict(dims), groups[dims], activity, split)


def _over(make: FigureMaker, metric: str, dims: dict[str, str],
          split: list[list[dict[str, str]]]) -> list[Relation]:  # fmt: skip
    """The count as the sum of the same count in each group of each split of the group."""
    return [make.sums(metric, dims, ((metric, d) for d in finer)) for finer in split]


def _counts(make: FigureMaker, params: ReachParams, dims: dict[str, str], members: list[Mentor],
            split: list[list[dict[str, str]]]) -> Iterator[Figure]:  # fmt: skip
    as_of, positions = params.as_of_iso, union(*(m.positions for m in members))
    registered = sum(m.registered(as_of) for m in members)
    withdrawn = sum(m.withdrew_on is not None for m in members)
    # those enrolled are registered or withdrawn; the active are some of the registered
    enrolled = [*_over(make, "enrolled", dims, split),
                make.sums("enrolled", dims, [("registered", dims), ("withdrawn", dims)])]
    more = [make.bounds("registered", dims, [("active", dims)])]
    yield make.make("registered", dims, registered, "person", positions, COUNT,
                    relations=[*_over(make, "registered", dims, split), *more])  # fmt: skip
    yield make.make("enrolled", dims, len(members), "person", positions, COUNT,
                    relations=enrolled)  # fmt: skip
    yield make.make("withdrawn", dims, withdrawn, "person", positions, COUNT,
                    relations=_over(make, "withdrawn", dims, split))  # fmt: skip
    rate = divide(Decimal(withdrawn), len(members)) if members else None
    parts = (make.id("withdrawn", dims), make.id("enrolled", dims))
    yield make.make("dropout_rate", dims, rate, "ratio", positions, RATE, inputs=parts)
    if params.growth_from is not None:
        yield from _growth(make, params.growth_from, dims, members, positions, registered, split)


def _growth(
    make: FigureMaker,
    start: date,
    dims: dict[str, str],
    members: list[Mentor],
    positions: Contributing,
    registered: int,
    split: list[list[dict[str, str]]],
) -> Iterator[Figure]:
    """Registered at ``start``, joined and left since: registered now = registered then +
    joined - left (a relation the figure registered now cannot state before these exist, so
    registered then states it)."""
    day = start.isoformat()
    before = sum(m.registered(day) for m in members)
    joined = sum(m.enrolled_on > day for m in members)
    left = sum(m.withdrew_on is not None and m.withdrew_on > day for m in members)
    dated, then = {**dims, "from": day}, {**dims, "at": day}
    since = make.sums("registered", then, [("registered", dims), ("left", dated)],
                      less=[("joined", dated)])  # fmt: skip
    at = [[{**d, "at": day} for d in finer] for finer in split]
    yield make.make("registered", then, before, "person", positions, COUNT,
                    relations=[*_over(make, "registered", then, at), since])  # fmt: skip
    froms = [[{**d, "from": day} for d in finer] for finer in split]
    yield make.make("joined", dated, joined, "person", positions, COUNT,
                    relations=_over(make, "joined", dated, froms))  # fmt: skip
    yield make.make("left", dated, left, "person", positions, COUNT,
                    relations=_over(make, "left", dated, froms))  # fmt: skip
    parts = (make.id("registered", {**dims, "at": day}), make.id("registered", dims))
    growth = growth_pct(before, registered)
    yield make.make("growth_pct", dated, growth, "percent", positions, RATE, inputs=parts)


def growth_pct(before: int, after: int) -> int | None:
    """Whole-percent growth, half up: ``round((after - before) / before * 100)``."""
    if not before:
        return None
    exact = divide(Decimal((after - before) * 100), before)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def _active(
    make: FigureMaker,
    params: ReachParams,
    dims: dict[str, str],
    members: list[Mentor],
    activity: Activity,
    split: list[list[dict[str, str]]],
) -> Figure:
    as_of, count, evidence = params.as_of_iso, 0, []
    for mentor in members:
        recent = activity.get(mentor.key)
        if recent:
            evidence.extend(recent)
            count += mentor.registered(as_of)
    positions = union(*(m.positions for m in members), *evidence)
    return make.make("active", dims, count, "person", positions, COUNT,
                     relations=_over(make, "active", dims, split))  # fmt: skip


def active_since(params: ReachParams) -> str:
    """Activity counts when it ends after this day (``active_months`` before ``as_of``)."""
    return add_months(params.as_of, -params.active_months).isoformat()


def recruitment_figures(
    make: FigureMaker,
    params: ReachParams,
    targets: Mapping[str, EffectiveFact],
    mentors: Mapping[str, Mentor],
) -> Iterator[Figure]:
    """Per partnership with a ``RecruitmentTargetSet``: target, rates and recruitment needed."""
    for partnership, target in sorted(targets.items()):
        members = [m for m in mentors.values() if m.partnership == partnership]
        positions = union(target.positions, *(m.positions for m in members))
        dims = {"partnership": partnership}
        wanted = int(target.fact["target_active"])
        assumed = to_decimal(target.fact["assumed_dropout_rate"])
        left = sum(m.withdrew_on is not None for m in members)
        observed = Fraction(left, len(members)) if members else None
        # planning numbers, not counts of people: never suppressed
        yield make.make("target_active", dims, wanted, "person", positions, STATISTIC)
        yield make.make("assumed_dropout_rate", dims, assumed, "ratio", positions, STATISTIC)
        # the observed drop-out rate shows through these: suppressed with its counts
        parts = _dropout_counts(make, partnership, members)
        gap = None if observed is None else divide(Decimal(left), len(members)) - assumed
        inputs: tuple[str, ...] = (make.id("assumed_dropout_rate", dims), *parts)
        yield make.make("dropout_gap", dims, gap, "ratio", positions, RATE, inputs=inputs)
        for basis, rate, inputs in (
            ("assumed", Fraction(assumed), ()),
            ("observed", observed, (make.id("target_active", dims), *parts)),
        ):
            needed = recruitment_needed(wanted, rate)
            at = {**dims, "basis": basis}
            yield make.make(
                "recruitment_needed", at, needed, "person", positions, STATISTIC, inputs=inputs
            )


def _dropout_counts(make: FigureMaker, partnership: str, members: list[Mentor]) -> tuple[str, ...]:
    """Ids of the ``withdrawn`` and ``enrolled`` counts the partnership's observed drop-out
    rests on, one pair per role (roles are never added together). Without ``by_partnership``
    there are none such: disclosure control then suppresses what names them."""
    roles = sorted({m.role for m in members})
    return tuple(
        make.id(metric, {"partnership": partnership, "role": role})
        for role in roles
        for metric in ("withdrawn", "enrolled")
    )


def recruitment_needed(target_active: int, dropout: Fraction | None) -> int | None:
    """``ceil(target_active / (1 - dropout))``, exactly (a rounded 2/3 must not add a head);
    None when every recruit is expected to leave."""
    if dropout is None or dropout >= 1:
        return None
    return math.ceil(target_active / (1 - dropout))
