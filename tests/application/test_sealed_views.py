"""Reports and explain never serve views that verify would fail (issue 12, "editing a figure in
the persisted views file: reports and explain then serve the edited value, views status says
current"): every row of the views store is sealed with the ledger's key; a row that fails its
seal is not served, ``views status`` says so, and ``follow`` builds the views again."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import Any

from click.testing import CliRunner

from legacyledger import Ledger
from legacyledger.reports import check_ledger
from legacyledger.views.follow import follow
from legacyledger.views.store import PersistedViews
from legacyledger_cli import main
from tests.builders import cost_incurred, programme

AS_OF = date(2025, 3, 31)


@contextlib.contextmanager
def views_db(location: str) -> Iterator[Any]:
    """A connection to the ledger's views store behind legacyledger's back, with ``{t}``
    for a table name in the statements run through it."""
    if location.startswith("postgresql"):
        import psycopg

        base, _, schema = location.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            yield lambda sql: conn.execute(sql.replace("{t}", f'"{schema}".views_'))
    else:
        with contextlib.closing(sqlite3.connect(f"{location}.views")) as conn, conn:
            yield lambda sql: conn.execute(sql.replace("{t}", ""))


def built(location: str) -> str:
    """A ledger with current persisted views; one of its figures with a value."""
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
        follow(ledger, once=True, as_of=AS_OF)
        with PersistedViews(ledger) as views:
            reading = views.read("costs", AS_OF)
            assert reading.current
            return next(f.id for f in reading.figures if f.value is not None)


def served(location: str, figure_id: str) -> tuple[Any, bool]:
    """The figure as a report gives it, and whether it came from the persisted views."""
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        reading = views.read("costs", AS_OF)
        from_views = reading.current
        figure = (reading.figures if from_views
                  else ledger.views(as_of=AS_OF, families=["costs"]).figures)
    return next(f.value for f in figure if f.id == figure_id), from_views


def test_an_edited_figure_is_not_served_and_follow_builds_the_views_again(
    location: str,
) -> None:
    figure_id = built(location)
    true_value, from_views = served(location, figure_id)
    assert from_views
    with views_db(location) as run:
        run("UPDATE {t}figures SET value = '999999' WHERE figure_id = '" + figure_id + "'")
    value, from_views = served(location, figure_id)
    assert not from_views and value == true_value
    runner = CliRunner()
    status = runner.invoke(main, ["--ledger", location, "views", "status"])
    assert "NOT SERVED" in status.output and "changed outside legacyledger" in status.output
    explained = runner.invoke(main, ["--ledger", location, "explain", figure_id,
                                     "--as-of", str(AS_OF)])
    assert explained.exit_code == 0 and "999999" not in explained.output
    with Ledger(location) as ledger:
        assert not check_ledger(ledger).ok
        events: list[tuple[str, list[str]]] = []
        follow(ledger, once=True, as_of=AS_OF,
               on_progress=lambda event, _p, _h, said: events.append((event, said)))
        assert any(event == "rebuilt" and "changed outside" in said[0] for event, said in events)
        assert check_ledger(ledger).ok
    assert served(location, figure_id) == (true_value, True)


def test_a_deleted_figure_is_found_by_a_report(location: str) -> None:
    figure_id = built(location)
    with views_db(location) as run:
        run("DELETE FROM {t}figures WHERE figure_id = '" + figure_id + "'")
    assert served(location, figure_id)[1] is False


def test_a_snapshot_moved_to_the_head_by_hand_is_not_served(location: str) -> None:
    """Its position is sealed: moving it on by hand (to look current) breaks the seal."""
    built(location)
    with Ledger(location) as ledger:
        ledger.record(cost_incurred(on="2025-01-10"))
        head = ledger.head()
    with views_db(location) as run:
        run(f"UPDATE {{t}}snapshots SET position = {head}")
        run(f"UPDATE {{t}}pins SET position = {head}")
    with Ledger(location) as ledger, PersistedViews(ledger) as views:
        assert not views.read("costs", AS_OF).current


def test_edited_group_state_is_never_built_on(location: str) -> None:
    """The costs family's group state is read by the next cost: an edited group would make
    sealed but wrong figures, so reading it fails its seal and the views are built again."""
    built(location)
    with views_db(location) as run:
        run("UPDATE {t}groups SET body = replace(CAST(body AS TEXT), '1', '9')"
            if not location.startswith("postgresql") else
            "UPDATE {t}groups SET body = replace(body::text, '1', '9')::json")
    with Ledger(location) as ledger:
        ledger.record(cost_incurred(on="2025-01-10"))
        events: list[str] = []
        follow(ledger, once=True, as_of=AS_OF, on_progress=lambda event, *_: events.append(event))
        assert "rebuilt" in events
        assert check_ledger(ledger).ok


def test_an_edited_tracked_position_is_never_built_on(location: str) -> None:
    built(location)
    with views_db(location) as run:
        run("UPDATE {t}tracking SET position = 3")
    with Ledger(location) as ledger:
        events: list[str] = []
        follow(ledger, once=True, as_of=AS_OF, on_progress=lambda event, *_: events.append(event))
        assert "rebuilt" in events
        assert check_ledger(ledger).ok
