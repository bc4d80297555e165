"""What the compliance rules read about each subject: its facts, gathered in one pass.

One object per partnership, mentor, registrant and programme event, holding the settled facts
a rule looks at (the index is built by :func:`~legacyledger.projections.compliance.index_settled`
and linked once the pass is over, because a correction may have moved a subject).
"""

from __future__ import annotations

from legacyledger.projections.tables import FactRows
from legacyledger.projections.tables import FactView as Fact


class EventFacts:
    __slots__ = ("cancelled", "delivered", "key", "planned")

    def __init__(self, key: str, planned: Fact) -> None:
        self.key, self.planned = key, planned
        self.delivered: Fact | None = None
        self.cancelled: Fact | None = None


class MentorFacts:
    __slots__ = (
        "attended",
        "enrolled",
        "inductions",
        "key",
        "pay_rates",
        "time",
        "trainings",
        "withdrew",
    )

    def __init__(self, key: str, enrolled: Fact, time: FactRows) -> None:
        self.key, self.enrolled = key, enrolled
        self.withdrew: Fact | None = None
        self.inductions: list[Fact] = []
        self.trainings: list[Fact] = []
        self.pay_rates: list[Fact] = []
        self.time = time
        self.attended: list[EventFacts] = []


class RegistrantFacts:
    __slots__ = ("contacts", "enrolled", "exits", "key", "matches", "outcomes")

    def __init__(self, key: str, enrolled: Fact, contacts: FactRows, outcomes: FactRows) -> None:
        self.key, self.enrolled = key, enrolled
        self.matches: list[Fact] = []
        self.contacts = contacts
        self.outcomes = outcomes
        self.exits: list[Fact] = []


class PartnershipFacts:
    __slots__ = (
        "actions",
        "adopted",
        "assessments",
        "closed",
        "commitments",
        "completions",
        "coordinators",
        "events",
        "formed",
        "key",
        "mentors",
        "orgs",
        "registrants",
        "targets",
    )

    def __init__(self, key: str, formed: Fact) -> None:
        self.key, self.formed = key, formed
        self.closed: Fact | None = None
        self.adopted: list[Fact] = []
        self.orgs: list[Fact] = []
        self.coordinators: list[Fact] = []
        self.targets: list[Fact] = []
        self.commitments: list[Fact] = []
        self.assessments: dict[tuple[str, str], Fact] = {}
        self.actions: dict[str, Fact] = {}
        self.completions: dict[str, Fact] = {}
        self.mentors: list[MentorFacts] = []
        self.registrants: list[RegistrantFacts] = []
        self.events: list[EventFacts] = []


class FactIndex:
    def __init__(self) -> None:
        self.partnerships: dict[str, PartnershipFacts] = {}
        self.mentors: dict[str, MentorFacts] = {}
        self.registrants: dict[str, RegistrantFacts] = {}
        self.events: dict[str, EventFacts] = {}

    def link(self) -> FactIndex:
        """Attach subjects to their partnership and attendances to mentors (after the pass,
        because a correction may have moved a subject)."""
        for group, attr in (
            (self.mentors, "mentors"),
            (self.registrants, "registrants"),
            (self.events, "events"),
        ):
            for subject in group.values():
                owner = self.partnerships.get(first_fact(subject)["partnership"])
                if owner is not None:
                    getattr(owner, attr).append(subject)
        for event in self.events.values():
            if event.delivered is not None:
                for key in attendees(event):
                    if key in self.mentors:
                        self.mentors[key].attended.append(event)
        return self


def first_fact(subject: MentorFacts | RegistrantFacts | EventFacts) -> Fact:
    return subject.planned if isinstance(subject, EventFacts) else subject.enrolled


def attendees(event: EventFacts) -> tuple[str, ...]:
    assert event.delivered is not None
    return tuple(event.delivered.get("attendees", ()))
