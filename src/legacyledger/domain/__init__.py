"""The write model: five aggregates whose events are the facts of ``docs/spec/facts.md``
(the card's four subjects, and the frameworks loaded into the ledger)."""

from typing import Any

from legacyledger.domain.base import ENVELOPE, Subject
from legacyledger.domain.errors import (
    DomainError,
    ImpossibleHistory,
    RuleBroken,
    SubjectClosed,
    UnknownSubject,
)
from legacyledger.domain.framework import Framework
from legacyledger.domain.mentor import Mentor
from legacyledger.domain.partnership import Partnership
from legacyledger.domain.programme_event import ProgrammeEvent
from legacyledger.domain.registrant import Registrant

AGGREGATES: tuple[type[Subject], ...] = (
    Partnership,
    Mentor,
    Registrant,
    ProgrammeEvent,
    Framework,
)

#: The facts about facts (a correction, a void), which every aggregate takes.
AMENDMENTS = frozenset({Subject.Corrected.FACT, Subject.Voided.FACT})

#: Fact name → (aggregate class, event class); corrections are resolved by target.
FACT_TYPES: dict[str, tuple[type[Subject], type[Any]]] = {
    name: (aggregate, event_class)
    for aggregate in AGGREGATES
    for name, event_class in aggregate.FACTS.items()
    if name not in AMENDMENTS
}


def interchange_fields(event_class: type[Subject.Event]) -> frozenset[str]:
    """The fields of a fact's interchange form (its subject's key field, ``on``, the rest),
    without ``fact`` itself."""
    own = set(event_class.__dataclass_fields__) - ENVELOPE - {"key"}
    if event_class.FACT in AMENDMENTS:
        return frozenset(own)
    return frozenset({FACT_TYPES[event_class.FACT][0].KEY_FIELD, *own})

__all__ = [
    "AGGREGATES",
    "AMENDMENTS",
    "FACT_TYPES",
    "DomainError",
    "Framework",
    "ImpossibleHistory",
    "Mentor",
    "Partnership",
    "ProgrammeEvent",
    "Registrant",
    "RuleBroken",
    "Subject",
    "SubjectClosed",
    "UnknownSubject",
    "interchange_fields",
]
