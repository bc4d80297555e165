"""A newly registered nurse, midwife, nursing associate or AHP: mentored, or a comparator."""

from __future__ import annotations

from datetime import date
from typing import Any

from legacyledger.domain.base import Subject, fact_classes
from legacyledger.domain.errors import ImpossibleHistory, RuleBroken, SubjectClosed
from legacyledger.domain.values import (
    ContactMode,
    Count,
    Destination,
    EmploymentStatus,
    FollowUpReason,
    Key,
    MoveSector,
    Org,
    Profession,
    Score,
    Setting,
    ShortText,
    Text,
    Timepoint,
    add_months,
)

#: Enrolment must fall within this many months of professional registration.
ELIGIBILITY_MONTHS = 24


class Registrant(Subject):
    KEY_FIELD = "registrant"

    class Enrolled(Subject.Created):
        partnership: Key
        profession: Profession
        registered_on: date
        employer: Org
        setting: Setting
        in_post_since: date
        comparator: bool
        FACT, GUARD = "RegistrantEnrolled", "check_eligible"

        def evolve(self, registrant: Any) -> None:
            registrant.partnership, registrant.comparator = self.partnership, self.comparator
            registrant.registered_on = self.registered_on
            registrant.spans = [[self.on, None]]

    class MentorMatched(Subject.Event):
        mentor: Key
        FACT, GUARD = "MentorMatched", "check_match"

        def evolve(self, registrant: Any) -> None:
            registrant.matches.append([self.mentor, self.on, None])
            registrant.in_post_until(self.on)

    class MentorUnmatched(Subject.Event):
        mentor: Key
        reason: Text
        FACT, GUARD = "MentorUnmatched", "check_unmatch"

        def evolve(self, registrant: Any) -> None:
            registrant.open_match(self.mentor)[2] = self.on
            registrant.in_post_until(self.on)

    class MentoringContactRecorded(Subject.Event):
        mentor: Key
        minutes: Count
        mode: ContactMode
        FACT, GUARD = "MentoringContactRecorded", "check_contact"

        def evolve(self, registrant: Any) -> None:
            registrant.in_post_until(self.on)
            latest = registrant.latest_contact.get(self.mentor)
            if latest is None or self.on > latest[0]:
                registrant.latest_contact[self.mentor] = (self.on, self.source_ref)

    class OutcomeMeasured(Subject.Event):
        instrument: ShortText
        timepoint: Timepoint
        score: Score
        FACT, GUARD = "OutcomeMeasured", "check_followed_up"

    class EmploymentStatusChanged(Subject.Event):
        status: EmploymentStatus
        FACT, GUARD = "EmploymentStatusChanged", "check_in_post"

        def evolve(self, registrant: Any) -> None:
            registrant.in_post_until(self.on)

    class Moved(Subject.Event):
        employer: Org
        setting: Setting
        sector: MoveSector
        same_staff_group: bool
        FACT, GUARD = "RegistrantMoved", "check_in_post"

        def evolve(self, registrant: Any) -> None:
            registrant.in_post_until(self.on)

    class Left(Subject.Event):
        destination: Destination
        reason: Text
        FACT, GUARD = "RegistrantLeft", "check_leaving"

        def evolve(self, registrant: Any) -> None:
            registrant.spans[-1][1] = self.on

    class Rejoined(Subject.Event):
        employer: Org
        setting: Setting
        FACT, GUARD = "RegistrantRejoined", "check_rejoin"

        def evolve(self, registrant: Any) -> None:
            registrant.spans.append([self.on, None])

    class FollowUpEnded(Subject.Event):
        reason: FollowUpReason
        FACT, GUARD = "FollowUpEnded", "check_follow_up_end"

        def evolve(self, registrant: Any) -> None:
            registrant.follow_up_ended = self.on

    def reset(self) -> None:
        super().reset()
        self.partnership = ""
        self.comparator = False
        self.registered_on: date | None = None
        self.spans: list[list[date | None]] = []
        self.matches: list[list[Any]] = []
        self.last_in_post: date | None = None
        self.follow_up_ended: date | None = None
        #: Each mentor's latest contact (the first recorded of a day): an unmatching may not
        #: precede it.
        self.latest_contact: dict[str, tuple[date, str]] = {}

    def in_post_until(self, day: date) -> None:
        """Remember the latest date a fact shows the registrant in post."""
        self.last_in_post = day if self.last_in_post is None else max(self.last_in_post, day)

    # -- queries ---------------------------------------------------------------------------

    @property
    def left(self) -> bool:
        return bool(self.spans) and self.spans[-1][1] is not None

    def in_post_on(self, day: date) -> bool:
        return any(s <= day and (e is None or day <= e) for s, e in self.spans)  # type: ignore[operator]

    def matched_on(self, mentor: str, day: date) -> bool:
        return any(m == mentor and s <= day and (e is None or day <= e) for m, s, e in self.matches)

    def open_match(self, mentor: str) -> list[Any]:
        return next(m for m in self.matches if m[0] == mentor and m[2] is None)

    def created_date(self) -> date | None:
        return self.spans[0][0] if self.spans else None

    def creation_verb(self) -> str:
        return "enrolled"

    # -- guards ----------------------------------------------------------------------------

    def guard(self, event_class: type[Subject.Event], fields: Any) -> None:
        ended = self.follow_up_ended
        if ended is not None and fields["on"] > ended:
            raise SubjectClosed(f"follow-up of registrant {self.key} ended on {ended}", "on")
        super().guard(event_class, fields)

    def check_eligible(
        self, on: date, registered_on: date, in_post_since: date, **_: Any
    ) -> None:
        if registered_on > on:
            raise RuleBroken(
                f"registered_on {registered_on} is after enrolment on {on}", "registered_on"
            )
        if on > add_months(registered_on, ELIGIBILITY_MONTHS):
            raise RuleBroken(
                f"enrolled on {on}, more than {ELIGIBILITY_MONTHS} months after registration "
                f"on {registered_on}",
                "on",
            )

    def check_in_post(self, on: date, **_: Any) -> None:
        if not self.in_post_on(on):
            closed = SubjectClosed if self.left else ImpossibleHistory
            raise closed(f"registrant {self.key} was not in post on {on} (left)", "on")

    def check_followed_up(self, on: date, **_: Any) -> None:
        """Outcomes may be measured after leaving (exit surveys), not after follow-up ended."""

    def check_match(self, on: date, mentor: str, **_: Any) -> None:
        self.check_in_post(on)
        if self.comparator:
            raise RuleBroken(f"registrant {self.key} is a comparator and is not mentored", "mentor")
        if any(m == mentor and e is None for m, _s, e in self.matches):
            raise RuleBroken(f"registrant {self.key} is already matched to {mentor}", "mentor")

    def check_unmatch(self, on: date, mentor: str, **_: Any) -> None:
        match = next((m for m in self.matches if m[0] == mentor and m[2] is None), None)
        if match is None:
            raise RuleBroken(f"registrant {self.key} is not matched to {mentor}", "mentor")
        if on < match[1]:
            raise ImpossibleHistory(f"unmatched on {on}, before the match on {match[1]}", "on")
        latest = self.latest_contact.get(mentor)
        if latest is not None and latest[0] > on:
            raise ImpossibleHistory(
                f"unmatched on {on}, but contact {latest[1]} with {mentor} is dated {latest[0]}",
                "on",
            )

    def check_contact(self, on: date, mentor: str, **_: Any) -> None:
        self.check_in_post(on)
        if not self.matched_on(mentor, on):
            raise RuleBroken(
                f"registrant {self.key} was not matched to mentor {mentor} on {on}", "mentor"
            )

    def check_leaving(self, on: date, **_: Any) -> None:
        if self.left:
            raise SubjectClosed(f"registrant {self.key} already left on {self.spans[-1][1]}", "on")
        start = self.spans[-1][0]
        if on < start:  # type: ignore[operator]
            raise ImpossibleHistory(f"left on {on}, before being in post from {start}", "on")
        if self.last_in_post is not None and on < self.last_in_post:
            raise ImpossibleHistory(
                f"left on {on}, but a fact on {self.last_in_post} shows the registrant in post",
                "on",
            )

    def check_rejoin(self, on: date, **_: Any) -> None:
        if not self.left:
            raise RuleBroken(f"registrant {self.key} has not left", "fact")
        if on < self.spans[-1][1]:  # type: ignore[operator]
            raise ImpossibleHistory(
                f"rejoined on {on}, before leaving on {self.spans[-1][1]}", "on"
            )

    def check_follow_up_end(self, on: date, **_: Any) -> None:
        if self.follow_up_ended is not None:
            raise SubjectClosed(
                f"follow-up of {self.key} already ended on {self.follow_up_ended}", "fact"
            )
        if self.last_on is not None and on < self.last_on:
            raise ImpossibleHistory(
                f"follow-up ended on {on}, but a fact about {self.key} is dated {self.last_on}",
                "on",
            )


Registrant.FACTS = fact_classes(Registrant)
