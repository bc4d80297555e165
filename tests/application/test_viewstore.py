"""Persisted views: batched catch-up equals a rebuild, exactly once, resumes after SIGKILL,
swaps blue/green under readers, and keeps up with concurrent writers (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from legacyledger import Ledger
from legacyledger.projections.base import EffectiveFact, effective_facts
from legacyledger.views.store import PersistedViews
from legacyledger.views.store.backends import Store
from legacyledger.views.store.rows import read_current_facts, rows_of
from legacyledger.views.store.snapshots import write_snapshot
from tests.builders import (
    contact,
    corrected,
    cost_incurred,
    left,
    matched,
    programme,
    registrant_enrolled,
    voided,
)
from tests.sync import HUNG, lines_of, release_together, until

AS_OF = date(2026, 3, 31)
FAMILIES = ("retention", "costs", "compliance", "reach")
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
CLI = "import sys; from legacyledger_cli import main; sys.exit(main())"


def current_rows(views: PersistedViews) -> dict[str, EffectiveFact]:
    with views.store.read() as cur:
        return read_current_facts(views.store, cur)


def expected_rows(ledger: Ledger, stop: int | None = None) -> dict[str, EffectiveFact]:
    return rows_of(effective_facts(ledger.records(stop=stop)))


def assert_equals_rebuild(ledger: Ledger, views: PersistedViews) -> None:
    """current_facts equals a fresh fold, every figure snapshot equals Ledger.views."""
    assert views.tracked() == ledger.head()
    assert current_rows(views) == expected_rows(ledger)
    for family in FAMILIES:
        reading = views.read(family, AS_OF)
        assert reading.current, (family, reading.position, ledger.head())
        assert reading.position == ledger.head()
        built = ledger.views(as_of=AS_OF, families=[family])
        assert reading.figures == built.figures, family


def more_facts() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A history, and a second instalment with a correction, a void of a correction, a void
    of a plain fact and a correction of a fact corrected before."""
    first = programme()
    second_contact = contact(on="2024-11-05", minutes=40)
    fix = corrected(second_contact["source_ref"], {"minutes": 50})
    later = [
        registrant_enrolled("R-2"), matched("R-2"), second_contact,
        contact(on="2024-11-12", minutes=20, source_ref="to-void"), fix,
        corrected(fix["target"], {"minutes": 55}, source_ref="fix-2"),
        voided("fix-2", source_ref="undo-fix-2"),
        voided("to-void", source_ref="void-plain"),
        corrected(first[12]["source_ref"], {"minutes": 70}),  # programme()'s corrected contact
        cost_incurred(on="2024-12-01"), left("R-2", on="2025-06-30"),
    ]
    return first, later


# -- catch-up equals rebuild ---------------------------------------------------------------


