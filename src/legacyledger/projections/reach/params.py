"""Parameters of the reach projection and the grouping every reach figure shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

import attrs

from legacyledger.projections.base import PositionSet

T = TypeVar("T")
Dims = tuple[tuple[str, str], ...]


@attrs.frozen
class ReachParams:
    """What the reach figures are computed over.

    ``as_of`` is the business cut-off: facts dated after it are ignored. The reporting
    window is ``period_start`` … ``as_of`` (both inclusive; ``None`` = from the start) for
    events, feedback, mentoring dose and utilisation. ``growth_from`` adds registered-at,
    joined, left and growth figures from that date to ``as_of``. ``active_months``: an
    ambassador or mentor is active with a delivered event or delivery time in the
    ``active_months`` before ``as_of`` (after ``as_of`` minus that many months, up to it).
    ``dose_by_month`` adds a mentoring-dose figure per calendar month to the window's.
    """

    as_of: date
    period_start: date | None = None
    growth_from: date | None = None
    active_months: int = 6
    first_contact_days: int = 14
    early_contacts: int = 3
    early_months: int = 6
    by_partnership: bool = True
    dose_by_month: bool = False
    #: ISO spellings, kept because every date comparison in the view uses them
    as_of_iso: str = attrs.field(init=False, repr=False, eq=False)
    start_iso: str = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        start = "" if self.period_start is None else self.period_start.isoformat()
        object.__setattr__(self, "as_of_iso", self.as_of.isoformat())
        object.__setattr__(self, "start_iso", start)

    def in_window(self, day: str) -> bool:
        return self.start_iso <= day <= self.as_of_iso

    def as_mapping(self) -> dict[str, Any]:
        return {
            "period_start": self.start_iso or None,
            "growth_from": None if self.growth_from is None else self.growth_from.isoformat(),
            "active_months": self.active_months,
            "first_contact_days": self.first_contact_days,
            "early_contacts": self.early_contacts,
            "early_months": self.early_months,
            "dose_by_month": self.dose_by_month,
        }


def group(
    items: Iterable[T],
    partnership: Callable[[T], str],
    breakdown: Callable[[T], Mapping[str, str]],
    by_partnership: bool,
    fixed: Callable[[T], Dims] = lambda item: (),
) -> dict[Dims, list[T]]:
    """Items per group: all, and each single breakdown dim, for all and per partnership.

    ``fixed`` dims (e.g. role) are in every group: they are never summed over.
    """
    groups: dict[Dims, list[T]] = {}
    for item in items:
        dims = breakdown(item)
        scopes: tuple[Dims, ...] = (
            ((("partnership", partnership(item)),), ()) if by_partnership else ((),)
        )
        scopes = tuple(scope + fixed(item) for scope in scopes)
        for scope in scopes:
            for extra in ((), *(((name, value),) for name, value in dims.items())):
                groups.setdefault(tuple(sorted(scope + extra)), []).append(item)
    return groups


def splits(groups: Iterable[Dims]) -> dict[Dims, list[list[Dims]]]:
    """Each group's splits (of :func:`group`'s groups): for each dim a group lacks, the groups
    with its dims and that one more. Every item of a group has one value of each dim it is
    split by, so a count of items in the group is the sum of the counts in a split's groups
    (a group it lacks holds none)."""
    found: dict[Dims, dict[str, list[Dims]]] = {dims: {} for dims in groups}
    for dims in found:
        for i, (name, _) in enumerate(dims):
            coarser = dims[:i] + dims[i + 1 :]
            if coarser in found:
                found[coarser].setdefault(name, []).append(dims)
    return {dims: [sorted(finer) for _, finer in sorted(by.items())]
            for dims, by in found.items()}  # fmt: skip


def union(*parts: Iterable[int]) -> PositionSet:
    """Positions of every part, read lazily (see :class:`PositionSet`)."""
    return PositionSet(parts)
