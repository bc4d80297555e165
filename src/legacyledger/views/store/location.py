"""Where a ledger keeps its persisted views: beside a SQLite file, or in its PostgreSQL schema."""

from __future__ import annotations

import os
from typing import Any

from legacyledger.persistence import READ_ONLY, _connect
from legacyledger.views.store.backends import Store
from legacyledger.views.store.postgres import PostgresStore
from legacyledger.views.store.sqlite import SQLiteStore


def store_for(ledger: Any) -> Store:
    """The view store of a ledger: ``X.db.views`` beside a SQLite file, ``views_*`` tables in
    a PostgreSQL schema, a shared-cache memory database beside a memory ledger."""
    env = ledger.app.env
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        return PostgresStore(postgres_settings(env))
    name = str(env.get("SQLITE_DBNAME"))
    if name.startswith("file:"):
        base, _, query = name.partition("?")
        return SQLiteStore(f"{base}-views?{query}")
    return SQLiteStore(name + ".views")


def postgres_settings(env: Any) -> dict[str, str]:
    keys = ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER",
            "POSTGRES_PASSWORD", "POSTGRES_SCHEMA")
    return {key: str(env.get(key, "")) for key in keys}


def store_exists(ledger: Any) -> bool:
    """Whether the ledger has a view store yet (without creating one). A ledger opened
    read-only has none to read: its figures are computed from its facts."""
    env = ledger.app.env
    if env.get(READ_ONLY):
        return False
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        with _connect(postgres_settings(env)) as conn:
            table = f'"{env.get("POSTGRES_SCHEMA")}"."views_tracking"'
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
            return bool(row and row[0])
    name = str(env.get("SQLITE_DBNAME"))
    return name.startswith("file:") or os.path.exists(name + ".views")
