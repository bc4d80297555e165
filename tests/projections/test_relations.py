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
    "one pooled cohort": {"retention": {"cohorts": "all"}},
}


@pytest.fixture(scope="module")
def programme() -> Iterator[Ledger]:
    with Ledger(":memory:") as ledger:
        ledger.import_facts(generate(SyntheticConfig()))
        yield ledger


def holds(relation: Relation, figures: Mapping[str, Figure]) -> bool | None:
    """Whether the true values bear the relation out (None: a value is not available)."""
    values = [figures[i].value for i in (relation.total, *relation.parts)]
    if any(v is None for v in values):
        return None
    total, *parts = (Decimal(str(v)) for v in values)
    if relation.exact:
        return total == sum(parts)
    return total >= sum(parts) * (1 - Decimal("1e-12"))  # an effective number is a float


@pytest.mark.parametrize("options", sorted(OPTIONS))
def test_every_relation_holds_on_the_true_values(programme: Ledger, options: str) -> None:
    figures = dict(programme.views(as_of=AS_OF, params=OPTIONS[options]).by_id)
    held: Counter[str] = Counter()
    for figure in figures.values():
        for relation in figure.derivation.relations:
            assert relation.total == figure.id, relation  # stated by its total
            assert all(i in figures for i in relation.parts), relation
            found = holds(relation, figures)
            assert found is not False, relation
            held[metric_of(relation.total)] += found is True
    # every kind of relation was tried, and held, many times
    assert {m for m, n in held.items() if n >= 3} >= {
        "retention.cohort_size", "retention.km_subjects", "retention.km_events",
        "retention.eligible", "retention.all_leavers", "retention.stability_base",
        "retention.km_effective_n",
    }  # fmt: skip
