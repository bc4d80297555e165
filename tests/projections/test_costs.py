"""Cost over time over literal histories with hand-computed answers, then the fold's laws.

Rates used throughout (arithmetic once, here):
    salary 39000, on-cost 0.25 -> hourly 39000 / 1950 = 20.00, loaded 20 x 1.25 = 25.00
    salary 42900, on-cost 0.25 -> hourly 42900 / 1950 = 22.00, loaded 22 x 1.25 = 27.50
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legacyledger.projections.base import EffectiveFacts, FactRecord
from legacyledger.projections.costs import (
    CostFold,
    CostParams,
    CostView,
    RetentionInputs,
    build_view,
    display,
    project_costs,
    restatements,
)
from tests import builders as b
from tests import strategies as s

Fact = dict[str, Any]
P, M = b.P, b.M
D = Decimal


def ledger(*facts: Fact, stamps: bool = True) -> list[FactRecord]:
    """Positions 1..n; ``recorded_at`` defaults to the fact's own date (recorded on the day)."""
    records = []
    for position, fact in enumerate(facts, start=1):
        if stamps:
            fact = {"recorded_at": fact["on"] + "T17:00:00Z", **fact}
        records.append(FactRecord(position, fact))
    return records


def at(fact: Fact, day: str) -> Fact:
    """The same fact, recorded (typed in) on ``day``."""
    return {**fact, "recorded_at": day + "T09:00:00Z"}


def mentor(key: str = M, partnership: str = P, **over: Any) -> Fact:
    return b.mentor_enrolled(key, on="2024-04-01", partnership=partnership, **over)


def rate(on: str, salary: str = "39000", key: str = M, oncost: str = "0.25") -> Fact:
    return b.pay_rate_set(key, on=on, annual_salary=salary, oncost_rate=oncost)


def hours(on: str, n: str, key: str = M, **over: Any) -> Fact:
    body = {"activity": "one_to_one", "category": "delivery", **over}
    return b.time_logged(key, on=on, hours=n, **body)


def cost(on: str, amount: str, category: str = "administration", **over: Any) -> Fact:
    return b.cost_incurred(P, on=on, amount=amount, category=category, **over)


def value(view: CostView, metric: str, **dims: str) -> Any:
    parts = [f"{k}={v}" for k, v in sorted(dims.items())]
    return view.value("/".join([f"costs.{metric}", *parts]))


# -- valuing mentor time ----------------------------------------------------------------


def test_time_is_valued_at_the_loaded_rate() -> None:
    # 3 h x 25.00 = 75.00
    records = ledger(mentor(), rate("2024-04-01"), hours("2024-05-10", "3"))
    view = project_costs(records)
    assert value(view, "total", period="2024-05") == D("75")
    assert value(view, "total", period="2024-25-Q1") == D("75")
    assert value(view, "total", period="2024-25", category="delivery") == D("75")
    assert value(view, "total", period="2024-25", category="administration") == 0
    assert view.figure("costs.total/period=2024-25").derivation.contributing == (1, 2, 3)


def test_rate_in_force_on_the_activity_date_not_the_recording_date() -> None:
    # the 30 Sept hours are typed in after the October rise but priced at 25.00:
    # Sept 2 h x 25.00 = 50.00; Oct 2 h x 27.50 = 55.00
    records = ledger(
        mentor(), rate("2024-04-01"), rate("2024-10-01", "42900"),
        at(hours("2024-10-01", "2"), "2024-10-02"), at(hours("2024-09-30", "2"), "2024-10-03"),
    )  # fmt: skip
    view = project_costs(records)
    assert value(view, "total", period="2024-09") == D("50")
    assert value(view, "total", period="2024-25-Q2") == D("50")
    assert value(view, "total", period="2024-25-Q3") == D("55")
    assert view.figure("costs.total/period=2024-09").derivation.contributing == (1, 2, 5)


def test_equal_start_dates_the_later_ledger_position_wins() -> None:
    # both rates start 1 April; position 3 (42900) wins: 1 h x 27.50
    records = ledger(mentor(), rate("2024-04-01"), rate("2024-04-01", "42900"),
                     hours("2024-05-01", "1"))  # fmt: skip
    assert value(project_costs(records), "total", period="2024-05") == D("27.5")


