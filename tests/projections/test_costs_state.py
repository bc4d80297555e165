"""The costs computed from settled facts equal the incremental fold's running totals exactly:
the same value *and* the same spelling (exponent), whatever the history behind them
(back-dated and corrected pay rates, moved mentors, corrected, voided and spread logs)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import localcontext
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legacyledger.projections.base import FactRecord
from legacyledger.projections.costs import CostFold, CostParams
from legacyledger.projections.costs.state import CostState
from legacyledger.projections.periods import SUM_CTX
from legacyledger.projections.tables import EffectiveTables
from tests import builders as b

START = date(2024, 4, 1)
MENTORS = ("M-1", "M-2", "M-3")
PARTNERSHIPS = ("p1", "p2")


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


@st.composite
def histories(draw: st.DrawFn) -> list[FactRecord]:
    facts: list[dict[str, Any]] = []
    hours = st.sampled_from(["1", "0.5", "0.75", "1.25", "2", "3.5", "0.1", "7", "0"])
    salaries = st.sampled_from(["39000", "42900", "50056", "31000.50", "58500", "1950"])
    oncosts = st.sampled_from(["0.25", "0.287", "0.2", "0"])
    count = draw(st.integers(4, 30))
    for _ in range(count):
        kind = draw(st.sampled_from(["enrol", "rate", "log", "log", "log", "spread", "cost"]))
        mentor = draw(st.sampled_from(MENTORS))
        at = draw(st.integers(0, 400))
        if kind == "enrol":
            facts.append(
                b.mentor_enrolled(
                    mentor,
                    on=day(at),
                    partnership=draw(st.sampled_from(PARTNERSHIPS)),
                    role=draw(st.sampled_from(["legacy_mentor", "ambassador"])),
                )
            )
        elif kind == "rate":
            facts.append(
                b.pay_rate_set(
                    mentor, on=day(at), annual_salary=draw(salaries), oncost_rate=draw(oncosts)
                )
            )
        elif kind == "log":
            facts.append(
                b.time_logged(
                    mentor,
                    on=day(at),
                    hours=draw(hours),
                    category=draw(st.sampled_from(["delivery", "administration"])),
                    activity=draw(st.sampled_from(["one_to_one", "admin", "group"])),
                )
            )
        elif kind == "spread":
            facts.append(
                b.time_logged(
                    mentor,
                    on=day(at),
                    until=day(at + draw(st.integers(0, 75))),
                    hours=draw(hours),
                    category="delivery",
                    activity="group",
                )
            )
        else:
            facts.append(
                b.cost_incurred(
                    draw(st.sampled_from(PARTNERSHIPS)),
                    on=day(at),
                    amount=draw(st.sampled_from(["100", "12.50", "0.01", "3000.00"])),
                    category=draw(st.sampled_from(["delivery", "administration"])),
                )
            )
    targets = [f for f in facts if f["fact"] != "PartnershipFormed"]
    fixes = []
    for target in (
        draw(st.lists(st.sampled_from(targets), max_size=4, unique_by=id)) if targets else []
    ):
        if draw(st.booleans()):
            fixes.append(b.voided(target["source_ref"]))
            continue
        name = target["fact"]
        if name == "MentorTimeLogged":
            replacement = draw(
                st.sampled_from(
                    [
                        {"hours": draw(hours)},
                        {"category": "administration"},
                        {"mentor": draw(st.sampled_from(MENTORS))},
                        {"on": day(draw(st.integers(0, 400)))},
                    ]
                )
            )
            if "until" in target and "on" in replacement:
                replacement["until"] = replacement["on"]
        elif name == "MentorPayRateSet":
            replacement = {"annual_salary": draw(salaries)}
        elif name == "MentorEnrolled":
            replacement = {"partnership": draw(st.sampled_from(PARTNERSHIPS))}
        else:
            replacement = {"amount": "77.70"}
        fix = b.corrected(target["source_ref"], replacement)
        fixes.append(fix)
        if draw(st.booleans()):
            fixes.append(b.voided(fix["source_ref"]))
    for fix in fixes:
        facts.insert(draw(st.integers(len(facts) // 2, len(facts))), fix)
    # corrections must come after their targets
    order = {f["source_ref"]: i for i, f in enumerate(facts)}
    ok = []
    seen: set[str] = set()
    for f in facts:
        target = f.get("target")
        if target is not None and (target not in seen or order[target] > order[f["source_ref"]]):
            continue
        seen.add(f["source_ref"])
        ok.append(f)
    return [FactRecord(p, f) for p, f in enumerate(ok, start=1)]


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from([None, date(2024, 9, 30), date(2025, 3, 31)]))
def test_month_totals_read_exactly_as_the_folds(
    records: list[FactRecord], as_of: date | None
) -> None:
    params = CostParams(as_of=as_of)
    fold = CostFold(params).extend(records)
    with localcontext(SUM_CTX):
        state = CostState(EffectiveTables.of(records), params)
        contributing = {
            (s.partnership, s.month, s.category) for segs in fold.contrib.values() for s in segs
        }
        assert set(state.buckets) == contributing
        for key in contributing:
            assert same(state.cost(key), fold.totals.get(key, _zero())), key
            assert same(state.unpriced(key), fold.unpriced.get(key, _zero())), key


def same(a: Any, b: Any) -> bool:
    """Equal to the last digit (same value *and* exponent), except that a total whose every
    priced entry was retracted reads 0.00 from the fold (added, then taken back) and 0 from
    the settled state (never added): the same amount of money."""
    return a == b and (a == 0 or repr(a) == repr(b))


def _zero() -> Any:
    from legacyledger.projections.periods import ZERO

    return ZERO


@settings(max_examples=60, deadline=None)
@given(histories())
def test_tracking_only_repricing_facts_gives_exactly_their_restatements(
    records: list[FactRecord],
) -> None:
    """The report's restated quarters read the restatements caused by corrections, voids and
    back-dated pay rates: tracked on their own, they are exactly those of the full list."""
    from legacyledger.projections.costs.restate import REPRICING

    params = CostParams()
    every = CostFold(params).extend(records).tracker.rows
    only = CostFold(params, only=REPRICING).extend(records).tracker.rows
    assert only == [row for row in every if row.fact in REPRICING]
