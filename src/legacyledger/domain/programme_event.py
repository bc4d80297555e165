"""A careers fair, school talk, induction, CPD session or action-research meeting.

Called ``ProgrammeEvent`` because ``event`` is eventsourcing's decorator and
``Aggregate.Event`` its base class.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from legacyledger.domain.base import Subject, fact_classes
from legacyledger.domain.errors import ImpossibleHistory, RuleBroken, SubjectClosed
from legacyledger.domain.values import (
    Audience,
    CancelledBy,
    Count,
    EventKind,
    FeedbackCounts,
    FeedbackPhase,
    Key,
    ShortText,
    Text,
)


class ProgrammeEvent(Subject):
    KEY_FIELD = "event"

    class Planned(Subject.Created):
        partnership: Key
        kind: EventKind
        audience: Audience
        integrated: bool
        expected_audience: Count
        FACT = "EventPlanned"

        def evolve(self, event: Any) -> None:
            event.partnership, event.kind = self.partnership, self.kind
            event.planned_on = event.scheduled_for = self.on

    class Rescheduled(Subject.Event):
        new_date: date
        reason: Text
        FACT, GUARD = "EventRescheduled", "check_open"

        def evolve(self, event: Any) -> None:
            event.scheduled_for = self.new_date

    class AmbassadorRostered(Subject.Event):
        mentor: Key
        FACT, GUARD = "AmbassadorRostered", "check_roster"

        def evolve(self, event: Any) -> None:
            event.rostered.add(self.mentor)

    class AmbassadorStoodDown(Subject.Event):
        mentor: Key
        reason: Text
        FACT, GUARD = "AmbassadorStoodDown", "check_stand_down"

        def evolve(self, event: Any) -> None:
            event.rostered.discard(self.mentor)

    class Delivered(Subject.Event):
        audience_reached: Count
        attendees: tuple[Key, ...]
        duration_minutes: Count
        FACT, GUARD = "EventDelivered", "check_delivery"

        def evolve(self, event: Any) -> None:
            event.rostered.update(self.attendees)
            event.status, event.delivered_on = "delivered", self.on
            event.audience_reached = self.audience_reached

    class Cancelled(Subject.Event):
        by: CancelledBy
        reason: Text
        FACT, GUARD = "EventCancelled", "check_open"

        def evolve(self, event: Any) -> None:
            event.status = "cancelled"

    class FeedbackRecorded(Subject.Event):
        questionnaire: ShortText
        phase: FeedbackPhase
        responses: Count
        items: Mapping[ShortText, FeedbackCounts]
        FACT, GUARD = "FeedbackRecorded", "check_feedback"

    def reset(self) -> None:
        super().reset()
        self.partnership = self.kind = ""
        self.planned_on: date | None = None
        self.scheduled_for: date | None = None
        self.status = "planned"
        self.delivered_on: date | None = None
        self.audience_reached = 0
        self.rostered: set[str] = set()

    def created_date(self) -> date | None:
        """The earliest date the event could happen: planned, or brought forward."""
        if self.planned_on is None or self.scheduled_for is None:
            return self.planned_on
        return min(self.planned_on, self.scheduled_for)

    def creation_verb(self) -> str:
        return "planned"

    # -- guards: delivered and cancelled are exclusive and final ---------------------------

    def check_open(self, **_: Any) -> None:
        if self.status != "planned":
            raise SubjectClosed(f"event {self.key} is already {self.status}", "fact")

    def check_roster(self, mentor: str, **_: Any) -> None:
        self.check_open()
        if mentor in self.rostered:
            raise RuleBroken(f"{mentor} is already rostered for event {self.key}", "mentor")

    def check_stand_down(self, mentor: str, **_: Any) -> None:
        self.check_open()
        if mentor not in self.rostered:
            raise RuleBroken(f"{mentor} is not rostered for event {self.key}", "mentor")

    def check_delivery(self, attendees: tuple[str, ...], **_: Any) -> None:
        """Attendees not rostered before are rostered by the delivery itself."""
        self.check_open()
        if len(set(attendees)) != len(attendees):
            raise RuleBroken("an attendee is listed twice", "attendees")

    def check_feedback(
        self, on: date, responses: int, items: Mapping[str, Mapping[str, int]], **_: Any
    ) -> None:
        if self.status != "delivered":
            raise RuleBroken(f"feedback on event {self.key}, which is {self.status}", "fact")
        if on < self.delivered_on:  # type: ignore[operator]
            raise ImpossibleHistory(
                f"feedback on {on}, before delivery on {self.delivered_on}", "on"
            )
        if responses > self.audience_reached:
            raise RuleBroken(
                f"{responses} responses from an audience of {self.audience_reached}", "responses"
            )
        for item, counts in items.items():
            if sum(counts.values()) > responses:
                raise RuleBroken(f"item {item} has more answers than responses", "items")


ProgrammeEvent.FACTS = fact_classes(ProgrammeEvent)
