"""Compliance over literal histories, each expectation worked by hand in the comments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacyledger.frameworks import UnknownFrameworkError
from legacyledger.projections.base import FactRecord
from legacyledger.projections.compliance import (
    ComplianceParams,
    ComplianceView,
    ItemResult,
    project_compliance,
)

ICA, NEY, PRECEPT, PROMISE = (
    "ica-integrated-csf",
    "ney-legacy-stages",
    "preceptorship-core-gold",
    "people-promise",
)


class History:
    """A ledger in domain words; every fact gets the next position and a source_ref."""

    def __init__(self) -> None:
        self.records: list[FactRecord] = []

    def add(self, fact: str, on: str, **fields: Any) -> int:
        position = len(self.records) + 1
        fields.setdefault("source_ref", f"h-{position}")
        self.records.append(FactRecord(position, {"fact": fact, "on": on, **fields}))
        return position

    def partnership(self, *frameworks: str, key: str = "p", on: str = "2024-01-01") -> None:
        self.add("PartnershipFormed", on, partnership=key, name=key, programme="ambassadors",
                 lead_org="ods:X")
        for framework in frameworks:
            self.add("FrameworkAdopted", on, partnership=key, framework=framework, version="1")

    def mentor(self, key: str, sector: str = "health", role: str = "ambassador",
               on: str = "2024-01-01", partnership: str = "p") -> int:
        return self.add("MentorEnrolled", on, mentor=key, partnership=partnership, role=role,
                        sector=sector, profession="nurse", employer="ods:X",
                        setting="secondary_care", employment_route="bank",
                        contracted_hours_per_week="7.5")

    def event(self, key: str, on: str, attendees: Iterable[str], kind: str = "careers_fair",
              integrated: bool = True, partnership: str = "p") -> None:
        self.add("EventPlanned", on, event=key, partnership=partnership, kind=kind,
                 audience="school", integrated=integrated, expected_audience=30)
        self.add("EventDelivered", on, event=key, audience_reached=20,
                 attendees=list(attendees), duration_minutes=60)

    def registrant(self, key: str, in_post: str, enrolled: str | None = None,
                   registered: str | None = None, comparator: bool = False) -> None:
        self.add("RegistrantEnrolled", enrolled or in_post, registrant=key, partnership="p",
                 profession="nurse", registered_on=registered or in_post, employer="ods:X",
                 setting="secondary_care", in_post_since=in_post, comparator=comparator)

    def contacts(self, registrant: str, *days: str, mentor: str = "M1") -> None:
        for day in days:
            self.add("MentoringContactRecorded", day, registrant=registrant, mentor=mentor,
                     minutes=45, mode="in_person")

    def assess(self, item: str, on: str, status: str, framework: str = PROMISE) -> int:
        return self.add("FrameworkItemAssessed", on, partnership="p", framework=framework,
                        item=item, status=status, evidence=[f"minutes {on}"], assessor="A-1")

    def view(self, as_of: str, *frameworks: str) -> ComplianceView:
        params = ComplianceParams(as_of=date.fromisoformat(as_of), frameworks=frameworks)
        return project_compliance(self.records, params)

    def item(self, as_of: str, framework: str, item: str) -> ItemResult:
        return self.view(as_of, framework).item("p", framework, item)


def measure(row: ItemResult, metric: str) -> Any:
    found = [f.value for f in row.measures if f.id.startswith(f"compliance.{metric}/")]
    assert len(found) == 1, metric
    return found[0]


def assert_replays(history: History, view: ComplianceView) -> None:
    """Replaying only a figure's contributing records reproduces it, derivation and all."""
    frameworks = tuple(s.framework for s in view.summaries)
    params = ComplianceParams(as_of=view.as_of, frameworks=frameworks)
    for figure in view.figures:
        keep = set(figure.derivation.contributing)
        replay = project_compliance([r for r in history.records if r.position in keep], params)
        assert replay.figure(figure.id) == figure, figure.id


# ica-integrated-csf --------------------------------------------------------------------


def ica_events() -> History:
    """H1 inducted 1 Feb, S1 inducted 1 Mar; joint events on 15 Feb (S1 not yet inducted),
    1 Apr, 1 May, 1 Jun, 1 Jul; a non-integrated fair on 10 Feb is never counted."""
    h = History()
    h.partnership(ICA)
    h.mentor("H1")
    h.mentor("S1", sector="social_care")
    h.add("MentorInducted", "2024-02-01", mentor="H1", induction="single", hours="3")
    h.add("MentorInducted", "2024-03-01", mentor="S1", induction="single", hours="3")
    h.event("E0", "2024-02-10", ["S1"], integrated=False)
    for key, day in [("E1", "2024-02-15"), ("E2", "2024-04-01"), ("E3", "2024-05-01"),
                     ("E4", "2024-06-01"), ("E5", "2024-07-01")]:
        h.event(key, day, ["H1", "S1"])
    return h


