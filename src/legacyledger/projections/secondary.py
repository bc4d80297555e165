"""Secondary suppression: what a reader can work back from counts that add up (figures.md §5).

A report publishes counts that add up (:class:`~legacyledger.projections.base.Relation`: the
cohort size is the people followed and those left out, the people followed are the leavers
and the censored, ...). A reader holding the displays knows of each count an interval of
true values: shown rounded to ``d``, one of ``d - 2 .. d + 2`` above the threshold; ``*``,
one of ``1 .. threshold``; 0 is 0; a number of people shown as a count is (an effective
number followed) is within half a person of those. Each relation narrows them: ``total =
sum(parts)`` bounds the total by its parts and each part by the total less the others.
:func:`narrowed` applies every relation until nothing moves.

A count shown as ``*`` must keep every value from 1 to the threshold: a reader may learn
nothing more of it, not even that it is more than 1 or less than the threshold. Guarding
only against its being pinned to one value (18 = 9 + 9 under ``under10``: 20, ``*`` and
``*``) would not do: a further suppression made only where a count would be pinned points
at that count. Any other count must keep more than one value (its value before rounding
is not to be recovered).

:func:`further` says which counts shown to suppress as well (secondary suppression): every
count shown among the linked relations is suppressed, then shown again one at a time, if no
count is then narrowed further than with all of them suppressed (what the counts suppressed
anyway and the zeros give away cannot be helped). Counts more figures rest on are shown
again first (a rate goes with its count), then totals of more relations (hiding a total
calls for hiding more), then larger counts, then by id. It reads the displays alone, never
a true value, so that what it suppresses tells a reader nothing the displays do not. A count
it suppresses is taken to be known to the reader as above the threshold (it would have
been shown otherwise).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence

import attrs

from legacyledger.projections.base import Relation

#: Bounds of a true value in half units (a number of people shown as a count is known to
#: half a person); ``None`` above: no upper bound.
Bounds = tuple[int, int | None]


@attrs.frozen
class Cell:
    """A figure in a relation as a reader sees it: ``shown`` is its display (a number, or
    ``*``), ``whole`` whether it is a count (a whole number) rather than a number of people
    shown as a count is; ``further`` whether it was suppressed to protect another; ``uses``
    how many published figures rest on it (lost with it when it is suppressed)."""

    shown: int | str | None
    whole: bool = True
    further: bool = False
    uses: int = 0


def bounds(cell: Cell, threshold: int) -> Bounds:
    """The true values a reader allows a cell, in half units."""
    slack = 0 if cell.whole else 1
    shown = cell.shown
    if isinstance(shown, int) and shown > 0:
        return 2 * max(shown - 2, threshold + 1) - slack, 2 * (shown + 2) + slack
    if shown == 0:
        return 0, slack
    if shown == "*" and not cell.further:
        return 2 - slack, 2 * threshold + slack
    if shown == "*":  # suppressed to protect another: to a reader, one more *
        return 2 - slack, None
    return 0, None  # not available: nothing known


def _sums(values: Sequence[float]) -> tuple[float, int]:
    """The sum of the finite values, and how many are infinite."""
    finite = [v for v in values if not math.isinf(v)]
    return sum(finite), len(values) - len(finite)


def _without(total: tuple[float, int], value: float, infinite: float) -> float:
    """A sum of :func:`_sums` without one of its values (``infinite`` if any other is)."""
    finite, count = total
    if math.isinf(value):
        return infinite if count > 1 else finite
    return infinite if count else finite - value


class _Reader:
    """Bounds a reader gives each cell, narrowed by every relation until nothing moves."""

    def __init__(self, cells: Mapping[str, Cell], relations: Sequence[Relation], threshold: int,
                 index: Mapping[str, Sequence[Relation]] | None = None) -> None:  # fmt: skip
        self.found = {i: bounds(c, threshold) for i, c in cells.items()}
        self.whole = {i: c.whole for i, c in cells.items()}
        self.relations = relations
        self.index = by_cell(relations) if index is None else index

    def narrow(self, start: Iterable[str] | None = None) -> dict[str, Bounds]:
        """Apply the relations until nothing moves (only those of ``start`` at first, when
        given: the rest are already applied)."""
        relations = self.relations if start is None else [r for i in start for r in self.index[i]]
        waiting = dict.fromkeys(relations)
        while waiting:
            relation = next(iter(waiting))
            del waiting[relation]
            for cell in self._apply(relation):
                waiting.update(dict.fromkeys(self.index[cell]))
        return self.found

    def _apply(self, relation: Relation) -> list[str]:
        """Narrow the relation's cells by it (``sum of sign x value`` is 0, or at least 0):
        the cells that moved."""
        terms = relation.terms
        bounds_ = [self.found[c] for c, _ in terms]
        highs = [math.inf if hi is None else hi for _, hi in bounds_]
        least = [lo * a if a > 0 else -hi for (_, a), (lo, _), hi in zip(terms, bounds_, highs)]
        most = [hi * a if a > 0 else -lo for (_, a), (lo, _), hi in zip(terms, bounds_, highs)]
        low, high = _sums(least), _sums(most)
        ceiling = 0 if relation.exact else math.inf
        moved = []
        for i, (cell, a) in enumerate(terms):
            lo = 0 - _without(high, most[i], math.inf)  # a x within lo .. hi
            hi = ceiling - _without(low, least[i], -math.inf)
            if a < 0:
                lo, hi = -hi, -lo
            if self.tighten(cell, _bound(lo), _bound(hi)):
                moved.append(cell)
        return moved

    def tighten(self, cell: str, lo: int | None, hi: int | None) -> bool:
        """Narrow a cell's bounds to ``lo .. hi`` (None: no bound); whether they moved."""
        old_lo, old_hi = self.found[cell]
        new_lo = old_lo if lo is None or lo <= old_lo else lo
        new_hi = old_hi if hi is None or (old_hi is not None and hi >= old_hi) else hi
        if self.whole[cell]:  # a whole number: even in half units
            new_lo += new_lo % 2
            new_hi = None if new_hi is None else new_hi - new_hi % 2
        if (new_lo, new_hi) == (old_lo, old_hi):
            return False
        self.found[cell] = (new_lo, new_hi)
        return True


