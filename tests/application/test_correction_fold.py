"""One correction fold, one answer: over random histories with corrections, voids, voids of
corrections and refused amendments, the aggregates' effective facts, the projections' folds
and the persisted current facts (SQLite, and PostgreSQL when reachable) agree field for field
and position for position."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacyledger import ImportRejected, Ledger
from legacyledger.domain.corrections import EffectiveFact
from legacyledger.persistence import fact_of
from legacyledger.projections.base import effective_facts
from legacyledger.projections.current import FactStore
from legacyledger.projections.tables import FIELDS, EffectiveTables, FactView
from legacyledger.views.store import PersistedViews
from legacyledger.views.store.rows import read_current_facts
from tests.conftest import PG_DSN, require_postgres
from tests.strategies import amended_histories, subjects

Facts = dict[str, EffectiveFact]


@contextlib.contextmanager
def fresh_location(store: str) -> Iterator[str]:
    """A new, empty ledger location for one example."""
    if store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield str(Path(folder) / "ledger.db")
        return
    import psycopg

    schema = f"ll_fold_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{PG_DSN}?schema={schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def without_envelope(fact: Any) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k != "recorded_at"}


Standing = dict[str, tuple[int, dict[str, Any]]]


def aggregates(ledger: Ledger, facts: list[dict[str, Any]]) -> Standing:
    """Every subject's effective facts, as (original position, interchange fields)."""
    found: Standing = {}
    for kind, keys in subjects(facts).items():
        for key in keys:
            position = {r.fact["source_ref"]: r.position for r in ledger.history(kind, key)}
            for ref, event in ledger.subject(kind, key).facts.items():
                found[ref] = (position[ref], fact_of(event))
    return found


def fact_store(ledger: Ledger) -> Facts:
    store = FactStore(FIELDS)
    for record in ledger.records():
        (store.correct if "target" in record.fact else store.put)(record)
    return {fact.source_ref: fact for name in FIELDS for fact in store.of(name)}


def settled(ledger: Ledger) -> dict[str, tuple[int, tuple[int, ...], dict[str, Any]]]:
    tables = EffectiveTables.of(ledger.records()).tables.values()
    views = [FactView(table, row) for table in tables for row in range(len(table))]
    return {v.source_ref: (v.position, v.positions, v.table.fields_at(v.row)) for v in views}


def check(ledger: Ledger, views: PersistedViews, facts: list[dict[str, Any]]) -> None:
    folded = {f.source_ref: f for f in effective_facts(ledger.records())}
    with views.store.read() as cur:
        persisted = read_current_facts(views.store, cur)
    assert persisted.keys() == folded.keys()
    for ref, fact in folded.items():
        row = persisted[ref]
        assert (row.position, row.positions, dict(row.fact)) == (
            fact.position, fact.positions, dict(fact.fact)), ref
    assert [f.source_ref for f in effective_facts(ledger.records())] == sorted(
        folded, key=lambda ref: folded[ref].position)
    standing = aggregates(ledger, facts)
    assert standing.keys() == {r for r, f in folded.items() if "target" not in f.fact}
    for ref, (position, fields) in standing.items():
        assert (position, fields) == (folded[ref].position, without_envelope(folded[ref].fact))
    for ref, fact in fact_store(ledger).items():
        assert fact == folded[ref], ref
    for ref, (position, positions, fields) in settled(ledger).items():
        fact = folded[ref]
        assert (position, positions) == (fact.position, fact.positions), ref
        assert fields == {k: _plain(fact.fact.get(k)) for k in fields}, ref


def _plain(value: Any) -> Any:
    return tuple(_plain(v) for v in value) if isinstance(value, list) else value


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
@given(amended_histories(), st.data())
def test_aggregates_projections_and_persisted_views_fold_corrections_alike(
    store: str, history: tuple[list[dict[str, Any]], list[dict[str, Any]]], data: st.DataObject
) -> None:
    if store == "postgres":
        require_postgres()
    facts, amendments = history
    with fresh_location(store) as location, Ledger(location) as ledger, \
            PersistedViews(ledger) as views:
        ledger.import_facts(facts)
        for amendment in amendments:
            with contextlib.suppress(ImportRejected):
                ledger.import_facts([amendment])
            if data.draw(st.booleans()):
                views.catch_up(batch=data.draw(st.integers(1, 7)))
        views.catch_up(batch=data.draw(st.integers(1, 7)))
        check(ledger, views, facts)
