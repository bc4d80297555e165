"""Regression: the projections give exactly the figures they gave before the performance work.

``golden.py`` builds a mid-size synthetic ledger with awkward corrections mixed in and digests
every view (each figure's value with its type and spelling, derivation and contributing
positions; restatements; compliance evidence; retention rows). The stored digests were
captured from the original projections. A second test checks that ``build_views`` (one
shared read feeding every family) equals each family's ``project_x`` over the same records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from legacyledger import Ledger
from legacyledger.projections.costs import CostParams, restatements
from legacyledger.views import FAMILIES, build_views
from tests.projections import golden


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    return golden.compute()


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    return golden.stored()


def test_the_golden_ledger_is_the_one_the_digests_were_taken_from(
    found: dict[str, Any], stored: dict[str, Any]
) -> None:
    assert found["records"] == stored["records"]
    assert set(found) == set(stored)


@pytest.mark.parametrize("scenario", sorted(golden.scenarios()))
def test_every_figure_is_unchanged(
    found: dict[str, Any], stored: dict[str, Any], scenario: str
) -> None:
    now, then = found[scenario]["figures"], stored[scenario]["figures"]
    assert sorted(set(now) ^ set(then)) == [], "the same figure ids"
    changed = sorted(i for i in now if now[i] != then[i])
    assert changed == [], f"{len(changed)} figures changed, e.g. {changed[:5]}"
    assert found[scenario]["extra"] == stored[scenario]["extra"], "rows beside the figures"


def _figures(view: Any) -> dict[str, str]:
    return {f.id: golden.figure_text(f) for f in view.figures}


def test_one_shared_read_equals_each_family_folded_alone(memory_ledger: Ledger) -> None:
    from legacyledger.synthetic import SyntheticConfig, generate

    memory_ledger.import_facts(
        generate(
            SyntheticConfig(
                cohorts=2, registrants_per_cohort=24, mentors=8, ambassadors=12, events=10
            )
        )
    )
    as_of = date(2025, 9, 30)
    known_at = memory_ledger.head() * 3 // 4
    for cut in (known_at, memory_ledger.head()):
        views = build_views(memory_ledger, as_of, cut)
        # restatements are worked out when first read, by replaying the ledger to ``cut``
        params = CostParams(as_of=as_of)
        assert views["costs"].restatements == restatements(memory_ledger.records(stop=cut), params)
        for name, family in FAMILIES.items():
            params = family.params(as_of, memory_ledger, cut)
            alone = family.project(memory_ledger.records(stop=cut), params)
            assert _figures(views[name]) == _figures(alone), name
            assert {f.id for f in views.figures if f.id.startswith(name + ".")} == set(
                _figures(alone)
            )
