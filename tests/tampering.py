"""Changing a stored ledger behind its back, as a person with owner access to the database
could: first dropping the append-only triggers (``legacyledger.persistence.append_only``)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def unguarded_sqlite(path: Any) -> Iterator[sqlite3.Connection]:
    """A connection to a SQLite ledger whose triggers are dropped (they come back when a
    ``Ledger`` opens it again)."""
    with sqlite3.connect(path) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f'DROP TRIGGER "{name}"')
        yield conn


def tamper(location: str, sql_sqlite: str, sql_postgres: str) -> None:
    """Run ``sql_sqlite`` or ``sql_postgres`` (``{schema}`` filled in) with the triggers
    dropped."""
    if location.startswith("postgresql"):
        import psycopg

        base, _, schema = location.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            triggers = conn.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = "
                "t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND NOT t.tgisinternal",
                (schema,),
            ).fetchall()
            for trigger, table in triggers:
                conn.execute(f'DROP TRIGGER "{trigger}" ON "{schema}"."{table}"')
            conn.execute(sql_postgres.format(schema=schema))
    else:
        with unguarded_sqlite(location) as conn:
            conn.executescript(sql_sqlite)