def test_hours_with_no_rate_in_force_are_unpriced_never_zero_cost() -> None:
    # 2 h in May before any rate: unpriced; the June rate prices only the June hour (25.00)
    records = ledger(mentor(), hours("2024-05-01", "2"), rate("2024-06-01"),
                     hours("2024-06-10", "1"))  # fmt: skip
    view = project_costs(records)
    assert value(view, "unpriced_hours", period="2024-05") == D("2")
    assert value(view, "total", period="2024-05") == 0
    assert value(view, "unpriced_hours", period="2024-25-Q1") == D("2")
    assert value(view, "total", period="2024-25-Q1") == D("25")
    assert value(view, "unpriced_hours", period="2024-06") == 0


def test_a_period_spanning_a_rate_change_and_the_year_end_is_split_by_day() -> None:
    # 8 h over 30 Mar .. 2 Apr 2025 inclusive = 4 days = 2 h a day; the pay award starts 1 April
    # March: 4 h x 25.00 = 100.00 (FY 2024/25 Q4); April: 4 h x 27.50 = 110.00 (FY 2025/26 Q1)
    records = ledger(mentor(), rate("2024-04-01"), rate("2025-04-01", "42900"),
                     hours("2025-03-30", "8", until="2025-04-02"))  # fmt: skip
    view = project_costs(records)
    assert value(view, "total", period="2025-03") == D("100")
    assert value(view, "total", period="2024-25-Q4") == D("100")
    assert value(view, "total", period="2024-25") == D("100")
    assert value(view, "total", period="2025-04") == D("110")
    assert value(view, "total", period="2025-26-Q1") == D("110")
    assert value(view, "total", period="2025-26") == D("110")
    assert view.figure("costs.total/period=2025-26").derivation.contributing == (1, 3, 4)


def test_31_march_and_1_april_fall_in_different_financial_years() -> None:
    records = ledger(mentor(), rate("2024-04-01"), hours("2025-03-31", "1"),
                     hours("2025-04-01", "2"))  # fmt: skip
    view = project_costs(records)
    assert value(view, "total", period="2024-25") == D("25")
    assert value(view, "total", period="2024-25-Q4") == D("25")
    assert value(view, "total", period="2025-26") == D("50")
    assert value(view, "total", period="2025-26-Q1") == D("50")
    assert value(view, "cumulative", period="2025-26") == D("75")


def test_exact_money_with_rounding_only_for_display() -> None:
    # 50056 x 1.287 / 1950 = 33.03696 an hour (exact); 0.25 h = 8.25924; 41.2962 shows as 41.30
    records = ledger(mentor(), rate("2024-04-01", "50056", oncost="0.287"),
                     hours("2024-05-01", "1"), hours("2024-05-02", "0.25"))  # fmt: skip
    total = value(project_costs(records), "total", period="2024-05")
    assert total == D("33.03696") + D("8.25924")
    assert display(total) == D("41.30")
    assert display(D("0.125")) == D("0.13") and display(D("2.675")) == D("2.68")


def test_a_float_never_enters_a_cost() -> None:
    records = ledger(mentor(), rate("2024-04-01"), hours("2024-05-10", 1.5))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="decimal string"):
        project_costs(records)
    view = project_costs(_unit_history(), CostParams(retention=(_retention("0.85"),)))
    money = [f for f in view.figures if f.unit.startswith("GBP")]
    assert money and all(isinstance(f.value, Decimal | None) for f in money)
    assert all(isinstance(r.restated, Decimal) for r in view.restatements)


# -- as reported vs restated --------------------------------------------------------------


def _back_dated_award() -> list[FactRecord]:
    # Q1: 4 h on 15 May at 25.00 = 100.00; Q2: 2 h on 10 July at 25.00 = 50.00.
    # In October a pay award back-dated to 1 May arrives: 4 x 27.50 = 110 (+10), 2 x 27.50 = 55 (+5)
    return ledger(
        mentor(), rate("2024-04-01"), hours("2024-05-15", "4"), hours("2024-07-10", "2"),
        at(rate("2024-05-01", "42900"), "2024-10-15"),
    )  # fmt: skip


