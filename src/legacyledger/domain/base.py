"""The shared shape of the four aggregates: facts as events, corrections, stable ids.

Every event is one *fact* of ``docs/spec/facts.md``. Events carry the business date (``on``),
``source_ref``, ``recorded_by`` and ``note``; eventsourcing adds the recorded time
(``timestamp``). Rules are guard methods on the aggregates, called by commands before an
event is triggered; ``evolve`` methods only change state, so old histories always replay.

Corrections (``FactCorrected`` / ``FactVoided``) live on the aggregate of the fact they
target. The aggregate keeps its effective facts so that a correction can be re-checked
against the whole history (:meth:`Subject.check_history`) and state re-derived from it; a
compact one (:meth:`Subject.compact`, what an import keeps) has its state and guards only, and
takes a correction once its history is read again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, ClassVar, get_type_hints
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from legacyledger.domain.codec import decode_value
from legacyledger.domain.corrections import CORRECTED, VOIDED, EffectiveFacts, merged
from legacyledger.domain.errors import DomainError, ImpossibleHistory, RuleBroken
from legacyledger.domain.values import Key, Pseudonym, Text

NAMESPACE = UUID("6f1d7a4e-3c52-5b0e-9a7c-1e2b3c4d5e6f")
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class Subject(Aggregate):
    """Base of Mentor, Registrant, ProgrammeEvent, Partnership and Framework."""

    KEY_FIELD: ClassVar[str] = ""
    #: False for a subject whose creation fact is recorded again for each version of it.
    CREATED_ONCE: ClassVar[bool] = True
    FACTS: ClassVar[dict[str, type[Any]]] = {}
    #: False once :meth:`compact` has let go of the facts (the state stays).
    keeps_history = True

    class Event(Aggregate.Event):
        key: Key
        on: date
        source_ref: Key
        recorded_by: Pseudonym | None
        note: Text | None

        FACT = ""
        #: The fact's schema version: raise it (and register an upcaster from the previous
        #: one, ``legacyledger.domain.upcasting``) when its fields must change.
        VERSION = 1
        GUARD = ""

        def apply(self, aggregate: Any) -> None:
            aggregate.remember(self)
            self.evolve(aggregate)

        def evolve(self, aggregate: Any) -> None:
            """Change the aggregate's state. No rules here: they live in guards."""

    class Created(Event, Aggregate.Created):
        pass

    class Corrected(Event):
        target: Key
        replacement: Mapping[str, Any]
        reason: Text
        FACT = CORRECTED

        def apply(self, aggregate: Any) -> None:
            aggregate.amend(self)

    class Voided(Event):
        target: Key
        reason: Text
        FACT = VOIDED

        def apply(self, aggregate: Any) -> None:
            aggregate.amend(self)

    @staticmethod
    def create_id(key: str = "", **_: Any) -> UUID:  # pragma: no cover - replaced per class
        raise NotImplementedError

    @classmethod
    def id_for(cls, key: str) -> UUID:
        """Stable id from the natural key, so re-imports and look-ups are idempotent."""
        return _stable_id(cls.__name__, key)

    # -- state shared by every subject ---------------------------------------------------

    def reset(self) -> None:
        """Empty state before the first fact; subclasses extend it."""
        self.key = ""
        #: Every fact as recorded, and the corrections and voids recorded about them.
        self.originals: dict[str, Subject.Event] = {}
        self.amendments: list[Subject.Corrected | Subject.Voided] = []
        #: The facts as they now stand (corrections applied, voided ones gone).
        self.facts: dict[str, Subject.Event] = {}
        self.last_on: date | None = None

    def remember(self, event: Subject.Event) -> None:
        if not hasattr(self, "facts"):
            self.reset()
        self.key = event.key
        if self.keeps_history:
            self.originals[event.source_ref] = event
        self.take(event)

    def take(self, event: Subject.Event) -> None:
        if self.keeps_history:
            self.facts[event.source_ref] = event
        self.last_on = event.on if self.last_on is None else max(self.last_on, event.on)

    def amend(self, amendment: Subject.Corrected | Subject.Voided) -> None:
        """Re-derive state from the originals and every amendment, this one included."""
        if not self.keeps_history:
            raise RuntimeError(f"{self.key} is compact: read its history before amending it")
        key, originals, amendments = self.key, self.originals, [*self.amendments, amendment]
        self.reset()
        self.key, self.originals, self.amendments = key, originals, amendments
        for fact in effective(originals, amendments).values():
            self.take(fact)
            fact.evolve(self)

    def compact(self) -> None:
        """Keep the state the guards read, not every fact: enough for any new fact, while a
        correction or void needs the subject read again with its history."""
        self.keeps_history = False
        self.originals, self.facts, self.amendments = {}, {}, []

    # -- commands shared by every subject ------------------------------------------------

    def record(self, event_class: type[Subject.Event], **fields: Any) -> None:
        """Check the fact against the history, then trigger it."""
        self.guard(event_class, fields)
        self.trigger_event(event_class, key=self.key, **fields)

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        """As eventsourcing's, minus the dataclass ``__init__`` (about 3x cheaper).

        Facts arrive with every field already validated, so building the frozen event by
        filling its ``__dict__`` (as eventsourcing's own mapper does on reads) is safe; a test
        checks the fields match the dataclass exactly.
        """
        kwargs["originator_id"] = self.id
        kwargs["originator_version"] = self.version + 1
        kwargs["timestamp"] = event_class.create_timestamp()
        new_event = object.__new__(event_class)
        new_event.__dict__.update(kwargs)
        new_event.mutate(self)
        self.pending_events.append(new_event)

    def guard(self, event_class: type[Subject.Event], fields: Mapping[str, Any]) -> None:
        self.check_not_before_creation(fields["on"])
        if event_class.GUARD:
            getattr(self, event_class.GUARD)(**fields)

    def correct(self, target: str, replacement: Mapping[str, Any], **fields: Any) -> None:
        original = self.target_of(target)
        if self.creation_fact() == original.FACT and "on" in replacement:
            self.check_creation_date_move(replacement["on"])
        self.check_amended(dummy_correction(target, replacement))
        self.trigger_event(
            self.Corrected, key=self.key, target=target, replacement=dict(replacement), **fields
        )

    def void(self, target: str, **fields: Any) -> None:
        """Void a fact, or a correction (which restores what it corrected)."""
        if target not in self.live_corrections():
            original = self.target_of(target)
            if self.creation_fact() == original.FACT:
                raise RuleBroken(
                    f"{target} is the creation fact of {self.key}: void it cannot", "target"
                )
        self.check_amended(dummy_void(target))
        self.trigger_event(self.Voided, key=self.key, target=target, **fields)

    def live_corrections(self) -> set[str]:
        voided = {a.target for a in self.amendments if isinstance(a, Subject.Voided)}
        return {a.source_ref for a in self.amendments if isinstance(a, Subject.Corrected)} - voided

    def target_of(self, target: str) -> Subject.Event:
        try:
            return self.facts[target]
        except KeyError:
            raise RuleBroken(f"no effective fact {target} on {self.key}", "target") from None

    def check_amended(self, amendment: Subject.Corrected | Subject.Voided) -> None:
        """Replay the history as it would stand after ``amendment``, running every guard."""
        facts = effective(self.originals, [*self.amendments, amendment])
        try:
            check_history(type(self), facts.values())
        except DomainError as error:
            raise ImpossibleHistory(f"after the change: {error.message}", error.field) from None

    def check_creation_date_move(self, new_on: date | str) -> None:
        new_on = date.fromisoformat(new_on) if isinstance(new_on, str) else new_on
        later = [f.on for f in self.facts.values() if self.creation_fact() != f.FACT]
        if later and min(later) < new_on:
            raise ImpossibleHistory(f"{self.key} would be created after facts about it", "on")

    def check_not_before_creation(self, on: date) -> None:
        created = self.created_date()
        if created is not None and on < created:
            raise ImpossibleHistory(
                f"{on} is before {self.key} was {self.creation_verb()} on {created}", "on"
            )

    def created_date(self) -> date | None:
        return None

    def creation_verb(self) -> str:
        return "created"

    @classmethod
    def creation_fact(cls) -> str:
        return next(str(c.FACT) for c in cls.FACTS.values() if issubclass(c, Subject.Created))