@pytest.mark.parametrize(
    ("as_of", "status", "value"),
    [
        ("2024-01-31", "not_applicable", None),  # no integrated event yet
        ("2024-02-28", "not_met", Decimal(0)),  # E1 only: S1 not inducted → 0/1
        ("2024-04-30", "partial", Decimal("0.5")),  # E1 ✗, E2 ✓ → 1/2
        ("2024-07-31", "met", Decimal("0.8")),  # E2..E5 ✓ → 4/5, exactly the 0.8 threshold
    ],
)
def test_introduced_before_joint_events(as_of: str, status: str, value: Decimal | None) -> None:
    row = ica_events().item(as_of, ICA, "introduced_before_joint_events")
    assert (row.status, measure(row, "value")) == (status, value)


def test_attending_an_induction_event_counts_as_introduced() -> None:
    h = History()
    h.partnership(ICA)
    h.mentor("H1")
    h.mentor("S1", sector="social_care")
    h.event("IND", "2024-03-01", ["H1", "S1"], kind="induction")
    h.event("E1", "2024-03-01", ["H1", "S1"])  # same day: not *before* the event
    h.event("E2", "2024-03-02", ["H1", "S1"])
    row = h.item("2024-03-31", ICA, "introduced_before_joint_events")
    # IND itself is integrated: its attendees were not inducted before it → 1 of 3 events
    assert [e.outcome for e in row.evidence] == ["not_met", "not_met", "met"]
    assert measure(row, "value") == Decimal(1) / Decimal(3)


def test_joint_induction() -> None:
    h = History()
    h.partnership(ICA)
    h.mentor("H1")
    h.mentor("S1", sector="social_care")
    assert h.item("2024-12-31", ICA, "joint_induction").status == "not_met"
    h.event("IND1", "2024-02-01", ["H1"], kind="induction", integrated=False)
    assert h.item("2024-12-31", ICA, "joint_induction").status == "partial"  # one sector only
    h.event("IND2", "2024-03-01", ["H1", "S1"], kind="induction")
    assert h.item("2024-02-28", ICA, "joint_induction").status == "partial"
    row = h.item("2024-03-01", ICA, "joint_induction")
    assert (row.status, measure(row, "value")) == ("met", 1)


def test_joint_induction_recorded_on_a_mentor() -> None:
    h = History()
    h.partnership(ICA)
    h.mentor("S1", sector="social_care")
    h.add("MentorInducted", "2024-05-01", mentor="S1", induction="joint", hours="6")
    assert h.item("2024-05-01", ICA, "joint_induction").status == "met"


def cpd_history() -> History:
    """As of 31 Mar 2025: active since 1 Oct 2024, CPD counted since 1 Apr 2024.
    A1 active (event 1 Nov) and trained 1 Jun → met. A2 active (delivery hours 10 Jan),
    trained 31 Mar 2024, one day too early → not met. A3 last active 1 May 2024 → not
    counted. A4 withdrew → not counted. A5 active through a CPD event on 1 Dec → met."""
    h = History()
    h.partnership(ICA)
    for key in ("A1", "A2", "A3", "A4", "A5"):
        h.mentor(key)
    h.event("F1", "2024-11-01", ["A1"], integrated=False)
    h.add("MentorTrained", "2024-06-01", mentor="A1", course="careers", hours="2")
    h.add("MentorTimeLogged", "2025-01-10", mentor="A2", hours="2", activity="outreach",
          category="delivery")
    h.add("MentorTrained", "2024-03-31", mentor="A2", course="careers", hours="2")
    h.event("F2", "2024-05-01", ["A3"], integrated=False)
    h.add("MentorTrained", "2024-06-01", mentor="A3", course="careers", hours="2")
    h.event("F3", "2024-11-02", ["A4"], integrated=False)
    h.add("MentorWithdrew", "2025-01-01", mentor="A4", stage="active", reason="moved")
    h.event("CPD", "2024-12-01", ["A5"], kind="cpd", integrated=False)
    return h