def test_a_back_dated_pay_award_restates_the_closed_quarters() -> None:
    records = _back_dated_award()
    view = project_costs(records)
    assert value(view, "total", period="2024-25-Q1") == D("110")
    assert value(view, "total", period="2024-25-Q2") == D("55")
    rows = {r.figure_id: r for r in restatements(records, period="2024/25 Q1")}
    q1 = rows["costs.total/period=2024-25-Q1"]
    assert (q1.as_reported, q1.restated, q1.difference) == (D("100"), D("110"), D("10"))
    assert (q1.position, q1.source_ref, q1.fact) == (
        5,
        records[4].fact["source_ref"],
        "MentorPayRateSet",
    )
    assert set(rows) == {
        "costs.total/period=2024-25-Q1", "costs.total/category=delivery/period=2024-25-Q1",
        f"costs.total/partnership={P}/period=2024-25-Q1",
        f"costs.total/category=delivery/partnership={P}/period=2024-25-Q1",
    }  # fmt: skip
    q2 = {r.figure_id: r for r in restatements(records, period="2024-25-Q2")}
    assert q2["costs.total/period=2024-25-Q2"].difference == D("5")
    months = {r.period for r in view.restatements if r.grain == "month"}
    assert months == {"2024-05", "2024-07"}
    # the financial year 2024/25 was still open in October: accumulation, not a restatement
    assert not restatements(records, period="2024-25")


def test_a_back_dated_cost_and_a_late_correction_restate_only_closed_periods() -> None:
    # 500 admin cost in June; in August it is corrected to 450 (Q1 closed: -50);
    # a 200 cost dated 20 June is typed in on 3 July (+200); a 70 cost in July is open Q2
    room = cost("2024-06-15", "500")
    records = ledger(
        mentor(), room, at(cost("2024-06-20", "200"), "2024-07-03"), cost("2024-07-05", "70"),
        at(b.corrected(room["source_ref"], {"amount": "450"}, on="2024-08-01"), "2024-08-01"),
    )  # fmt: skip
    rows = [r for r in restatements(records, period="2024-25-Q1") if r.figure_id ==
            "costs.total/period=2024-25-Q1"]  # fmt: skip
    assert [(r.as_reported, r.restated, r.position) for r in rows] == [
        (D("500"), D("700"), 3),
        (D("700"), D("650"), 5),
    ]
    assert rows[1].target == room["source_ref"]
    assert not restatements(records, period="2024-25-Q2")


def test_corrections_and_voids_apply_to_costs_hours_and_rates() -> None:
    # logged 3 h, corrected to 2 h (2 x 25 = 50); a 200 cost voided; the rate corrected to 42900
    # after it: 2 h x 27.50 = 55.00
    log, dup, pay = hours("2024-05-10", "3"), cost("2024-05-11", "200"), rate("2024-04-01")
    records = ledger(
        mentor(), pay, log, dup, b.corrected(log["source_ref"], {"hours": "2"}, on="2024-05-12"),
        b.voided(dup["source_ref"], on="2024-05-13"),
    )  # fmt: skip
    view = project_costs(records)
    assert value(view, "total", period="2024-05") == D("50")
    assert view.figure("costs.total/period=2024-05").derivation.contributing == (1, 2, 3, 5)
    fixed = [*records, FactRecord(7, b.corrected(pay["source_ref"], {"annual_salary": "42900"}))]
    view = project_costs(fixed)
    assert value(view, "total", period="2024-05") == D("55")
    assert view.figure("costs.total/period=2024-05").derivation.contributing == (1, 2, 3, 5, 7)


def test_voiding_a_correction_restores_what_it_corrected() -> None:
    # 500 corrected to 450, then the correction is voided: 500 again; each a restatement of June
    room = cost("2024-06-15", "500")
    fix = at(b.corrected(room["source_ref"], {"amount": "450"}, on="2024-07-02"), "2024-07-02")
    undo = at(b.voided(fix["source_ref"], on="2024-07-09"), "2024-07-09")
    records = ledger(mentor(), room, fix, undo)
    view = project_costs(records)
    assert value(view, "total", period="2024-06") == D("500")
    assert view.figure("costs.total/period=2024-06").derivation.contributing == (2, 3, 4)
    rows = [(r.as_reported, r.restated) for r in view.restatements
            if r.figure_id == "costs.total/period=2024-06"]  # fmt: skip
    assert rows == [(D("500"), D("450")), (D("450"), D("500"))]


