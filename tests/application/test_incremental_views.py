"""The law of incremental views: facts applied one at a time, or in random batches, with
corrections, voids and back-dated facts, give the same figures as a full rebuild and as
``build_views``, figure for figure (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacyledger import ImportRejected, Ledger
from legacyledger.views.store import PersistedViews, costs
from legacyledger.views.store.snapshots import write_snapshot
from tests import builders as b
from tests.application.test_correction_fold import fresh_location
from tests.conftest import require_postgres
from tests.strategies import HORIZON, amended_histories, day

AS_OF = date(2025, 9, 30)
FAMILIES = ("retention", "costs", "compliance", "reach")


@st.composite
def cost_facts(draw: st.DrawFn, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Facts that add to the cost groups, dated anywhere (often back-dated): costs (some
    booked to an event), funding, time logs (some spread over days, some booked to an event)."""
    partnership = facts[0]["partnership"]
    mentors = sorted({f["mentor"] for f in facts if f["fact"] == "MentorEnrolled"})
    events = sorted({f["event"] for f in facts if f["fact"] == "EventPlanned"})
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 12))):
        on = draw(st.integers(0, HORIZON))
        event = {"event": draw(st.sampled_from(events))} if events and draw(st.booleans()) else {}
        kind = draw(st.sampled_from(["cost", "funding", "log"] if mentors else ["cost"]))
        if kind == "cost":
            out.append(b.cost_incurred(partnership, on=day(on), source_ref=f"cost-{i}",
                                       amount=f"{draw(st.integers(0, 99999)) / 100:.2f}",
                                       category=draw(st.sampled_from(["administration",
                                                                      "delivery"])), **event))
        elif kind == "funding":
            out.append(b.funding_received(on=day(on), source_ref=f"fund-{i}",
                                          amount=f"{draw(st.integers(0, 99999))}.00"))
        else:
            spread = {"until": day(on + draw(st.integers(1, 45)))} if draw(st.booleans()) else {}
            out.append(b.time_logged(draw(st.sampled_from(mentors)), on=day(on),
                                     source_ref=f"log-{i}", hours=str(draw(st.integers(0, 9))),
                                     activity=draw(st.sampled_from(["admin", "one_to_one"])),
                                     category=draw(st.sampled_from(["administration",
                                                                    "delivery"])),
                                     **spread, **event))
    return out


def assert_law(ledger: Ledger, views: PersistedViews) -> None:
    for family in FAMILIES:
        reading = views.read(family, AS_OF)
        assert reading.current, family
        built = ledger.views(as_of=AS_OF, families=[family])
        assert reading.figures == built.figures, family
        assert [str(f.value) for f in reading.figures] == [str(f.value) for f in built.figures]
        for figure in built.figures[::7]:  # one by one, as explain reads them
            assert views.figure(figure.id, AS_OF) == figure


def test_a_cost_recorded_brings_every_view_current_without_folding_the_ledger(
    location: str,
) -> None:
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(b.programme())
        views.catch_up()
        views.refresh(AS_OF)
        ledger.record(b.cost_incurred(on="2024-12-01", source_ref="one-more"))
        views.catch_up()
        with patch.object(costs, "build", side_effect=AssertionError("folded")), \
                patch("legacyledger.views.store.build_views",
                      side_effect=AssertionError("folded")):
            assert views.refresh(AS_OF) == ["costs"]
        assert_law(ledger, views)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
@given(amended_histories(), st.data())
def test_facts_one_at_a_time_or_in_batches_equal_a_rebuild_and_build_views(
    store: str, history: tuple[list[dict[str, Any]], list[dict[str, Any]]], data: st.DataObject
) -> None:
    if store == "postgres":
        require_postgres()
    facts, amendments = history
    later = data.draw(cost_facts(facts))
    tail = data.draw(st.permutations([*amendments, *later]))
    head = data.draw(st.integers(0, len(facts)))
    compact = data.draw(st.booleans())  # write every figure again after each increment
    with fresh_location(store) as location, Ledger(location) as ledger, \
            PersistedViews(ledger) as views, \
            patch.object(costs, "COMPACT", 1 if compact else costs.COMPACT), \
            patch.object(costs, "COMPACT_FLOOR", 0 if compact else costs.COMPACT_FLOOR):
        ledger.import_facts(facts[:head] or facts[:1])
        views.catch_up()
        views.refresh(AS_OF)
        for fact in [*facts[max(head, 1):], *tail]:
            with contextlib.suppress(ImportRejected):
                ledger.import_facts([fact])
            if data.draw(st.booleans()):  # else: this fact is applied in a batch with later ones
                batch = data.draw(st.integers(1, 7))
                if data.draw(st.booleans()):  # as follow does: the last batch with the snapshots
                    views.update(AS_OF, batch=batch)
                else:
                    views.catch_up(batch=batch)
                    views.refresh(AS_OF)
        views.catch_up()
        views.refresh(AS_OF)
        assert_law(ledger, views)
        views.rebuild()
        assert_law(ledger, views)