def test_ongoing_cpd_share_of_active_ambassadors() -> None:
    row = cpd_history().item("2025-03-31", ICA, "ongoing_cpd")
    assert [(e.subject, e.outcome) for e in row.evidence] == [
        ("mentor:A1", "met"), ("mentor:A2", "not_met"), ("mentor:A5", "met"),
    ]
    assert (row.status, measure(row, "value")) == ("partial", Decimal(2) / Decimal(3))


def test_ongoing_cpd_met_and_not_applicable() -> None:
    h = cpd_history()
    h.add("MentorTrained", "2025-02-01", mentor="A2", course="values", hours="1")
    assert h.item("2025-03-31", ICA, "ongoing_cpd").status == "met"  # 3/3
    assert h.item("2026-06-30", ICA, "ongoing_cpd").status == "not_applicable"  # none active


@pytest.mark.parametrize(
    ("as_of", "status"),
    [("2024-01-09", "not_met"), ("2024-03-01", "met"), ("2024-07-15", "not_met"),
     ("2024-09-01", "met")],
)
def test_single_point_of_contact(as_of: str, status: str) -> None:
    h = History()
    h.partnership(ICA)
    h.add("CoordinatorAppointed", "2024-01-10", partnership="p", coordinator="C-1")
    h.add("CoordinatorLeft", "2024-06-30", partnership="p", coordinator="C-1")
    h.add("CoordinatorAppointed", "2024-09-01", partnership="p", coordinator="C-2")
    assert h.item(as_of, ICA, "single_point_of_contact").status == status


def test_broad_engagement_and_commitment() -> None:
    h = History()
    h.partnership(ICA)
    h.add("OrganisationJoined", "2024-02-01", partnership="p", org="ods:RR8", sector="health",
          setting="secondary_care")
    h.add("OrganisationJoined", "2024-03-01", partnership="p", org="gss:E1", sector="social_care",
          setting="local_authority_social_care")
    h.add("CommitmentFormalised", "2024-04-01", partnership="p", kind="member_model")
    h.add("OrganisationLeft", "2024-05-01", partnership="p", org="gss:E1", reason="merged")
    expected = {"2024-01-15": "not_met", "2024-02-15": "partial", "2024-04-15": "met",
                "2024-05-15": "partial"}
    for as_of, status in expected.items():
        assert h.item(as_of, ICA, "broad_engagement_commitment").status == status, as_of


def pairing_history() -> History:
    """H1 (health) has 3 earlier outreach fairs; H2 (health) only CPD sessions, which are not
    outreach. E: H1+S1 → met. F: S1+S2, no health → pairing exception. G: H2+S1, both sectors
    but S1 has 2 earlier outreach events (E, F) and H2 none → not met. 1/3 → partial."""
    h = History()
    h.partnership(ICA)
    h.mentor("H1")
    h.mentor("H2")
    h.mentor("S1", sector="social_care")
    h.mentor("S2", sector="social_care")
    for n, day in enumerate(["2024-02-01", "2024-02-02", "2024-02-03"]):
        h.event(f"FAIR{n}", day, ["H1"], integrated=False)
        h.event(f"CPD{n}", day, ["H2"], kind="cpd", integrated=False)
    h.event("E", "2024-05-01", ["H1", "S1"])
    h.event("F", "2024-05-02", ["S1", "S2"])
    h.event("G", "2024-05-03", ["H2", "S1"])
    return h


def test_experienced_pairing() -> None:
    view = pairing_history().view("2024-05-31", ICA)
    row = view.item("p", ICA, "experienced_pairing")
    assert [(e.subject, e.outcome) for e in row.evidence] == [
        ("event:E", "met"), ("event:F", "not_met"), ("event:G", "not_met"),
    ]
    assert (row.status, measure(row, "value"), measure(row, "paired")) == (
        "partial", Decimal(1) / Decimal(3), 2,
    )
    assert [(x.event, x.sectors) for x in view.pairing_exceptions] == [("F", ("social_care",))]
    assert pairing_history().item("2024-05-01", ICA, "experienced_pairing").status == "met"
    assert pairing_history().item("2024-04-30", ICA, "experienced_pairing").status == (
        "not_applicable"
    )


