"""The eventsourcing application behind the Ledger, and where it keeps its facts."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.utils import Environment, get_topic

from legacyledger.persistence.mapper import FactMapper
from legacyledger.persistence.postgres import postgres_recorder_topic
from legacyledger.persistence.sqlite import LedgerSQLiteRecorder

APP_NAME = "legacyledger"


class LedgerApplication(Application[UUID]):
    """The eventsourcing application behind :class:`legacyledger.Ledger`."""

    name = APP_NAME

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """Only the given settings count: an embedding host's environment never leaks in."""
        return Environment(name, dict(env or {}))


#: Set in the settings of a ledger opened read-only (and, for SQLite, the file's path).
READ_ONLY, SQLITE_PATH = "LEGACYLEDGER_READ_ONLY", "LEGACYLEDGER_SQLITE_PATH"


def environment_for(location: str, read_only: bool = False) -> dict[str, str]:
    """Settings for a SQLite path, ``:memory:`` or a ``postgresql://`` DSN; ``read_only``:
    nothing is created, and a SQLite file is opened read-only (``mode=ro``), so a file or
    filesystem that cannot be written can be read."""
    env = {"MAPPER_TOPIC": get_topic(FactMapper)}
    if read_only:
        if location == ":memory:":
            raise ValueError("a memory ledger cannot be opened read-only")
        env.update({READ_ONLY: "y", "CREATE_TABLE": "no"})
    if location.startswith(("postgresql://", "postgres://")):
        env.update(_postgres_env(location))
        env["APPLICATION_RECORDER_TOPIC"] = postgres_recorder_topic()
        return env
    name = (
        f"file:legacyledger-{uuid4().hex}?mode=memory&cache=shared"
        if location == ":memory:"
        else location
    )
    if read_only:
        env[SQLITE_PATH] = location
        name = read_only_uri(location)
    env.update(
        PERSISTENCE_MODULE="eventsourcing.sqlite",
        SQLITE_DBNAME=name,
        SQLITE_LOCK_TIMEOUT="30",
        APPLICATION_RECORDER_TOPIC=get_topic(LedgerSQLiteRecorder),
    )
    return env


def read_only_uri(path: str, immutable: bool = False) -> str:
    """A SQLite URI opening ``path`` read-only; ``immutable`` also for a file whose
    directory cannot be written (no ``-shm`` can be made beside it: read-only media)."""
    return Path(path).absolute().as_uri() + ("?immutable=1" if immutable else "?mode=ro")


def readable_in_place(path: str) -> bool:
    """Whether SQLite reads ``path`` opened read-only (``mode=ro``): it cannot on read-only
    media, where no ``-shm`` can be made beside a write-ahead-logged file (open it
    immutable there). Asked on a connection closed at once, whatever happens: a pool
    connection that fails while it opens is left open until the garbage collector runs, and
    keeps the file, and so the filesystem, busy."""
    try:
        with contextlib.closing(sqlite3.connect(read_only_uri(path), uri=True)) as conn:
            conn.execute("PRAGMA journal_mode").fetchone()
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return False
    return True


def _postgres_env(dsn: str) -> dict[str, str]:
    url = urlparse(dsn)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    schema = query.get("schema", "public")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ValueError(f"schema {schema!r} must be a lower-case SQL identifier")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": query.get("pool_size", "5"),
        "POSTGRES_MAX_OVERFLOW": query.get("max_overflow", "10"),
        "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", "10"),
    }


def _connect(env: Mapping[str, str]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None, autocommit=True,
    )


class LedgerNotFound(LookupError):
    """No ledger at a location that was not to be created (a mistyped path or schema)."""


def ensure_schema(env: dict[str, str], create: bool = True) -> None:
    """The ledger's place: PostgreSQL schemas are created on first use (one per ledger) when
    ``create``, else a missing SQLite file or PostgreSQL ledger is :class:`LedgerNotFound`.
    A PostgreSQL role that may not create in an existing ledger's schema (an application
    role with INSERT and SELECT only, see the README) opens it without creating tables."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        name = env.get(SQLITE_PATH) or env["SQLITE_DBNAME"]
        if not create and not name.startswith("file:") and not Path(name).exists():
            raise LedgerNotFound(f"no ledger at {name}: create one first (legacyledger init)")
        return
    from psycopg.sql import SQL, Identifier

    schema = env["POSTGRES_SCHEMA"]
    with _connect(env) as conn:
        found = conn.execute(
            "SELECT to_regclass(%s)", (f'"{schema}"."{APP_NAME}_events"',)
        ).fetchone()
        if found is not None and found[0] is not None:
            may = conn.execute("SELECT has_schema_privilege(%s, 'CREATE')", (schema,)).fetchone()
            if not (may and may[0]):
                env["CREATE_TABLE"] = "no"
            return
        if not create:
            raise LedgerNotFound(
                f"no ledger in PostgreSQL schema {schema!r} of database "
                f"{env['POSTGRES_DBNAME']!r}: create one first (legacyledger init)"
            )
        if schema != "public":
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))


@contextlib.contextmanager
def schema_lock(env: Mapping[str, str]) -> Iterator[None]:
    """Serialise table creation between processes opening the same PostgreSQL ledger at once
    (concurrent ``CREATE TABLE IF NOT EXISTS`` fails with "tuple concurrently updated")."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    with _connect(env) as conn:
        conn.execute(
            "SELECT pg_advisory_lock(hashtext(%s))", (f"legacyledger:{env['POSTGRES_SCHEMA']}",)
        )
        try:
            yield
        finally:
            conn.execute(
                "SELECT pg_advisory_unlock(hashtext(%s))",
                (f"legacyledger:{env['POSTGRES_SCHEMA']}",),
            )


def iter_states(
    recorder: Any,
    start: int = 0,
    stop: int | None = None,
    batch: int = 5000,
    topics: Sequence[str] = (),
) -> Iterator[tuple[int, bytes]]:
    """Stored facts after ``start`` (up to ``stop``, of ``topics`` if given), in ledger order,
    as raw JSON bytes."""
    after = start
    while rows := recorder.read_states(after, stop, batch, topics):
        yield from rows
        after = rows[-1][0]
        if len(rows) < batch:
            return
