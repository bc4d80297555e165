"""Facts as they stand after corrections, cheap enough for a million-fact fold.

Corrections and voids are applied by the one correction fold
(:class:`~legacyledger.domain.corrections.EffectiveFacts`), but only to the facts they touch:
an uncorrected fact (nearly all of them) is kept as its original record, with no object built
for it. The first correction or void that reaches a fact moves it into the fold
(``adopt``), which applies every later one. The result is the same as feeding every record to
the fold; the saving is one object per fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from legacyledger.domain.corrections import EffectiveFact, EffectiveFacts
from legacyledger.projections.base import FactRecord

_tuple_new = tuple.__new__


class FactStore:
    """Current facts by ``source_ref``, and the facts of each kept name for reading at the end."""

    def __init__(self, names: Iterable[str]) -> None:
        self._raw: dict[str, FactRecord] = {}
        self._corrected = EffectiveFacts()
        self.by_name: dict[str, dict[str, FactRecord]] = {name: {} for name in names}

    def get(self, ref: str) -> EffectiveFact | None:
        record = self._raw.get(ref)
        if record is not None:
            position = record.position
            return _tuple_new(EffectiveFact, (position, record.fact, (position,)))
        return self._corrected.get(ref)

    def put(self, record: FactRecord) -> None:
        """A new fact (a repeated ``source_ref`` replaces the earlier one, as in the fold)."""
        fact = record.fact
        ref = fact["source_ref"]
        if ref in self._corrected:
            self._corrected.apply(record)
        else:
            self._raw[ref] = record
        kept = self.by_name.get(fact["fact"])
        if kept is not None:
            kept[ref] = record

    def correct(self, record: FactRecord) -> tuple[EffectiveFact | None, EffectiveFact | None]:
        """Apply a ``FactCorrected``/``FactVoided``: the corrected fact (before, after).

        (None, None) when it is not about a fact kept here. Voiding a correction is about
        the fact that correction changed (the fold restores it).
        """
        target = record.fact["target"]
        ref = self._corrected.target_of(target) or target
        original = self._raw.pop(ref, None)
        if original is not None:
            position = original.position
            self._corrected.adopt(ref, EffectiveFact(position, original.fact, (position,)))
        change = self._corrected.apply(record)
        if change is None:
            return None, None
        if change.after is None:
            assert change.before is not None
            self.by_name.get(change.before.name, {}).pop(change.ref, None)
        return change.before, change.after

    def of(self, name: str) -> Iterator[EffectiveFact]:
        """Current facts of one kept name, in the order they first arrived."""
        raw, new, get = self._raw, _tuple_new, self._corrected.get
        for ref, record in self.by_name[name].items():
            if ref in raw:
                position = record.position
                yield new(EffectiveFact, (position, record.fact, (position,)))
            else:
                fact = get(ref)
                if fact is not None:
                    yield fact

    def __contains__(self, ref: object) -> bool:
        return ref in self._raw or ref in self._corrected
