"""What a reader could work back from a disclosed figure: searches over true counts.

A reader holds a report: every count as displayed (``*`` for 1-7 or 1-9, else to the nearest
5; 0 is 0) and every figure computed from counts. For a published figure, the search puts in
place of each count it rests on (its *leaves*, found through its ``inputs``) every value that
count's display allows, recomputes the figure from those counts as its formula does
(:func:`legacyledger.projections.disclosure.recipe_of`), discloses it again and compares the
display with the published one. A count the figure pins down would be left with one value.

Numbers of people that are not counts (an average headcount, an effective number followed)
are leaves too: their display allows every whole number of people it is rounded from.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from legacyledger.projections.base import Figure
from legacyledger.projections.disclosure import (
    HEADCOUNTS,
    NOT_AVAILABLE,
    SUPPRESS_UP_TO,
    SUPPRESSED,
    Discloser,
    kind_of,
    recipe_of,
    show_count,
)
from legacyledger.projections.secondary import Audits

Figures = Mapping[str, Figure]


#: Secondary-suppression answers shared by every report the searches disclose: they ask
#: again and again about reports that show the same.
AUDITS: Audits = {}


def shown_as(figures: Figures, figure_id: str, policy: str) -> Any:
    """The figure's display under ``policy`` (as ``disclose_figure`` gives it)."""
    return Discloser(figures, policy, AUDITS).disclose(figures[figure_id]).display


def candidates(display: Any, policy: str) -> list[int | None]:
    """Every true count (or whole number of people) a display may stand for under ``policy``."""
    if display == NOT_AVAILABLE:
        return [None]
    if display == SUPPRESSED:
        return list(range(1, SUPPRESS_UP_TO[policy] + 1))
    assert isinstance(display, int), display
    return [v for v in range(max(0, display - 4), display + 5) if show_count(v, policy) == display]


def is_leaf(figure: Figure) -> bool:
    """A count, or a number of people shown as a count is."""
    return kind_of(figure) == "count" or figure.derivation.formula in HEADCOUNTS


def leaves(figures: Figures, figure_id: str) -> list[str]:
    """The counts a figure rests on, through the figures it is computed from (a figure with
    no formula over its inputs, such as money or a planning number, is read as shown)."""
    found = figures[figure_id]
    if is_leaf(found):
        return [figure_id]
    if recipe_of(found) is None:
        return []
    return sorted({leaf for i in found.derivation.inputs if i in figures
                   for leaf in leaves(figures, i)})  # fmt: skip


def recomputed(figures: Figures, figure_id: str, true: Mapping[str, Any]) -> Figure:
    """The figure as its formula gives it if ``true`` were the counts."""
    found = figures[figure_id]
    if figure_id in true:
        return attrs.evolve(found, value=true[figure_id])
    recipe = recipe_of(found)
    if recipe is None:
        return found
    parts = [recomputed(figures, i, true).value for i in found.derivation.inputs]
    value = recipe([None if p is None else Decimal(str(p)) for p in parts])
    whole = value is not None and isinstance(found.value, int)
    return attrs.evolve(found, value=int(value) if whole else value)


def _below(figures: Figures, figure_id: str) -> set[str]:
    below: set[str] = set()
    for i in figures[figure_id].derivation.inputs:
        if i in figures:
            below |= {i, *_below(figures, i)}
    return below


def shown_if(figures: Figures, figure_id: str, true: Mapping[str, Any], policy: str) -> Any:
    """The figure's display if ``true`` were the counts (every figure between them and it
    recomputed)."""
    changed = {i: recomputed(figures, i, true) for i in {figure_id, *_below(figures, figure_id)}}
    return shown_as({**figures, **changed}, figure_id, policy)


def consistent(figures: Figures, figure_id: str, policy: str, want: Any, limit: int = 2) -> int:
    """How many assignments of true counts, all at once, would publish ``want`` for the
    figure (the search stops at ``limit``)."""
    ids = leaves(figures, figure_id)
    shown = {i: shown_as(figures, i, policy) for i in ids}
    found = 0
    for values in itertools.product(*(candidates(shown[i], policy) for i in ids)):
        if shown_if(figures, figure_id, dict(zip(ids, values)), policy) == want:
            found += 1
            if found >= limit:
                break
    return found


def each_count(figures: Figures, figure_id: str, policy: str) -> dict[str, tuple[int, int]]:
    """For each count the figure rests on: (values its display allows, values that publish
    the figure as published), the other counts held at their true values — as if the reader
    knew every other count exactly."""
    published = shown_as(figures, figure_id, policy)
    truth: dict[str, Any] = {i: figures[i].value for i in leaves(figures, figure_id)}
    found: dict[str, tuple[int, int]] = {}
    for leaf in truth:
        allowed = candidates(shown_as(figures, leaf, policy), policy)
        fits = [v for v in allowed
                if shown_if(figures, figure_id, {**truth, leaf: v}, policy) == published]
        found[leaf] = (len(allowed), len(fits))
    return found


def published_estimates(figures: Figures, policy: str) -> list[str]:
    """Ids of the figures shown as numbers that are neither counts nor money and rest on
    counts: the ones a reader might work counts back from."""
    discloser = Discloser(figures, policy, AUDITS)
    return [
        i for i, f in figures.items()
        if not is_leaf(f) and kind_of(f) != "money" and discloser.rests_on_counts(f)
        and not isinstance(discloser.display(i), str)
    ]  # fmt: skip


def figures_of(values: Sequence[Figure]) -> dict[str, Figure]:
    return {f.id: f for f in values}