@pytest.mark.parametrize(("enrolled", "status"), [(5, "met"), (3, "partial"), (1, "not_met")])
def test_over_recruitment_for_a_60_percent_drop_out(enrolled: int, status: str) -> None:
    """Target 2 active at a 60% drop-out: ceil(2 / 0.4) = 5 to recruit. Withdrawn ambassadors
    were still recruited; legacy mentors are not ambassadors."""
    h = History()
    h.partnership(ICA)
    for n in range(enrolled):
        h.mentor(f"A{n}")
    h.add("MentorWithdrew", "2024-02-01", mentor="A0", stage="before_induction", reason="time")
    h.mentor("L1", role="legacy_mentor")
    assert h.item("2024-02-28", ICA, "over_recruitment").status == "not_applicable"
    h.add("RecruitmentTargetSet", "2024-03-01", partnership="p", target_active=2,
          assumed_dropout_rate="0.50")
    row = h.item("2024-03-01", ICA, "over_recruitment")
    assert (row.status, measure(row, "value"), measure(row, "threshold")) == (
        status, enrolled, 5,
    )


# ney-legacy-stages ----------------------------------------------------------------------


def test_ney_planning_and_preparation() -> None:
    h = History()
    h.partnership(NEY)
    assert h.item("2024-06-30", NEY, "planning_preparation").status == "not_met"  # no mentors
    h.mentor("L1", role="legacy_mentor")
    h.mentor("L2", role="legacy_mentor")
    h.mentor("AMB", role="ambassador")  # not a legacy mentor: not counted
    for key in ("L1", "L2"):
        h.add("MentorPayRateSet", "2024-01-01", mentor=key, annual_salary="50000",
              oncost_rate="0.28", basis="AfC band 7")
    h.add("MentorInducted", "2024-02-01", mentor="L1", induction="single", hours="3")
    row = h.item("2024-06-30", NEY, "planning_preparation")  # 2 mentors ✓, ½ inducted ✗, pay ✓
    assert (row.status, measure(row, "value"), measure(row, "threshold")) == ("partial", 2, 3)
    assert measure(row, "inducted_share") == Decimal("0.5")
    h.add("MentorInducted", "2024-03-01", mentor="L2", induction="single", hours="3")
    assert h.item("2024-06-30", NEY, "planning_preparation").status == "met"


def test_ney_process_and_actions_needs_three_action_research_meetings() -> None:
    h = History()
    h.partnership(NEY)
    assert h.item("2024-12-31", NEY, "process_actions").status == "not_met"
    h.mentor("L1", role="legacy_mentor")
    h.registrant("R1", "2024-01-01")
    h.add("MentorMatched", "2024-01-02", registrant="R1", mentor="L1")
    h.contacts("R1", "2024-01-05")
    for n, day in enumerate(["2024-02-01", "2024-04-01", "2024-06-01"]):
        h.event(f"AR{n}", day, ["L1"], kind="action_research_meeting", integrated=False)
    row = h.item("2024-05-31", NEY, "process_actions")
    assert (row.status, measure(row, "meetings")) == ("partial", 2)
    assert h.item("2024-06-01", NEY, "process_actions").status == "met"


def test_ney_outputs_and_outcomes() -> None:
    """R1 registered 10 Jan 2024: retention at 12 months is observable from 10 Jan 2025.
    R2's follow-up ended before its 12 months, so it never becomes observable."""
    h = History()
    h.partnership(NEY)
    h.registrant("R1", "2024-01-10")
    h.registrant("R2", "2024-01-10")
    h.add("FollowUpEnded", "2024-06-01", registrant="R2", reason="consent_withdrawn")
    assert h.item("2025-01-09", NEY, "outputs_outcomes").status == "not_met"
    row = h.item("2025-01-10", NEY, "outputs_outcomes")
    assert (row.status, measure(row, "observable")) == ("partial", 1)
    h.add("OutcomeMeasured", "2024-07-10", registrant="R1", instrument="intention-to-stay",
          timepoint="m6", score="4")
    assert h.item("2025-01-10", NEY, "outputs_outcomes").status == "met"


def test_ney_reflection_and_next_steps() -> None:
    h = History()
    h.partnership(NEY)
    assert h.item("2024-12-31", NEY, "reflection_next_steps").status == "not_met"
    h.add("ActionAgreed", "2024-03-01", partnership="p", action="ACT-1", framework=NEY,
          item="process_actions", description="book rooms", owner="C-7", due="2024-04-01")
    h.add("ActionCompleted", "2024-05-01", partnership="p", action="ACT-1")
    assert h.item("2024-04-30", NEY, "reflection_next_steps").status == "partial"
    assert h.item("2024-05-01", NEY, "reflection_next_steps").status == "met"


# preceptorship-core-gold ----------------------------------------------------------------