def _bound(value: float) -> int | None:
    return None if math.isinf(value) else int(value)


def narrowed(
    cells: Mapping[str, Cell], relations: Sequence[Relation], threshold: int
) -> dict[str, Bounds]:
    """The bounds (in half units) a reader holding the displays can give each cell, every
    relation applied until nothing moves."""
    reader = _Reader(cells, relations, threshold)
    return reader.narrow()


def too_narrow(cell: Cell, found: Bounds, threshold: int) -> bool:
    """A suppressed count that no longer allows every value from 1 to the threshold, or any
    other count left with one value."""
    if not cell.whole or cell.shown == 0 or not isinstance(cell.shown, (int, str)):
        return False
    lo, hi = found
    if hi is not None and hi <= lo:
        return True
    if cell.shown != "*" or cell.further:
        return False
    return lo > 2 or (hi is not None and hi < 2 * threshold)


def _shown(cell: Cell) -> bool:
    return isinstance(cell.shown, int) and cell.shown > 0


class _Audit:
    def __init__(self, cells: Mapping[str, Cell], relations: Sequence[Relation], threshold: int
                 ) -> None:  # fmt: skip
        self.cells, self.relations, self.threshold = cells, relations, threshold
        self.index = by_cell(relations)

    def reader(self, cells: Mapping[str, Cell]) -> _Reader:
        reader = _Reader(cells, self.relations, self.threshold, self.index)
        reader.narrow()
        return reader

    def shown_again(self, reader: _Reader, cell: str) -> _Reader:
        """The reader's bounds once ``cell`` is shown as it was: showing it only narrows, so
        the relations are applied again from it alone."""
        again = copy.copy(reader)
        again.found = dict(reader.found)
        lo, hi = bounds(self.cells[cell], self.threshold)
        if again.tighten(cell, lo, hi):
            again.narrow([cell])
        return again

    def exposed(self, found: Mapping[str, Bounds]) -> dict[str, Bounds]:
        return {i: b for i, b in found.items() if too_narrow(self.cells[i], b, self.threshold)}