@functools.lru_cache(maxsize=200_000)
def _stable_id(kind: str, key: str) -> UUID:
    return uuid5(NAMESPACE, f"{kind}/{key}")


def check_history(cls: type[Subject], facts: Iterable[Subject.Event]) -> None:
    """Run every guard over a history on a scratch aggregate, raising the first violation."""
    scratch = cls.__new__(cls)
    scratch.reset()
    for fact in facts:
        scratch.guard(type(fact), fields_of(fact))
        fact.apply(scratch)


def fields_of(event: Subject.Event) -> dict[str, Any]:
    """The fact's own fields (no envelope, no key)."""
    return {k: v for k, v in vars(event).items() if k not in ENVELOPE and k != "key"}


def corrected(event: Subject.Event, correction: Subject.Corrected) -> Subject.Event:
    """The event as one correction would leave it (to check a proposed correction)."""
    typed = coerce_fields(type(event), correction.replacement)
    return rebuilt(event, merged(vars(event), typed))


def dummy_correction(target: str, replacement: Mapping[str, Any]) -> Subject.Corrected:
    """A not-yet-recorded correction, to check what it would do."""
    c = object.__new__(Subject.Corrected)
    c.__dict__.update(target=target, replacement=replacement, source_ref="(proposed)")
    return c


