"""A figure in words: its sum with its counts ("145 retained ÷ 165 eligible"), then the facts
that made it, grouped by type.

The sum is read from the figure's own inputs (``derivation.inputs``) and said only when the
numbers bear it out: the figure's value is checked to be a quotient, a difference or a
quotient by a mean of its inputs (taken in their declared order first) before it is written
as one; otherwise the inputs are listed with their values. Every value is shown after
disclosure control under the policy given, as a report would show it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import permutations

import attrs

from legacyledger.projections.base import FactRecord, Figure
from legacyledger.projections.disclosure import (
    NOT_AVAILABLE,
    POLICIES,
    SUPPRESSED,
    DisclosedFigure,
    Discloser,
    show_count,
)

#: Why a value is suppressed, in words: small, resting on a small number, or suppressed so as
#: not to give a small number away (figures.md §5) - never which.
SUPPRESSED_WHY = "suppressed: a small number, or one that would give a small number away"
#: Units whose values read best as percentages.
_SHARES = frozenset({"ratio", "probability", "share", "proportion"})
_MONEY = frozenset({"gbp", "£", "pounds"})
MINUS = "\u2212"


@attrs.frozen
class Words:
    """A figure told in words: ``sum`` (one sentence) and ``facts`` (type → count)."""

    sum: str
    #: Fact type → count, disclosed as counts are (``*`` or rounded) under a policy that
    #: hides small counts; ``total`` likewise.
    facts: tuple[tuple[str, int | str], ...]
    total: int | str = 0

    def lines(self) -> Iterator[str]:
        """The sum, then one line per fact type with its count."""
        yield self.sum
        total = self.total
        yield f"Made from {total} fact{'s' if total != 1 else ''}" + (":" if total else ".")
        yield from (f"  {count!s:>6}  {name}" for name, count in self.facts)


def in_words(
    figure: Figure,
    figures: Mapping[str, Figure],
    facts: Iterable[FactRecord],
    policy: str = "none",
) -> Words:
    """``figure`` in words, its inputs read from ``figures`` (its family's, at least), every
    value disclosed under ``policy``; ``facts`` are its contributing facts."""
    shown = _disclosed(figure, figures, policy)
    by_type = Counter(str(record.fact["fact"]) for record in facts)
    counted = tuple((name, _count(count, policy)) for name, count in by_type.most_common())
    return Words(_sentence(figure, figures, shown), counted, _count(sum(by_type.values()), policy))


def _count(value: int, policy: str) -> int | str:
    """A count of facts as a report would show a count under ``policy``."""
    shown = show_count(value, policy)
    return shown if isinstance(shown, (int, str)) else int(shown)


def _disclosed(
    figure: Figure, figures: Mapping[str, Figure], policy: str
) -> dict[str, DisclosedFigure]:
    """The figure and those it rests on, disclosed as a report of ``figures`` discloses them
    (a count may be suppressed for what the counts it adds up with would give away)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown disclosure policy {policy!r}; expected one of {POLICIES}")
    discloser = Discloser({**figures, figure.id: figure}, policy)
    needed: dict[str, DisclosedFigure] = {}
    waiting = [figure]
    while waiting:
        found = waiting.pop()
        if found.id not in needed:
            needed[found.id] = discloser.disclose(found)
            waiting += [figures[i] for i in found.derivation.inputs if i in figures]
    return needed


def _sentence(figure: Figure, figures: Mapping[str, Figure], shown: Mapping[str, DisclosedFigure]
              ) -> str:  # fmt: skip
    head = f"{name_of(figure, None)} = {_show(shown[figure.id])}"
    inputs = [figures[i] for i in figure.derivation.inputs if i in figures]
    if shown[figure.id].suppressed:
        return head  # its parts would tell what disclosure control hides
    if not inputs:
        return f"{head}, counted from the facts it rests on" if figure.kind == "count" else head
    said = _sum(figure, inputs)
    parts = {f.id: f"{_show(shown[f.id], bare=True)} {name_of(f, figure)}" for f in inputs}
    if said is None:
        return f"{head}, from " + ", ".join(parts.values())
    operator, operands = said
    return f"{head} = " + operator.format(*(parts[f.id] for f in operands))


def _sum(figure: Figure, inputs: Sequence[Figure]) -> tuple[str, tuple[Figure, ...]] | None:
    """The arithmetic the value bears out: ``a ÷ b``, ``a - b`` or ``a ÷ mean(b, c)``. A value
    of 0 or 1 is borne out by too many pairs by chance (0 ÷ anything, x ÷ x), so then only
    the first two inputs, in their declared order, are taken as the sum."""
    value = _number(figure.value)
    known = [f for f in inputs if _number(f.value) is not None]
    if value is None:
        return None
    pairs = [(a, b, _number(a.value) or 0.0, _number(b.value) or 0.0)
             for a, b in permutations(known, 2)]  # fmt: skip
    if value in (0.0, 1.0):
        pairs = [p for p in pairs if (p[0], p[1]) == tuple(inputs[:2])]
    for a, b, x, y in pairs:
        if y and _same(value, x / y):
            return "{} ÷ {}", (a, b)
    for a, b, x, y in pairs:  # a difference of two shares, such as mentored - comparator
        if _share(figure) and _share(a) and _share(b) and _same(value, x - y):
            return "{} " + MINUS + " {}", (a, b)
    for a, b, c in permutations(known, 3):
        x, y, z = (_number(f.value) or 0.0 for f in (a, b, c))
        if b.id < c.id and y + z and value not in (0.0, 1.0) and _same(value, x / ((y + z) / 2)):
            return "{} ÷ the mean of {} and {}", (a, b, c)
    return None


def _share(figure: Figure) -> bool:
    return figure.unit.lower() in _SHARES


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return float(value)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def name_of(figure: Figure, beside: Figure | None) -> str:
    """A figure's name for people: its label, else its metric in words; with the parts of
    its id that ``beside`` (the figure it feeds) does not share, such as ``mentored``."""
    return readable_name(figure.id, figure.label, beside.id if beside is not None else None)


def readable_name(figure_id: str, label: str = "", beside_id: str | None = None) -> str:
    """:func:`name_of` from a figure's id and label (``retention.rate/h=12`` and
    ``retained at h months`` read as ``retained at 12 months``)."""
    metric, *dims = figure_id.split("/")
    name = label or metric.split(".", 1)[-1].replace("_", " ")
    horizon = dict(d.partition("=")[::2] for d in dims).get("h")
    name = re.sub(r"\bh months\b", f"{horizon} months", name) if horizon else name
    if beside_id is None:
        return name
    own = set(beside_id.split("/")[1:])
    extra = [d.partition("=")[2].replace("_", " ") for d in dims if d not in own]
    return f"{name} ({', '.join(extra)})" if extra else name


def _show(figure: DisclosedFigure, bare: bool = False) -> str:
    """A disclosed value for reading: percentages, pounds, thousands separated."""
    value = figure.display
    if value == SUPPRESSED:
        return "*" if bare else f"* ({SUPPRESSED_WHY})"
    if value == NOT_AVAILABLE or isinstance(value, str):
        return "not computable" if value == NOT_AVAILABLE else str(value)
    unit = figure.unit.lower()
    if unit in _MONEY or unit.startswith("gbp"):
        per = figure.unit[3:].strip() if unit.startswith("gbp") else ""
        return f"£{Decimal(value):,.2f}" + (f" {per.replace('/', 'per ')}" if per else "")
    if unit in _SHARES:
        return f"{float(value):.1%}"
    if isinstance(value, int):
        return f"{value:,}" if bare else f"{value:,} {figure.unit}"
    number = f"{float(value):,.4g}" if abs(float(value)) < 1000 else f"{float(value):,.0f}"
    return number if bare else f"{number} {figure.unit}"


__all__ = ["Words", "in_words", "name_of", "readable_name"]
