"""The one correction fold: facts, corrections and voids in; facts as they stand out.

A ``FactCorrected`` names a ``target`` fact and ``replacement`` fields, merged over the fact's
in order. A ``FactVoided`` names a target that is either a fact (it no longer stands) or a
correction in force (it no longer applies: the fact stands as recorded with its other
corrections still in force, in order). A correction or void reaches only a fact recorded
before it and still in force; anything else it names is left alone.

:class:`EffectiveFacts` applies them one record at a time and says what each one changed
(:class:`Change`), so the same fold serves every reader: the aggregates (through the thin
adapter :func:`legacyledger.domain.base.effective`, over their typed events), the projections
(whose million-fact paths keep uncorrected facts as they are and hand the fold, with
:meth:`~EffectiveFacts.adopt`, only the facts a correction or void reaches) and the persisted
current facts (which load the rows a batch touches, apply the batch, and write what changed).
Facts are plain mappings; this module imports nothing else of ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, NamedTuple

#: The two facts that amend others (defined here: every reader of them folds through here).
CORRECTED = "FactCorrected"
VOIDED = "FactVoided"


class EffectiveFact(NamedTuple):
    """A fact as it stands: its original position, its merged fields, and every position
    behind it (the fact, its corrections, voided corrections and their voids), in order."""

    position: int
    fact: Mapping[str, Any]
    positions: tuple[int, ...]

    @property
    def source_ref(self) -> str:
        return str(self.fact["source_ref"])

    @property
    def name(self) -> str:
        return str(self.fact["fact"])

    @property
    def on(self) -> date:
        on = self.fact["on"]
        return on if isinstance(on, date) else date.fromisoformat(on)


class Correction(NamedTuple):
    """A correction in force: the fact it corrects, its replacement fields, its position."""

    target: str
    replacement: Mapping[str, Any]
    position: int


class Change(NamedTuple):
    """What one record did to one fact (``ref``): how it stood before and after (None: it
    did not stand)."""

    ref: str
    before: EffectiveFact | None
    after: EffectiveFact | None


def merged(fact: Mapping[str, Any], replacement: Mapping[str, Any]) -> dict[str, Any]:
    """A fact with a correction's replacement fields over its own."""
    return {**fact, **replacement}


class EffectiveFacts:
    """The fold (see the module docstring). Iterates in ledger order of the original facts.

    A voided fact disappears; its positions and the void's stay in :attr:`voided`, for the
    derivations that must name why something is gone.
    """

    def __init__(self) -> None:
        self._facts: dict[str, EffectiveFact] = {}
        self.voided: dict[str, tuple[int, ...]] = {}
        self.last_position: int | None = None
        #: corrections in force, by their own ref: the ref of the fact each corrects
        self._targets: dict[str, str] = {}
        #: each corrected fact as first recorded, and its corrections in force, in order
        self._history: dict[str, tuple[EffectiveFact, dict[str, Correction]]] = {}

    # -- applying records ----------------------------------------------------------------

    def apply(self, record: tuple[int, Mapping[str, Any]]) -> Change | None:
        """Apply one stored record, ``(position, fact)``; None when it changed no fact."""
        position, fact = record
        self.last_position = position
        name = fact["fact"]
        if name == CORRECTED:
            return self.correct(position, fact["source_ref"], fact["target"], fact["replacement"])
        if name == VOIDED:
            return self.void(position, fact["target"])
        return self.add(position, fact["source_ref"], fact)

    def extend(self, records: Iterable[tuple[int, Mapping[str, Any]]]) -> EffectiveFacts:
        for record in records:
            self.apply(record)
        return self

    def add(self, position: int, ref: str, fact: Mapping[str, Any]) -> Change:
        """A fact as recorded (a repeated ``ref`` replaces the earlier fact)."""
        before = self._facts.get(ref)
        new = self._facts[ref] = EffectiveFact(position, fact, (position,))
        return Change(ref, before, new)

    def correct(
        self, position: int, ref: str, target: str, replacement: Mapping[str, Any]
    ) -> Change | None:
        old = self._facts.get(target)
        if old is None:
            return None
        new = EffectiveFact(old.position, merged(old.fact, replacement), (*old.positions, position))
        self._facts[target] = new
        self._targets[ref] = target
        history = self._history.setdefault(target, (old, {}))[1]
        history[ref] = Correction(target, replacement, position)
        return Change(target, old, new)

    def void(self, position: int, target: str) -> Change | None:
        corrected = self._targets.pop(target, None)
        if corrected is not None:
            return self._withdraw(target, corrected, position)
        old = self._facts.pop(target, None)
        if old is None:
            return None
        self.voided[target] = (*old.positions, position)
        return Change(target, old, None)

    def _withdraw(self, correction: str, target: str, position: int) -> Change | None:
        """Voiding a correction: the fact as recorded with its other corrections in force,
        in order; every position stays behind it, as evidence."""
        original, live = self._history[target]
        del live[correction]
        current = self._facts.get(target)
        if current is None:
            return None
        fact = dict(original.fact)
        for each in live.values():
            fact.update(each.replacement)
        new = self._facts[target] = EffectiveFact(
            original.position, fact, (*current.positions, position)
        )
        return Change(target, current, new)

    # -- facts that stand already (kept elsewhere until a correction reaches them) --------

    def adopt(self, ref: str, fact: EffectiveFact) -> None:
        """A fact as it stands now, folded elsewhere until now (the fold then takes over)."""
        self._facts[ref] = fact

    def adopt_correction(self, ref: str, original: EffectiveFact, correction: Correction) -> None:
        """A correction in force, folded elsewhere, with its target as first recorded
        (adopt them in ledger order, and the fact as it stands with :meth:`adopt`)."""
        self._targets[ref] = correction.target
        self._history.setdefault(correction.target, (original, {}))[1][ref] = correction

    # -- reading -------------------------------------------------------------------------

    def get(self, ref: str) -> EffectiveFact | None:
        return self._facts.get(ref)

    def target_of(self, ref: str) -> str | None:
        """The fact that ``ref`` corrects, if ``ref`` is a correction in force."""
        return self._targets.get(ref)

    def correction(self, ref: str) -> Correction | None:
        """The correction in force with this ref."""
        target = self._targets.get(ref)
        return None if target is None else self._history[target][1][ref]

    def original(self, ref: str) -> EffectiveFact | None:
        """A corrected fact as first recorded."""
        history = self._history.get(ref)
        return None if history is None else history[0]

    def __iter__(self) -> Iterator[EffectiveFact]:
        return iter(sorted(self._facts.values(), key=_position))

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, ref: object) -> bool:
        return ref in self._facts


def _position(fact: EffectiveFact) -> int:
    return fact.position


def effective_facts(records: Iterable[tuple[int, Mapping[str, Any]]]) -> EffectiveFacts:
    return EffectiveFacts().extend(records)
