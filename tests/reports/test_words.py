"""A figure in words: the sum its numbers bear out, with its counts, and its facts by type."""

from __future__ import annotations

from decimal import Decimal

from legacyledger.projections.base import Derivation, FactRecord, Figure
from legacyledger.reports.words import SUPPRESSED_WHY, in_words


def figure(fid: str, value: object, unit: str, kind: str, inputs: tuple[str, ...] = (),
           label: str = "") -> Figure:  # fmt: skip
    derivation = Derivation("f", 1, {}, None, None, (), inputs=inputs)
    return Figure(fid, value, unit, derivation, label, kind)  # type: ignore[arg-type]


RETAINED = figure("retention.retained/cohort=2024-25/h=12", 145, "people", "count")
ELIGIBLE = figure("retention.eligible/cohort=2024-25/h=12", 165, "people", "count")
RATE = figure("retention.rate/cohort=2024-25/h=12", Decimal(145) / Decimal(165), "ratio", "rate",
              (RETAINED.id, ELIGIBLE.id), "retained at h months (R_h)")  # fmt: skip
FIGURES = {f.id: f for f in (RETAINED, ELIGIBLE, RATE)}


def test_a_rate_is_said_as_its_counts() -> None:
    assert in_words(RATE, FIGURES, []).sum == (
        "retained at 12 months (R_h) = 87.9% = 145 retained ÷ 165 eligible")


def test_a_count_is_said_with_its_facts_by_type() -> None:
    names = ("RegistrantEnrolled", "RegistrantLeft", "RegistrantEnrolled")
    facts = [FactRecord(n, {"fact": name}) for n, name in enumerate(names, start=1)]
    words = in_words(RETAINED, FIGURES, facts)
    assert list(words.lines()) == [
        "retained = 145 people, counted from the facts it rests on",
        "Made from 3 facts:",
        "       2  RegistrantEnrolled",
        "       1  RegistrantLeft",
    ]


def test_money_per_unit_reads_as_pounds_per_thing() -> None:
    total = figure("costs.total/category=delivery/period=2024-25", Decimal("1492.05"), "GBP",
                   "money")  # fmt: skip
    events = figure("costs.events_delivered/period=2024-25", 5, "event", "count")
    per = figure("costs.per_event_delivered/period=2024-25", Decimal("1492.05") / 5,
                 "GBP/event", "rate", (events.id, total.id))  # fmt: skip
    said = in_words(per, {f.id: f for f in (total, events, per)}, []).sum
    assert said == ("per event delivered = £298.41 per event = £1,492.05 total (delivery) ÷ "
                    "5 events delivered")


def test_a_difference_of_shares_is_said_as_one() -> None:
    mentored = figure("r.rate/group=mentored", Decimal("0.95"), "ratio", "rate")
    comparator = figure("r.rate/group=comparator", Decimal("0.8"), "ratio", "rate")
    gap = figure("r.rate_difference", Decimal("0.15"), "probability", "statistic",
                 (mentored.id, comparator.id))  # fmt: skip
    said = in_words(gap, {f.id: f for f in (mentored, comparator, gap)}, []).sum
    assert said == "rate difference = 15.0% = 95.0% rate (mentored) \u2212 80.0% rate (comparator)"


def test_a_chance_quotient_of_one_is_not_said() -> None:
    """Survival 1.0 with 2 subjects and 2 censored is not 2 ÷ 2: only the declared first two
    inputs may be taken as the sum of a 0 or a 1."""
    subjects, events, censored = (figure(f"km.{n}", v, "people", "count")
                                  for n, v in (("subjects", 2), ("events", 0), ("censored", 2)))
    survival = figure("km.survival", 1.0, "probability", "statistic",
                      (subjects.id, events.id, censored.id))  # fmt: skip
    said = in_words(survival, {f.id: f for f in (subjects, events, censored, survival)}, []).sum
    assert said == "survival = 100.0%, from 2 subjects, 0 events, 2 censored"


def test_a_suppressed_figure_says_nothing_of_its_parts() -> None:
    small = {f.id: f for f in (
        figure(RETAINED.id, 3, "people", "count"), figure(ELIGIBLE.id, 4, "people", "count"),
        figure(RATE.id, Decimal("0.75"), "ratio", "rate", (RETAINED.id, ELIGIBLE.id)))}
    said = in_words(small[RATE.id], small, [], policy="nhs").sum
    assert said == f"rate = * ({SUPPRESSED_WHY})"
    unhidden = in_words(small[RATE.id], small, [], policy="none").sum
    assert unhidden == "rate = 75.0% = 3 retained ÷ 4 eligible"