def preceptees() -> History:
    """In post 1 Jan 2024 unless said. R1: contacts 5 Jan, 1 Mar, 30 Jun → 3 before 1 Jul, met.
    R2: 16 Jan, 1 Mar, 1 Jul → 2 before 1 Jul, not met once 30 Jun has passed. R3: in post
    1 Jun → pending in July. R4: left 1 Mar with 1 contact → censored. R5 comparator and R6
    (enrolled 1 Aug, after its six months) are outside the population."""
    h = History()
    h.partnership(PRECEPT)
    h.mentor("M1", role="legacy_mentor")
    for key in ("R1", "R2", "R4"):
        h.registrant(key, "2024-01-01")
    h.registrant("R3", "2024-06-01")
    h.registrant("R5", "2024-01-01", comparator=True)
    h.registrant("R6", "2024-01-01", enrolled="2024-08-01")
    h.contacts("R1", "2024-01-05", "2024-03-01", "2024-06-30")
    h.contacts("R2", "2024-01-16", "2024-03-01", "2024-07-01")
    h.contacts("R3", "2024-06-02")
    h.contacts("R4", "2024-01-20")
    h.add("RegistrantLeft", "2024-03-01", registrant="R4", destination="other_nhs", reason="move")
    return h


def test_core_meetings_per_registrant() -> None:
    row = preceptees().item("2024-07-31", PRECEPT, "core_meetings")
    assert [(e.subject, e.outcome) for e in row.evidence] == [
        ("registrant:R1", "met"), ("registrant:R2", "not_met"), ("registrant:R4", "censored"),
        ("registrant:R3", "pending"),
    ]
    assert row.status == "partial"
    assert [measure(row, m) for m in ("value", "population", "pending", "censored")] == [
        Decimal("0.5"), 2, 1, 1,
    ]


def test_core_meetings_as_the_six_months_pass() -> None:
    h = preceptees()
    # 29 Jun: R1 has 2 contacts, R2 has 2, both windows still open → nothing decided yet
    assert h.item("2024-06-29", PRECEPT, "core_meetings").status == "not_applicable"
    # 30 Jun: R1's third contact → met; R2's window [1 Jan, 1 Jul) is now fully seen → missed
    assert measure(h.item("2024-06-30", PRECEPT, "core_meetings"), "value") == Decimal("0.5")


@pytest.mark.parametrize(
    ("first", "core", "gold"),
    [("2024-01-08", "met", "met"), ("2024-01-09", "met", "not_met"),
     ("2024-01-15", "met", "not_met"), ("2024-01-16", "not_met", "not_met")],
)
def test_first_meeting_within_two_weeks_core_one_week_gold(
    first: str, core: str, gold: str
) -> None:
    h = History()
    h.partnership(PRECEPT)
    h.registrant("R1", "2024-01-01")
    h.contacts("R1", first)
    view = h.view("2024-12-31", PRECEPT)
    assert view.item("p", PRECEPT, "core_first_meeting").status == core
    assert view.item("p", PRECEPT, "gold_first_meeting").status == gold


def test_gold_meetings_every_two_months() -> None:
    h = History()
    h.partnership(PRECEPT)
    h.registrant("R1", "2024-01-01")
    h.contacts("R1", "2024-01-10", "2024-03-05", "2024-05-20", "2024-07-01", "2024-09-15",
               "2024-11-30")
    h.registrant("R2", "2024-01-01")
    h.contacts("R2", "2024-01-10", "2024-05-20")  # nothing in [1 Mar, 1 May)
    row = h.item("2024-04-29", PRECEPT, "gold_meetings")
    assert [e.outcome for e in row.evidence] == ["pending", "pending"]
    row = h.item("2024-04-30", PRECEPT, "gold_meetings")  # R2's second block fully seen
    assert [e.outcome for e in row.evidence] == ["pending", "not_met"]
    row = h.item("2024-11-30", PRECEPT, "gold_meetings")
    assert [e.outcome for e in row.evidence] == ["met", "not_met"]
    assert row.status == "partial"