def test_batched_catch_up_equals_a_rebuild(location: str) -> None:
    from legacyledger.synthetic import SyntheticConfig, generate

    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(list(generate(SyntheticConfig.for_facts(2500))))
        batches: list[int] = []
        tracked = views.catch_up(batch=97, on_batch=lambda pos, head: batches.append(pos))
        assert tracked == ledger.head()
        assert len(batches) == -(-ledger.head() // 97)
        assert views.refresh(AS_OF) == list(FAMILIES)
        assert_equals_rebuild(ledger, views)


def test_incremental_catch_up_with_corrections_and_voids_equals_a_rebuild(location: str) -> None:
    first, later = more_facts()
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(first)
        views.catch_up(batch=5)
        views.refresh(AS_OF)
        assert_equals_rebuild(ledger, views)
        ledger.import_facts(later)
        assert not views.read("costs", AS_OF).current
        views.catch_up(batch=3)
        views.refresh(AS_OF)
        assert_equals_rebuild(ledger, views)
        rows = current_rows(views)
        assert "to-void" not in rows and "fix-2" not in rows
        assert rows[later[2]["source_ref"]].fact["minutes"] == 50  # fix-2 undone, fix stays
        assert views.rebuild(batch=4) == ledger.head()
        assert_equals_rebuild(ledger, views)


def test_refresh_recomputes_only_families_that_can_use_the_new_facts(location: str) -> None:
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(programme())
        views.catch_up()
        views.refresh(AS_OF)
        before = views.read("retention", AS_OF)
        ledger.import_facts([cost_incurred(on="2024-12-01")])  # retention cannot use it
        views.catch_up()
        assert "retention" not in views.refresh(AS_OF)
        assert_equals_rebuild(ledger, views)
        after = views.read("retention", AS_OF)
        assert after.position == before.position + 1
        assert [f.value for f in after.figures] == [f.value for f in before.figures]
        assert "retention" in views.refresh(AS_OF, params={"retention": {"anchor": "matched_on"}})


# -- exactly once -------------------------------------------------------------------------


@pytest.mark.concurrency
def test_a_batch_applied_twice_counts_once(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
        head = ledger.head()
        with PersistedViews(ledger) as a, PersistedViews(ledger) as b:
            records = list(ledger.records())
            tracked = a.tracked()
            assert b.tracked() == tracked == 0
            assert a.apply(records, tracked, head) is True
            applied = current_rows(a)
            assert b.apply(records, tracked, head) is False  # the racing worker loses
            assert current_rows(b) == applied == expected_rows(ledger)
            assert a.tracked() == b.tracked() == head
            # the same for a figure snapshot
            assert a.refresh(AS_OF) == list(FAMILIES)
            stale = a.read("costs", AS_OF).position - 1
            for old in (None, stale):  # a worker that read no snapshot, or an older one
                assert write_snapshot(b.store, "costs", AS_OF, AS_OF, None, old, head, []) is False
            assert len(b.read("costs", AS_OF).figures) > 0


@pytest.mark.concurrency
def test_two_workers_catching_up_at_once_apply_each_batch_once(location: str) -> None:
    from legacyledger.synthetic import SyntheticConfig, generate

    with Ledger(location) as ledger:
        ledger.import_facts(list(generate(SyntheticConfig.for_facts(1500))))
        applied: list[tuple[int, int]] = []
        lock = threading.Lock()
        start = threading.Barrier(2)  # both open the store and catch up at once
        failures: list[BaseException] = []

        def worker() -> None:
            try:
                work()
            except BaseException as error:
                failures.append(error)

        def work() -> None:
            start.wait(HUNG)
            with Ledger(location) as own, PersistedViews(own) as views:
                apply = views.apply

                def recording(records: list[Any], after: int, upto: int) -> bool:
                    done = apply(records, after, upto)
                    if done:
                        with lock:
                            applied.append((after, upto))
                    return done

                views.apply = recording  # type: ignore[method-assign]
                views.catch_up(batch=50)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(HUNG)
            assert not thread.is_alive(), "hung: a worker never finished"
        assert not failures, failures
        applied.sort()
        assert applied[0][0] == 0 and applied[-1][1] == ledger.head()
        assert all(a[1] == b[0] for a, b in itertools.pairwise(applied)), "a gap or an overlap"
        with PersistedViews(ledger) as views:
            assert current_rows(views) == expected_rows(ledger)


# -- crash and resume ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from legacyledger.synthetic import SyntheticConfig, write_jsonl

    path = tmp_path_factory.mktemp("facts") / "facts.jsonl"
    # 6,000 facts: over a hundred 50-fact batches to kill a catch-up in, yet cheap enough
    # for the stress loop (`make stress`) to run hundreds of times.
    write_jsonl(path, SyntheticConfig.for_facts(6_000))
    return path


def tracked_in_store(location: str) -> int:
    """The views' tracked position, read behind the killed worker's back. The SQLite file is
    opened for writing: a batch killed mid-transaction leaves a hot journal, which a
    read-only connection cannot roll back ("attempt to write a readonly database")."""
    if location.startswith("postgresql://"):
        import psycopg

        base, _, query = location.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            row = conn.execute(f'SELECT position FROM "{query}".views_tracking').fetchone()
    else:
        with closing(sqlite3.connect(f"{location}.views")) as conn:
            row = conn.execute("SELECT position FROM tracking").fetchone()
    assert row is not None, "the worker was killed before it made the views store"
    return int(row[0])


def follow_process(location: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "--ledger", location, "follow", "--as-of", str(AS_OF), *args],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


#: The worker ``follow --once`` runs (catch-up in batches), saying after each committed batch
#: where it is, so the test kills it on a word, not by polling the store on a clock. Before
#: its last batch it waits on its stdin, which the test never writes: it cannot finish
#: before the kill lands, however the machine schedules the two.
CATCHING_UP = """
import sys
from legacyledger import Ledger
from legacyledger.views.store import PersistedViews
batch = int(sys.argv[2])
def said(upto, target):
    print(upto, flush=True)
    if upto + batch >= target:
        sys.stdin.readline()
with Ledger(sys.argv[1]) as ledger, PersistedViews(ledger) as views:
    views.catch_up(batch=batch, on_batch=said)
"""


@pytest.mark.concurrency
@pytest.mark.slow
def test_a_worker_killed_mid_catch_up_resumes_to_the_same_views(
    location: str, many_facts: Path
) -> None:
    batch = 50
    with Ledger(location) as ledger:
        ledger.import_file(many_facts)
        head = ledger.head()
    worker = subprocess.Popen([sys.executable, "-c", CATCHING_UP, location, str(batch)],
                              env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    for line in worker.stdout:  # killed once it says a batch took it past a quarter
        if int(line) >= head // 4:
            worker.send_signal(signal.SIGKILL)
            break
    worker.wait(HUNG)
    worker.stdin.close()
    assert worker.returncode == -signal.SIGKILL, worker.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
    killed_at = tracked_in_store(location)
    assert 0 < killed_at < head, "the worker was not killed mid-catch-up"
    if not location.startswith("postgresql://"):
        assert killed_at % batch == 0, "a partly applied batch was committed"

    again = follow_process(location, "--once", "--batch", "5000")
    out, err = again.communicate(timeout=HUNG)
    assert again.returncode == 0, err.decode()[-2000:]
    assert f"caught up to {head} of {head}" in out.decode()
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        assert_equals_rebuild(ledger, views)


# -- rebuild and swap ---------------------------------------------------------------------


@pytest.mark.concurrency
def test_rebuild_swaps_in_whole_under_a_reader(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, later = more_facts()
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(first)
        views.catch_up()
        old_head, old_rows = ledger.head(), expected_rows(ledger)
        ledger.import_facts(later)  # not caught up: the old store stays at old_head
        new_rows = expected_rows(ledger)
        if location.startswith("postgresql://"):
            _swap_under_a_postgres_reader(location, views, old_head, old_rows, monkeypatch)
        else:
            _swap_under_a_sqlite_reader(location, views, old_head, old_rows)
        with Ledger(location) as other, PersistedViews(other) as fresh:  # a new reader
            assert fresh.tracked() == ledger.head()
            assert current_rows(fresh) == new_rows
        # a worker opened before the swap writes into the new store, not the replaced one
        ledger.import_facts([cost_incurred(on="2025-01-10")])
        views.catch_up()
        with Ledger(location) as other, PersistedViews(other) as fresh:
            assert fresh.tracked() == ledger.head()
            assert current_rows(fresh) == expected_rows(ledger)


def test_a_sqlite_store_logs_ahead_and_a_rebuild_leaves_one_file(tmp_path: Path) -> None:
    """The views file is in WAL mode (a commit waits for no disk); a rebuild points the
    path at a new file, whose logs are its own, and leaves no file of an earlier one."""
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(programme())
        views.update(AS_OF)
        with closing(sqlite3.connect(f"{path}.views")) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (tmp_path / "ledger.db.views.0badf00d").write_bytes(b"a rebuild killed midway")
        for _ in range(3):
            views.rebuild()
            ledger.record(cost_incurred(on="2025-01-10", source_ref=f"cost-{ledger.head()}"))
            views.update(AS_OF)
        target = os.readlink(f"{path}.views")
        beside = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ledger.db.views"))
        assert beside == sorted(["ledger.db.views", "ledger.db.views.rebuild-lock", target,
                                 f"{target}-wal", f"{target}-shm"])
        assert_equals_rebuild(ledger, views)


def _swap_under_a_sqlite_reader(location: str, views: PersistedViews, head: int,
                                rows: dict[str, EffectiveFact]) -> None:
    reader = sqlite3.connect(f"{location}.views", isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT position FROM tracking").fetchone()[0] == head
        views.rebuild(batch=4)  # while the reader is inside its transaction
        assert reader.execute("SELECT position FROM tracking").fetchone()[0] == head
        bodies = dict(reader.execute("SELECT source_ref, body FROM current_facts").fetchall())
        assert {k: orjson.loads(v) for k, v in bodies.items()} == facts_of(rows)
        reader.execute("COMMIT")
    finally:
        reader.close()


def facts_of(rows: dict[str, EffectiveFact]) -> dict[str, dict[str, Any]]:
    return {ref: dict(row.fact) for ref, row in rows.items()}


def _swap_under_a_postgres_reader(location: str, views: PersistedViews, head: int,
                                  rows: dict[str, EffectiveFact],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader in a REPEATABLE READ transaction that has read the old tables: a rebuild
    reaches the swap (it says so through its ``swap_in``), the reader reads the old tables
    again, whole, and the swap cannot finish until the reader's transaction ends (its DROP
    waits for the reader's lock)."""
    import psycopg

    base, _, schema = location.partition("?schema=")
    swapping = threading.Event()
    swap_in = views.store.swap_in

    def announced(new: Store) -> None:
        swapping.set()
        swap_in(new)

    monkeypatch.setattr(views.store, "swap_in", announced)
    with psycopg.connect(base, autocommit=True) as reader:
        reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ

        def read() -> tuple[int, dict[str, Any]]:
            position = reader.execute(f"SELECT position FROM {schema}.views_tracking").fetchone()
            bodies = reader.execute(f"SELECT source_ref, body FROM {schema}.views_current_facts")
            return position[0], dict(bodies.fetchall())  # type: ignore[index]

        failures: list[BaseException] = []

        def rebuild() -> None:
            try:
                views.rebuild(batch=4)
            except BaseException as error:
                failures.append(error)
            finally:
                swapping.set()  # a rebuild that failed before the swap must not hang the test

        rebuilding = threading.Thread(target=rebuild)
        with reader.transaction():
            assert read() == (head, facts_of(rows))
            rebuilding.start()
            assert swapping.wait(HUNG), "hung: the rebuild never reached the swap"
            assert read() == (head, facts_of(rows))
            assert rebuilding.is_alive(), f"the swap did not wait for the reader: {failures}"
        rebuilding.join(HUNG)
        assert not rebuilding.is_alive(), "hung: the swap did not finish after the reader"
        assert not failures, failures


# -- many writers and a follower ------------------------------------------------------------

WRITER = """
import sys
from legacyledger import Ledger
print("ready", flush=True)
sys.stdin.readline()  # released by the test once both writers are up
with Ledger(sys.argv[1], batch_size=5) as ledger:
    for _ in range(2):
        ledger.import_file(sys.argv[2])
"""


def writes(tmp_path: Path) -> tuple[list[dict[str, Any]], list[Path]]:
    """A base history; writer a and b contact the same registrants (conflicting writes, some
    facts sent by both), b also enrols registrants of its own (no conflict) and corrects."""
    from tests.application.test_concurrency import REGISTRANTS, base_facts, contacts

    a = contacts("a", shared=True)
    own = [f"S-{i:03d}" for i in range(20)]
    b = contacts("b", shared=True)
    b += [f for key in own for f in (registrant_enrolled(key, source_ref=f"enrol-{key}"),
                                     matched(key, source_ref=f"match-{key}"))]
    b += [corrected(f"b-{REGISTRANTS[0]}", {"minutes": 35}, source_ref="b-fix"),
          voided("b-fix", source_ref="b-undo"), voided(f"b-{REGISTRANTS[1]}", source_ref="b-void")]
    paths = []
    for name, facts in (("a", a), ("b", b)):
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(b"".join(orjson.dumps(f) + b"\n" for f in facts))
        paths.append(path)
    return base_facts(), paths


def current_at(head: int) -> Callable[[str], bool]:
    """Whether a line of ``follow`` says the views are current at ``head``."""
    return lambda line: line.split(" (")[0] == f"views current at {head}"


@pytest.mark.concurrency
@pytest.mark.slow
def test_a_follower_keeps_up_with_two_concurrent_writers(location: str, tmp_path: Path) -> None:
    base, files = writes(tmp_path)
    with Ledger(location) as ledger:
        ledger.import_facts(base)
    follower = follow_process(location, "--poll", "0.05", "--batch", "7")
    assert follower.stdout is not None and follower.stderr is not None
    said = lines_of(follower.stdout)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, location, str(f)], env=ENV,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE) for f in files]
    try:
        release_together(writers)  # both interpreters up: then released together
        for writer in writers:
            _, err = writer.communicate(timeout=HUNG)
            assert writer.returncode == 0, err.decode()[-2000:]
        with Ledger(location) as ledger, PersistedViews(ledger) as views:
            # The follower says when it has refreshed every snapshot at the writers' head.
            until(said, current_at(ledger.head()), f"views current at {ledger.head()}")
            follower.send_signal(signal.SIGTERM)
            until(said, lambda line: line.startswith("stopped at"), "stopped at")
            follower.wait(HUNG)
            assert follower.returncode == 0, follower.stderr.read().decode()[-2000:]
            refs = [r.fact["source_ref"] for r in ledger.records()]
            assert len(refs) == len(set(refs)), "a fact was stored twice"
            assert_equals_rebuild(ledger, views)
    finally:
        for process in (follower, *writers):
            if process.poll() is None:
                process.kill()


# -- the CLI ------------------------------------------------------------------------------


def test_follow_once_and_views_status(location: str) -> None:
    from click.testing import CliRunner

    from legacyledger_cli import main

    with Ledger(location) as ledger:
        ledger.import_facts(programme())
        head = ledger.head()
    runner = CliRunner()
    status = runner.invoke(main, ["--ledger", location, "views", "status"])
    assert status.exit_code == 0 and "no persisted views yet" in status.output
    done = runner.invoke(main, ["--ledger", location, "follow", "--once", "--as-of", str(AS_OF)])
    assert done.exit_code == 0, done.output
    recomputed = "(recomputed: retention, costs, compliance, reach)"
    assert f"views current at {head} {recomputed}" in done.output
    status = runner.invoke(main, ["--ledger", location, "views", "status"])
    assert f"current_facts: {head} (current)" in status.output
    report = runner.invoke(main, ["--ledger", location, "report", "all", "--as-of", str(AS_OF)])
    assert f"from the persisted views at position {head}" in report.output, report.output
    with Ledger(location) as ledger:
        ledger.import_facts([cost_incurred(on="2024-12-01")])
    status = runner.invoke(main, ["--ledger", location, "views", "status"])
    assert f"current_facts: {head} (behind by 1)" in status.output
    rebuilt = runner.invoke(main, ["--ledger", location, "views", "rebuild"])
    assert rebuilt.exit_code == 0 and f"at position {head + 1}" in rebuilt.output
    assert "--once" in runner.invoke(main, ["follow", "--help"]).output.splitlines()[-1]


@pytest.mark.concurrency
def test_follow_in_a_thread_keeps_up_until_stopped(location: str) -> None:
    from legacyledger.views.follow import follow

    events: list[tuple[str, int]] = []
    told: queue.Queue[tuple[str, int] | None] = queue.Queue()

    def progress(event: str, position: int, head: int, families: list[str]) -> None:
        events.append((event, position))
        told.put((event, position))

    first, later = more_facts()
    with Ledger(location) as ledger:
        ledger.import_facts(first)
        stop = threading.Event()
        result: list[int] = []

        def run() -> None:
            try:
                with Ledger(location) as own:
                    result.append(follow(own, poll_seconds=0.02, batch=4, stop=stop, as_of=AS_OF,
                                         on_progress=progress))
            finally:
                told.put(None)  # a follower that failed ends the wait below

        worker = threading.Thread(target=run)
        worker.start()
        try:
            ledger.import_facts(later)
            head = ledger.head()
            until(told, lambda said: said == ("refreshed", head), f"refreshed at {head}")
            with PersistedViews(ledger) as views:
                assert_equals_rebuild(ledger, views)
        finally:
            stop.set()
            worker.join(HUNG)
        assert not worker.is_alive(), "hung: the follower did not stop"
        assert result == [head]
        assert events[-1] == ("stopped", head)


# -- explain from persisted figures --------------------------------------------------------


def test_explain_reads_a_current_persisted_figure_and_never_a_stale_one(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from legacyledger.views import audit as views_module

    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(programme())
        views.catch_up()
        views.refresh(AS_OF)
        ids = [f.id for f in ledger.views(as_of=AS_OF).figures][::7]
        computed = [views_module.explain(ledger, i, AS_OF, persisted=False) for i in ids]

        def no_folding(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("explain folded the ledger although the views are current")

        with monkeypatch.context() as patched:
            patched.setattr(views_module, "build_views", no_folding)
            assert [ledger.explain(i, as_of=AS_OF) for i in ids] == computed
            ledger.import_facts([cost_incurred(on="2024-12-01")])  # now the snapshots are stale
            with pytest.raises(AssertionError, match="folded the ledger"):
                ledger.explain(ids[0], as_of=AS_OF)
        # Stale: computed afresh, at the new head.
        fresh = ledger.explain(ids[0], as_of=AS_OF)
        assert fresh.figure.derivation.known_at == ledger.head()
        # An earlier knowledge cut-off is never served from the snapshot.
        earlier = ledger.explain(ids[0], as_of=AS_OF, known_at=ledger.head() - 1)
        assert earlier == computed[0]


def test_a_report_reads_current_persisted_figures_and_reproduces_the_same_digest(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import legacyledger.reports as reports

    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(programme())
        views.catch_up()
        views.refresh(AS_OF)
        folded = reports.build_report(ledger, as_of=AS_OF)
        with monkeypatch.context() as patched:
            patched.setattr(reports, "build_views", lambda *a, **k: pytest.fail("folded"))
            stored = reports.build_report(ledger, as_of=AS_OF, persisted=True)
        assert dict(stored.sources) == dict.fromkeys(FAMILIES, "persisted")
        assert stored.digest == folded.digest and stored.figures == folded.figures
        assert reports.verify_report(ledger, reports.report_json(stored)).reproduces
        # One more fact: the snapshots are behind the head, so every family is folded again.
        ledger.import_facts([cost_incurred(on="2024-12-01")])
        again = reports.build_report(ledger, as_of=AS_OF, persisted=True)
        assert set(again.sources.values()) == {"computed"}
        assert again.known_at == ledger.head()


@pytest.mark.parametrize("batch", [1, 2, 50])
def test_voiding_an_earlier_correction_keeps_the_later_one_everywhere(
    location: str, batch: int
) -> None:
    """Contact c: 30 minutes by phone; fc1 makes it virtual, fc2 makes it 40 minutes; fc1 is
    voided. As the aggregates say: 40 minutes (fc2 still in force), by phone (fc1 gone)."""
    from legacyledger.projections.tables import EffectiveTables

    talk = contact(on="2024-11-05", minutes=30, mode="phone")
    fc1 = corrected(talk["source_ref"], {"mode": "virtual"})
    fc2 = corrected(talk["source_ref"], {"minutes": 40})
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts([*programme(), talk, fc1, fc2, voided(fc1["source_ref"])])
        expected = {"minutes": 40, "mode": "phone"}
        stated = ledger.subject("registrant", talk["registrant"]).facts[talk["source_ref"]]
        assert {"minutes": stated.minutes, "mode": stated.mode} == expected
        folded = effective_facts(ledger.records()).get(talk["source_ref"])
        assert folded is not None
        assert {k: folded.fact[k] for k in expected} == expected
        table = EffectiveTables.of(ledger.records()).table("MentoringContactRecorded")
        rows = [r for r in range(len(table)) if table.ref(r) == talk["source_ref"]]
        assert [table.value(r, "minutes") for r in rows] == [40]
        views.catch_up(batch=batch)
        persisted = current_rows(views)[talk["source_ref"]]
        assert {k: persisted.fact[k] for k in expected} == expected
        assert persisted.positions == folded.positions
        assert current_rows(views) == expected_rows(ledger)


def test_views_of_a_ledger_recreated_at_the_same_path_are_dropped(tmp_path: Path) -> None:
    """A ledger deleted and imported again, its old views left beside it: the new ledger has
    another key, so the old views are dropped when opened and built again from the facts."""
    from legacyledger.views.follow import follow

    path = tmp_path / "again.db"
    facts = programme()
    with Ledger(path) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(facts)
        views.catch_up()
        views.refresh(AS_OF)
        assert views.read("costs", AS_OF).current
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Ledger(path) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(facts)
        assert views.tracked() == 0 and views.status().snapshots == ()
        assert not views.read("costs", AS_OF).current
        follow(ledger, once=True, as_of=AS_OF)
        assert views.read("costs", AS_OF).current
        assert_equals_rebuild(ledger, views)


def test_views_of_a_ledger_restored_with_another_history_are_foreign(tmp_path: Path) -> None:
    """A ledger put back from a copy and then given other facts, its views left beside it
    (the same key, another history): they are never read as current (reports and explain
    compute), catch-up refuses them, and `follow` rebuilds them from the ledger."""
    import shutil

    from legacyledger.views.follow import follow
    from legacyledger.views.store import ForeignViews

    path, copy = tmp_path / "again.db", tmp_path / "copy.db"
    facts = programme()
    with Ledger(path) as ledger:
        ledger.import_facts(facts[:1])
    shutil.copyfile(path, copy)
    with Ledger(path) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(facts[1:])
        views.catch_up()
        views.refresh(AS_OF)
        before = views.read("costs", AS_OF)
        assert before.current
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, path)
    changed = [dict(f, minutes=f["minutes"] + 5) if "minutes" in f else f for f in facts]
    with Ledger(path) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(changed[1:])
        assert ledger.head() == before.position
        assert not views.read("costs", AS_OF).current
        status = views.status()
        assert "current_facts" in status.other_history
        assert len(status.other_history) == len(FAMILIES) + 1
        with pytest.raises(ForeignViews, match="another ledger history"):
            views.catch_up()
        from click.testing import CliRunner

        from legacyledger_cli import main

        runner = CliRunner()
        status = runner.invoke(main, ["--ledger", str(path), "views", "status"])
        assert "current_facts: " in status.output
        assert "built from ANOTHER ledger history" in status.output, status.output
        report = runner.invoke(main, ["--ledger", str(path), "report", "costs",
                                      "--as-of", str(AS_OF)])
        assert report.exit_code == 0 and "from the persisted views" not in report.output
        events: list[str] = []
        follow(ledger, once=True, as_of=AS_OF,
               on_progress=lambda event, *_: events.append(event))
        assert "rebuilt" in events
        assert views.status().other_history == ()
        assert_equals_rebuild(ledger, views)


def test_figures_are_stored_as_shared_parts_and_read_back_equal_one_by_one(
    location: str,
) -> None:
    """Contributing positions are stored as the parts they are unions of (each once per
    snapshot), far fewer than the positions they stand for; every figure read alone (explain's
    one-row read) equals the computed one."""
    from legacyledger.synthetic import SyntheticConfig, generate

    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        ledger.import_facts(list(generate(SyntheticConfig.for_facts(2500))))
        views.catch_up()
        views.refresh(AS_OF, families=["costs"])
        built = ledger.views(as_of=AS_OF, families=["costs"])
        with views.store.read() as cur:
            cur.execute(f"SELECT {views.store.json('body')} FROM {views.store.table('parts')}")
            bodies = [orjson.loads(body) for (body,) in cur.fetchall()]
        stored = sum(len(body) for body in bodies if isinstance(body, list))
        assert 0 < stored * 3 < sum(len(f.derivation.contributing) for f in built.figures)
        for figure in built.figures:
            alone = views.figure(figure.id, AS_OF)
            assert alone == figure, figure.id


def test_a_views_store_from_before_parts_and_pins_is_emptied_and_rebuilt(tmp_path: Path) -> None:
    """An older store (no ``parts``/``pins`` tables; corrections kept in an older form) is not
    upgraded in place: its derived rows are emptied and the next catch-up rebuilds them."""
    path = tmp_path / "older.db"
    with Ledger(path) as ledger:
        ledger.import_facts(more_facts()[0])
        with PersistedViews(ledger) as views:
            views.catch_up()
            views.refresh(AS_OF)
    with closing(sqlite3.connect(f"{path}.views")) as raw:
        raw.execute("DROP TABLE pins")
        raw.execute("DROP TABLE parts")
        raw.commit()
    with Ledger(path) as ledger, PersistedViews(ledger) as views:
        assert views.tracked() == 0 and views.status().snapshots == ()
        views.catch_up()
        views.refresh(AS_OF)
        assert_equals_rebuild(ledger, views)


@pytest.mark.parametrize("location", ["sqlite", "postgres"], indirect=True)
def test_views_built_by_another_release_are_emptied_and_rebuilt(location: str) -> None:
    """Another release's figures may follow other definitions (issue 10 bumped formulas) and
    its current facts other upcasters: a store it built is not served, but built again."""
    with Ledger(location) as ledger:
        ledger.import_facts(more_facts()[0])
        with PersistedViews(ledger) as views:
            views.catch_up()
            views.refresh(AS_OF)
            assert views.tracked() == ledger.head() and views.read("costs", AS_OF).current
            with views.store.write() as cur:  # as an earlier release would have left it
                cur.execute(f"UPDATE {views.store.table('meta')} SET value = '0.1.0' "
                            "WHERE key = 'release'")
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        assert views.tracked() == 0 and views.status().snapshots == ()
        assert not views.read("costs", AS_OF).current
        views.catch_up()
        views.refresh(AS_OF)
        assert_equals_rebuild(ledger, views)
        assert views.read("costs", AS_OF).current