# -- funding, unit costs, cancelled events, retention ---------------------------------------


def _unit_history() -> list[FactRecord]:
    """FY 2024/25 of one partnership, built so every unit cost has a distinct denominator.

    M-1 (legacy mentor, 25.00/h): 2 h one-to-one (50) + 1 h group (25) delivery, 1 h admin (25).
    A-1 ambassador attends EV-1; A-2 ambassador logs 1 h outreach, unpriced (no rate).
    Costs: EV-1 venue 100 delivery; EV-3 (cancelled) 40 delivery; printing 60 admin.
    delivery = 50 + 25 + 100 + 40 = 215; admin = 25 + 60 = 85; total 300; share 85/300.
    Contacts: R-1 twice, R-2 once -> 2 registrants. Events delivered: EV-1 (30), EV-2 (20).
    Funding 1000 for 2024/25 and 500 for 2025/26.
    """
    amb = {"role": "ambassador", "sector": "social_care"}
    return ledger(
        mentor(), rate("2024-04-01"), mentor("A-1", **amb), mentor("A-2", **amb),
        b.funding_received(P, on="2024-04-20", amount="1000.00", financial_year="2024/25"),
        b.funding_received(P, on="2025-04-20", amount="500.00", financial_year="2025/26"),
        b.registrant_enrolled("R-1"), b.registrant_enrolled("R-2"),
        b.matched("R-1"), b.matched("R-2"),
        b.contact("R-1", on="2024-10-08"), b.contact("R-1", on="2024-11-08"),
        b.contact("R-2", on="2024-10-09"),
        hours("2024-10-08", "2"), hours("2024-10-15", "1", activity="group"),
        hours("2024-10-16", "1", activity="admin", category="administration"),
        hours("2024-11-01", "1", key="A-2", activity="outreach"),
        b.event_planned("EV-1", on="2024-11-20"), b.event_planned("EV-2", on="2025-01-20"),
        b.event_planned("EV-3", on="2025-02-20"),
        b.delivered("EV-1", on="2024-11-20", audience_reached=30, attendees=["A-1"]),
        b.delivered("EV-2", on="2025-01-20", audience_reached=20, attendees=[]),
        b.cancelled("EV-3", on="2025-02-10"),
        cost("2024-11-20", "100", "delivery", event="EV-1"),
        cost("2025-02-01", "40", "delivery", event="EV-3"),
        cost("2025-03-01", "60"),
    )  # fmt: skip


def _retention(r_mentored: str) -> RetentionInputs:
    return RetentionInputs(12, r_mentored, "0.75", 40)


def test_totals_split_share_and_funding_against_spend() -> None:
    view = project_costs(_unit_history())
    fy = {"period": "2024-25"}
    assert value(view, "total", **fy) == D("300")
    assert value(view, "total", category="delivery", **fy) == D("215")
    assert value(view, "total", category="administration", **fy) == D("85")
    assert round(value(view, "admin_share", **fy), 20) == round(D(85) / D(300), 20)
    assert value(view, "unpriced_hours", **fy) == D("1")
    assert value(view, "funding", **fy) == D("1000")
    assert value(view, "balance", **fy) == D("700")  # 1000 - 300
    assert value(view, "balance", period="2025-26") == D("500")  # nothing spent yet
    assert value(view, "cancelled_events", **fy) == D("40")
    assert value(view, "total", partnership=P, **fy) == D("300")


