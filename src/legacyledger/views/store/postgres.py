"""Persisted views as ``views_*`` tables in the ledger's PostgreSQL schema.

A rebuild builds ``views_*_new`` tables, then swaps them in with one transaction of ``DROP``
and ``ALTER TABLE … RENAME`` (which waits for readers of the old tables to finish).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from legacyledger.persistence import _connect
from legacyledger.views.store.backends import INDEXES, TABLES, Cursor, Store, ddl_for
from legacyledger.views.store.seals import Sealer


class PostgresStore(Store):
    """``views_*`` tables in the ledger's schema (``suffix`` for a rebuild's new tables)."""

    def __init__(self, env: Mapping[str, str], sealer: Sealer, suffix: str = "") -> None:
        self.env = dict(env)
        self.sealer = sealer
        self.schema = self.env["POSTGRES_SCHEMA"]
        self.suffix = suffix
        self.where = f"schema {self.schema}, tables views_*{suffix}"
        self._conn: Any = None
        with self._ddl_lock():
            self.create()

    @property
    def conn(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = _connect(self.env)
        return self._conn

    @contextlib.contextmanager
    def _ddl_lock(self) -> Iterator[None]:
        """Concurrent CREATE TABLE IF NOT EXISTS fails ("tuple concurrently updated")."""
        key = f"legacyledger-views:{self.schema}"
        self.conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def table(self, name: str) -> str:
        return f'"{self.schema}"."views_{name}{self.suffix}"'

    exists_sql = "SELECT to_regclass(?) IS NOT NULL"

    @contextlib.contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        key = f"legacyledger-views-rebuild:{self.schema}"
        self.conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def index(self, table: str, suffix: str) -> str:
        return f'"views_{table}{self.suffix}_{suffix}"'

    def json(self, column: str) -> str:
        return f"{column}::text"

    def ddl(self) -> dict[str, str]:
        # json, not jsonb: its text is kept as written, which the rows' seals are of
        return ddl_for("json", "bigint")

    @contextlib.contextmanager
    def write(self) -> Iterator[Cursor]:
        """A write transaction whose commit does not wait for its WAL to reach the disk
        (``synchronous_commit = off``, for this transaction only): a crash of the server can
        lose the views' last transactions (a fraction of a second's), never part of one, and
        the next catch-up applies those facts again."""
        conn = self.conn
        conn.isolation_level = None
        conn.read_only = None
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            yield Cursor(cur, "%s")

    @contextlib.contextmanager
    def read(self) -> Iterator[Cursor]:
        import psycopg

        conn = self.conn
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        try:
            with conn.transaction(), conn.cursor() as cur:
                yield Cursor(cur, "%s")
        finally:
            conn.isolation_level = None
            conn.read_only = None

    def fresh(self) -> PostgresStore:
        with self._ddl_lock(), self.conn.transaction():
            for name in TABLES:
                self.conn.execute(f'DROP TABLE IF EXISTS "{self.schema}"."views_{name}_new"')
        return PostgresStore(self.env, self.sealer, suffix="_new")

    def swap_in(self, new: Store) -> None:
        """One transaction: drop the old tables, rename the new ones (and their indexes)."""
        assert isinstance(new, PostgresStore)
        new.close()
        schema = f'"{self.schema}"'
        with self._ddl_lock(), self.write() as cur:
            for name in TABLES:
                base, built = f"views_{name}", f"views_{name}{new.suffix}"
                cur.execute(f'DROP TABLE IF EXISTS {schema}."{base}"')
                cur.execute(f'ALTER TABLE {schema}."{built}" RENAME TO "{base}"')
                cur.execute(f'ALTER INDEX {schema}."{built}_pkey" RENAME TO "{base}_pkey"')
                if name in INDEXES:
                    suffix = INDEXES[name][0]
                    cur.execute(
                        f'ALTER INDEX {schema}."{built}_{suffix}" RENAME TO "{base}_{suffix}"'
                    )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
