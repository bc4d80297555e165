"""The relations a report states between its counts (figures.md §5): which counts add up, for
disclosure control to audit. Each must hold on the true values: a relation that does not
would have the audit guard against a sum no reader can make, and one left unstated a sum a
reader can."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from legacyledger import Ledger
from legacyledger.projections.base import Figure, Relation
from legacyledger.projections.figures import metric_of
from legacyledger.synthetic import SyntheticConfig, generate

AS_OF = date(2026, 3, 31)
OPTIONS: dict[str, Mapping[str, Mapping[str, Any]]] = {
    "defaults": {},
    "by profession": {"retention": {"by": ["profession"]}},
    "one pooled cohort, growth, doses by month": {
        "retention": {"cohorts": "all"},
        "reach": {"growth_from": date(2024, 4, 1), "dose_by_month": True},
        "costs": {"unit_grains": ["month", "quarter", "fy"]},
    },
}


@pytest.fixture(scope="module")
def programme() -> Iterator[Ledger]:
    with Ledger(":memory:") as ledger:
        ledger.import_facts(generate(SyntheticConfig()))
        yield ledger


def holds(relation: Relation, figures: Mapping[str, Figure]) -> bool | None:
    """Whether the true values bear the relation out (None: a value is not available)."""
    values = [figures[i].value for i, _ in relation.terms]
    if any(v is None for v in values):
        return None
    signed = sum(a * Decimal(str(v)) for (_, a), v in zip(relation.terms, values, strict=True))
    if relation.exact:
        return signed == 0
    return signed >= -Decimal("1e-9")  # an effective number is a float


@pytest.mark.parametrize("options", sorted(OPTIONS))
def test_every_relation_holds_on_the_true_values(programme: Ledger, options: str) -> None:
    figures = dict(programme.views(as_of=AS_OF, params=OPTIONS[options]).by_id)
    held: Counter[str] = Counter()
    for figure in figures.values():
        for relation in figure.derivation.relations:
            assert relation.total == figure.id, relation  # stated by its total
            assert all(i in figures for i, _ in relation.terms), relation
            found = holds(relation, figures)
            assert found is not False, relation
            held[metric_of(relation.total)] += found is True
    # every kind of relation was tried, and held
    assert {m for m, n in held.items() if n} >= {
        "retention.cohort_size", "retention.km_subjects", "retention.km_events",
        "retention.eligible", "retention.all_leavers", "retention.stability_base",
        "retention.km_effective_n", "reach.events_planned", "reach.events_delivered",
        "reach.audience_reached", "reach.feedback_answers", "reach.feedback_agreeing",
        "reach.enrolled", "reach.registered", "reach.active", "reach.contacts",
        "reach.first_contact_in_time_eligible", "costs.events_delivered",
        "costs.registrants_supported", "compliance.population",
    }  # fmt: skip
    if "growth" in options:  # registered then + joined - left = registered now; months
        assert held["reach.registered"] > held["reach.enrolled"]
        assert {"reach.joined", "reach.left"} <= set(held)
