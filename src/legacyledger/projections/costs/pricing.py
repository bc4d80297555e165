"""Turning one cost fact into priced pieces (segments), each inside one month and one rate.

Conventions (figures.md §2 and research note §7.6.2):

* Mentor time is valued at the rate in force on the *activity* date:
  ``cost = hours x annual_salary x (1 + oncost) / hours_per_year``, multiplied out exactly
  and divided once.
* A ``MentorTimeLogged`` with ``until`` covers the days ``on`` … ``until`` *inclusive* and is
  spread evenly over them (pro rata by day). The span is cut at every month start and every
  rate change, so each piece is attributed to its own month and priced at its own rate:
  ``piece cost = hours x days x loaded / (span days x hours_per_year)``.
* Days after the ``as_of`` cut-off are dropped (the per-day share is unchanged).
* Hours with no rate in force become segments with ``cost = None``: *unpriced*, never £0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from legacyledger.projections.costs.rates import MentorRates
from legacyledger.projections.periods import ZERO, divide, next_month, parse_date, to_decimal

UNASSIGNED = "unassigned"
#: (partnership, month, category): the key of a cost total.
MonthKey = tuple[str, str, str]
_ONE_DAY = timedelta(days=1)


class Segment(NamedTuple):
    """One priced piece: who, when (month), which category, cost (None = unpriced), hours."""

    partnership: str
    month: str
    category: str
    cost: Decimal | None
    hours: Decimal
    activity: str
    rate_ref: str | None


def cost_segments(fact: Mapping[str, Any], as_of: str | None) -> tuple[Segment, ...]:
    """A ``CostIncurred`` is one segment in the month it was incurred."""
    on = fact["on"]
    if as_of is not None and on > as_of:
        return ()
    amount = to_decimal(fact["amount"])
    return (Segment(fact["partnership"], on[:7], fact["category"], amount, ZERO, "cost", None),)


def log_segments(
    fact: Mapping[str, Any],
    partnership: str,
    rates: MentorRates | None,
    hours_per_year: Decimal,
    as_of: str | None,
) -> tuple[Segment, ...]:
    """Price a ``MentorTimeLogged``: one segment for a day, several for a spread period."""
    on = fact["on"]
    if as_of is not None and on > as_of:
        return ()
    until = fact.get("until")
    if until is None or until == on:
        rate = rates.at(on) if rates is not None else None
        hours = to_decimal(fact["hours"])
        cost = None if rate is None else divide(hours * rate.loaded, hours_per_year)
        ref = None if rate is None else rate.ref
        return (Segment(partnership, on[:7], fact["category"], cost, hours, fact["activity"], ref),)
    return _spread(fact, partnership, rates, hours_per_year, as_of)


def _spread(
    fact: Mapping[str, Any],
    partnership: str,
    rates: MentorRates | None,
    hours_per_year: Decimal,
    as_of: str | None,
) -> tuple[Segment, ...]:
    start, last = parse_date(fact["on"]), parse_date(fact["until"])
    if last < start:
        raise ValueError(f"{fact.get('source_ref')}: until {last} is before on {start}")
    span = (last - start).days + 1
    if as_of is not None:
        last = min(last, parse_date(as_of))
    pieces: list[Segment] = []
    first = start
    while first <= last:
        month_last = min(next_month(first) - _ONE_DAY, last)
        pieces.extend(_month(fact, partnership, rates, first, month_last, span, hours_per_year))
        first = next_month(first)
    return tuple(pieces)


def _month(
    fact: Mapping[str, Any],
    partnership: str,
    rates: MentorRates | None,
    first: date,
    last: date,
    span: int,
    hours_per_year: Decimal,
) -> list[Segment]:
    """One month of a spread log, cut at rate changes.

    The month's hours are its days' share of the whole, and the pieces' hours add up to
    exactly that (the last piece takes the remainder), so hours per month do not depend
    on where rates change: a figure about hours alone needs no pay-rate facts.
    """
    hours = to_decimal(fact["hours"])
    days = (last - first).days + 1
    remaining = hours if days == span else divide(hours * days, span)
    pieces = []
    day = first
    while day <= last:
        cut = _next_cut(day, last, rates)
        piece_days = (cut - day).days
        share = remaining if cut > last else divide(hours * piece_days, span)
        remaining -= share
        pieces.append(
            _piece(fact, partnership, rates, day, piece_days, share, span, hours_per_year)
        )
        day = cut
    return pieces


def _next_cut(day: date, last: date, rates: MentorRates | None) -> date:
    """End (exclusive) of the piece starting on ``day``: the rate's next change or ``last``."""
    cut = last + _ONE_DAY
    change = rates.next_change(day.isoformat()) if rates is not None else None
    return cut if change is None else min(cut, parse_date(change))


def _piece(
    fact: Mapping[str, Any],
    partnership: str,
    rates: MentorRates | None,
    day: date,
    days: int,
    share: Decimal,
    span: int,
    hours_per_year: Decimal,
) -> Segment:
    iso = day.isoformat()
    hours = to_decimal(fact["hours"])
    rate = rates.at(iso) if rates is not None else None
    cost = None if rate is None else divide(hours * days * rate.loaded, span * hours_per_year)
    ref = None if rate is None else rate.ref
    return Segment(partnership, iso[:7], fact["category"], cost, share, fact["activity"], ref)
