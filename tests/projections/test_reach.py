"""Reach and activity over literal histories: the 2018 integrated ambassador pilots' published
numbers, then events, feedback, people and mentoring dose by hand, then the fold's laws.

Source of the pilot numbers: Skills for Care, *Evaluation of the integrated Ambassador pilots*
(January 2018): Devon registered 64 ambassadors across health and care, 14 from the lead
partner (Devon County Council), +146% on the figure before the pilot, and delivered 18
integrated events; Leeds recruited and inducted 4 ambassadors (3 existing, 1 new) who
delivered 2 integrated events; Dorset ran 2 events, stands at two school careers fairs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legacyledger.projections.base import FactRecord
from legacyledger.projections.reach import (
    ReachFold,
    ReachParams,
    ReachView,
    build_view,
    project_reach,
)
from tests import builders as b
from tests import strategies as s

Fact = dict[str, Any]
D = Decimal
DCC, LCC, LTHT = "gss:E10000008", "gss:E08000035", "ods:RR8"
PILOT = ReachParams(
    as_of=date(2017, 12, 31), period_start=date(2017, 1, 1), growth_from=date(2016, 12, 31)
)


def ledger(*facts: Fact) -> list[FactRecord]:
    return [FactRecord(position, fact) for position, fact in enumerate(facts, start=1)]


def close(a: Any, b: Decimal) -> bool:
    """Equal to 25 places: quotients are kept to 34 significant digits, not the default 28."""
    return isinstance(a, Decimal) and abs(a - b) < Decimal("1e-25")


def value(view: ReachView, metric: str, **dims: str) -> Any:
    parts = [f"{k}={v}" for k, v in sorted(dims.items())]
    return view.value("/".join([f"reach.{metric}", *parts]))


def ambassador(
    key: str, p: str, on: str, sector: str, employer: str, *, left: str = ""
) -> list[Fact]:
    facts = [b.mentor_enrolled(key, on=on, partnership=p, role="ambassador", sector=sector,
                               employer=employer, employment_route="volunteer")]  # fmt: skip
    return facts + ([b.mentor_withdrew(key, on=left, stage="active")] if left else [])


def event(key: str, p: str, on: str, attendees: list[str], kind: str = "careers_fair",
          audience: str = "school", reached: int = 40) -> list[Fact]:  # fmt: skip
    return [
        b.event_planned(key, on=on, partnership=p, kind=kind, audience=audience),
        *(b.rostered(key, on=on, mentor=m) for m in attendees),
        b.delivered(key, on=on, audience_reached=reached, attendees=attendees),
    ]


# -- the 2018 pilots ----------------------------------------------------------------------


def devon() -> list[Fact]:
    """70 enrolled: 30 before the pilot (4 left in 2016, so 26 registered on 31 Dec 2016), 40 in
    2017 (2 left): 26 + 40 - 2 = 64 registered at the end; growth (64 - 26) / 26 = +146%.
    Devon County Council employs 8 of the 26 and 6 of the 38 new stayers: 14 of 64.
    18 events, each with one health and one social care ambassador; 1 more cancelled."""
    facts = [b.partnership_formed("devon", on="2016-01-04", programme="ambassadors",
                                  lead_org=DCC, name="Proud to Care Devon"),
             b.recruitment_target_set("devon", on="2017-01-02", target_active=40,
                                      assumed_dropout_rate="0.60")]  # fmt: skip
    for i in range(30):  # pre-pilot: D-00..D-29; D-26..D-29 leave in 2016
        sector = "social_care" if i % 2 else "health"
        facts += ambassador(
            f"D-{i:02d}",
            "devon",
            f"2016-{i % 11 + 1:02d}-10",
            sector,
            DCC if i < 8 else "ods:RA9",
            left="2016-12-01" if i >= 26 else "",
        )
    for i in range(30, 70):  # the pilot's recruits; D-68, D-69 leave in 2017
        sector = "health" if i % 2 else "social_care"
        facts += ambassador(
            f"D-{i:02d}",
            "devon",
            f"2017-{i % 10 + 1:02d}-15",
            sector,
            DCC if i < 36 else "ods:RK9",
            left="2017-11-30" if i >= 68 else "",
        )
    clients = ["school"] * 8 + ["college"] * 4 + ["university"] * 3 + ["jobseekers"] * 3
    kinds = {"school": "careers_fair", "college": "college", "university": "university",
             "jobseekers": "jobcentre"}  # fmt: skip
    # pairs of one health and one social care ambassador, all registered on the day
    pairs = [(2 * n, 2 * n + 1) for n in range(13)] + [
        (30, 31),
        (40, 41),
        (50, 51),
        (60, 61),
        (32, 33),
    ]
    for n, client in enumerate(clients):
        pair = [f"D-{i:02d}" for i in pairs[n]]
        facts += event(f"DV-{n}", "devon", f"2017-{n % 11 + 2:02d}-0{n % 9 + 1}", pair,
                       kinds[client], client)  # fmt: skip
    facts += [b.event_planned("DV-X", on="2017-06-20", partnership="devon"),
              b.cancelled("DV-X", on="2017-06-19")]  # fmt: skip
    return facts


def leeds() -> list[Fact]:
    """3 existing ambassadors (2 council social care, 1 hospital health) and 1 new (health);
    2 integrated events: a school careers fair in June and the city-wide fair at Elland Road."""
    return [
        b.partnership_formed("leeds", on="2013-04-01", programme="ambassadors", lead_org=LCC),
        *ambassador("L-1", "leeds", "2015-03-02", "social_care", LCC),
        *ambassador("L-2", "leeds", "2015-05-11", "social_care", LCC),
        *ambassador("L-3", "leeds", "2016-02-01", "health", LTHT),
        *ambassador("L-4", "leeds", "2017-03-06", "health", LTHT),
        *(b.mentor_inducted(m, on="2017-04-03", induction="joint") for m in ("L-1", "L-3")),
        *(b.mentor_inducted(m, on="2017-04-03", induction="joint") for m in ("L-2", "L-4")),
        *event("LE-1", "leeds", "2017-06-15", ["L-1", "L-3"]),
        *event("LE-2", "leeds", "2017-10-12", ["L-2", "L-4"], audience="mixed", reached=300),
    ]  # fmt: skip


def dorset() -> list[Fact]:
    """Partners in Care (social care) with the Primary Care Workforce Centre (health)."""
    return [
        b.partnership_formed("dorset", on="2007-04-02", programme="ambassadors",
                             lead_org="other:partners-in-care"),
        *ambassador("P-1", "dorset", "2012-01-09", "social_care", "other:partners-in-care"),
        *ambassador("P-2", "dorset", "2017-02-01", "health", "other:pcwc"),
        *event("DO-1", "dorset", "2017-03-09", ["P-1", "P-2"]),
        *event("DO-2", "dorset", "2017-06-22", ["P-1", "P-2"]),
    ]  # fmt: skip


def pilots() -> ReachView:
    return project_reach(ledger(*devon(), *leeds(), *dorset()), PILOT)


def test_devon_registered_64_ambassadors_14_from_the_lead_partner_up_146_percent() -> None:
    view, dims = pilots(), {"partnership": "devon", "role": "ambassador"}
    assert value(view, "registered", **dims) == 64
    assert value(view, "registered", employer=DCC, **dims) == 14
    assert value(view, "registered", at="2016-12-31", **dims) == 26
    assert value(view, "joined", **{"from": "2016-12-31"}, **dims) == 40
    assert value(view, "left", **{"from": "2016-12-31"}, **dims) == 2
    assert value(view, "growth_pct", **{"from": "2016-12-31"}, **dims) == 146  # 38 / 26


def test_devon_delivered_18_integrated_events() -> None:
    view = pilots()
    assert value(view, "events_delivered", partnership="devon") == 18
    assert value(view, "integrated_delivered", partnership="devon") == 18
    assert value(view, "integrated_share", partnership="devon") == 1
    assert value(view, "events_delivered", audience="jobseekers", partnership="devon") == 3
    assert value(view, "events_cancelled", partnership="devon") == 1
    assert close(value(view, "cancellation_rate", partnership="devon"), D(1) / D(19))


def test_devon_over_recruits_on_a_60_percent_drop_out() -> None:
    # assumed: ceil(40 / 0.4) = 100; observed 6 of 70 left: ceil(40 / (64/70)) = ceil(43.75) = 44
    view = pilots()
    assert value(view, "recruitment_needed", basis="assumed", partnership="devon") == 100
    assert value(view, "recruitment_needed", basis="observed", partnership="devon") == 44
    assert close(value(view, "dropout_rate", partnership="devon", role="ambassador"), D(6) / D(70))


def test_leeds_4_ambassadors_3_existing_1_new_2_integrated_events() -> None:
    view, dims = pilots(), {"partnership": "leeds", "role": "ambassador"}
    assert value(view, "registered", **dims) == 4
    assert value(view, "registered", at="2016-12-31", **dims) == 3
    assert value(view, "joined", **{"from": "2016-12-31"}, **dims) == 1
    assert value(view, "integrated_delivered", partnership="leeds") == 2
    assert value(view, "integrated_ambassadors", partnership="leeds") == 4
    # active = an event in the 6 months after 30 June 2017: only the Elland Road pair
    assert value(view, "active", **dims) == 2


def test_dorset_ran_2_events_at_school_careers_fairs() -> None:
    view = pilots()
    assert value(view, "events_delivered", kind="careers_fair", partnership="dorset") == 2
    assert value(view, "events_delivered", audience="school", partnership="dorset") == 2
    assert value(view, "integrated_delivered", partnership="dorset") == 2
    assert value(view, "integrated_delivered") == 18 + 2 + 2


# -- events and feedback ------------------------------------------------------------------


def _events() -> list[FactRecord]:
    """EV-1 careers fair delivered (50 reached; a health and a social care ambassador);
    EV-2 careers fair cancelled; EV-3 college delivered (30; two social care ambassadors);
    EV-4 due in May, no outcome yet (pending); EV-5 after as_of; EV-6 moved past as_of."""
    people = [*ambassador("H-1", b.P, "2024-04-01", "health", "ods:RXF"),
              *ambassador("S-1", b.P, "2024-04-01", "social_care", "gss:E08000032"),
              *ambassador("S-2", b.P, "2024-04-01", "social_care", "gss:E08000032")]  # fmt: skip
    feedback = [
        b.feedback("EV-1", on="2024-05-10", phase="pre", responses=40,
                   items={"better_idea_of_work": {"agree": 20, "neutral": 10, "disagree": 10}}),
        b.feedback("EV-1", on="2024-05-10", phase="post", responses=45,
                   items={"better_idea_of_work": {"agree": 36, "neutral": 6, "disagree": 3}}),
        b.feedback("EV-3", on="2024-05-20", phase="single", responses=10,
                   items={"better_idea_of_work": {"agree": 5, "neutral": 5, "disagree": 0}}),
    ]  # fmt: skip
    return ledger(
        *people, *event("EV-1", b.P, "2024-05-10", ["H-1", "S-1"], reached=50),
        b.event_planned("EV-2", on="2024-05-15"), b.cancelled("EV-2", on="2024-05-14"),
        *event("EV-3", b.P, "2024-05-20", ["S-1", "S-2"], "college", "college", reached=30),
        b.event_planned("EV-4", on="2024-05-25"), b.event_planned("EV-5", on="2024-07-01"),
        b.event_planned("EV-6", on="2024-05-28"),
        b.event_rescheduled("EV-6", on="2024-05-20", new_date="2024-07-02"), *feedback,
    )  # fmt: skip


def test_events_planned_delivered_cancelled_by_kind_and_audience() -> None:
    view = project_reach(_events(), ReachParams(as_of=date(2024, 6, 30)))
    # in the window: EV-1..EV-4; delivered 2, cancelled 1, pending 1; rate 1 / (2 + 1)
    assert [value(view, m) for m in ("events_planned", "events_delivered", "events_cancelled",
                                     "events_pending")] == [4, 2, 1, 1]  # fmt: skip
    assert close(value(view, "cancellation_rate"), D(1) / D(3))
    assert value(view, "cancellation_rate", kind="careers_fair") == D("0.5")
    assert value(view, "audience_reached") == 80
    assert value(view, "audience_reached", audience="college") == 30
    # only EV-1 had a health and a social care ambassador
    assert value(view, "integrated_delivered") == 1
    assert value(view, "integrated_share") == D("0.5")
    assert value(view, "integrated_ambassadors") == 2


def test_feedback_response_rate_and_share_agreeing_post_minus_pre() -> None:
    view = project_reach(_events(), ReachParams(as_of=date(2024, 6, 30)))
    # responses: EV-1 max(40, 45) = 45, EV-3 10 -> 55 of 50 + 30 reached
    assert value(view, "response_rate") == D("0.6875")
    item = "better_idea_of_work"
    assert value(view, "feedback_agree", item=item, phase="pre") == D("0.5")  # 20 / 40
    assert value(view, "feedback_agree", item=item, phase="post") == D("0.8")  # 36 / 45
    assert value(view, "feedback_agree", item=item, phase="single") == D("0.5")  # 5 / 10
    assert value(view, "feedback_agree_change", item=item) == D("0.3")  # EV-1 only


# -- people --------------------------------------------------------------------------------


def test_active_dropout_and_recruitment_needed() -> None:
    # as_of 31 Dec 2024: active since 30 June. A-1's event was in May (not active), A-2's in
    # August; A-3 logged delivery time in October; A-4 withdrew; A-5 logged admin time only.
    people = [ambassador(f"A-{i}", b.P, "2024-04-01", "health", "ods:RXF") for i in range(1, 6)]
    records = ledger(
        *(f for p in people for f in p), b.recruitment_target_set(target_active=10),
        *event("EV-1", b.P, "2024-05-20", ["A-1"]), *event("EV-2", b.P, "2024-08-20", ["A-2"]),
        b.time_logged("A-3", on="2024-10-01", hours="2", activity="outreach", category="delivery"),
        *event("EV-3", b.P, "2024-12-01", ["A-4"]), b.mentor_withdrew("A-4", on="2024-12-15"),
        b.time_logged("A-5", on="2024-10-01", hours="2"),
    )  # fmt: skip
    view, dims = (
        project_reach(records, ReachParams(as_of=date(2024, 12, 31))),
        {"role": "ambassador"},
    )
    assert value(view, "active", **dims) == 2
    assert value(view, "registered", **dims) == 4
    assert value(view, "dropout_rate", **dims) == D("0.2")  # 1 of 5
    assert value(view, "assumed_dropout_rate", partnership=b.P) == D("0.60")
    assert value(view, "recruitment_needed", basis="assumed", partnership=b.P) == 25  # 10 / 0.4
    assert value(view, "recruitment_needed", basis="observed", partnership=b.P) == 13  # 12.5 up
    assert value(view, "dropout_gap", partnership=b.P) == D("-0.4")  # 0.2 - 0.6


def test_registered_by_employer_follows_moves() -> None:
    records = ledger(*ambassador("A-1", b.P, "2024-04-01", "health", "ods:RXF"),
                     b.mentor_moved("A-1", on="2024-09-01", employer="ods:RR8"))  # fmt: skip
    view = project_reach(records, ReachParams(as_of=date(2024, 12, 31)))
    assert value(view, "registered", employer="ods:RR8", role="ambassador") == 1
    assert view.get("reach.registered/employer=ods:RXF/role=ambassador") is None


# -- mentoring dose ------------------------------------------------------------------------


def _dose() -> list[FactRecord]:
    """M-1 (7.5 contracted hours a week) mentors R-1 and R-2 from 1 Oct 2024; R-3 is a comparator.
    R-1: contacts 8 Oct (55 min), 20 Oct (30), 15 Nov (45). R-2: 20 Oct (60), left 31 Jan.
    M-1 logs 38 h over 22 Mar .. 9 Apr 2025 (19 days, 2 h a day) and 1.5 h on 1 May."""
    return ledger(
        b.mentor_enrolled(contracted_hours_per_week="7.5"),
        *(b.registrant_enrolled(r) for r in ("R-1", "R-2")),
        b.registrant_enrolled("R-3", comparator=True),
        b.matched("R-1"), b.matched("R-2"),
        b.contact("R-1", on="2024-10-08", minutes=55),
        b.contact("R-1", on="2024-10-20", minutes=30),
        b.contact("R-1", on="2024-11-15", minutes=45),
        b.contact("R-2", on="2024-10-20", minutes=60),
        b.left("R-2", on="2025-01-31"),
        b.time_logged(on="2025-03-22", until="2025-04-09", hours="38"),
        b.time_logged(on="2025-05-01", hours="1.5"),
    )  # fmt: skip


def test_mentoring_dose_first_contact_and_early_contacts() -> None:
    view = project_reach(_dose(), ReachParams(as_of=date(2025, 6, 30), dose_by_month=True))
    october = {"period": "2024-10"}
    assert value(view, "registrant_months", **october) == 2
    assert value(view, "contacts", **october) == 3  # R-1 on 8 and 20 Oct, R-2 on 20 Oct
    assert value(view, "contacts_per_registrant", **october) == D("1.5")  # 3 contacts / 2
    assert value(view, "minutes_per_registrant", **october) == D("72.5")  # (55+30+60) / 2
    # the window: R-1 matched Oct..Jun (9 months), R-2 Oct..Jan (4): 4 contacts / 13
    assert value(view, "registrant_months") == 13
    assert value(view, "contacts") == 4
    assert close(value(view, "contacts_per_registrant"), D(4) / D(13))
    # R-1's first contact after 7 days (in time), R-2's after 19 (late)
    assert value(view, "first_contact_in_time_eligible") == 2
    assert value(view, "first_contact_in_time") == D("0.5")
    # R-1 had 3 contacts in the 6 months from 1 Oct; R-2 had 1
    assert value(view, "early_contacts_met_count") == 1
    assert value(view, "early_contacts_met") == D("0.5")


def test_caseload_and_utilisation() -> None:
    # caseload on 30 June 2025: R-1 (R-2 left in January). Utilisation 1 Apr .. 30 Jun 2025:
    # contracted 7.5 x 91 / 7 = 97.5 h; logged 9 days x 2 h (1..9 Apr) + 1.5 h = 19.5 h -> 0.2
    view = project_reach(
        _dose(), ReachParams(as_of=date(2025, 6, 30), period_start=date(2025, 4, 1))
    )
    assert value(view, "caseload", mentor=b.M, partnership=b.P) == 1
    assert value(view, "caseload_mean", partnership=b.P) == 1
    assert value(view, "utilisation", mentor=b.M, partnership=b.P) == D("0.2")
    assert value(view, "utilisation") == D("0.2")


# -- laws ---------------------------------------------------------------------------------

LAW = ReachParams(as_of=date(2025, 6, 30), growth_from=date(2024, 5, 1), dose_by_month=True)


@st.composite
def histories(draw: st.DrawFn) -> list[FactRecord]:
    return ledger(*draw(s.histories(max_mentors=3, max_registrants=3, max_events=3)))


@settings(max_examples=20, deadline=None)
@given(histories(), st.data())
def test_folding_a_prefix_then_the_rest_equals_one_fold(
    records: list[FactRecord], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(records)))
    fold = ReachFold(LAW).extend(records[:cut])
    build_view(fold)
    assert build_view(fold.extend(records[cut:])) == project_reach(records, LAW)


@settings(max_examples=15, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_replaying_only_a_figures_contributing_facts_reproduces_it(
    records: list[FactRecord], random: Any
) -> None:
    view = project_reach(records, LAW)
    for figure in random.sample(view.figures, min(30, len(view.figures))):
        keep = set(figure.derivation.contributing)
        replay = project_reach([r for r in records if r.position in keep], LAW)
        assert replay.value(figure.id) == figure.value, figure.id


def test_every_rate_names_parts_that_are_figures_of_the_view() -> None:
    for view in (pilots(), project_reach(_events(), ReachParams(as_of=date(2024, 6, 30))),
                 project_reach(_dose(), ReachParams(as_of=date(2025, 6, 30)))):  # fmt: skip
        named = {i for f in view.figures for i in f.derivation.inputs}
        assert named and named <= set(view.ids())