def test_preceptor_protected_time_pro_rata() -> None:
    """As of 31 Dec 2024 the year is [1 Jan 2024, 1 Jan 2025), 366 days. M1 matched all year:
    8 h one-to-one → core (8 h) met, gold (12 h) not. M2 matched 1 Jul: 184 days, 6 h against
    8 * 184/366 = 4.02 h (met) and 12 * 184/366 = 6.03 h (not met). Group time is ignored."""
    h = History()
    h.partnership(PRECEPT)
    h.mentor("M1", role="legacy_mentor")
    h.mentor("M2", role="legacy_mentor")
    h.registrant("R1", "2024-01-01")
    h.registrant("R2", "2024-07-01")
    h.add("MentorMatched", "2024-01-01", registrant="R1", mentor="M1")
    h.add("MentorMatched", "2024-07-01", registrant="R2", mentor="M2")
    for mentor, hours, day in [("M1", "5", "2024-02-01"), ("M1", "3", "2024-12-31"),
                               ("M2", "6", "2024-08-01"), ("M2", "9", "2024-08-02")]:
        activity = "group" if hours == "9" else "one_to_one"
        h.add("MentorTimeLogged", day, mentor=mentor, hours=hours, activity=activity,
              category="delivery")
    view = h.view("2024-12-31", PRECEPT)
    core = view.item("p", PRECEPT, "core_preceptor_time")
    gold = view.item("p", PRECEPT, "gold_preceptor_time")
    assert [e.outcome for e in core.evidence] == ["met", "met"]
    assert [e.outcome for e in gold.evidence] == ["not_met", "not_met"]
    assert (core.status, gold.status) == ("met", "not_met")
    assert "needed 4.02 h" in core.evidence[1].detail


# Self-assessed items, actions, corrections ------------------------------------------------


def assessed() -> History:
    h = History()
    h.partnership(PROMISE)
    h.assess("voice_that_counts", "2024-02-01", "partial")
    h.assess("voice_that_counts", "2024-05-01", "met")
    h.assess("safe_healthy", "2024-02-01", "not_started")
    h.assess("work_flexibly", "2024-02-01", "not_applicable")
    return h


@pytest.mark.parametrize(
    ("as_of", "voice"),
    [("2024-01-31", "no_evidence"), ("2024-03-01", "partial"), ("2024-05-01", "met")],
)
def test_latest_assessment_on_or_before_as_of_wins(as_of: str, voice: str) -> None:
    assert assessed().item(as_of, PROMISE, "voice_that_counts").status == voice


def test_self_assessed_statuses_and_totals() -> None:
    view = assessed().view("2024-06-30")
    statuses = {r.item: r.status for r in view.items}
    assert statuses == {
        "compassionate_inclusive": "no_evidence", "recognised_rewarded": "no_evidence",
        "voice_that_counts": "met", "safe_healthy": "not_met", "always_learning": "no_evidence",
        "work_flexibly": "not_applicable", "we_are_a_team": "no_evidence",
    }
    voice = view.item("p", PROMISE, "voice_that_counts")
    assert (voice.assessor, voice.assessed_on) == ("A-1", date(2024, 5, 1))
    assert voice.evidence_text == ("minutes 2024-05-01",)
    summary = view.summaries[0]
    assert (summary.items_met.value, summary.items_applicable.value) == (1, 6)
    assert summary.items_met_share.value == Decimal(1) / Decimal(6)
    assert view.figure("compliance.status/framework=people-promise/item=work_flexibly"
                       "/partnership=p").value is None


def test_a_back_dated_assessment_does_not_override_a_later_one() -> None:
    h = assessed()
    h.assess("voice_that_counts", "2024-04-01", "not_started")  # recorded last, dated earlier
    assert h.item("2024-06-30", PROMISE, "voice_that_counts").status == "met"
    h.assess("voice_that_counts", "2024-05-01", "partial")  # same date, recorded later: wins
    assert h.item("2024-06-30", PROMISE, "voice_that_counts").status == "partial"


def test_a_corrected_or_voided_assessment() -> None:
    h = assessed()
    h.add("FactCorrected", "2024-06-01", target="h-4", replacement={"status": "partial"},
          reason="the panel said partial")
    row = h.item("2024-06-30", PROMISE, "voice_that_counts")
    assert row.status == "partial"
    assert row.figure.derivation.contributing == (1, 2, 4, 7)
    h.add("FactVoided", "2024-06-02", target="h-7", reason="the panel had said met after all")
    row = h.item("2024-06-30", PROMISE, "voice_that_counts")
    assert (row.status, row.figure.derivation.contributing) == ("met", (1, 2, 4, 7, 8))
    h.add("FactVoided", "2024-06-02", target="h-4", reason="entered against the wrong item")
    assert h.item("2024-06-30", PROMISE, "voice_that_counts").status == "partial"  # 1 Feb one
    h.add("FactVoided", "2024-06-02", target="h-3", reason="duplicate")
    assert h.item("2024-06-30", PROMISE, "voice_that_counts").status == "no_evidence"