def test_every_unit_cost() -> None:
    # full cost (300) by default; per event delivered: the cost booked to events, EV-1 venue
    # 100 + EV-3 (cancelled) 40 = 140, over 2 events delivered = 70 (version 1: 215 / 2)
    view = project_costs(_unit_history())
    fy = {"period": "2024-25"}
    expected = {  # denominator, cost / denominator
        "registrants_supported": (2, D("150")),  # 300 / 2
        "contact_hours": (D("3"), D("100")),  # 300 / (2 h + 1 h group)
        "events_delivered": (2, D("70")),  # 140 / 2
        "audience_reached": (50, D("6")),  # 300 / 50
        "ambassadors_active": (2, D("150")),  # A-1 at EV-1, A-2 delivery outreach
    }
    per = {"registrants_supported": "per_registrant_supported", "contact_hours": "per_contact_hour",
           "events_delivered": "per_event_delivered", "audience_reached": "per_audience_member",
           "ambassadors_active": "per_active_ambassador"}  # fmt: skip
    for metric, (count, unit_cost) in expected.items():
        assert value(view, metric, **fy) == count, metric
        assert value(view, per[metric], **fy) == unit_cost, metric
        derivation = view.figure(f"costs.{per[metric]}/period=2024-25").derivation
        assert derivation.version == 2 and "numerator: " in (derivation.note or "")
    assert value(view, "event_cost", **fy) == D("140")
    event_note = view.figure("costs.per_event_delivered/period=2024-25").derivation.note or ""
    assert "cost booked to events" in event_note and "full cost" in event_note
    assert view.figure("costs.per_event_delivered/period=2024-25").derivation.inputs == (
        "costs.events_delivered/period=2024-25", "costs.event_cost/period=2024-25")
    # delivery only (215): labelled in the id and the note
    delivery = project_costs(_unit_history(), CostParams(unit_cost_basis="delivery"))
    only = delivery.figure("costs.per_registrant_supported/basis=delivery/period=2024-25")
    assert only.value == D("107.5") and "delivery cost only" in (only.derivation.note or "")
    assert value(delivery, "per_event_delivered", basis="delivery", **fy) == D("70")
    assert value(delivery, "event_cost", category="delivery", **fy) == D("140")


def test_cost_per_additional_retained_registrant_is_indicative_and_needs_a_gain() -> None:
    # 300 / ((0.85 - 0.75) x 40) = 300 / 4 = 75
    view = project_costs(_unit_history(), CostParams(retention=(_retention("0.85"),)))
    figure = view.figure("costs.per_additional_retained/horizon=12m")
    assert figure.value == D("75")
    assert figure.derivation.note is not None and "indicative" in figure.derivation.note
    assert figure.derivation.parameters["r_comparator"] == "0.75"
    worse = project_costs(_unit_history(), CostParams(retention=(_retention("0.70"),)))
    assert worse.value("costs.per_additional_retained/horizon=12m") is None
    assert not [i for i in project_costs(_unit_history()).ids() if "retained" in i]


def test_as_of_cuts_off_later_activity_and_the_tail_of_a_period() -> None:
    # 10 h over 1..10 May (1 h a day); as_of 5 May keeps 5 h = 125.00; the 6 May cost is out
    records = ledger(mentor(), rate("2024-04-01"), hours("2024-05-01", "10", until="2024-05-10"),
                     cost("2024-05-06", "99"))  # fmt: skip
    view = project_costs(records, CostParams(as_of=date(2024, 5, 5)))
    assert value(view, "total", period="2024-05") == D("125")
    assert view.figure("costs.total/period=2024-05").derivation.as_of == date(2024, 5, 5)


def test_each_partnership_has_its_own_totals() -> None:
    records = ledger(mentor(), rate("2024-04-01"), mentor("M-2", partnership="p2"),
                     rate("2024-04-01", "42900", key="M-2"), hours("2024-05-01", "1"),
                     hours("2024-05-01", "1", key="M-2"))  # fmt: skip
    view = project_costs(records)
    assert value(view, "total", partnership=P, period="2024-05") == D("25")
    assert value(view, "total", partnership="p2", period="2024-05") == D("27.5")
    assert value(view, "total", period="2024-05") == D("52.5")
    assert view.figure("costs.total/partnership=p2/period=2024-05").derivation.contributing == (
        3,
        4,
        6,
    )


# -- laws ---------------------------------------------------------------------------------


