"""``--as-of DATE``: a business date as YYYY-MM-DD within the dates a ledger holds, and a
helpful line when it is not."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import click

from legacyledger.domain.values import FIRST_DAY, LAST_DAY, check_day

#: ``31/03/2026``, ``31-03-2026`` or ``31.03.2026``: the day first, as written in the UK.
_DAY_FIRST = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})")


class IsoDate(click.DateTime):
    """A date given as ``YYYY-MM-DD`` from 1900-01-01 to 2099-12-31 (``spec/facts.md``);
    anything else is told the form, with an example (and the date it may have meant, when
    written day first), or the bounds."""

    name = "date"

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            day = super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r} is not a date as YYYY-MM-DD, e.g. 2026-03-31{meant(str(value))}",
                      param, ctx)  # fmt: skip
        try:  # a date past the bounds gave an OverflowError or a traceback further on
            check_day(day.date(), "date")
        except ValueError:
            self.fail(f"{value} is outside {FIRST_DAY} to {LAST_DAY}", param, ctx)
        return day


def meant(text: str) -> str:
    """``" (for 31 March 2026 write 2026-03-31)"`` when ``text`` is a real day-first date."""
    found = _DAY_FIRST.fullmatch(text.strip())
    if found is None:
        return ""
    try:
        day = date(int(found[3]), int(found[2]), int(found[1]))
    except ValueError:
        return ""
    return f" (for {day.day} {day:%B %Y} write {day.isoformat()})"
