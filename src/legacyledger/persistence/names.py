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

from legacyledger.domain import AGGREGATES, Subject

PREFIX = "fact:"


class StoredName(NamedTuple):
    """A stored topic read as a fact: its name, version and (corrections) subject key field."""

    fact: str
    version: int
    subject: str = ""


#: The topics 0.1.0 wrote (``module:QualName`` of each event class then) and their facts,
#: every one at version 1. Never computed from the code: the code may move.
LEGACY_TOPICS: dict[str, str] = {
    "legacyledger.domain.partnership:Partnership.Formed": "PartnershipFormed",
    "legacyledger.domain.partnership:Partnership.OrganisationJoined": "OrganisationJoined",
    "legacyledger.domain.partnership:Partnership.OrganisationLeft": "OrganisationLeft",
    "legacyledger.domain.partnership:Partnership.CoordinatorAppointed": "CoordinatorAppointed",
    "legacyledger.domain.partnership:Partnership.CoordinatorLeft": "CoordinatorLeft",
    "legacyledger.domain.partnership:Partnership.FundingReceived": "FundingReceived",
    "legacyledger.domain.partnership:Partnership.CostIncurred": "CostIncurred",
    "legacyledger.domain.partnership:Partnership.RecruitmentTargetSet": "RecruitmentTargetSet",
    "legacyledger.domain.partnership:Partnership.CommitmentFormalised": "CommitmentFormalised",
    "legacyledger.domain.partnership:Partnership.FrameworkAdopted": "FrameworkAdopted",
    "legacyledger.domain.partnership:Partnership.FrameworkItemAssessed": "FrameworkItemAssessed",
    "legacyledger.domain.partnership:Partnership.ActionAgreed": "ActionAgreed",
    "legacyledger.domain.partnership:Partnership.ActionCompleted": "ActionCompleted",
    "legacyledger.domain.partnership:Partnership.Closed": "PartnershipClosed",
    "legacyledger.domain.partnership:Partnership.Corrected": "FactCorrected",
    "legacyledger.domain.partnership:Partnership.Voided": "FactVoided",
    "legacyledger.domain.mentor:Mentor.Enrolled": "MentorEnrolled",
    "legacyledger.domain.mentor:Mentor.Inducted": "MentorInducted",
    "legacyledger.domain.mentor:Mentor.Trained": "MentorTrained",
    "legacyledger.domain.mentor:Mentor.PayRateSet": "MentorPayRateSet",
    "legacyledger.domain.mentor:Mentor.TimeLogged": "MentorTimeLogged",
    "legacyledger.domain.mentor:Mentor.Moved": "MentorMoved",
    "legacyledger.domain.mentor:Mentor.Paused": "MentorPaused",
    "legacyledger.domain.mentor:Mentor.Resumed": "MentorResumed",
    "legacyledger.domain.mentor:Mentor.Withdrew": "MentorWithdrew",
    "legacyledger.domain.mentor:Mentor.Corrected": "FactCorrected",
    "legacyledger.domain.mentor:Mentor.Voided": "FactVoided",
    "legacyledger.domain.registrant:Registrant.Enrolled": "RegistrantEnrolled",
    "legacyledger.domain.registrant:Registrant.MentorMatched": "MentorMatched",
    "legacyledger.domain.registrant:Registrant.MentorUnmatched": "MentorUnmatched",
    "legacyledger.domain.registrant:Registrant.MentoringContactRecorded":
        "MentoringContactRecorded",
    "legacyledger.domain.registrant:Registrant.OutcomeMeasured": "OutcomeMeasured",
    "legacyledger.domain.registrant:Registrant.EmploymentStatusChanged": "EmploymentStatusChanged",
    "legacyledger.domain.registrant:Registrant.Moved": "RegistrantMoved",
    "legacyledger.domain.registrant:Registrant.Left": "RegistrantLeft",
    "legacyledger.domain.registrant:Registrant.Rejoined": "RegistrantRejoined",
    "legacyledger.domain.registrant:Registrant.FollowUpEnded": "FollowUpEnded",
    "legacyledger.domain.registrant:Registrant.Corrected": "FactCorrected",
    "legacyledger.domain.registrant:Registrant.Voided": "FactVoided",
    "legacyledger.domain.programme_event:ProgrammeEvent.Planned": "EventPlanned",
    "legacyledger.domain.programme_event:ProgrammeEvent.Rescheduled": "EventRescheduled",
    "legacyledger.domain.programme_event:ProgrammeEvent.AmbassadorRostered": "AmbassadorRostered",
    "legacyledger.domain.programme_event:ProgrammeEvent.AmbassadorStoodDown": "AmbassadorStoodDown",
    "legacyledger.domain.programme_event:ProgrammeEvent.Delivered": "EventDelivered",
    "legacyledger.domain.programme_event:ProgrammeEvent.Cancelled": "EventCancelled",
    "legacyledger.domain.programme_event:ProgrammeEvent.FeedbackRecorded": "FeedbackRecorded",
    "legacyledger.domain.programme_event:ProgrammeEvent.Corrected": "FactCorrected",
    "legacyledger.domain.programme_event:ProgrammeEvent.Voided": "FactVoided",
}

#: The subject of a 0.1.0 correction or void, by the module its class was in.
LEGACY_SUBJECTS = {
    "partnership": "partnership", "mentor": "mentor", "registrant": "registrant",
    "programme_event": "event",
}


def legacy_name(topic: str) -> StoredName:
    fact = LEGACY_TOPICS[topic]
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
    topics = {topic for topic, fact in LEGACY_TOPICS.items() if fact in wanted}
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
