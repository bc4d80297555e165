"""Each mentor's pay-rate timeline: which ``MentorPayRateSet`` is in force on a date.

The rate in force on ``d`` is the one with the latest ``on`` ≤ ``d``; for equal ``on`` the
later ledger position wins (a re-keyed award supersedes the first entry). Keys are
``(on, position)`` with ``on`` as an ISO string, so look-ups are a bisect with no date
parsing. Back-dated rates are inserted in place, which is why this is a sorted list rather
than an append-only log.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from legacyledger.projections.periods import to_decimal

_LAST = 1 << 62


class Rate(NamedTuple):
    """A pay rate as the fold uses it: ``loaded`` = annual salary x (1 + on-cost rate)."""

    on: str
    position: int
    ref: str
    loaded: Decimal


def rate_from_fact(position: int, fact: Mapping[str, Any]) -> Rate:
    """Loaded annual cost, kept undivided so the one division happens per priced piece."""
    salary = to_decimal(fact["annual_salary"])
    return Rate(
        fact["on"], position, fact["source_ref"], salary * (1 + to_decimal(fact["oncost_rate"]))
    )


class MentorRates:
    """A sorted timeline of one mentor's rates."""

    __slots__ = ("_keys", "_rates")

    def __init__(self) -> None:
        self._keys: list[tuple[str, int]] = []
        self._rates: list[Rate] = []

    def put(self, rate: Rate) -> None:
        index = bisect_left(self._keys, (rate.on, rate.position))
        self._keys.insert(index, (rate.on, rate.position))
        self._rates.insert(index, rate)

    def drop(self, ref: str) -> None:
        for index, rate in enumerate(self._rates):
            if rate.ref == ref:
                del self._keys[index], self._rates[index]
                return

    def at(self, iso: str) -> Rate | None:
        """The rate in force on ``iso`` (latest ``on`` ≤ it, later position on ties)."""
        index = bisect_right(self._keys, (iso, _LAST)) - 1
        return self._rates[index] if index >= 0 else None

    def next_change(self, iso: str) -> str | None:
        """The first ``on`` strictly after ``iso``: where a spread period must be cut."""
        index = bisect_right(self._keys, (iso, _LAST))
        return self._keys[index][0] if index < len(self._keys) else None

    def __len__(self) -> int:
        return len(self._rates)
