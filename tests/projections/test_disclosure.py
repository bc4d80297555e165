"""Disclosure control (figures.md §5) over hand-made figures and a real retention view."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from legacyledger.projections.base import Derivation, FactRecord, Figure, Value
from legacyledger.projections.disclosure import apply_disclosure, show_count
from legacyledger.projections.retention import RetentionParams, project_retention


def figure(fid: str, value: Value, kind: str | None, *inputs: str, unit: str = "people") -> Figure:
    derivation = Derivation("test", 1, {}, date(2025, 3, 31), None, (), inputs=inputs)
    return Figure(fid, value, unit, derivation, kind=kind)


def shown(figures: list[Figure], policy: str) -> dict[str, Any]:
    return {d.id: d.display for d in apply_disclosure(figures, policy)}


@pytest.mark.parametrize(
    ("count", "nhs", "under10"),
    [(0, 0, 0), (1, "*", "*"), (7, "*", "*"), (8, 10, "*"), (9, 10, "*"), (10, 10, 10),
     (12, 10, 12), (13, 15, 13), (102, 100, 102), (103, 105, 103)],
)  # fmt: skip
def test_counts_are_suppressed_or_rounded_to_five(count: int, nhs: Any, under10: Any) -> None:
    assert show_count(count, "nhs") == nhs
    assert show_count(count, "under10") == under10
    assert show_count(count, "none") == count


def test_a_rate_with_a_suppressed_part_is_suppressed() -> None:
    figures = [
        figure("retained", 6, "count"),
        figure("eligible", 40, "count"),
        figure("rate", Decimal("0.15"), "rate", "retained", "eligible"),
        figure("big_retained", 30, "count"),
        figure("big_rate", Decimal("0.75"), "rate", "big_retained", "eligible"),
        figure("diff", Decimal("0.6"), "statistic", "big_rate", "rate"),
        figure("orphan_rate", Decimal("0.5"), "rate", "missing"),
    ]
    nhs = shown(figures, "nhs")
    assert (nhs["retained"], nhs["eligible"], nhs["rate"]) == ("*", 40, "*")
    # parts shown rounded, the rate computed from the unrounded values (30 / 40)
    assert (nhs["big_retained"], nhs["big_rate"]) == (30, Decimal("0.75"))
    assert nhs["diff"] == "*"  # computed from a suppressed rate
    assert nhs["orphan_rate"] == "*"  # a part that cannot be checked is not shown
    assert shown(figures, "none")["rate"] == Decimal("0.15")


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