def test_open_and_overdue_actions() -> None:
    h = History()
    h.partnership(PROMISE)
    h.add("ActionAgreed", "2024-02-01", partnership="p", action="ACT-1", framework=PROMISE,
          item="voice_that_counts", description="staff forum", owner="C-1", due="2024-03-01")
    h.add("ActionAgreed", "2024-02-01", partnership="p", action="ACT-2", framework=PROMISE,
          item="safe_healthy", description="rota review", owner="C-2", due="2024-06-01")
    h.add("ActionCompleted", "2024-03-10", partnership="p", action="ACT-1")

    def counts(as_of: str) -> tuple[Any, Any]:
        summary = h.view(as_of).summaries[0]
        return summary.open_actions.value, summary.overdue_actions.value

    assert counts("2024-01-31") == (0, 0)
    assert counts("2024-03-01") == (2, 0)  # due today is not overdue
    assert counts("2024-03-02") == (2, 1)
    assert counts("2024-03-10") == (1, 0)
    assert counts("2024-06-02") == (1, 1)
    assert [(a.action, a.open, a.overdue) for a in h.view("2024-06-02").actions] == [
        ("ACT-1", False, False), ("ACT-2", True, True),
    ]


# Which frameworks, the matrix, the replay law ---------------------------------------------


def test_frameworks_named_in_params_are_judged_without_adoption() -> None:
    h = History()
    h.partnership()
    assert h.view("2024-06-30").items == ()
    view = h.view("2024-06-30", "retention-self-assessment")
    assert [s.adopted for s in view.summaries] == [False]
    assert len(view.items) == 7


def test_an_adopted_framework_the_registry_lacks_is_an_error() -> None:
    h = History()
    h.partnership("ney-six-pillars")
    with pytest.raises(UnknownFrameworkError, match="load its file first"):
        h.view("2024-06-30")


def test_status_matrix_for_a_heat_map() -> None:
    h = assessed()
    h.partnership(PROMISE, key="q")
    matrix = h.view("2024-06-30").matrix(PROMISE)
    assert matrix.items[2] == "voice_that_counts"
    assert [(p, cells[2]) for p, cells in matrix.rows] == [("p", "met"), ("q", "no_evidence")]


def everything() -> History:
    """The histories above as one partnership (keys prefixed so they stay apart), plus a
    coordinator, a recruitment target and a correction that moves S1 to the health sector."""
    h = ica_events()
    for n, other in enumerate((cpd_history(), pairing_history(), preceptees(), assessed())):
        for record in other.records[1:]:  # each starts with its own PartnershipFormed
            fact = {k: f"{n}-{v}" if k in KEYS else v for k, v in record.fact.items()}
            if "attendees" in fact:
                fact["attendees"] = [f"{n}-{key}" for key in fact["attendees"]]
            h.add(**{**fact, "source_ref": f"{n}-{fact['source_ref']}"})
    h.add("CoordinatorAppointed", "2024-01-10", partnership="p", coordinator="C-1")
    h.add("FactCorrected", "2024-08-01", target="h-4", replacement={"sector": "health"},
          reason="wrong sector")
    h.add("RecruitmentTargetSet", "2024-03-01", partnership="p", target_active=2,
          assumed_dropout_rate="0.60")
    return h


KEYS = frozenset({"mentor", "registrant", "event"})


@pytest.mark.parametrize("as_of", ["2024-04-30", "2024-07-31", "2025-03-31"])
def test_replaying_only_contributing_records_reproduces_every_figure(as_of: str) -> None:
    h = everything()
    assert_replays(h, h.view(as_of, ICA, NEY, PRECEPT, PROMISE))


