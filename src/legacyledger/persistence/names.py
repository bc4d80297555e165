"""Stored topics: what each stored row says it is, by fact name and version.

A new fact is stored under ``fact:<Name>:<version>`` (``fact:MentorTimeLogged:1``); a
correction or void, which lives on the subject of the fact it is about, also names that
subject's key field (``fact:FactCorrected:1:mentor``), so the mapper knows which aggregate's
event to rebuild. The form can never be a module path: eventsourcing's topics are
``module:QualName`` with exactly one colon, and whatever follows the first colon here holds
another one, which no Python qualified name can. So no eventsourcing topic (or topic alias)
can ever collide with a stable name, and moving a module changes nothing stored.

Ledgers written by 0.1.0 keep their module-path topics (the hash chain covers them):
:data:`LEGACY_TOPICS` maps each to its fact at version 1, written out literally because
today's module paths may move.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from legacyledger.domain import AGGREGATES, Mentor, Partnership, ProgrammeEvent, Registrant, Subject

PREFIX = "fact:"


class StoredName(NamedTuple):
    """A stored topic read as a fact: its name, version and (corrections) subject key field."""

    fact: str
    version: int
    subject: str = ""


#: The topics 0.1.0 wrote (``module:QualName`` of each event class then) and the event class
#: each is read as, at version 1. The topics are written out, never computed from the code
#: (modules may move); the classes are referred to, so a fact's name is still spelled once.
LEGACY_TOPICS: dict[str, type[Subject.Event]] = {
    "legacyledger.domain.partnership:Partnership.Formed": Partnership.Formed,
    "legacyledger.domain.partnership:Partnership.OrganisationJoined":
        Partnership.OrganisationJoined,
    "legacyledger.domain.partnership:Partnership.OrganisationLeft": Partnership.OrganisationLeft,
    "legacyledger.domain.partnership:Partnership.CoordinatorAppointed":
        Partnership.CoordinatorAppointed,
    "legacyledger.domain.partnership:Partnership.CoordinatorLeft": Partnership.CoordinatorLeft,
    "legacyledger.domain.partnership:Partnership.FundingReceived": Partnership.FundingReceived,
    "legacyledger.domain.partnership:Partnership.CostIncurred": Partnership.CostIncurred,
    "legacyledger.domain.partnership:Partnership.RecruitmentTargetSet":
        Partnership.RecruitmentTargetSet,
    "legacyledger.domain.partnership:Partnership.CommitmentFormalised":
        Partnership.CommitmentFormalised,
    "legacyledger.domain.partnership:Partnership.FrameworkAdopted": Partnership.FrameworkAdopted,
    "legacyledger.domain.partnership:Partnership.FrameworkItemAssessed":
        Partnership.FrameworkItemAssessed,
    "legacyledger.domain.partnership:Partnership.ActionAgreed": Partnership.ActionAgreed,
    "legacyledger.domain.partnership:Partnership.ActionCompleted": Partnership.ActionCompleted,
    "legacyledger.domain.partnership:Partnership.Closed": Partnership.Closed,
    "legacyledger.domain.partnership:Partnership.Corrected": Partnership.Corrected,
    "legacyledger.domain.partnership:Partnership.Voided": Partnership.Voided,
    "legacyledger.domain.mentor:Mentor.Enrolled": Mentor.Enrolled,
    "legacyledger.domain.mentor:Mentor.Inducted": Mentor.Inducted,
    "legacyledger.domain.mentor:Mentor.Trained": Mentor.Trained,
    "legacyledger.domain.mentor:Mentor.PayRateSet": Mentor.PayRateSet,
    "legacyledger.domain.mentor:Mentor.TimeLogged": Mentor.TimeLogged,
    "legacyledger.domain.mentor:Mentor.Moved": Mentor.Moved,
    "legacyledger.domain.mentor:Mentor.Paused": Mentor.Paused,
    "legacyledger.domain.mentor:Mentor.Resumed": Mentor.Resumed,
    "legacyledger.domain.mentor:Mentor.Withdrew": Mentor.Withdrew,
    "legacyledger.domain.mentor:Mentor.Corrected": Mentor.Corrected,
    "legacyledger.domain.mentor:Mentor.Voided": Mentor.Voided,
    "legacyledger.domain.registrant:Registrant.Enrolled": Registrant.Enrolled,
    "legacyledger.domain.registrant:Registrant.MentorMatched": Registrant.MentorMatched,
    "legacyledger.domain.registrant:Registrant.MentorUnmatched": Registrant.MentorUnmatched,
    "legacyledger.domain.registrant:Registrant.MentoringContactRecorded":
        Registrant.MentoringContactRecorded,
    "legacyledger.domain.registrant:Registrant.OutcomeMeasured": Registrant.OutcomeMeasured,
    "legacyledger.domain.registrant:Registrant.EmploymentStatusChanged":
        Registrant.EmploymentStatusChanged,
    "legacyledger.domain.registrant:Registrant.Moved": Registrant.Moved,
    "legacyledger.domain.registrant:Registrant.Left": Registrant.Left,
    "legacyledger.domain.registrant:Registrant.Rejoined": Registrant.Rejoined,
    "legacyledger.domain.registrant:Registrant.FollowUpEnded": Registrant.FollowUpEnded,
    "legacyledger.domain.registrant:Registrant.Corrected": Registrant.Corrected,
    "legacyledger.domain.registrant:Registrant.Voided": Registrant.Voided,
    "legacyledger.domain.programme_event:ProgrammeEvent.Planned": ProgrammeEvent.Planned,
    "legacyledger.domain.programme_event:ProgrammeEvent.Rescheduled": ProgrammeEvent.Rescheduled,
    "legacyledger.domain.programme_event:ProgrammeEvent.AmbassadorRostered":
        ProgrammeEvent.AmbassadorRostered,
    "legacyledger.domain.programme_event:ProgrammeEvent.AmbassadorStoodDown":
        ProgrammeEvent.AmbassadorStoodDown,
    "legacyledger.domain.programme_event:ProgrammeEvent.Delivered": ProgrammeEvent.Delivered,
    "legacyledger.domain.programme_event:ProgrammeEvent.Cancelled": ProgrammeEvent.Cancelled,
    "legacyledger.domain.programme_event:ProgrammeEvent.FeedbackRecorded":
        ProgrammeEvent.FeedbackRecorded,
    "legacyledger.domain.programme_event:ProgrammeEvent.Corrected": ProgrammeEvent.Corrected,
    "legacyledger.domain.programme_event:ProgrammeEvent.Voided": ProgrammeEvent.Voided,
}

#: The subject of a 0.1.0 correction or void, by the module its class was in.
LEGACY_SUBJECTS = {
    "partnership": "partnership", "mentor": "mentor", "registrant": "registrant",
    "programme_event": "event",
}


def legacy_name(topic: str) -> StoredName:
    fact = str(LEGACY_TOPICS[topic].FACT)
    module = topic.partition(":")[0].rpartition(".")[2]
    return StoredName(fact, 1, LEGACY_SUBJECTS[module] if fact in AMENDMENT_NAMES else "")


_AMENDMENTS = (Subject.Corrected, Subject.Voided)
AMENDMENT_NAMES = frozenset(str(cls.FACT) for cls in _AMENDMENTS)
#: (fact name, subject key field) → event class: what a stored name is rebuilt as.
EVENT_CLASSES: dict[tuple[str, str], type[Subject.Event]] = {
    (name, aggregate.KEY_FIELD if issubclass(cls, _AMENDMENTS) else ""): cls
    for aggregate in AGGREGATES
    for name, cls in aggregate.FACTS.items()
}


def stable_topic(name: str, version: int, subject: str = "") -> str:
    return f"{PREFIX}{name}:{version}" + (f":{subject}" if subject else "")


_TOPICS: dict[type, str] = {}


def topic_of(event_class: type[Subject.Event]) -> str:
    """The topic a new fact of this class is stored under."""
    try:
        return _TOPICS[event_class]
    except KeyError:
        subject = next(s for (n, s), c in EVENT_CLASSES.items() if c is event_class)
        topic = stable_topic(event_class.FACT, event_class.VERSION, subject)
        return _TOPICS.setdefault(event_class, topic)


_NAMES: dict[str, StoredName] = {}


def name_of(topic: str) -> StoredName:
    """The fact a stored topic names (a stable name or a 0.1.0 module path)."""
    try:
        return _NAMES[topic]
    except KeyError:
        pass
    if topic in LEGACY_TOPICS:
        return _NAMES.setdefault(topic, legacy_name(topic))
    if not topic.startswith(PREFIX):
        raise LookupError(f"stored topic {topic!r} names no fact this legacyledger knows")
    name, version, *subject = topic[len(PREFIX):].split(":")
    return _NAMES.setdefault(topic, StoredName(name, int(version), "".join(subject)))


def event_class_of(stored: StoredName) -> type[Subject.Event]:
    """The event class a stored fact is rebuilt as today (wherever its module now lives)."""
    return EVENT_CLASSES[(stored.fact, stored.subject)]


def topics_of(names: Iterable[str]) -> tuple[str, ...]:
    """Every topic a fact of these names may be stored under: its stable topic at each
    version up to the current one, and its 0.1.0 topics."""
    wanted = set(names)
    topics = {topic for topic, cls in LEGACY_TOPICS.items() if cls.FACT in wanted}
    for (name, subject), cls in EVENT_CLASSES.items():
        if name in wanted:
            topics.update(stable_topic(name, v, subject) for v in range(1, cls.VERSION + 1))
    return tuple(sorted(topics))


__all__ = [
    "LEGACY_TOPICS",
    "StoredName",
    "event_class_of",
    "name_of",
    "stable_topic",
    "topic_of",
    "topics_of",
]