def test_one_fact_brings_every_view_current_in_one_commit(location: str) -> None:
    """``update`` applies a few new facts to the current facts in the same transaction as
    the snapshots' move, reading them from the ledger once."""
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(b.programme())
        views.update(AS_OF)
        ledger.record(b.cost_incurred(on="2024-12-01", source_ref="one-more"))
        ledger.record(b.cost_incurred(on="2025-01-02", source_ref="two-more"))
        with patch.object(views.store, "write", wraps=views.store.write) as write, \
                patch.object(ledger, "records", wraps=ledger.records) as records:
            updated = views.update(AS_OF)
        assert updated == (ledger.head(), ["costs"])
        assert write.call_count == 1
        # (the frameworks recorded since are looked up by name, on their own)
        assert [c.kwargs for c in records.call_args_list if "names" not in c.kwargs] == [
            {"start": ledger.head() - 2, "stop": ledger.head(), "batch": 5000}]
        assert views.tracked() == ledger.head()
        assert_law(ledger, views)


def test_a_correction_recomputes_only_the_families_that_read_the_fact_it_reaches(
    location: str,
) -> None:
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        facts = b.programme()
        funding = next(f for f in facts if f["fact"] == "FundingReceived")
        outcome = b.outcome_measured(source_ref="outcome-1")
        ledger.import_facts([*facts, outcome])
        views.catch_up()
        views.refresh(AS_OF)
        ledger.record(b.corrected("outcome-1", {"score": "3.9"}, source_ref="fix-outcome"))
        views.catch_up()
        assert views.refresh(AS_OF) == ["compliance"]  # only compliance reads outcomes
        assert_law(ledger, views)
        ledger.record(b.voided("fix-outcome", source_ref="undo-fix-outcome"))
        views.catch_up()
        assert views.refresh(AS_OF) == ["compliance"]  # a void of it reaches the outcome too
        assert_law(ledger, views)
        ledger.record(b.corrected(funding["source_ref"], {"amount": "99.00"},
                                  source_ref="fix-funding"))
        views.catch_up()
        assert views.refresh(AS_OF) == ["costs"]
        assert_law(ledger, views)
        ledger.record(b.corrected("outcome-1", {"score": "4.0"}, source_ref="fix-outcome-2"))
        # the current facts not caught up: the ledger's own record names the target
        assert views.refresh(AS_OF) == ["compliance"]
        views.catch_up()
        views.refresh(AS_OF)
        assert_law(ledger, views)


def test_costs_booked_to_a_cancelled_event_through_increments_and_compactions(
    location: str,
) -> None:
    """A cancelled event's costs are a group of their own (its positions a stored part):
    increments name it, add to it, and a compaction writes it anew."""
    with Ledger(location) as ledger, PersistedViews(ledger) as views, \
            patch.object(costs, "COMPACT", 1), patch.object(costs, "COMPACT_FLOOR", 0):
        ledger.import_facts([*b.programme()[:9], b.event_planned("EV-9", on="2024-09-01"),
                             b.cancelled("EV-9", on="2024-11-01"),
                             b.cost_incurred(on="2024-10-20", event="EV-9", source_ref="c-0")])
        views.catch_up()
        views.refresh(AS_OF)
        for i, on in enumerate(["2024-10-21", "2024-12-02", "2024-10-22", "2025-01-05"]):
            event = {"event": "EV-9"} if i % 2 == 0 else {}
            ledger.record(b.cost_incurred(on=on, source_ref=f"c-{i + 1}", **event))
            ledger.record(b.time_logged(on=on, source_ref=f"t-{i + 1}", **event))
            views.catch_up()
            assert views.refresh(AS_OF) == ["costs", "compliance", "reach"]
            assert_law(ledger, views)


def test_groups_left_behind_by_a_writer_that_knew_none_are_not_added_to(location: str) -> None:
    """A costs snapshot moved without its groups (by a version of the library that kept
    none): the next refresh builds them again rather than adding to the stale ones."""
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(b.programme())
        views.catch_up()
        views.refresh(AS_OF)
        old = views.read("costs", AS_OF).position
        ledger.record(b.cost_incurred(on="2024-12-01", source_ref="unseen-by-groups"))
        figures = ledger.views(as_of=AS_OF, families=["costs"]).figures
        assert write_snapshot(views.store, "costs", AS_OF, AS_OF, None, old, ledger.head(),
                              figures, ledger.chain_link(ledger.head()))
        ledger.record(b.cost_incurred(on="2024-12-02", source_ref="after-it"))
        views.catch_up()
        views.refresh(AS_OF)
        assert_law(ledger, views)
