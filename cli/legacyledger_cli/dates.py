"""``--as-of DATE``: a business date as YYYY-MM-DD, and a helpful line when it is not."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import click

#: ``31/03/2026``, ``31-03-2026`` or ``31.03.2026``: the day first, as written in the UK.
_DAY_FIRST = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})")


class IsoDate(click.DateTime):
    """A date given as ``YYYY-MM-DD``; anything else is told the form, with an example (and
    the date it may have meant, when written day first)."""

    name = "date"

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r} is not a date as YYYY-MM-DD, e.g. 2026-03-31{meant(str(value))}",
                      param, ctx)  # fmt: skip


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