DAYS = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 10, 20)]


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Small random programmes: mentors, events, registrants, contacts, time, assessments."""
    h = History()
    h.partnership(ICA, NEY, PRECEPT, PROMISE)
    mentors = [f"M{n}" for n in range(draw(st.integers(1, 4)))]
    for key in mentors:
        h.mentor(key, sector=draw(st.sampled_from(["health", "social_care"])),
                 role=draw(st.sampled_from(["ambassador", "legacy_mentor"])))
    for n in range(draw(st.integers(0, 6))):
        h.event(f"E{n}", draw(st.sampled_from(DAYS)),
                draw(st.lists(st.sampled_from(mentors), max_size=3, unique=True)),
                kind=draw(st.sampled_from(["careers_fair", "induction", "cpd"])),
                integrated=draw(st.booleans()))
    for key in draw(st.lists(st.sampled_from(mentors), max_size=3)):
        h.add(draw(st.sampled_from(["MentorInducted", "MentorTrained"])),
              draw(st.sampled_from(DAYS)), mentor=key, induction="joint", course="c", hours="1")
    for n in range(draw(st.integers(0, 3))):
        key, start = f"R{n}", draw(st.sampled_from(DAYS))
        h.registrant(key, start)
        mentor = draw(st.sampled_from(mentors))
        h.add("MentorMatched", start, registrant=key, mentor=mentor)
        h.contacts(key, *draw(st.lists(st.sampled_from(DAYS), max_size=4)), mentor=mentor)
        h.add("MentorTimeLogged", start, mentor=mentor, hours="3", activity="one_to_one",
              category="delivery")
    for item in draw(st.lists(st.sampled_from(["voice_that_counts", "safe_healthy"]))):
        h.assess(item, draw(st.sampled_from(DAYS)),
                 draw(st.sampled_from(["met", "partial", "not_started"])))
    draw(st.lists(endings(h, mentors), max_size=3))
    targets = [r.fact["source_ref"] for r in h.records]
    for ref in draw(st.lists(st.sampled_from(targets), max_size=2)):
        h.add("FactCorrected", "2024-12-31", target=ref, reason="test",
              replacement=draw(st.sampled_from(CORRECTIONS)))
    targets = [r.fact["source_ref"] for r in h.records]  # corrections can be voided too
    for ref in draw(st.lists(st.sampled_from(targets), max_size=2)):
        h.add("FactVoided", "2024-12-31", target=ref, reason="test")
    return h


CORRECTIONS = [{"sector": "health"}, {"integrated": True}, {"on": "2024-06-01"},
               {"in_post_since": "2024-03-01"}, {"status": "met"}, {"attendees": []}]


@st.composite
def endings(draw: st.DrawFn, h: History, mentors: list[str]) -> None:
    """Withdrawals, leavers, outcomes, coordinators, organisations and actions."""
    day = draw(st.sampled_from(DAYS))
    enrolled = (r.fact for r in h.records if r.fact["fact"] == "RegistrantEnrolled")
    registrants = [fact["registrant"] for fact in enrolled]
    choice = draw(st.integers(0, 4))
    if choice == 0:
        h.add("MentorWithdrew", day, mentor=draw(st.sampled_from(mentors)), stage="active",
              reason="r")
    elif choice == 1 and registrants:
        fact = draw(st.sampled_from(["RegistrantLeft", "FollowUpEnded", "OutcomeMeasured"]))
        h.add(fact, day, registrant=draw(st.sampled_from(registrants)), destination="unknown",
              reason="lost_to_follow_up", instrument="i", timepoint="m6", score="3")
    elif choice == 2:
        fact = draw(st.sampled_from(["CoordinatorAppointed", "CoordinatorLeft"]))
        h.add(fact, day, partnership="p", coordinator="C-1")
    elif choice == 3:
        h.add("OrganisationJoined", day, partnership="p", org=f"ods:{day}", setting="other",
              sector=draw(st.sampled_from(["health", "social_care"])))
    else:
        h.add("ActionAgreed", day, partnership="p", action="A", framework=NEY,
              item="process_actions", description="d", owner="o", due=draw(st.sampled_from(DAYS)))
        if draw(st.booleans()):
            h.add("ActionCompleted", draw(st.sampled_from(DAYS)), partnership="p", action="A")


@given(histories(), st.sampled_from(DAYS))
def test_replay_law_over_random_histories(history: History, as_of: str) -> None:
    assert_replays(history, history.view(as_of))


def test_disclosure_hides_small_counts_of_people_but_never_a_status_or_an_item_tally() -> None:
    """Under ``nhs``, 2 of 3 active ambassadors trained is a count of people (``*``), while
    whether the item is met, its threshold, and how many items the partnership meets are
    facts about the partnership: shown as they are."""
    from legacyledger.projections.disclosure import apply_disclosure

    view = cpd_history().view("2025-03-31", ICA)
    shown = {f.id: f for f in apply_disclosure(view.figures, "nhs")}
    row = "framework=ica-integrated-csf/item=ongoing_cpd/partnership=p"
    assert shown[f"compliance.status/{row}"].display == 0  # partial: not met
    assert shown[f"compliance.threshold/{row}"].suppressed is False
    assert shown[f"compliance.met/{row}"].display == "*"  # 2 ambassadors
    assert shown[f"compliance.value/{row}"].display == "*"  # a share resting on them
    summary = "framework=ica-integrated-csf/partnership=p"
    assert not shown[f"compliance.items_met/{summary}"].suppressed
    assert not shown[f"compliance.items_applicable/{summary}"].suppressed
