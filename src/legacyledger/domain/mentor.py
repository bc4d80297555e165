"""A legacy mentor or an I Care Ambassador (one person may hold both roles)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from legacyledger.domain.base import Subject, fact_classes
from legacyledger.domain.errors import ImpossibleHistory, RuleBroken, SubjectClosed
from legacyledger.domain.values import (
    Activity,
    CostCategory,
    EmploymentRoute,
    Hours,
    InductionKind,
    Key,
    MentorRole,
    MentorSector,
    Money,
    Org,
    Rate,
    Setting,
    ShortText,
    Text,
    WithdrawalStage,
)


class Mentor(Subject):
    KEY_FIELD = "mentor"

    class Enrolled(Subject.Created):
        partnership: Key
        role: MentorRole
        sector: MentorSector
        profession: ShortText
        employer: Org
        setting: Setting
        employment_route: EmploymentRoute
        contracted_hours_per_week: Hours
        FACT = "MentorEnrolled"

        def evolve(self, mentor: Any) -> None:
            mentor.partnership, mentor.role, mentor.sector = (
                self.partnership,
                self.role,
                self.sector,
            )
            mentor.employer, mentor.setting = self.employer, self.setting
            mentor.contracted_hours = self.contracted_hours_per_week
            mentor.spans = [[self.on, None]]

    class Inducted(Subject.Event):
        induction: InductionKind
        hours: Hours
        FACT, GUARD = "MentorInducted", "check_active"

        def evolve(self, mentor: Any) -> None:
            mentor.inducted_on = min(mentor.inducted_on or self.on, self.on)
            mentor.active_until(self.on)

    class Trained(Subject.Event):
        course: ShortText
        hours: Hours
        FACT, GUARD = "MentorTrained", "check_active"

        def evolve(self, mentor: Any) -> None:
            mentor.active_until(self.on)

    class PayRateSet(Subject.Event):
        annual_salary: Money
        oncost_rate: Rate
        basis: ShortText
        FACT, GUARD = "MentorPayRateSet", "check_pay_rate"

        def evolve(self, mentor: Any) -> None:
            mentor.active_until(self.on)

    class TimeLogged(Subject.Event):
        hours: Hours
        activity: Activity
        category: CostCategory
        registrant: Key | None
        event: Key | None
        until: date | None
        FACT, GUARD = "MentorTimeLogged", "check_time_logged"

        def evolve(self, mentor: Any) -> None:
            mentor.active_until(self.until or self.on)

    class Moved(Subject.Event):
        employer: Org
        setting: Setting
        FACT, GUARD = "MentorMoved", "check_active"

        def evolve(self, mentor: Any) -> None:
            mentor.employer, mentor.setting = self.employer, self.setting
            mentor.active_until(self.on)

    class Paused(Subject.Event):
        reason: Text
        FACT, GUARD = "MentorPaused", "check_pause"

        def evolve(self, mentor: Any) -> None:
            # A pause reported late, dated within a span a withdrawal has already ended, was
            # ended by that withdrawal: it leaves the mentor withdrawn, not paused.
            if not mentor.withdrawn:
                mentor.paused, mentor.paused_on = True, self.on
            mentor.active_until(self.on)

    class Resumed(Subject.Event):
        reason: Text
        FACT, GUARD = "MentorResumed", "check_resume"

        def evolve(self, mentor: Any) -> None:
            if mentor.paused:
                mentor.paused = False
            else:
                mentor.spans.append([self.on, None])

    class Withdrew(Subject.Event):
        stage: WithdrawalStage
        reason: Text
        FACT, GUARD = "MentorWithdrew", "check_withdrawal"

        def evolve(self, mentor: Any) -> None:
            mentor.spans[-1][1] = self.on
            mentor.paused = False

    def reset(self) -> None:
        super().reset()
        self.partnership = self.role = self.sector = self.employer = self.setting = ""
        self.contracted_hours = Decimal(0)
        self.spans: list[list[date | None]] = []
        self.inducted_on: date | None = None
        self.last_activity: date | None = None
        self.paused = False
        self.paused_on: date | None = None

    def active_until(self, day: date) -> None:
        """Remember the latest date the mentor was seen active (a withdrawal cannot precede it)."""
        self.last_activity = day if self.last_activity is None else max(self.last_activity, day)

    # -- queries ---------------------------------------------------------------------------

    @property
    def withdrawn(self) -> bool:
        return bool(self.spans) and self.spans[-1][1] is not None

    def active_on(self, day: date) -> bool:
        """Enrolled and not withdrawn on ``day`` (the withdrawal day itself still counts)."""
        return any(s <= day and (e is None or day <= e) for s, e in self.spans)  # type: ignore[operator]

    def created_date(self) -> date | None:
        return self.spans[0][0] if self.spans else None

    def creation_verb(self) -> str:
        return "enrolled"

    # -- guards ----------------------------------------------------------------------------

    def check_active(self, on: date, **_: Any) -> None:
        if self.withdrawn and not self.active_on(on):
            raise SubjectClosed(f"mentor {self.key} withdrew on {self.spans[-1][1]}", "on")
        if not self.active_on(on):
            raise ImpossibleHistory(f"mentor {self.key} was not active on {on}", "on")

    def check_pay_rate(self, on: date, **_: Any) -> None:
        """Pay awards are paid in arrears: a rate may start before enrolment, or be recorded
        after withdrawal, as long as it takes effect while the mentor could be paid."""
        end = self.spans[-1][1] if self.spans else None
        if end is not None and on > end:
            raise SubjectClosed(f"mentor {self.key} withdrew on {end}", "on")

    def check_not_before_creation(self, on: date) -> None:
        """Only pay rates may take effect before enrolment (back-dated awards)."""

    def check_time_logged(self, on: date, until: date | None = None, **_: Any) -> None:
        if until is not None and until < on:
            raise RuleBroken(f"until {until} is before on {on}", "until")
        for day, field in ((on, "on"), (until, "until")):
            if day is not None and not self.active_on(day):
                raise ImpossibleHistory(
                    f"time logged on {day} when mentor {self.key} was not active", field
                )

    def check_after_enrolment(self, on: date) -> None:
        created = self.created_date()
        if created is not None and on < created:
            raise ImpossibleHistory(f"{on} is before mentor {self.key} enrolled on {created}", "on")

    def check_pause(self, on: date, **_: Any) -> None:
        self.check_active(on)
        if self.paused:
            raise RuleBroken(f"mentor {self.key} is already paused", "fact")

    def check_resume(self, on: date, **_: Any) -> None:
        if self.paused:
            if self.paused_on is not None and on < self.paused_on:
                raise ImpossibleHistory(
                    f"resumed on {on}, before pausing on {self.paused_on}", "on"
                )
            return
        if not self.withdrawn:
            raise RuleBroken(f"mentor {self.key} is neither paused nor withdrawn", "fact")
        if on < self.spans[-1][1]:  # type: ignore[operator]
            raise ImpossibleHistory(
                f"resumed on {on}, before withdrawing on {self.spans[-1][1]}", "on"
            )

    def check_withdrawal(self, on: date, **_: Any) -> None:
        if self.withdrawn:
            raise SubjectClosed(f"mentor {self.key} already withdrew on {self.spans[-1][1]}", "on")
        start = self.spans[-1][0]
        if on < start:  # type: ignore[operator]
            raise ImpossibleHistory(f"withdrew on {on}, before enrolling on {start}", "on")
        if self.last_activity is not None and on < self.last_activity:
            raise ImpossibleHistory(
                f"withdrew on {on}, but the mentor was active on {self.last_activity}", "on"
            )

    def guard(self, event_class: type[Subject.Event], fields: Any) -> None:
        if event_class is not Mentor.PayRateSet:
            self.check_after_enrolment(fields["on"])
        super().guard(event_class, fields)


Mentor.FACTS = fact_classes(Mentor)
