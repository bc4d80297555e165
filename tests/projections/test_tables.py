"""The shared settling pass equals ``EffectiveFacts``, and lazily merged positions read as
the sorted tuples they stand for."""

from __future__ import annotations

import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legacyledger.projections.base import (
    Derivation,
    EffectiveFacts,
    FactRecord,
    PositionSet,
)
from legacyledger.projections.tables import FIELDS, EffectiveTables, FactRows, FactView
from tests.projections import golden
from tests.projections.test_costs_state import histories


def _plain(value: Any) -> Any:
    return tuple(_plain(v) for v in value) if isinstance(value, list) else value


def _effective(records: list[FactRecord]) -> dict[str, list[tuple[Any, ...]]]:
    wanted = [r for r in records if r.fact["fact"] in FIELDS or "target" in r.fact]
    out: dict[str, list[tuple[Any, ...]]] = {}
    for f in EffectiveFacts().extend(wanted):
        fields = {k: _plain(f.fact.get(k)) for k in ("on", *FIELDS[f.name])}
        out.setdefault(f.name, []).append((f.position, f.positions, fields, f.source_ref))
    return out


def _settled(records: list[FactRecord]) -> tuple[dict[str, list[tuple[Any, ...]]], EffectiveTables]:
    settled = EffectiveTables.of(records)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name, table in settled.tables.items():
        for row in range(len(table)):
            view = FactView(table, row)
            fields = {k: table.value(row, k) for k in table.fields}
            out.setdefault(name, []).append(
                (view.position, view.positions, fields, view.source_ref)
            )
    return out, settled


def _check(records: list[FactRecord]) -> None:
    found, settled = _settled(records)
    assert found == _effective(records)
    reference = EffectiveFacts().extend(
        r for r in records if r.fact["fact"] in FIELDS or "target" in r.fact
    )
    assert {ref: v[2] for ref, v in settled.voided.items()} == reference.voided


@settings(max_examples=60, deadline=None)
@given(histories())
def test_settling_equals_effective_facts(records: list[FactRecord]) -> None:
    _check(records)


def test_settling_the_golden_ledger_equals_effective_facts() -> None:
    records = golden.records()
    _check(records)
    _check(records[:3000])


def test_fact_views_and_rows_read_like_effective_facts() -> None:
    records = golden.records()
    settled = EffectiveTables.of(records)
    reference = {f.source_ref: f for f in EffectiveFacts().extend(records)}
    table = settled.table("MentoringContactRecorded")
    rows = FactRows(table, range(0, len(table), 7))
    for view in rows:
        fact = reference[view.source_ref]
        assert (view.position, view.positions, view.name) == (
            fact.position,
            fact.positions,
            fact.name,
        )
        assert view["registrant"] == fact.fact["registrant"] and view.get("nothing", 5) == 5
        assert view.fact == {k: v for k, v in fact.fact.items() if k in view.fact}
    assert rows.values("on") == [reference[v.source_ref].fact["on"] for v in rows]
    assert list(rows.originals()) == [v.position for v in rows]


@given(st.lists(st.lists(st.integers(1, 60), max_size=8), max_size=6), st.booleans())
def test_a_position_set_reads_as_the_sorted_distinct_union(
    parts: list[list[int]], nest: bool
) -> None:
    more = {3: (3, 61, 70), 10: (10, 64)}
    inner = PositionSet(parts[:2])
    positions = PositionSet((inner, *parts[2:]) if nest else parts, more)
    raw = {p for part in parts for p in part}
    expected = tuple(sorted(raw | {q for p in raw & more.keys() for q in more[p]}))
    assert tuple(positions) == expected == positions.positions()
    assert len(positions) == len(expected) and bool(positions) == bool(expected)
    assert positions == expected and positions == list(expected) and expected == positions
    assert all(p in positions for p in expected) and 0 not in positions
    if expected:
        assert positions[0] == expected[0] and positions[-1] == expected[-1]
    assert pickle.loads(pickle.dumps(positions)) == expected


def test_a_derivation_reads_its_positions_as_a_tuple_whatever_it_was_given() -> None:
    lazy = Derivation("f", 1, {}, None, None, PositionSet(([3, 1], (2, 3))))
    plain = Derivation("f", 1, {}, None, None, (1, 2, 3))
    assert lazy.contributing == (1, 2, 3) and type(lazy.contributing) is tuple
    assert lazy == plain and attrs.evolve(lazy, known_at=7).contributing == (1, 2, 3)
    assert attrs.evolve(lazy, known_at=7) == attrs.evolve(plain, known_at=7)
    assert lazy.with_known_at(9).known_at == 9
    assert pickle.loads(pickle.dumps(lazy)) == plain
    assert Derivation("f", 1, {}, None, None, contributing=(1,)) != plain


def test_a_kept_field_the_fact_does_not_declare_is_an_error_at_import() -> None:
    from legacyledger.domain import Mentor
    from legacyledger.projections.tables import KEPT, _checked

    assert _checked(KEPT) == FIELDS
    with pytest.raises(TypeError, match="MentorTimeLogged has no field hour"):
        _checked({Mentor.TimeLogged: ("mentor", "hour")})
