"""The write model: five aggregates whose events are the facts of ``docs/spec/facts.md``
(the card's four subjects, and the frameworks loaded into the ledger)."""

from typing import Any

from legacyledger.domain.base import Subject
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

#: Fact name → (aggregate class, event class); corrections are resolved by target.
FACT_TYPES: dict[str, tuple[type[Subject], type[Any]]] = {
    name: (aggregate, event_class)
    for aggregate in AGGREGATES
    for name, event_class in aggregate.FACTS.items()
    if name not in ("FactCorrected", "FactVoided")
}

__all__ = [
    "AGGREGATES",
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
]
