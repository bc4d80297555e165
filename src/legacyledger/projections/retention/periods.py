"""Reporting periods for retention: NHS financial years and quarters, calendar years,
quarters and months, and calendar-month arithmetic.

Labels: ``fy`` ``"2024/25"`` (1 April - 31 March), ``quarter`` ``"2024/25 Q1"`` (Q1 = Apr-Jun),
``calendar`` ``"2024"``, ``calendar_quarter`` ``"2024 Q1"`` (Jan-Mar), ``month`` ``"2024-04"``.
Every period is half-open ``[start, end)``.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal, get_args

PeriodKind = Literal["fy", "quarter", "calendar", "calendar_quarter", "month"]
PERIOD_KINDS: frozenset[str] = frozenset(get_args(PeriodKind))

_LABELS = (
    ("quarter", re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")),
    ("fy", re.compile(r"^(\d{4})/(\d{2})$")),
    ("calendar_quarter", re.compile(r"^(\d{4}) Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("calendar", re.compile(r"^(\d{4})$")),
)
_MONTHS = {"fy": 12, "quarter": 3, "calendar": 12, "calendar_quarter": 3, "month": 1}


@lru_cache(maxsize=65536)
def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, the day clamped to the month's end (31 Jan + 1 → 29 Feb)."""
    carry, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + carry, month0 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def period_start(day: date, kind: str) -> date:
    """The first day of the period of ``kind`` that contains ``day``."""
    if kind == "month":
        return day.replace(day=1)
    if kind in ("calendar", "calendar_quarter"):
        span = _MONTHS[kind]
        return date(day.year, (day.month - 1) // span * span + 1, 1)
    offset = (day.month - 4) % 12 // _MONTHS[kind] * _MONTHS[kind]
    fy_start = date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return add_months(fy_start, offset)


def label_of(start: date, kind: str) -> str:
    """The label of the period of ``kind`` that starts on ``start``."""
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    if kind == "calendar":
        return str(start.year)
    if kind == "calendar_quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    fy = start.year if start.month >= 4 else start.year - 1
    fy_label = f"{fy}/{(fy + 1) % 100:02d}"
    return fy_label if kind == "fy" else f"{fy_label} Q{(start.month - 4) % 12 // 3 + 1}"


@lru_cache(maxsize=65536)
def period_of(day: date, kind: str) -> str:
    return label_of(period_start(day, kind), kind)


def kind_of(label: str) -> str:
    for kind, pattern in _LABELS:
        if pattern.match(label):
            return kind
    raise ValueError(f"not a period label: {label!r}")


def bounds(label: str) -> tuple[date, date]:
    """``[start, end)`` of a period label of any kind."""
    kind = kind_of(label)
    match = _LABELS_BY_KIND[kind].match(label)
    assert match is not None
    numbers = [int(n) for n in match.groups()]
    if kind in ("fy", "quarter"):
        if (numbers[0] + 1) % 100 != numbers[1]:
            raise ValueError(f"not a financial year: {label!r}")
        start = add_months(date(numbers[0], 4, 1), 3 * (numbers[2] - 1) if kind == "quarter" else 0)
    elif kind == "calendar_quarter":
        start = date(numbers[0], 3 * numbers[1] - 2, 1)
    else:
        start = date(numbers[0], numbers[1] if kind == "month" else 1, 1)
    return start, add_months(start, _MONTHS[kind])


def complete_periods(first: date, as_of: date, kind: str) -> tuple[str, ...]:
    """Labels of every period of ``kind`` from the one holding ``first`` whose last day is
    on or before ``as_of``."""
    labels: list[str] = []
    start = period_start(first, kind)
    while (end := add_months(start, _MONTHS[kind])) <= as_of + timedelta(days=1):
        labels.append(label_of(start, kind))
        start = end
    return tuple(labels)


_LABELS_BY_KIND = dict(_LABELS)