def dummy_void(target: str) -> Subject.Voided:
    v = object.__new__(Subject.Voided)
    v.__dict__.update(target=target, source_ref="(proposed)")
    return v


def effective(
    originals: Mapping[str, Subject.Event], amendments: Iterable[Subject.Corrected | Subject.Voided]
) -> dict[str, Subject.Event]:
    """The facts as they stand, by the one correction fold (:mod:`~legacyledger.domain.
    corrections`) over the originals then the amendments, replacements typed for the fact they
    correct. Order is that of the originals; a fact no amendment reached is itself."""
    fold = EffectiveFacts()
    for position, (ref, event) in enumerate(originals.items()):
        fold.add(position, ref, vars(event))
    for position, amendment in enumerate(amendments, len(originals)):
        if isinstance(amendment, Subject.Corrected):
            target = originals.get(amendment.target)
            replacement = amendment.replacement
            if target is not None:
                replacement = coerce_fields(type(target), replacement)
            fold.correct(position, amendment.source_ref, amendment.target, replacement)
        else:
            fold.void(position, amendment.target)
    facts: dict[str, Subject.Event] = {}
    for fact in fold:
        event = originals[fact.source_ref]
        facts[fact.source_ref] = event if len(fact.positions) == 1 else rebuilt(event, fact.fact)
    return facts


def rebuilt(event: Subject.Event, fields: Mapping[str, Any]) -> Subject.Event:
    """An event of ``event``'s class with these fields (envelope included), filled as
    :meth:`Subject.trigger_event` fills one."""
    new = object.__new__(type(event))
    new.__dict__.update(fields)
    return new


_HINTS: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls, include_extras=True)
    return _HINTS[cls]


def coerce_fields(cls: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values from interchange values (already validated by ``legacyledger.facts``)."""
    hints = field_types(cls)
    unknown = set(values) - set(hints)
    if unknown:
        raise RuleBroken(f"{cls.__qualname__} has no field {sorted(unknown)[0]}", "replacement")
    return {k: decode_value(hints[k], v) for k, v in values.items()}


def create(cls: type[Subject], event_class: type[Subject.Event], key: str, **fields: Any) -> Any:
    """Check a creation fact on a scratch subject, then create the aggregate from it."""
    scratch = cls.__new__(cls)
    scratch.reset()
    scratch.guard(event_class, fields)
    return cls._create(event_class, id=cls.id_for(key), key=key, **fields)  # type: ignore[arg-type]


def fact_classes(cls: type[Subject]) -> dict[str, type[Subject.Event]]:
    """Fact name → event class, for the nested event classes of an aggregate."""
    found = {}
    for value in vars(cls).values():
        if isinstance(value, type) and issubclass(value, Subject.Event) and value.FACT:
            found[value.FACT] = value
    for name in ("Corrected", "Voided"):
        event_class = getattr(cls, name)
        found[event_class.FACT] = event_class
    return found
