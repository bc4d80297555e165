"""Disclosure control (figures.md §5) over hand-made figures and real retention and reach views,
and that no small count can be worked back from what a disclosed view shows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from legacyledger import Ledger
from legacyledger.projections.base import Derivation, FactRecord, Figure, Relation, Value
from legacyledger.projections.disclosure import (
    DisclosedFigure,
    apply_disclosure,
    show_count,
)
from legacyledger.projections.reach import ReachParams, project_reach
from legacyledger.projections.retention import RetentionParams, project_retention
from legacyledger.reports import build_report, report_json
from legacyledger.synthetic import SyntheticConfig, generate
from tests import builders as b
from tests.disclosure_search import candidates, consistent

Fact = dict[str, Any]


def figure(fid: str, value: Value, kind: str | None, *inputs: str, unit: str = "people",
           formula: str = "test") -> Figure:  # fmt: skip
    derivation = Derivation(formula, 1, {}, date(2025, 3, 31), None, (), inputs=inputs)
    return Figure(fid, value, unit, derivation, kind=kind)


def shown(figures: list[Figure], policy: str) -> dict[str, Any]:
    return {d.id: d.display for d in apply_disclosure(figures, policy)}


@pytest.mark.parametrize(
    ("count", "nhs", "under10"),
    [(0, 0, 0), (1, "*", "*"), (7, "*", "*"), (8, 10, "*"), (9, 10, "*"), (10, 10, 10),
     (12, 10, 10), (13, 15, 15), (102, 100, 100), (103, 105, 105)],
)  # fmt: skip
def test_counts_are_suppressed_or_rounded_to_five(count: int, nhs: Any, under10: Any) -> None:
    assert show_count(count, "nhs") == nhs
    assert show_count(count, "under10") == under10
    assert show_count(count, "none") == count


def test_a_rate_with_a_suppressed_part_is_suppressed() -> None:
    r_h, difference = "retention.R_h", "retention.R_h_difference"
    figures = [
        figure("retained", 6, "count"),
        figure("eligible", 40, "count"),
        figure("rate", Decimal("0.15"), "rate", "retained", "eligible", formula=r_h),
        figure("big_retained", 31, "count"),
        figure("big_rate", Decimal("0.775"), "rate", "big_retained", "eligible", formula=r_h),
        figure("diff", Decimal("0.625"), "statistic", "big_rate", "rate", formula=difference),
        figure("orphan_rate", Decimal("0.5"), "rate", "missing", formula=r_h),
        figure("no_formula", Decimal("0.5"), "rate", "big_retained", "eligible"),
    ]
    nhs = shown(figures, "nhs")
    assert (nhs["retained"], nhs["eligible"], nhs["rate"]) == ("*", 40, "*")
    # parts shown rounded, the rate computed from them as shown (30 / 40, not 31 / 40)
    assert (nhs["big_retained"], nhs["big_rate"]) == (30, Decimal("0.750"))
    assert nhs["diff"] == "*"  # computed from a suppressed rate
    assert nhs["orphan_rate"] == "*"  # a part that cannot be checked is not shown
    assert nhs["no_formula"] == "*"  # nor a rate with no formula over its parts
    assert shown(figures, "none")["rate"] == Decimal("0.15")
    assert shown(figures, "none")["no_formula"] == Decimal("0.5")


def test_totals_are_rounded_from_unrounded_values() -> None:
    # three groups of 3 are each suppressed; their total, 9, is rounded once: 10 (not 0 or 15)
    parts = [figure(f"group{i}", 3, "count") for i in range(3)]
    total = figure("total", sum(3 for _ in parts), "count")
    assert shown([*parts, total], "nhs") == {"group0": "*", "group1": "*", "group2": "*",
                                             "total": 10}  # fmt: skip


def test_money_and_missing_values() -> None:
    figures = [
        figure("cost", Decimal("5.00"), None, unit="GBP"),
        figure("people", 3, None),
        figure("share", None, "rate", "people"),
    ]
    disclosed = {d.id: d for d in apply_disclosure(figures, "nhs")}
    assert (disclosed["cost"].display, disclosed["cost"].kind) == (Decimal("5.00"), "money")
    assert (disclosed["people"].display, disclosed["people"].kind) == ("*", "count")
    assert disclosed["share"].display == "n/a"
    assert disclosed["share"].suppressed


def test_unknown_policy_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown disclosure policy"):
        apply_disclosure([], "secret")


def _small_cohort() -> list[FactRecord]:
    def enrolled(r: str, registered: str) -> dict[str, Any]:
        return {"fact": "RegistrantEnrolled", "registrant": r, "on": registered,
                "partnership": "wy", "profession": "nurse", "registered_on": registered,
                "employer": "ods:RXF", "setting": "secondary_care", "in_post_since": registered,
                "comparator": False, "source_ref": r}  # fmt: skip

    return [FactRecord(i + 1, enrolled(f"R{i}", "2024-09-02")) for i in range(3)]


@pytest.mark.parametrize(("policy", "size", "rate"), [("nhs", "*", "*"), ("none", 3, Decimal(1))])
def test_a_small_retention_cohort(policy: str, size: Any, rate: Any) -> None:
    view = project_retention(_small_cohort(), RetentionParams(as_of=date(2025, 12, 31)))
    disclosed = {d.id: d for d in apply_disclosure(view.figures, policy)}
    cohort = disclosed["retention.cohort_size/cohort=2024-25/scope=nhs"]
    assert cohort.display == size
    assert disclosed["retention.rate/cohort=2024-25/h=12/scope=nhs"].display == rate
    # Kaplan-Meier on 3 people is not shown either under nhs
    survival = disclosed["retention.km_survival/cohort=2024-25/h=12/scope=nhs"]
    assert survival.suppressed == (policy == "nhs")
    assert all(d.derivation.disclosure == policy for d in disclosed.values())
    assert cohort.derivation.contributing == (1, 2, 3)


# -- small numbers cannot be recovered from what a published report shows --------------------

#: Parameter names that would carry a count of people (a parameter is shown as it is).
PEOPLE_COUNT = re.compile(r"^n_|_size$|eligible|_count$|enrolled|withdrawn")


def disclosed_as(figures: Iterable[Figure], policy: str) -> dict[str, DisclosedFigure]:
    """The figures as a report shows them (``reports`` applies this step to every family)."""
    disclosed = {d.id: d for d in apply_disclosure(figures, policy)}
    assert not [(d.id, name) for d in disclosed.values() for name in d.derivation.parameters
                if PEOPLE_COUNT.search(name)]  # fmt: skip
    return disclosed


def _leavers(size: int, leaving: int) -> list[FactRecord]:
    """A 2024/25 cohort of ``size`` registered on 2 Sep 2024; the first ``leaving`` leave in
    January 2025, before 6 months."""
    facts = [_small_cohort()[0].fact | {"registrant": f"R{i}", "source_ref": f"R{i}"}
             for i in range(size)]  # fmt: skip
    facts += [{"fact": "RegistrantLeft", "registrant": f"R{i}", "on": "2025-01-10",
               "destination": "left_uk", "reason": "x", "source_ref": f"L{i}"}
              for i in range(leaving)]  # fmt: skip
    return [FactRecord(i, fact) for i, fact in enumerate(facts, start=1)]


@pytest.mark.parametrize("policy", ["nhs", "under10"])
def test_kaplan_meier_is_suppressed_with_its_event_count(policy: str) -> None:
    # 20 subjects, 3 leave before 6 months: S(12 months) = 17 / 20 = 0.85 would give the 3
    # away; the estimates rest on the 3 leavers so far (suppressed) and the effective number
    view = project_retention(_leavers(20, 3), RetentionParams(as_of=date(2025, 12, 31)))
    disclosed = disclosed_as(view.figures, policy)
    figure = "retention.{}/cohort=2024-25{}/scope=nhs".format
    assert disclosed[figure("km_subjects", "")].display == 20
    assert disclosed[figure("km_events", "")].display == "*"
    assert disclosed[figure("km_cumulative_events", "/h=12")].display == "*"
    assert view.figure(figure("km_survival", "/h=12")).value == pytest.approx(0.85)
    assert view.figure(figure("km_effective_n", "/h=12")).value == pytest.approx(20)
    for name in ("km_survival", "km_ci_lower", "km_ci_upper", "km_variance"):
        shown = disclosed[figure(name, "/h=12")]
        assert (shown.display, shown.kind) == ("*", "statistic")
        assert figure("km_cumulative_events", "/h=12") in shown.derivation.inputs
        assert figure("km_effective_n", "/h=12") in shown.derivation.inputs
    # with enough leavers the curve is shown, from the leavers so far and effective number as
    # displayed: 12 of 40 leave, S = 0.70 is shown as 1 - 10 / 40 = 0.750
    big = project_retention(_leavers(40, 12), RetentionParams(as_of=date(2025, 12, 31)))
    shown = disclosed_as(big.figures, policy)[figure("km_survival", "/h=12")]
    assert shown.display == Decimal("0.750")


@pytest.mark.parametrize("policy", ["nhs", "under10"])
def test_a_rate_difference_carries_no_group_sizes(policy: str) -> None:
    # 3 mentored (1 leaves) against 4 comparators (2 leave), as in `report all --format json`
    def enrolled(r: str, comparator: bool) -> Fact:
        return _small_cohort()[0].fact | {"registrant": r, "source_ref": r,
                                          "comparator": comparator}  # fmt: skip

    facts = [*(enrolled(f"M{i}", False) for i in range(3)),
             *(enrolled(f"C{i}", True) for i in range(4)),
             *({"fact": "RegistrantLeft", "registrant": r, "on": "2025-01-10",
                "destination": "left_uk", "reason": "x", "source_ref": f"L-{r}"}
               for r in ("M0", "C0", "C1"))]  # fmt: skip
    records = [FactRecord(i, f) for i, f in enumerate(facts, start=1)]
    view = project_retention(records, RetentionParams(as_of=date(2025, 12, 31)))
    disclosed = disclosed_as(view.figures, policy)
    difference = disclosed["retention.rate_difference/cohort=2024-25/h=12/scope=nhs"]
    assert difference.display == "*"
    sizes = {"retention.cohort_size/cohort=2024-25/group=mentored/scope=nhs",
             "retention.cohort_size/cohort=2024-25/group=comparator/scope=nhs"}  # fmt: skip
    assert sizes <= set(difference.derivation.inputs)
    assert all(disclosed[i].display == "*" for i in sizes)


def _ambassadors(enrolled: int, withdrawn: int, assumed: str) -> list[FactRecord]:
    people = [f"A-{i}" for i in range(enrolled)]
    facts = [
        *(b.mentor_enrolled(a, on="2024-04-01", role="ambassador") for a in people),
        *(b.mentor_withdrew(a, on="2024-12-15") for a in people[:withdrawn]),
        b.recruitment_target_set(target_active=10, assumed_dropout_rate=assumed),
    ]
    return [FactRecord(i, f) for i, f in enumerate(facts, start=1)]


@pytest.mark.parametrize("policy", ["nhs", "under10"])
def test_dropout_gap_and_recruitment_needed_hide_a_small_dropout(policy: str) -> None:
    # 1 of 5 withdrew: a gap of 0.00 next to an assumed 0.20 would give the observed rate away
    view = project_reach(_ambassadors(5, 1, "0.20"), ReachParams(as_of=date(2024, 12, 31)))
    disclosed = disclosed_as(view.figures, policy)
    at = f"partnership={b.P}"
    assert disclosed[f"reach.withdrawn/{at}/role=ambassador"].display == "*"
    assert view.value(f"reach.dropout_gap/{at}") == 0
    assert disclosed[f"reach.dropout_gap/{at}"].display == "*"
    assert disclosed[f"reach.recruitment_needed/basis=observed/{at}"].display == "*"
    # the planning numbers stand alone
    assert disclosed[f"reach.assumed_dropout_rate/{at}"].display == Decimal("0.20")
    assert disclosed[f"reach.recruitment_needed/basis=assumed/{at}"].display == 13
    assert disclosed[f"reach.target_active/{at}"].display == 10
    # with counts big enough to show, so are the gap and the recruitment needed
    big = project_reach(_ambassadors(40, 11, "0.20"), ReachParams(as_of=date(2024, 12, 31)))
    shown = disclosed_as(big.figures, policy)
    # from the counts as displayed, 10 of 40: 10/40 - 0.20 = 0.050 (not 11/40 - 0.20 = 0.075)
    assert shown[f"reach.dropout_gap/{at}"].display == Decimal("0.050")
    # ceil(10 / (1 - 10/40)) = 14 (11 of 40 would need ceil(10 / (29/40)) = 14 too)
    assert shown[f"reach.recruitment_needed/basis=observed/{at}"].display == 14


@pytest.mark.parametrize("policy", ["nhs", "under10"])
def test_contacts_per_registrant_hides_a_few_contacts(policy: str) -> None:
    # one registrant mentored Oct 2024 .. Sep 2025 (12 registrant-months), 3 contacts:
    # 0.25 contacts per registrant-month next to 12 months would give the 3 away
    facts = [b.mentor_enrolled(), b.registrant_enrolled(), b.matched(),
             *(b.contact(on=f"2024-{m}-08") for m in (10, 11, 12))]  # fmt: skip
    records = [FactRecord(i, f) for i, f in enumerate(facts, start=1)]
    view = project_reach(records, ReachParams(as_of=date(2025, 9, 30)))
    disclosed = disclosed_as(view.figures, policy)
    assert disclosed["reach.registrant_months"].display in (10, 12)
    assert disclosed["reach.contacts"].display == "*"
    assert view.value("reach.contacts_per_registrant") == Decimal("0.25")
    assert disclosed["reach.contacts_per_registrant"].display == "*"
    assert disclosed["reach.minutes_per_registrant"].display == "*"


def test_a_published_report_keeps_no_counts_in_parameters(tmp_path: Path) -> None:
    # as `report all --format json --disclosure nhs` writes it
    config = SyntheticConfig(cohorts=2, registrants_per_cohort=6, mentors=4, ambassadors=6,
                             events=4)  # fmt: skip
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.import_facts(generate(config))
        document = report_json(build_report(ledger, as_of=date(2025, 9, 30)))
    figures = {f["id"]: f for f in document["figures"]}
    assert not [(i, name) for i, f in figures.items() for name in f["derivation"]["parameters"]
                if PEOPLE_COUNT.search(name)]  # fmt: skip
    differences = [f for i, f in figures.items() if i.startswith("retention.rate_difference/")]
    assert differences
    for difference in differences:
        inputs = difference["derivation"]["inputs"]
        assert [i for i in inputs if i.startswith("retention.cohort_size/")]
        if any(figures[i]["suppressed"] for i in inputs):
            assert difference["display"] == "*"


# -- disclosure cannot be undone: every published rate fits many true counts ------------------
# (the searches over the demo report and over whole cohorts are in test_disclosure_holds.py)


def test_rates_from_displayed_counts_by_hand() -> None:
    # retained 47 of 56: under nhs shown 45 of 55, so R = 45/55 = 0.818 (not 47/56 = 0.839);
    # true (retained, eligible) pairs giving that display: any of 43..47 with 53..57 → 25
    figures = [figure("retained", 47, "count"), figure("eligible", 56, "count"),
               attrs.evolve(figure("rate", Decimal(47) / Decimal(56), "rate", "retained",
                                   "eligible"),
                            derivation=Derivation("retention.R_h", 2, {}, None, None, (),
                                                  inputs=("retained", "eligible")))]  # fmt: skip
    nhs = shown(figures, "nhs")
    assert (nhs["retained"], nhs["eligible"], nhs["rate"]) == (45, 55, Decimal("0.818"))
    assert shown(figures, "none")["rate"] == Decimal(47) / Decimal(56)
    by_id = {f.id: f for f in figures}
    assert consistent(by_id, "rate", "nhs", Decimal("0.818"), limit=100) == 25
    assert candidates(45, "nhs") == [43, 44, 45, 46, 47] and candidates(10, "nhs") == [8, 9, 10,
                                                                                        11, 12]


def _leaver_rate(leavers: int, average: Decimal, start: int, ended: int, end: int
                 ) -> list[Figure]:  # fmt: skip
    """A leaver rate over an average headcount, which rests on the headcounts at the start
    (less those whose follow-up ended in the period), those whose follow-up ended and the
    headcount at the end (version 2)."""
    def made(fid: str, value: Value, kind: str, formula: str, *inputs: str) -> Figure:
        return attrs.evolve(figure(fid, value, kind), derivation=Derivation(
            formula, 3, {}, None, None, (), inputs=inputs))  # fmt: skip

    return [made("leavers", leavers, "count", "retention.leavers"),
            made("start", start, "count", "retention.headcount_start"),
            made("ended", ended, "count", "retention.stability_censored"),
            made("end", end, "count", "retention.headcount_end"),
            made("average", average, "statistic", "retention.headcount_average", "start",
                 "ended", "end"),
            made("rate", leavers / average, "rate", "retention.leaver_rate", "leavers",
                 "average")]  # fmt: skip


def test_leaver_rate_from_displayed_leavers_and_average_headcount_by_hand() -> None:
    # 23 leavers over an average headcount of 141.6 (true rate 23 / 141.6 = 0.1624), of 131
    # in post at the start, 9 whose follow-up ended in the period and 142 at the end: under
    # nhs the average is the NHS average of the headcounts as displayed, (130 + 10 + 140) / 2
    # = 140.0, leavers 23 → 25, and the rate is 25 / 140 = 0.1786 → 0.179
    figures = _leaver_rate(23, Decimal("141.6"), 131, 9, 142)
    nhs = shown(figures, "nhs")
    assert (nhs["leavers"], nhs["average"], nhs["rate"]) == (25, Decimal("140.0"),
                                                             Decimal("0.179"))  # fmt: skip
    assert shown(figures, "none")["average"] == Decimal("141.6")
    assert consistent({f.id: f for f in figures}, "rate", "nhs", Decimal("0.179")) == 2
    # 6 in post at the start are suppressed, and the average and the rate with them; 9 at
    # the start and 10 at the end are shown as 10 and 10 under nhs (an average of 10.0),
    # the 9 suppressed under under10
    small = shown(_leaver_rate(2, Decimal("6.4"), 6, 0, 7), "nhs")
    assert (small["average"], small["rate"]) == ("*", "*")
    assert shown(_leaver_rate(20, Decimal("9.4"), 9, 0, 10), "nhs")["average"] == Decimal("10.0")
    assert shown(_leaver_rate(20, Decimal("9.4"), 9, 0, 10), "under10")["average"] == "*"


def test_an_estimate_with_no_formula_over_its_counts_is_not_shown() -> None:
    # a survival and a variance resting on a count, with no formula over it: under method 2
    # shown to 2 decimal places (0.82) or 2 significant digits, which can single out a count
    figures = [figure("n", 40, "count"), figure("s", 0.8173331, "statistic", "n"),
               figure("v", 0.000431, "statistic", "n"), figure("k", 14, "statistic", "n")]
    for policy in ("nhs", "under10"):
        assert {i: d for i, d in shown(figures, policy).items() if i != "n"} == {
            "s": "*", "v": "*", "k": "*"}
    assert shown(figures, "none")["v"] == 0.000431


def test_whether_a_leaver_rate_is_shown_follows_the_displayed_average() -> None:
    # 8 leavers over an average headcount of 9.4: below 10, so no rate from the true values;
    # but the average is shown as 10 under nhs (9 at the start and 10 at the end, both shown
    # as 10), and "no rate" would tell the reader it is below 10. The rule is applied to the
    # 10 shown: 10 / 10 = 1.000
    figures = [attrs.evolve(f, value=None) if f.id == "rate" else f
               for f in _leaver_rate(8, Decimal("9.4"), 9, 0, 10)]  # fmt: skip
    disclosed = {d.id: d for d in apply_disclosure(figures, "nhs")}
    assert (disclosed["average"].display, disclosed["rate"].display) == (Decimal("10.0"),
                                                                         Decimal("1.000"))
    assert "as displayed" in (disclosed["rate"].derivation.note or "")
    assert shown(figures, "none")["rate"] == "n/a"
    assert shown(figures, "under10")["rate"] == "*"  # 9 people: suppressed


def _followed(followed: int, leavers: int) -> list[Figure]:
    """People followed (the sum of leavers and censored, a relation it states), and the
    share who left."""
    total = figure("followed", followed, "count")
    stated = attrs.evolve(total.derivation, relations=(
        Relation("followed", ("leavers", "censored")),))  # fmt: skip
    return [attrs.evolve(total, derivation=stated), figure("leavers", leavers, "count"),
            figure("censored", followed - leavers, "count"),
            figure("share", Decimal(leavers) / followed, "rate", "leavers", "followed",
                   formula="retention.R_h")]  # fmt: skip


def test_a_count_that_would_give_suppressed_ones_away_is_suppressed_like_them() -> None:
    # under10: 18 followed, 9 left, 9 censored would show 20, * and *, and only 9 + 9 makes
    # 18-22. The 18 is shown as * too, flagged suppressed like the 9s (a reader cannot tell
    # which protects which), its note says nothing of it, and the share resting on it goes
    under10 = {d.id: d for d in apply_disclosure(_followed(18, 9), "under10")}
    assert [under10[i].display for i in ("followed", "leavers", "censored", "share")] == [
        "*", "*", "*", "*"]  # fmt: skip
    assert all(under10[i].suppressed for i in ("followed", "leavers", "censored"))
    assert under10["followed"].derivation.note is None
    # 12 followed, 5 and 7: 10 (10-12) from two counts of 1-9 leaves each any of 1-9
    assert shown(_followed(12, 5), "under10")["followed"] == 10
    # under nhs 18, 9, 9 show 20, 10 and 10: 18-22 of two counts of 8-12 leaves each 8-12 (6
    # to 14 within them), nothing to protect; under none all as computed
    assert [shown(_followed(18, 9), "nhs")[i] for i in ("followed", "leavers")] == [20, 10]
    assert shown(_followed(18, 9), "none")["followed"] == 18
