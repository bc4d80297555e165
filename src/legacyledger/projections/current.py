"""Facts as they stand after corrections, cheap enough for a million-fact fold.

Corrections and voids are applied by :class:`~legacyledger.projections.base.EffectiveFacts`,
but only to the facts they touch: an uncorrected fact (nearly all of them) is kept as its
original record, with no object built for it. The first correction of a fact moves it
into the ``EffectiveFacts`` fold, which merges it from then on. The result is the same as
feeding every record to ``EffectiveFacts``; the saving is one object per fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from legacyledger.domain import Subject
from legacyledger.projections.base import EffectiveFacts, FactRecord

_FACT_CORRECTED = Subject.Corrected.FACT


class Known(NamedTuple):
    """A fact as currently known: original position, merged fields, every position behind it."""

    position: int
    fact: Mapping[str, Any]
    positions: tuple[int, ...]

    @property
    def source_ref(self) -> str:
        return str(self.fact["source_ref"])

    @property
    def name(self) -> str:
        return str(self.fact["fact"])


_tuple_new = tuple.__new__


class FactStore:
    """Current facts by ``source_ref``, and the facts of each kept name for reading at the end."""

    def __init__(self, names: Iterable[str]) -> None:
        self._raw: dict[str, FactRecord] = {}
        self._corrected = EffectiveFacts()
        self._corrections: dict[str, str] = {}  # correction ref -> the ref it corrected
        self.by_name: dict[str, dict[str, FactRecord]] = {name: {} for name in names}

    def get(self, ref: str) -> Known | None:
        record = self._raw.get(ref)
        if record is not None:
            position = record.position
            return _tuple_new(Known, (position, record.fact, (position,)))
        fact = self._corrected.get(ref)
        return None if fact is None else Known(fact.position, fact.fact, fact.positions)

    def put(self, record: FactRecord) -> None:
        """A new fact (a repeated ``source_ref`` replaces the earlier one, as in EffectiveFacts)."""
        fact = record.fact
        ref = fact["source_ref"]
        if self._corrected.get(ref) is not None:
            self._corrected.apply(record)
        else:
            self._raw[ref] = record
        kept = self.by_name.get(fact["fact"])
        if kept is not None:
            kept[ref] = record

    def correct(self, record: FactRecord) -> tuple[Known | None, Known | None]:
        """Apply a ``FactCorrected``/``FactVoided``: the corrected fact (before, after).

        (None, None) when it is not about a fact kept here. Voiding a correction is about
        the fact that correction changed (EffectiveFacts restores it).
        """
        target = self._corrections.get(record.fact["target"], record.fact["target"])
        old = self.get(target)
        if old is None:
            return None, None
        original = self._raw.pop(target, None)
        if original is not None:
            self._corrected.apply(original)
        self._corrected.apply(record)
        if record.fact["fact"] == _FACT_CORRECTED:
            self._corrections[record.fact["source_ref"]] = target
        new = self.get(target)
        if new is None:
            self.by_name.get(old.name, {}).pop(target, None)
        return old, new

    def of(self, name: str) -> Iterator[Known]:
        """Current facts of one kept name, in the order they first arrived."""
        raw, new = self._raw, _tuple_new
        for ref, record in self.by_name[name].items():
            if ref in raw:
                position = record.position
                yield new(Known, (position, record.fact, (position,)))
            else:
                fact = self._corrected.get(ref)
                if fact is not None:
                    yield Known(fact.position, fact.fact, fact.positions)

    def __contains__(self, ref: object) -> bool:
        return ref in self._raw or (isinstance(ref, str) and self._corrected.get(ref) is not None)
