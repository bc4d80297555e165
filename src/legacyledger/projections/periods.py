"""Reporting periods and exact money for the cost and reach folds.

Periods are labelled so that a label sorts in time order and can sit inside a figure id
without escaping: calendar month ``2024-10``, NHS financial-year quarter ``2024-25-Q3``
(Q1 = April-June) and financial year ``2024-25``. Every label is derived from a month
label, so a fold only ever attributes to months and rolls up afterwards. (A
financial year and a month share a spelling only for 2000/01-2011/12, e.g. ``2011-12``,
which is before any programme this ledger serves.)

Money is exact: sums and products run in :data:`SUM_CTX`, which traps ``Inexact`` (a sum
that would round raises instead of drifting) and ``FloatOperation`` (a float never slips
in). The only inexact step is :func:`divide`, done once per priced piece at 34 digits.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    FloatOperation,
    Inexact,
    InvalidOperation,
    Overflow,
)
from functools import cache

GRAINS = ("month", "quarter", "fy")
ZERO = Decimal(0)
PENNY = Decimal("0.01")

SUM_CTX = Context(
    prec=80, traps=[InvalidOperation, DivisionByZero, Overflow, FloatOperation, Inexact]
)
DIV_CTX = Context(prec=34, traps=[InvalidOperation, DivisionByZero, Overflow, FloatOperation])

_DATES: dict[str, date] = {}


def to_decimal(value: object) -> Decimal:
    """Money, hours and rates arrive as decimal strings; a float is a data error, never rounded."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return Decimal(value)
    raise TypeError(f"expected a decimal string, got {type(value).__name__}: {value!r}")


def divide(numerator: Decimal, denominator: Decimal | int) -> Decimal:
    """The one rounding step: a quotient to 34 significant digits (an exact 0 stays ``0``)."""
    if not numerator:
        return ZERO
    return DIV_CTX.divide(numerator, denominator)


def display(value: Decimal | None) -> Decimal | None:
    """Whole pence, half up: for showing money only, never for summing."""
    if value is None:
        return None
    return value.quantize(PENNY, rounding=ROUND_HALF_UP, context=DIV_CTX)


def parse_date(iso: str) -> date:
    """ISO date, parsed once per distinct string (a ledger repeats few dates many times)."""
    parsed = _DATES.get(iso)
    if parsed is None:
        parsed = _DATES[iso] = date.fromisoformat(iso)
    return parsed


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (first_next - timedelta(days=1)).day))


def month_start(label: str) -> date:
    return parse_date(label + "-01")


def next_month(day: date) -> date:
    """First day of the month after ``day``."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@cache
def fy_start_year(month: str) -> int:
    year, mon = int(month[:4]), int(month[5:7])
    return year if mon >= 4 else year - 1


def fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@cache
def period_of(month: str, grain: str) -> str:
    """The label of the ``grain`` period holding calendar month ``month``."""
    if grain == "month":
        return month
    fy = fy_label(fy_start_year(month))
    if grain == "fy":
        return fy
    if grain == "quarter":
        return f"{fy}-Q{(int(month[5:7]) - 4) % 12 // 3 + 1}"
    raise ValueError(f"unknown grain {grain!r}")


@cache
def months_in(label: str, grain: str) -> tuple[str, ...]:
    """The calendar months of a period label, in order."""
    if grain == "month":
        return (label,)
    first = date(int(label[:4]), 4, 1)
    count = 12
    if grain == "quarter":
        first = add_months(first, 3 * (int(label[-1]) - 1))
        count = 3
    return tuple(add_months(first, i).isoformat()[:7] for i in range(count))


@cache
def period_end(label: str, grain: str) -> str:
    """ISO date of the first day after the period (periods are half-open)."""
    return next_month(month_start(months_in(label, grain)[-1])).isoformat()


def fy_from_financial_year(text: str) -> str:
    """``"2024/25"`` (the fact's spelling) to the label ``"2024-25"``."""
    return text.replace("/", "-").replace(" ", "-")