def _hidden(cell: Cell) -> Cell:
    return attrs.evolve(cell, shown="*", further=True)


def _keep_first(ids: Iterable[str], cells: Mapping[str, Cell], relations: Sequence[Relation]
                ) -> list[str]:  # fmt: skip
    """The counts shown, those to keep shown first: those more figures rest on, then totals
    of more relations (suppressing a total calls for suppressing more), then larger counts,
    then by id."""
    totals: dict[str, int] = {}
    for relation in relations:
        totals[relation.total] = totals.get(relation.total, 0) + 1
    return sorted(ids, key=lambda i: (-cells[i].uses, -totals.get(i, 0),
                                        -int(cells[i].shown or 0), i))  # fmt: skip


#: Answers of :func:`further` by what a reader sees (the displays, the relations, the
#: threshold): a caller disclosing many reports that show the same (a search over true
#: values shown alike) may keep one and pass it to each.
Audits = dict[tuple[tuple[tuple[str, Cell], ...], tuple[Relation, ...], int], frozenset[str]]


def further(
    cells: Mapping[str, Cell], relations: Sequence[Relation], threshold: int,
    audits: Audits | None = None,
) -> frozenset[str]:  # fmt: skip
    """The cells shown that must be suppressed as well, so that no relation narrows a count
    too far (:func:`too_narrow`) beyond what the suppressed counts and zeros alone do. The
    answer depends on the displays alone, never on a true value; it is looked up in, and
    kept in, ``audits`` when given."""
    if audits is None:
        return _further(cells, relations, threshold)
    key = (tuple(sorted(cells.items())), tuple(relations), threshold)
    if key not in audits:
        audits[key] = _further(cells, relations, threshold)
    return audits[key]


def _further(
    cells: Mapping[str, Cell], relations: Sequence[Relation], threshold: int
) -> frozenset[str]:
    audit = _Audit(cells, relations, threshold)
    exposed = audit.exposed(audit.reader(cells).found)
    if not exposed:
        return frozenset()
    shown = [i for i, c in cells.items() if _shown(c)]
    every = audit.reader({**cells, **{i: _hidden(cells[i]) for i in shown}})
    floor = audit.exposed(every.found)  # what no suppression can help
    if _within(exposed, floor):
        return frozenset()
    return _pruned(audit, every, _keep_first(shown, cells, relations), floor)


def _within(exposed: Mapping[str, Bounds], floor: Mapping[str, Bounds]) -> bool:
    """No count narrowed further than when every count shown is suppressed."""
    return all(floor.get(i) == b for i, b in exposed.items())


def _pruned(audit: _Audit, reader: _Reader, order: Sequence[str], floor: Mapping[str, Bounds]
            ) -> frozenset[str]:  # fmt: skip
    """Of the counts ``order`` suppressed (``reader``), those that must stay so: each in
    turn is shown again if no count is then narrowed beyond the floor."""
    hidden = set(order)
    for i in order:
        trial = audit.shown_again(reader, i)
        if _within(audit.exposed(trial.found), floor):
            reader = trial
            hidden.discard(i)
    return frozenset(hidden)


def component(
    start: str, related: Mapping[str, Sequence[Relation]]
) -> tuple[set[str], list[Relation]]:
    """The figures linked to ``start`` through relations, and those relations (in one order
    whichever figure of them ``start`` is)."""
    seen, waiting = {start}, [start]
    found: dict[Relation, None] = {}
    while waiting:
        for relation in related.get(waiting.pop(), ()):
            found[relation] = None
            for cell, _ in relation.terms:
                if cell not in seen:
                    seen.add(cell)
                    waiting.append(cell)
    return seen, sorted(found, key=lambda r: (r.total, r.parts, r.less, r.exact))


def by_cell(relations: Iterable[Relation]) -> dict[str, list[Relation]]:
    """Each figure's relations (as total, as part or as a part taken away)."""
    index: dict[str, list[Relation]] = {}
    for relation in relations:
        for cell in dict.fromkeys(c for c, _ in relation.terms):
            index.setdefault(cell, []).append(relation)
    return index