@st.composite
def cost_histories(draw: st.DrawFn) -> list[FactRecord]:
    """Shared valid histories plus costs, spread logs and corrections of cost facts."""
    facts = draw(s.histories(max_mentors=3, max_registrants=3, max_events=2))
    mentors = sorted({f["mentor"] for f in facts if f["fact"] == "MentorEnrolled"})
    for _ in range(draw(st.integers(0, 3))):
        facts.append(
            b.cost_incurred(
                on=s.day(draw(st.integers(0, 500))),
                amount=draw(s.money()),
                category=draw(st.sampled_from(["administration", "delivery"])),
            )
        )
    for key in mentors[:2]:
        start = draw(st.integers(30, 400))
        facts.append(
            b.time_logged(
                key,
                on=s.day(start),
                until=s.day(start + draw(st.integers(0, 70))),
                hours=draw(s.hours()),
                category="delivery",
                activity="group",
            )
        )
        facts.append(
            b.pay_rate_set(key, on=s.day(draw(st.integers(0, 500))), annual_salary=draw(s.money()))
        )
    costly = [
        f for f in facts if f["fact"] in ("CostIncurred", "MentorTimeLogged", "MentorPayRateSet")
    ]
    for target in (
        draw(st.lists(st.sampled_from(costly), max_size=3, unique_by=id)) if costly else []
    ):
        if draw(st.booleans()):
            facts.append(b.voided(target["source_ref"]))
        else:
            field = {"CostIncurred": "amount", "MentorTimeLogged": "hours",
                     "MentorPayRateSet": "annual_salary"}[target["fact"]]  # fmt: skip
            facts.append(b.corrected(target["source_ref"], {field: draw(s.money())}))
    return ledger(*facts, stamps=False)


def _values(view: CostView) -> dict[str, Any]:
    return {f.id: f.value for f in view.figures}


@settings(max_examples=25, deadline=None)
@given(cost_histories(), st.data())
def test_folding_a_prefix_then_the_rest_equals_one_fold(
    records: list[FactRecord], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(records)))
    fold = CostFold(CostParams()).extend(records[:cut])
    build_view(fold)  # reading the view must not disturb the fold
    assert build_view(fold.extend(records[cut:])) == project_costs(records)


@settings(max_examples=15, deadline=None)
@given(cost_histories(), st.randoms(use_true_random=False))
def test_replaying_only_a_figures_contributing_facts_reproduces_it(
    records: list[FactRecord], random: Any
) -> None:
    view = project_costs(records)
    for figure in random.sample(view.figures, min(30, len(view.figures))):
        keep = set(figure.derivation.contributing)
        replay = project_costs(r for r in records if r.position in keep)
        assert replay.value(figure.id) == figure.value, figure.id


@settings(max_examples=15, deadline=None)
@given(cost_histories(), st.data())
def test_irrelevant_facts_interleaved_change_no_value(
    records: list[FactRecord], data: st.DataObject
) -> None:
    noise = [b.outcome_measured(on=s.day(9)), b.framework_adopted(), b.mentor_inducted()]
    facts: list[Fact] = [dict(r.fact) for r in records]
    for extra in noise:
        facts.insert(data.draw(st.integers(0, len(facts))), extra)
    assert _values(project_costs(ledger(*facts, stamps=False))) == _values(project_costs(records))


def test_every_rate_names_parts_that_are_figures_of_the_view() -> None:
    view = project_costs(_unit_history(), CostParams(retention=(_retention("0.85"),)))
    named = {i for f in view.figures for i in f.derivation.inputs}
    assert named and named <= set(view.ids())


@settings(max_examples=20, deadline=None)
@given(cost_histories())
def test_repricing_as_rates_arrive_equals_pricing_with_every_rate_known(
    records: list[FactRecord],
) -> None:
    """Apply corrections with the reference EffectiveFacts, then put enrolments and pay
    rates first: nothing is ever repriced, yet every figure must come out the same."""
    settled = list(EffectiveFacts().extend(records))
    first = [f.fact for f in settled if f.name in ("MentorEnrolled", "MentorPayRateSet")]
    rest = [f.fact for f in settled if f.name not in ("MentorEnrolled", "MentorPayRateSet")]
    assert _values(project_costs(ledger(*first, *rest, stamps=False))) == _values(
        project_costs(records)
    )
