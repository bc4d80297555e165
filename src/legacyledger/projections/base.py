"""What every projection shares: the record it folds over, figures and their derivations.

A projection is a pure fold: ``project_x(records, params) -> View``. ``records`` is an
iterable of :class:`FactRecord` in ledger order (ascending ``position``). Each record's
``fact`` is the canonical interchange dict of ``docs/spec/facts.md`` (dates as ISO strings,
money/hours/rates as decimal strings, every fact carrying ``source_ref``) plus one
envelope key, ``recorded_at`` (ISO-8601 UTC datetime of when the ledger stored it).

The knowledge cut-off (``known_at``) is applied by whoever feeds the records (stop at a
position); the business cut-off (``as_of``) is a parameter of the fold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from legacyledger.domain import Subject

# The one correction fold lives in the domain (the aggregates use it too); re-exported here.
from legacyledger.domain.corrections import EffectiveFact as EffectiveFact
from legacyledger.domain.corrections import EffectiveFacts as EffectiveFacts
from legacyledger.domain.corrections import effective_facts as effective_facts
from legacyledger.projections.units import UNITS, unit_of

#: The fact names whose key field names the aggregate, by key field.
KEY_FIELDS: Mapping[str, str] = {
    "partnership": "Partnership",
    "mentor": "Mentor",
    "registrant": "Registrant",
    "event": "ProgrammeEvent",
}

CORRECTIONS = frozenset({Subject.Corrected.FACT, Subject.Voided.FACT})


class FactRecord(NamedTuple):
    """One stored fact: its ledger position and its canonical dict."""

    position: int
    fact: Mapping[str, Any]


class PositionSet:
    """The ledger positions behind a figure, kept as shared parts and sorted only when read.

    Many figures rest on large, overlapping sets of facts (a year's costs are its months'
    costs; a cumulative total is every earlier period's). Sorting and storing each of them
    as a tuple costs time and memory in proportion to the sum of their sizes; a
    ``PositionSet`` instead holds references to the parts it is the union of, built once
    and shared. Reading it (``len``, iteration, indexing, ``in``, ``tuple(...)``) merges
    the parts into one sorted tuple of distinct positions.

    A part is any sized iterable of positions (in any order, repeats allowed) or another
    ``PositionSet``. ``more`` maps the original position of a corrected fact to every
    position behind it (the fact, its corrections and voided corrections): parts name facts
    by their original position, and the map adds the rest when the set is read.
    """

    __slots__ = ("_len", "_sorted", "more", "parts")

    def __init__(
        self, parts: Iterable[Any] = (), more: Mapping[int, tuple[int, ...]] | None = None
    ) -> None:
        self.parts = tuple(parts)
        self.more = more or None
        self._len: int | None = None
        self._sorted: tuple[int, ...] | None = None

    def _gather(
        self, raw: set[int], maps: dict[int, Mapping[int, tuple[int, ...]]], seen: set[int]
    ) -> None:
        for part in self.parts:
            if part.__class__ is PositionSet:
                if id(part) not in seen:
                    seen.add(id(part))
                    part._gather(raw, maps, seen)
            else:
                raw.update(part)
        if self.more is not None:
            maps[id(self.more)] = self.more

    def positions(self) -> tuple[int, ...]:
        """The sorted, distinct positions (merged once, then kept by the set)."""
        if self._sorted is not None:
            return self._sorted
        raw: set[int] = set()
        maps: dict[int, Mapping[int, tuple[int, ...]]] = {}
        self._gather(raw, maps, {id(self)})
        for more in maps.values():
            for position in raw.intersection(more):
                raw.update(more[position])
        result = self._sorted = tuple(sorted(raw))
        self._len = len(result)
        return result

    def __bool__(self) -> bool:
        return any(p if p.__class__ is PositionSet else len(p) for p in self.parts)

    def __len__(self) -> int:
        if self._len is None:
            self.positions()
        assert self._len is not None
        return self._len

    def __iter__(self) -> Iterator[int]:
        return iter(self.positions())

    def __getitem__(self, index: Any) -> Any:
        return self.positions()[index]

    def __contains__(self, position: object) -> bool:
        return position in self.positions()

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, PositionSet):
            return self.positions() == other.positions()
        if isinstance(other, (tuple, list)):
            return self.positions() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.positions())

    def __repr__(self) -> str:
        return repr(self.positions())

    def __reduce__(self) -> tuple[Any, ...]:
        return (PositionSet, (self.parts, self.more))


Contributing = tuple[int, ...] | PositionSet


def as_tuple(positions: Contributing) -> tuple[int, ...]:
    return positions if isinstance(positions, tuple) else tuple(positions)


@attrs.frozen
class Relation:
    """Published figures that add up: ``total = sum(parts) - sum(less)``, or ``total >=`` that
    when not ``exact`` (the rest is published nowhere). A reader holding the others can work
    one back from it, so disclosure control audits every relation a report publishes
    (figures.md §5); the total's derivation states it (:attr:`Derivation.relations`)."""

    total: str
    parts: tuple[str, ...]
    exact: bool = True
    less: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        """Each figure with its sign in ``total - parts + less``, which is 0 (or, when not
        exact, at least 0)."""
        return ((self.total, 1), *((p, -1) for p in self.parts), *((m, 1) for m in self.less))


@attrs.frozen
class Derivation:
    """How a figure was computed: enough to recompute and to explain it.

    ``contributing`` reads as a sorted tuple of distinct positions. It may be given as a
    tuple or as a :class:`PositionSet` (kept as given, and merged into a tuple each time it
    is read), so that the many large, overlapping sets of a big ledger share their parts.
    """

    formula: str
    version: int
    parameters: Mapping[str, Any]
    as_of: date | None
    known_at: int | None
    _contributing: Contributing = attrs.field(
        alias="contributing", repr=lambda c: repr(as_tuple(c))
    )
    disclosure: str | None = None
    note: str | None = None
    #: Ids of the figures this one is computed from (a rate's numerator and denominator),
    #: so that disclosure control can suppress a rate whose parts are suppressed.
    inputs: tuple[str, ...] = ()
    #: The relations this figure is the total of (:class:`Relation`), so that disclosure
    #: control can keep a reader from working a suppressed count back from its others.
    relations: tuple[Relation, ...] = ()

    @property
    def contributing(self) -> tuple[int, ...]:
        """The ledger positions of the facts that made the figure, ascending."""
        positions = self._contributing
        if isinstance(positions, tuple):
            return positions
        return positions.positions()

    def with_known_at(self, known_at: int | None) -> Derivation:
        """The same derivation, stated as known at ledger position ``known_at``."""
        return attrs.evolve(self, known_at=known_at)


Value = int | Decimal | float | None


def _controlled_unit(_: Any, __: Any, unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not in legacyledger.projections.units")


@attrs.frozen
class Figure:
    """A named number with its derivation. ``id`` is stable and usable by ``explain``.
    ``unit`` is one of the controlled units (:mod:`legacyledger.projections.units`; another
    spelling of one, such as ``registrants``, is made that unit)."""

    id: str
    value: Value
    unit: str = attrs.field(converter=unit_of, validator=_controlled_unit)
    derivation: Derivation
    label: str = ""
    #: What the number is, for disclosure control: ``"count"`` (of people or things),
    #: ``"rate"`` (a ratio of counts named in ``derivation.inputs``), ``"money"`` or
    #: ``"statistic"`` (an estimate such as a survival probability). ``None``: infer.
    kind: str | None = None


def parse_decimal(text: str | int) -> Decimal:
    return Decimal(text)


def positions_of(facts: Iterable[EffectiveFact]) -> tuple[int, ...]:
    """Every ledger position behind these facts (originals and corrections), sorted."""
    return tuple(sorted({p for f in facts for p in f.positions}))
