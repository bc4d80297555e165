"""Where a ledger keeps its persisted views: beside a SQLite file, or in its PostgreSQL schema."""

from __future__ import annotations

import os
from typing import Any

from legacyledger.persistence import READ_ONLY, _connect
from legacyledger.views.store.backends import Store
from legacyledger.views.store.postgres import PostgresStore
from legacyledger.views.store.seals import Sealer
from legacyledger.views.store.sqlite import SQLiteStore


def store_for(ledger: Any) -> Store:
    """The view store of a ledger: ``X.db.views`` beside a SQLite file, ``views_*`` tables in
    a PostgreSQL schema, a shared-cache memory database beside a memory ledger; its rows
    sealed with the ledger's key."""
    env = ledger.app.env
    sealer = Sealer(views_key(ledger))
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        return PostgresStore(postgres_settings(env), sealer)
    name = str(env.get("SQLITE_DBNAME"))
    if name.startswith("file:"):
        base, _, query = name.partition("?")
        return SQLiteStore(f"{base}-views?{query}", sealer)
    return SQLiteStore(name + ".views", sealer)


def views_key(ledger: Any) -> bytes:
    """The ledger's key for sealing its views (made with the ledger; a ledger from before
    there was one gets it when next opened for writing)."""
    key = ledger.app.recorder.views_key()
    if key is None:
        raise LookupError(
            "this ledger has no key for its persisted views yet: open it once for writing "
            "(PostgreSQL: as its owner, e.g. `legacyledger init`)"
        )
    return bytes(key)


def postgres_settings(env: Any) -> dict[str, str]:
    keys = ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER",
            "POSTGRES_PASSWORD", "POSTGRES_SCHEMA")
    return {key: str(env.get(key, "")) for key in keys}


def store_exists(ledger: Any) -> bool:
    """Whether the ledger has a view store yet (without creating one). A ledger opened
    read-only has none to read, nor one without a key to check its seals: its figures are
    computed from its facts."""
    env = ledger.app.env
    if env.get(READ_ONLY) or ledger.app.recorder.views_key() is None:
        return False
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        with _connect(postgres_settings(env)) as conn:
            table = f'"{env.get("POSTGRES_SCHEMA")}"."views_tracking"'
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
            return bool(row and row[0])
    name = str(env.get("SQLITE_DBNAME"))
    return name.startswith("file:") or os.path.exists(name + ".views")
