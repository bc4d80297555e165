"""Laws over generated valid histories: reload invariance, round trip, all-or-nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacyledger import ImportRejected, Ledger
from tests.builders import Domain, state
from tests.strategies import histories, invalid_facts

KIND = {"Partnership": "partnership", "Mentor": "mentor", "Registrant": "registrant",
        "ProgrammeEvent": "event"}


@given(histories())
def test_a_reloaded_ledger_rebuilds_the_aggregates_the_domain_builds(
    facts: list[dict[str, Any]],
) -> None:
    domain = Domain(facts)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.db"
        with Ledger(path) as ledger:
            assert ledger.import_facts(facts).recorded == len(facts)
            live = {k: state(ledger.subject(KIND[c.__name__], k)) for c, k in domain.subjects}
        with Ledger(path) as reopened:
            assert reopened.count() == len(facts)
            for (cls, key), subject in domain.subjects.items():
                reloaded = state(reopened.subject(KIND[cls.__name__], key))
                assert reloaded == state(subject), (cls.__name__, key)
                assert reloaded == live[key]


@given(histories())
def test_export_import_export_round_trips(facts: list[dict[str, Any]]) -> None:
    with Ledger(":memory:") as first, Ledger(":memory:") as second:
        first.import_facts(facts)
        exported = b"".join(first.export_lines())
        assert second.import_facts(exported.splitlines()).recorded == len(facts)
        assert b"".join(second.export_lines()) == exported
        assert [orjson.loads(line)["source_ref"] for line in exported.splitlines()] == [
            f["source_ref"] for f in facts
        ]


@given(st.data())
def test_an_invalid_fact_after_a_valid_history_is_rejected_and_nothing_is_written(
    data: st.DataObject,
) -> None:
    facts = data.draw(histories(max_registrants=2, max_events=1), label="history")
    bad, field = data.draw(invalid_facts(facts), label="invalid fact")
    with Ledger(":memory:") as ledger:
        ledger.import_facts(facts)
        before = (ledger.count(), ledger.head())
        with pytest.raises(ImportRejected) as caught:
            ledger.import_facts([*facts, bad])
        assert (ledger.count(), ledger.head()) == before
    (error,) = caught.value.errors
    assert (error.line, error.fact, error.field) == (len(facts) + 1, bad["fact"], field)
