"""``verify`` covers everything (issue 12, "The store can be rewritten and verify does not
notice"): the links and source_ref indexes and the persisted views are recomputed from the
facts and compared; ``head`` publishes a link that ``verify --anchor`` holds the ledger to."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from legacyledger import Ledger
from legacyledger.reports import anchored, check_ledger
from legacyledger.views.store import PersistedViews
from legacyledger_cli import main
from tests.builders import contact, corrected, matched, mentor_withdrew, programme
from tests.tampering import tamper, unguarded_sqlite

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example-facts.jsonl"


def problems(ledger: Ledger, name: str) -> list[str]:
    checked = check_ledger(ledger)
    return [p.message for c in checked.checks if c.name == name for p in c.problems]


def test_a_sound_ledger_with_corrections_has_the_links_it_should(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
        talk = contact(on="2024-11-01")
        ledger.import_facts([talk, corrected(talk["source_ref"], {"on": "2024-11-20"})])
        assert check_ledger(ledger).ok, check_ledger(ledger).problems


def test_deleting_every_row_of_the_links_index_fails_verify(location: str) -> None:
    """It silently turned the rules across subjects off."""
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
    tamper(location, "DELETE FROM fact_links", "DELETE FROM {schema}.legacyledger_links")
    with Ledger(location) as ledger:
        found = problems(ledger, "links index")
        assert found and all("is not in the index" in message for message in found)
        assert not problems(ledger, "hash chain")  # the chain alone would not notice


def test_a_link_row_no_fact_makes_fails_verify(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
    tamper(location,
           "INSERT INTO fact_links VALUES ('00000000000000000000000000000001', '2030-01-01', "
           "'ghost', 1, 'MentoringContactRecorded', 1)",
           "INSERT INTO {schema}.legacyledger_links VALUES "
           "('00000000-0000-0000-0000-000000000001', '2030-01-01', 'ghost', 1, "
           "'MentoringContactRecorded', true)")
    with Ledger(location) as ledger:
        (message,) = problems(ledger, "links index")
        assert "ghost" in message


def test_editing_the_source_ref_digests_fails_verify(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    tamper(location, "UPDATE source_refs SET digest = 'feed' WHERE source_ref = 'wy-11'",
           "UPDATE {schema}.legacyledger_source_refs SET digest = 'feed' "
           "WHERE source_ref = 'wy-11'")
    with Ledger(location) as ledger:
        (message,) = problems(ledger, "source_ref index")
        assert "wy-11" in message and "digest" in message


def test_an_index_entry_with_no_fact_fails_verify(location: str) -> None:
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    tamper(location,
           "INSERT INTO source_refs VALUES ('ghost', '00000000000000000000000000000001', 1, 'x')",
           "INSERT INTO {schema}.legacyledger_source_refs VALUES ('ghost', "
           "'00000000-0000-0000-0000-000000000001', 1, 'x')")
    with Ledger(location) as ledger:
        (message,) = problems(ledger, "source_ref index")
        assert "18 refs for 17 facts" in message


def test_editing_a_figure_in_the_persisted_views_file_fails_verify(tmp_path: Path) -> None:
    """Reports and explain then served the edited value and `views status` said current."""
    location = tmp_path / "ledger.db"
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
        with PersistedViews(ledger) as views:
            views.catch_up()
            views.refresh()
            assert not problems(ledger, "persisted views")
    with unguarded_sqlite(f"{location}.views") as conn:
        (figure_id,) = conn.execute(
            "SELECT figure_id FROM figures WHERE value IS NOT NULL LIMIT 1").fetchone()
        conn.execute("UPDATE figures SET value = '999999' WHERE figure_id = ?", (figure_id,))
    with Ledger(location) as ledger:
        (message,) = problems(ledger, "persisted views")
        assert figure_id in message and "changed outside legacyledger" in message


def test_verify_anchor_detects_a_truncated_tail_with_a_recomputed_chain(location: str) -> None:
    runner = CliRunner()
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
    published = runner.invoke(main, ["--ledger", location, "head"]).stdout.strip()
    position = int(published.partition(":")[0])
    verified = runner.invoke(main, ["--ledger", location, "verify", "--anchor", published])
    assert verified.exit_code == 0, verified.stdout
    # Cut the last fact, its link and its source_ref: what is left is a sound shorter ledger.
    tamper(
        location,
        "DELETE FROM source_refs WHERE (originator_id, originator_version) IN (SELECT "
        f"originator_id, originator_version FROM stored_events WHERE rowid = {position}); "
        f"DELETE FROM stored_events WHERE rowid = {position}; "
        f"DELETE FROM fact_chain WHERE position = {position};",
        "DELETE FROM {schema}.legacyledger_source_refs WHERE (originator_id, "
        "originator_version) IN (SELECT originator_id, originator_version FROM "
        f"{{schema}}.legacyledger_events WHERE notification_id = {position}); "
        f"DELETE FROM {{schema}}.legacyledger_events WHERE notification_id = {position}; "
        f"DELETE FROM {{schema}}.legacyledger_chain WHERE position = {position};",
    )
    with Ledger(location) as ledger:
        assert ledger.head() == position - 1
        assert check_ledger(ledger).ok  # without the anchor, nothing looks wrong
        checked = check_ledger(ledger, [anchored(position, published.partition(":")[2])])
        (problem,) = checked.problems
        assert "cut off" in problem.message
    result = runner.invoke(main, ["--ledger", location, "verify", "--anchor", published])
    assert result.exit_code == 1 and "cut off" in result.stdout


def test_verify_anchor_detects_a_rewritten_tail(location: str, tmp_path: Path) -> None:
    original = str(tmp_path / "original.db")
    with Ledger(original) as ledger:
        ledger.import_facts(programme())
        position, link = ledger.chain_head()
        assert link is not None
    with Ledger(original) as source, Ledger(location) as copy:
        facts = [r.fact for r in source.records()]
        copy.import_facts([{k: v for k, v in f.items() if k != "recorded_at"}
                           for f in facts[:-1]])
        copy.import_facts([mentor_withdrew(on="2026-06-30")])
        assert copy.verify_chain().ok and copy.head() == position
        (problem,) = check_ledger(copy, [anchored(position, link)]).problems
        assert "rewritten" in problem.message


def test_a_malformed_anchor_is_a_clear_error(tmp_path: Path) -> None:
    location = str(tmp_path / "ledger.db")
    with Ledger(location) as ledger:
        ledger.import_facts([*programme(), matched("R-2")][:3])
    result = CliRunner().invoke(main, ["--ledger", location, "verify", "--anchor", "12:nope"])
    assert result.exit_code != 0 and "POSITION:LINK" in result.stderr


def test_a_row_ending_a_link_appended_behind_the_ledger_fails_verify(location: str) -> None:
    """The links index refuses changes, but a client may add a row: one saying a link no
    longer stands turns its rule off as a delete did, and verify sees it."""
    with Ledger(location) as ledger:
        ledger.import_facts(programme())
    tamper(location,
           "INSERT INTO fact_links SELECT subject, day, source_ref, n + 1, fact, 0 "
           "FROM fact_links LIMIT 1",
           "INSERT INTO {schema}.legacyledger_links SELECT subject, day, source_ref, n + 1, "
           "fact, false FROM {schema}.legacyledger_links LIMIT 1")
    with Ledger(location) as ledger:
        (message,) = problems(ledger, "links index")
        assert "is not in the index" in message
