"""Who runs a programme: its organisations, coordinator, money, targets and frameworks."""

from __future__ import annotations

from datetime import date
from typing import Any

from legacyledger.domain.base import Subject, fact_classes
from legacyledger.domain.errors import ImpossibleHistory, RuleBroken, SubjectClosed
from legacyledger.domain.values import (
    AssessmentStatus,
    CommitmentKind,
    CostCategory,
    Count,
    DropoutRate,
    FinancialYear,
    FundingPurpose,
    Key,
    Money,
    Org,
    OrgSector,
    Programme,
    Pseudonym,
    Setting,
    ShortText,
    Text,
    is_financial_year,
)


class Partnership(Subject):
    KEY_FIELD = "partnership"

    class Formed(Subject.Created):
        name: ShortText
        programme: Programme
        lead_org: Org
        region: ShortText | None
        FACT = "PartnershipFormed"

        def evolve(self, partnership: Any) -> None:
            partnership.formed_on, partnership.programme = self.on, self.programme

    class OrganisationJoined(Subject.Event):
        org: Org
        sector: OrgSector
        setting: Setting
        FACT, GUARD = "OrganisationJoined", "check_join"

        def evolve(self, partnership: Any) -> None:
            partnership.members[self.org] = self.sector

    class OrganisationLeft(Subject.Event):
        org: Org
        reason: Text
        FACT, GUARD = "OrganisationLeft", "check_member_leaves"

        def evolve(self, partnership: Any) -> None:
            partnership.members.pop(self.org, None)

    class CoordinatorAppointed(Subject.Event):
        coordinator: Pseudonym
        FACT = "CoordinatorAppointed"

        def evolve(self, partnership: Any) -> None:
            partnership.coordinator = self.coordinator

    class CoordinatorLeft(Subject.Event):
        coordinator: Pseudonym
        FACT, GUARD = "CoordinatorLeft", "check_coordinator_leaves"

        def evolve(self, partnership: Any) -> None:
            partnership.coordinator = None

    class FundingReceived(Subject.Event):
        amount: Money
        funder: ShortText
        financial_year: FinancialYear
        purpose: FundingPurpose
        FACT, GUARD = "FundingReceived", "check_funding"

    class CostIncurred(Subject.Event):
        amount: Money
        category: CostCategory
        description: Text
        event: Key | None
        mentor: Key | None
        FACT = "CostIncurred"

    class RecruitmentTargetSet(Subject.Event):
        target_active: Count
        assumed_dropout_rate: DropoutRate
        FACT = "RecruitmentTargetSet"

    class CommitmentFormalised(Subject.Event):
        kind: CommitmentKind
        FACT = "CommitmentFormalised"

    class FrameworkAdopted(Subject.Event):
        framework: Key
        version: ShortText
        FACT = "FrameworkAdopted"

        def evolve(self, partnership: Any) -> None:
            partnership.frameworks[self.framework] = self.version

    class FrameworkItemAssessed(Subject.Event):
        framework: Key
        item: Key
        status: AssessmentStatus
        evidence: tuple[ShortText, ...]
        assessor: Pseudonym
        FACT, GUARD = "FrameworkItemAssessed", "check_adopted"

    class ActionAgreed(Subject.Event):
        action: Key
        framework: Key
        item: Key
        description: Text
        owner: Pseudonym
        due: date
        FACT, GUARD = "ActionAgreed", "check_action_agreed"

        def evolve(self, partnership: Any) -> None:
            partnership.actions[self.action] = self.on

    class ActionCompleted(Subject.Event):
        action: Key
        FACT, GUARD = "ActionCompleted", "check_action_completed"

        def evolve(self, partnership: Any) -> None:
            partnership.actions.pop(self.action)

    class Closed(Subject.Event):
        reason: Text
        FACT, GUARD = "PartnershipClosed", "check_closing"

        def evolve(self, partnership: Any) -> None:
            partnership.closed_on = self.on

    def reset(self) -> None:
        super().reset()
        self.formed_on: date | None = None
        self.closed_on: date | None = None
        self.programme = ""
        self.members: dict[str, str] = {}
        self.coordinator: str | None = None
        self.frameworks: dict[str, str] = {}
        self.actions: dict[str, date] = {}

    def created_date(self) -> date | None:
        return self.formed_on

    def creation_verb(self) -> str:
        return "formed"

    def open_on(self, day: date) -> bool:
        return self.formed_on is not None and self.formed_on <= day and (
            self.closed_on is None or day <= self.closed_on
        )

    # -- guards ----------------------------------------------------------------------------

    def guard(self, event_class: type[Subject.Event], fields: Any) -> None:
        if self.closed_on is not None and fields["on"] > self.closed_on:
            raise SubjectClosed(f"partnership {self.key} closed on {self.closed_on}", "on")
        if self.closed_on is not None and event_class is Partnership.Closed:
            raise SubjectClosed(f"partnership {self.key} is already closed", "fact")
        super().guard(event_class, fields)

    def check_closing(self, on: date, **_: Any) -> None:
        if self.last_on is not None and on < self.last_on:
            raise ImpossibleHistory(
                f"closed on {on}, but a fact about {self.key} is dated {self.last_on}", "on"
            )

    def check_join(self, org: str, **_: Any) -> None:
        if org in self.members:
            raise RuleBroken(f"{org} is already a member of {self.key}", "org")

    def check_member_leaves(self, org: str, **_: Any) -> None:
        if org not in self.members:
            raise RuleBroken(f"{org} is not a member of {self.key}", "org")

    def check_coordinator_leaves(self, coordinator: str, **_: Any) -> None:
        if self.coordinator != coordinator:
            raise RuleBroken(f"{coordinator} is not the coordinator of {self.key}", "coordinator")

    def check_funding(self, financial_year: str, **_: Any) -> None:
        if not is_financial_year(financial_year):
            raise RuleBroken(
                f"{financial_year} is not a financial year like 2024/25", "financial_year"
            )

    def check_adopted(self, framework: str, **_: Any) -> None:
        if framework not in self.frameworks:
            raise RuleBroken(f"partnership {self.key} has not adopted {framework}", "framework")

    def check_action_agreed(self, action: str, framework: str, **_: Any) -> None:
        self.check_adopted(framework)
        if action in self.actions:
            raise RuleBroken(f"action {action} is already open", "action")

    def check_action_completed(self, action: str, on: date, **_: Any) -> None:
        if action not in self.actions:
            raise RuleBroken(f"no open action {action} in {self.key}", "action")
        if on < self.actions[action]:
            raise ImpossibleHistory(
                f"completed on {on}, before it was agreed on {self.actions[action]}", "on"
            )


Partnership.FACTS = fact_classes(Partnership)
