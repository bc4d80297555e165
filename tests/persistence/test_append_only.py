"""Append-only in the store itself (issue 12, "Nothing stops UPDATE/DELETE on stored facts"):
triggers refuse changes to the stored facts, their chain, their source_ref index and the
links index on both stores; on PostgreSQL an application role records facts and can rewrite
nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from legacyledger import Ledger, LedgerNotFound
from legacyledger.persistence.append_only import REFUSED
from tests.builders import cost_incurred, partnership_formed
from tests.conftest import postgres_role

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example-facts.jsonl"
SQLITE_TABLES = ("stored_events", "source_refs", "fact_chain", "fact_links")
PG_TABLES = ("legacyledger_events", "legacyledger_source_refs", "legacyledger_chain",
             "legacyledger_links")


def refused(location: str, statements: list[str]) -> list[str]:
    """Each statement's error message (run behind the ledger's back, owner rights)."""
    messages = []
    if location.startswith("postgresql"):
        import psycopg

        base, _, schema = location.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            for statement in statements:
                with pytest.raises(psycopg.Error) as caught:
                    conn.execute(statement.format(schema=schema))
                messages.append(str(caught.value))
    else:
        with sqlite3.connect(location) as conn:
            for statement in statements:
                with pytest.raises(sqlite3.DatabaseError) as caught:
                    conn.execute(statement)
                messages.append(str(caught.value))
    return messages


def test_update_and_delete_on_stored_facts_chain_refs_and_links_are_refused(
    location: str,
) -> None:
    """The links index allowed DELETE, which silently turned the rules across subjects off."""
    with Ledger(location) as ledger:
        ledger.import_file(EXAMPLE)
    if location.startswith("postgresql"):
        statements = [
            f"{verb} {{schema}}.{table}"
            for table in PG_TABLES
            for verb in ("DELETE FROM", "TRUNCATE")
        ] + ["UPDATE {schema}.legacyledger_events SET state = state",
             "UPDATE {schema}.legacyledger_chain SET link = link",
             "UPDATE {schema}.legacyledger_source_refs SET digest = 'x'",
             "UPDATE {schema}.legacyledger_links SET live = NOT live"]
    else:
        statements = [f"DELETE FROM {table}" for table in SQLITE_TABLES] + [
            "UPDATE stored_events SET state = state", "UPDATE fact_chain SET link = link",
            "UPDATE source_refs SET digest = 'x'", "UPDATE fact_links SET live = 1 - live",
        ]
    for message in refused(location, statements):
        assert REFUSED in message
    with Ledger(location) as ledger:
        assert ledger.count() == 17 and ledger.verify_chain().ok


def test_the_postgres_application_role_records_facts_and_rewrites_nothing(pg_dsn: str) -> None:
    """The role the README documents: SELECT and INSERT, nothing else (it needed UPDATE on the
    facts table for eventsourcing's table lock and DELETE on the links index before)."""
    import psycopg

    schema = pg_dsn.partition("?schema=")[2]
    with Ledger(pg_dsn) as ledger:
        ledger.import_file(EXAMPLE)
    with postgres_role(
        schema,
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    ) as as_app:
        with Ledger(f"{as_app}?schema={schema}", create=False) as ledger:
            ledger.record(cost_incurred(key="wy-legacy"))
            assert ledger.count() == 18 and ledger.verify_chain().ok
        with psycopg.connect(as_app, autocommit=True) as app:
            for statement in (
                f"UPDATE {schema}.legacyledger_events SET state = state",
                f"DELETE FROM {schema}.legacyledger_events",
                f"DELETE FROM {schema}.legacyledger_chain",
                f"TRUNCATE {schema}.legacyledger_source_refs",
                f"DELETE FROM {schema}.legacyledger_links",
                f"UPDATE {schema}.legacyledger_links SET live = NOT live",
                f"DROP TRIGGER legacyledger_events_no_change ON {schema}.legacyledger_events",
            ):
                with pytest.raises(psycopg.Error):
                    app.execute(statement)


def test_a_mistyped_postgres_schema_is_an_error_not_an_empty_ledger(pg_dsn: str) -> None:
    with pytest.raises(LedgerNotFound, match="no ledger in PostgreSQL schema"):
        Ledger(pg_dsn, create=False)
    with Ledger(pg_dsn) as created:  # what init does
        created.record(partnership_formed())
    with Ledger(pg_dsn, create=False) as opened:
        assert opened.count() == 1


def test_a_missing_sqlite_file_is_an_error_unless_created(tmp_path: Path) -> None:
    with pytest.raises(LedgerNotFound):
        Ledger(tmp_path / "typo.db", create=False)
    assert not (tmp_path / "typo.db").exists()


def test_a_mistyped_postgres_schema_is_an_error_for_every_command_but_init(
    pg_dsn: str, tmp_path: Path
) -> None:
    """verify said "No problems found" of the empty ledger the typo created."""
    from click.testing import CliRunner

    from legacyledger_cli import main

    runner = CliRunner()
    facts = Path(__file__).parent.parent / "data" / "example-facts.jsonl"
    for args in (["verify"], ["report", "all"], ["export"], ["log"], ["head"],
                 ["import", str(facts)], ["demo", "--facts", "300", "--out", str(tmp_path)]):
        result = runner.invoke(main, ["--ledger", pg_dsn, *args])
        assert result.exit_code == 1 and "no ledger" in result.stderr, (args, result.output)
    with pytest.raises(LedgerNotFound):
        Ledger(pg_dsn, create=False)  # nothing was created by the commands above
    assert runner.invoke(main, ["--ledger", pg_dsn, "init"]).exit_code == 0
    assert runner.invoke(main, ["--ledger", pg_dsn, "verify"]).exit_code == 0
