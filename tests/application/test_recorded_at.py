"""``recorded_at`` is the commit time: stamped under the write lock, never decreasing with
position, so ``--known-at <datetime>`` (``Ledger.position_at``) is monotone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacyledger import Ledger
from legacyledger.domain import Registrant
from legacyledger.persistence.clock import search_position
from tests.builders import (
    contact,
    corrected,
    matched,
    mentor_enrolled,
    partnership_formed,
    registrant_enrolled,
    voided,
)
from tests.sync import HUNG

BASE = [partnership_formed(), mentor_enrolled(), registrant_enrolled(), matched()]


def stamps(ledger: Ledger) -> list[tuple[int, datetime]]:
    return [
        (r.position, datetime.fromisoformat(r.fact["recorded_at"])) for r in ledger.records()
    ]


def assert_monotone_and_searchable(ledger: Ledger) -> None:
    recorded = stamps(ledger)
    assert [t for _, t in recorded] == sorted(t for _, t in recorded)
    for _, moment in recorded:
        expected = max(p for p, t in recorded if t <= moment)
        assert ledger.position_at(moment) == expected
        assert ledger.position_at(moment - timedelta(microseconds=1)) == max(
            (p for p, t in recorded if t < moment), default=0
        )
    assert ledger.verify_chain().ok


def contacts(writer: str, count: int) -> list[dict[str, object]]:
    return [
        contact(on=f"2024-11-{1 + i % 28:02d}", minutes=30, source_ref=f"{writer}.{i}")
        for i in range(count)
    ]


@pytest.mark.concurrency
def test_an_import_planned_first_but_committed_last_is_stamped_last(location: str) -> None:
    """Writer A plans its import, commits one batch and waits; writer B plans and commits
    facts on other subjects (no conflict, so A does not plan again); then A commits the
    rest. A's last facts, planned before B's, sit at later positions, so they must carry
    later (or equal) stamps."""
    with Ledger(location) as ledger:
        ledger.import_facts(BASE)
    others = [registrant_enrolled(f"R-{i}", source_ref=f"b.{i}") for i in range(2, 5)]
    a_paused, b_done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def pause_after_first_batch(phase: str, done: int, total: int) -> None:
        if phase == "written" and done == 2:
            a_paused.set()
            assert b_done.wait(HUNG)

    def writer_a() -> None:
        try:
            with Ledger(location, batch_size=2) as a:
                a.import_facts(contacts("a", 6), pause_after_first_batch)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            a_paused.set()

    thread = threading.Thread(target=writer_a)
    thread.start()
    try:
        assert a_paused.wait(HUNG)
        with Ledger(location) as b:
            b.import_facts(others)
    finally:
        b_done.set()
        thread.join(HUNG)
    assert not thread.is_alive() and not failures, failures
    with Ledger(location) as ledger:
        refs = [r.fact["source_ref"] for r in ledger.records()][len(BASE) :]
        assert refs[:2] == ["a.0", "a.1"] and refs[2:5] == ["b.2", "b.3", "b.4"]
        assert_monotone_and_searchable(ledger)


@pytest.mark.concurrency
def test_two_writers_at_once_stamp_in_position_order(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_facts(BASE)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with Ledger(location, batch_size=3) as ledger:
                start.wait(HUNG)
                for round_ in range(4):
                    ledger.import_facts(contacts(f"{name}{round_}", 6))
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in "xy"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HUNG)
        assert not thread.is_alive(), "hung: a writer never finished"
    assert not failures, failures
    with Ledger(location) as ledger:
        assert ledger.count() == len(BASE) + 48
        assert_monotone_and_searchable(ledger)


def backwards(*moments: datetime) -> Iterator[datetime]:
    yield from moments


def test_a_clock_that_steps_back_never_stamps_earlier(location: str) -> None:
    later, earlier = datetime(2030, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
    times = backwards(later, earlier, earlier + timedelta(days=1), later + timedelta(days=1))
    with Ledger(location, batch_size=2) as ledger:
        ledger.app.recorder.clock = lambda: next(times)  # type: ignore[attr-defined]
        ledger.import_facts(BASE)  # two batches: 2030, then 2020 -> 2030
        ledger.import_facts(contacts("c", 1))  # 2020-01-02 -> 2030
        ledger.import_facts(contacts("d", 1))  # 2030-01-02
        assert [t for _, t in stamps(ledger)] == [later] * 5 + [later + timedelta(days=1)]
        assert ledger.position_at(later) == 5
        assert ledger.position_at(earlier) == 0
        assert_monotone_and_searchable(ledger)


def test_subjects_kept_between_imports_carry_the_stored_stamps(location: str) -> None:
    moments = iter(datetime(2031, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(10))
    with Ledger(location, batch_size=2) as ledger:
        ledger.app.recorder.clock = lambda: next(moments)  # type: ignore[attr-defined]
        ledger.import_facts(BASE)
        ledger.import_facts(contacts("k", 3))
        ident = Registrant.id_for("R-1")
        kept = ledger.subjects[ident]
        stored = ledger.app.repository.get(ident)
        assert (kept.created_on, kept.modified_on) == (stored.created_on, stored.modified_on)
        assert kept.modified_on == datetime(2031, 1, 1, 3, tzinfo=UTC)
        stored.compact()  # what an import keeps: the state, not every fact
        assert vars(kept) == vars(stored)


def test_corrections_and_voids_are_stamped_like_any_fact(location: str) -> None:
    moments = iter(datetime(2031, 1, 1, tzinfo=UTC) - timedelta(hours=h) for h in range(10))
    with Ledger(location) as ledger:
        ledger.import_facts([*BASE, contact(source_ref="c-1")])
        ledger.app.recorder.clock = lambda: next(moments)  # type: ignore[attr-defined]
        ledger.import_facts([corrected("c-1", {"minutes": 45}, source_ref="fix-1")])
        ledger.import_facts([voided("fix-1")])
        assert [t for _, t in stamps(ledger)][-2:] == [datetime(2031, 1, 1, tzinfo=UTC)] * 2
        assert_monotone_and_searchable(ledger)


@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 2)), max_size=40),
       st.integers(-1, 60))
def test_bisection_finds_the_last_position_stamped_by_then(
    steps: list[tuple[int, int]], at: int
) -> None:
    """Over positions with gaps and equal stamps, as a scan would."""
    rows, position, stamp = [], 0, 0
    for gap, tick in steps:
        position, stamp = position + gap, stamp + tick
        rows.append((position, stamp))

    def first_from(p: int) -> tuple[int, int] | None:
        return next((row for row in rows if row[0] >= p), None)

    expected = max((p for p, s in rows if s <= at), default=0)
    assert search_position(first_from, position, at) == expected  # type: ignore[arg-type]
