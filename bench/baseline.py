"""Baselines measured in the same run as the figures they judge.

* ``plain_save``: eventsourcing's plain batched ``save()`` of the same facts, with the default
  mapper and transcoder: one generic aggregate per subject key, one event per fact carrying
  the fact's fields, ``save()`` of every aggregate touched by a batch of facts.
* ``bare_read``: the stored facts read with one ``SELECT`` and decoded with orjson.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

KEYS = ("partnership", "mentor", "registrant", "event")


class Subject(Aggregate):
    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/subjects/{key}")

    @event("Opened")
    def __init__(self, key: str) -> None:
        self.key = key
        self.count = 0

    @event("FactRecorded")
    def add(self, fact: dict[str, Any]) -> None:
        self.count += 1


class PlainApp(Application):
    name = "PlainBaseline"


def plain_env(path: Path, store: str, pg: str | None) -> dict[str, str]:
    if store == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    from legacyledger.persistence import _postgres_env, ensure_schema

    env = _postgres_env(f"{pg}?schema=bench_plain_{int(time.time())}")
    ensure_schema(env)
    return env


def plain_save(
    facts: Iterable[dict[str, Any]],
    path: Path,
    batch: int = 2000,
    store: str = "sqlite",
    pg: str | None = None,
) -> tuple[int, float]:
    """Seconds for plain batched save() of these facts (into a fresh SQLite file or PG schema)."""
    app = PlainApp(env=plain_env(path, store, pg))
    subjects: dict[str, Subject] = {}
    pending: dict[UUID, Subject] = {}
    written = 0
    started = time.perf_counter()
    for n, fact in enumerate(facts, start=1):
        key = next((fact[k] for k in KEYS if k in fact), fact.get("target", "corrections"))
        subject = subjects.get(key)
        if subject is None:
            subject = subjects[key] = Subject(key=key)
        subject.add(fact=fact)
        pending[subject.id] = subject
        if n % batch == 0:
            written += len(app.save(*pending.values()))
            pending.clear()
    if pending:
        written += len(app.save(*pending.values()))
    elapsed = time.perf_counter() - started
    app.close()
    return n, elapsed


def bare_read(location: str | Path) -> tuple[int, float]:
    """Seconds for one ordered SELECT of the stored facts plus orjson decoding of each."""
    location = str(location)
    if location.startswith("postgresql"):
        return _bare_read_postgres(location)
    connection = sqlite3.connect(location)
    started = time.perf_counter()
    count = 0
    cursor = connection.execute("SELECT rowid, state FROM stored_events ORDER BY rowid")
    while rows := cursor.fetchmany(5000):
        for _, state in rows:
            orjson.loads(state)
            count += 1
    elapsed = time.perf_counter() - started
    connection.close()
    return count, elapsed


def _bare_read_postgres(dsn: str) -> tuple[int, float]:
    import psycopg

    from legacyledger.persistence import _postgres_env

    env = _postgres_env(dsn)
    base = dsn.split("?")[0]
    count = 0
    with psycopg.connect(base) as conn:
        started = time.perf_counter()
        with conn.cursor(name="bare_read") as cursor:
            cursor.itersize = 5000
            cursor.execute(
                "SELECT notification_id, state "
                f'FROM "{env["POSTGRES_SCHEMA"]}".legacyledger_events '
                "ORDER BY notification_id"
            )
            for _, state in cursor:
                orjson.loads(state)
                count += 1
        elapsed = time.perf_counter() - started
    return count, elapsed
