"""eventsourcing's PostgreSQL recorder, plus the source_ref index and the hash chain.

Defined lazily so that the library imports without psycopg installed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from legacyledger.persistence.append_only import postgres_triggers
from legacyledger.persistence.chain import GENESIS, chain_links
from legacyledger.persistence.clock import (
    Clock,
    next_stamp,
    search_position,
    stamp_of,
    stamped,
    system_clock,
)
from legacyledger.persistence.guard import WriteGuard
from legacyledger.persistence.sqlite import REF_BATCH


def _postgres_recorder_class() -> type:
    """Defined lazily so that the library imports without psycopg installed."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg.sql import SQL, Identifier, Literal

    class LedgerPostgresRecorder(PostgresApplicationRecorder):
        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
            super().__init__(datastore, events_table_name=events_table_name)
            #: Read for ``recorded_at`` under the table lock (tests give a fake one).
            self.clock: Clock = system_clock
            self.refs_table = events_table_name.replace("_events", "_source_refs")
            self.chain_table = events_table_name.replace("_events", "_chain")
            self.links_table = events_table_name.replace("_events", "_links")
            links = {"schema": Identifier(datastore.schema),
                     "table": Identifier(self.links_table)}
            # Append-only like the facts: each change of a link is a new row ``n``, and the
            # link stands while its last row is ``live``.
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} (subject uuid NOT NULL, "
                    "day text NOT NULL, source_ref text NOT NULL, n bigint NOT NULL, "
                    "fact text NOT NULL, live boolean NOT NULL, "
                    "PRIMARY KEY (subject, day, source_ref, n))"
                ).format(**links)
            )
            # A links index kept by an earlier release (rows deleted when a link moved)
            # becomes the log, each of its rows a standing link.
            self.sql_create_statements.append(
                SQL(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns "
                    "WHERE table_schema = {schema_name} AND table_name = {table_name} "
                    "AND column_name = 'n') THEN "
                    "ALTER TABLE {schema}.{table} ADD COLUMN n bigint NOT NULL DEFAULT 1, "
                    "ADD COLUMN live boolean NOT NULL DEFAULT true, "
                    "DROP CONSTRAINT {pkey}, ADD PRIMARY KEY (subject, day, source_ref, n); "
                    "END IF; END $$"
                ).format(
                    schema_name=Literal(datastore.schema),
                    table_name=Literal(self.links_table),
                    pkey=Identifier(f"{self.links_table}_pkey"),
                    **links,
                )
            )
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} "
                    "(position bigint PRIMARY KEY, link bytea NOT NULL)"
                ).format(schema=Identifier(datastore.schema), table=Identifier(self.chain_table))
            )
            # The key that seals the persisted views' rows (legacyledger.views.store.seals),
            # made once with the ledger.
            self.key_table = events_table_name.replace("_events", "_views_key")
            key = {"schema": Identifier(datastore.schema), "table": Identifier(self.key_table)}
            self.sql_create_statements.append(
                SQL("CREATE TABLE IF NOT EXISTS {schema}.{table} (key bytea NOT NULL)").format(
                    **key)
            )
            self.sql_create_statements.append(
                SQL(
                    "INSERT INTO {schema}.{table} SELECT {key} "
                    "WHERE NOT EXISTS (SELECT 1 FROM {schema}.{table})"
                ).format(key=Literal(secrets.token_bytes(32)), **key)
            )
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} (source_ref text PRIMARY KEY, "
                    "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                    "digest text NOT NULL)"
                ).format(schema=Identifier(datastore.schema), table=Identifier(self.refs_table))
            )
            # Writers are serialised, so that positions follow commit order, by an advisory
            # lock rather than eventsourcing's LOCK TABLE ... IN EXCLUSIVE MODE, which
            # PostgreSQL grants only with UPDATE or DELETE on the table: an application role
            # needs INSERT and SELECT only. Readers take no lock, as before.
            self.lock_table_statements = [
                SQL("SET LOCAL lock_timeout = '{0}s'").format(datastore.lock_timeout),
                SQL("SELECT pg_advisory_xact_lock(hashtextextended({0}, 0))").format(
                    Literal(f"legacyledger writers {datastore.schema}.{events_table_name}")
                ),
            ]
            self.sql_create_statements.extend(
                SQL(statement).format()  # the statements are whole (their names are checked)
                for statement in postgres_triggers(
                    datastore.schema,
                    (events_table_name, self.refs_table, self.chain_table, self.links_table,
                     self.key_table),
                )
            )

        def _sql(self, text: str) -> Any:
            return SQL(text).format(
                schema=Identifier(self.datastore.schema),
                refs=Identifier(self.refs_table),
                chain=Identifier(self.chain_table),
                links=Identifier(self.links_table),
                key=Identifier(self.key_table),
                events=Identifier(self.events_table_name),
            )

        def _insert_events(
            self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> None:
            guard = kwargs.get("guard")
            if guard:
                self._check_guard(curs, guard)
            refs = kwargs.get("source_refs")
            if refs:
                curs.executemany(
                    self._sql("INSERT INTO {schema}.{refs} VALUES (%s,%s,%s,%s)"), refs
                )
            for adding, rows in kwargs.get("links") or ():
                curs.executemany(
                    self._sql(
                        "INSERT INTO {schema}.{links} SELECT %(s)s, %(d)s, %(r)s, "
                        "COALESCE(MAX(n), 0) + 1, %(f)s, %(live)s FROM {schema}.{links} "
                        "WHERE subject = %(s)s AND day = %(d)s AND source_ref = %(r)s"
                    ),
                    [{"s": s, "d": d, "r": r, "f": f, "live": adding} for s, d, r, f in rows],
                )

        def insert_events(
            self, stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> Sequence[int] | None:
            """``stamped`` carries the stamped states from the insert to the chain."""
            return super().insert_events(  # type: ignore[no-any-return]
                stored_events, stamped=list(stored_events), **kwargs
            )

        def _insert_stored_events(
            self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> None:
            """Stamp ``recorded_at`` once eventsourcing's table lock is held (taking it again
            below is a no-op), so stamps follow commit order."""
            self._lock_table(curs)
            curs.execute(
                self._sql(
                    "SELECT state FROM {schema}.{events} ORDER BY notification_id DESC LIMIT 1"
                )
            )
            row = curs.fetchone()
            stamp = next_stamp(self.clock, row and bytes(row["state"]))
            kwargs["stamped"][:] = stamped(stored_events, stamp)
            super()._insert_stored_events(curs, kwargs["stamped"], **kwargs)

        def _fetch_ids_after_insert_events(
            self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> Sequence[int] | None:
            """The chain links go in the same transaction, under the table lock that
            eventsourcing takes for every insert, so links follow commit order."""
            stored_events = kwargs["stamped"]
            ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            if ids:
                curs.execute(
                    self._sql("SELECT link FROM {schema}.{chain} ORDER BY position DESC LIMIT 1")
                )
                row = curs.fetchone()
                previous = bytes(row["link"]) if row else GENESIS
                curs.executemany(
                    self._sql("INSERT INTO {schema}.{chain} VALUES (%s, %s)"),
                    chain_links(previous, list(ids), stored_events),
                )
            return ids

        def _check_guard(self, curs: Any, guard: WriteGuard) -> None:
            """Under the table lock, before this write: what its rules read is as they read
            it (every writer that committed before the lock is visible now). Raised here, in
            the hook eventsourcing calls outside its ``try``, the error rolls back."""
            self._lock_table(curs)
            curs.execute(
                self._sql(
                    "SELECT originator_id, MAX(originator_version) AS v FROM {schema}.{events} "
                    "WHERE originator_id = ANY(%s) GROUP BY originator_id"
                ),
                (list(guard.versions),),
            )
            versions = {row["originator_id"]: int(row["v"]) for row in curs.fetchall()}
            links: dict[UUID, list[tuple[str, str]]] = {}
            for subject, day in guard.links:
                links.setdefault(subject, []).extend(
                    (on, ref) for on, ref, _ in self._later_links(curs, subject, day)
                )
            guard.check(versions, links)

        def _later_links(self, curs: Any, subject: UUID, after: str) -> list[tuple[str, str, str]]:
            """The standing links naming ``subject`` after a day: each link's last row."""
            curs.execute(
                self._sql(
                    "SELECT * FROM (SELECT DISTINCT ON (day, source_ref) day, source_ref, fact, "
                    "live FROM {schema}.{links} WHERE subject = %s AND day > %s "
                    "ORDER BY day, source_ref, n DESC) AS last WHERE live "
                    "ORDER BY day DESC, source_ref"
                ),
                (subject, after),
            )
            return [(row["day"], row["source_ref"], row["fact"]) for row in curs.fetchall()]

        def views_key(self) -> bytes | None:
            """The key sealing the persisted views (None: a ledger not opened by its owner
            since before there was one)."""
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute("SELECT to_regclass(%s) IS NOT NULL AS found",
                             (f'"{self.datastore.schema}"."{self.key_table}"',))
                row = curs.fetchone()
                if not (row and row["found"]):
                    return None
                curs.execute(self._sql("SELECT key FROM {schema}.{key}"))
                row = curs.fetchone()
                return None if row is None else bytes(row["key"])

        def link_at(self, position: int) -> str | None:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(
                    self._sql("SELECT link FROM {schema}.{chain} WHERE position = %s"), (position,)
                )
                row = curs.fetchone()
                return bytes(row["link"]).hex() if row else None

        def count_chain(self) -> int:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._sql("SELECT COUNT(*) AS n FROM {schema}.{chain}"))
                row = curs.fetchone()
                return int(row["n"]) if row else 0

        def chain_head(self) -> tuple[int, str | None]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(
                    self._sql(
                        "SELECT position, link FROM {schema}.{chain} "
                        "ORDER BY position DESC LIMIT 1"
                    )
                )
                row = curs.fetchone()
                return (int(row["position"]), bytes(row["link"]).hex()) if row else (0, None)

        def read_chain_batches(
            self, batch: int
        ) -> Iterator[list[tuple[int, StoredEvent, bytes | None]]]:
            after = 0
            while True:
                with self.datastore.get_connection() as conn, conn.cursor() as curs:
                    curs.execute(
                        self._sql(
                            "SELECT e.notification_id, e.originator_id, e.originator_version, "
                            "e.topic, e.state, k.link "
                            "FROM {schema}.{events} e LEFT JOIN {schema}.{chain} k "
                            "ON k.position = e.notification_id WHERE e.notification_id > %s "
                            "ORDER BY e.notification_id LIMIT %s"
                        ),
                        (after, batch),
                    )
                    rows = [
                        (
                            r["notification_id"],
                            StoredEvent(
                                r["originator_id"],
                                r["originator_version"],
                                r["topic"],
                                bytes(r["state"]),
                            ),
                            None if r["link"] is None else bytes(r["link"]),
                        )
                        for r in curs.fetchall()
                    ]
                if not rows:
                    return
                yield rows
                after = rows[-1][0]

        def lookup_refs(self, refs: Sequence[str]) -> dict[str, tuple[UUID, int, str]]:
            found: dict[str, tuple[UUID, int, str]] = {}
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                for i in range(0, len(refs), REF_BATCH):
                    curs.execute(
                        self._sql("SELECT * FROM {schema}.{refs} WHERE source_ref = ANY(%s)"),
                        (list(refs[i : i + REF_BATCH]),),
                    )
                    for row in curs.fetchall():
                        found[row["source_ref"]] = (
                            row["originator_id"], row["originator_version"], row["digest"]
                        )
            return found

        def later_links(self, subject: UUID, after: str) -> list[tuple[str, str, str]]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                return self._later_links(curs, subject, after)

        def all_links(self) -> list[tuple[UUID, str, str, str]]:
            """Every standing link of the index: (subject, day, source_ref, fact)."""
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(
                    self._sql(
                        "SELECT * FROM (SELECT DISTINCT ON (subject, day, source_ref) subject, "
                        "day, source_ref, fact, live FROM {schema}.{links} "
                        "ORDER BY subject, day, source_ref, n DESC) AS last WHERE live"
                    )
                )
                return [(r["subject"], r["day"], r["source_ref"], r["fact"])
                        for r in curs.fetchall()]

        def count_refs(self) -> int:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._sql("SELECT COUNT(*) AS n FROM {schema}.{refs}"))
                row = curs.fetchone()
                return int(row["n"]) if row else 0

        def stored_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
            found: dict[UUID, int] = {}
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                for i in range(0, len(ids), REF_BATCH):
                    curs.execute(
                        self._sql(
                            "SELECT originator_id, MAX(originator_version) AS v "
                            "FROM {schema}.{events} WHERE originator_id = ANY(%s) "
                            "GROUP BY originator_id"
                        ),
                        (list(ids[i : i + REF_BATCH]),),
                    )
                    found.update((row["originator_id"], int(row["v"])) for row in curs.fetchall())
            return found

        def read_states(
            self, after: int, stop: int | None, limit: int, topics: Sequence[str] = ()
        ) -> list[tuple[int, bytes]]:
            sql = "SELECT notification_id, state FROM {schema}.{events} WHERE notification_id > %s"
            params: list[Any] = [after]
            if stop is not None:
                sql += " AND notification_id <= %s"
                params.append(stop)
            if topics:
                sql += " AND topic = ANY(%s)"
                params.append(list(topics))
            sql += " ORDER BY notification_id LIMIT %s"
            params.append(limit)
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._sql(sql), params)
                return [(r["notification_id"], bytes(r["state"])) for r in curs.fetchall()]

        def read_aggregate(self, originator_id: UUID) -> list[tuple[int, int, bytes]]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(
                    self._sql(
                        "SELECT notification_id, originator_version, state FROM {schema}.{events} "
                        "WHERE originator_id = %s ORDER BY originator_version"
                    ),
                    (originator_id,),
                )
                return [
                    (r["notification_id"], r["originator_version"], bytes(r["state"]))
                    for r in curs.fetchall()
                ]

        def read_positions(self, positions: Sequence[int]) -> list[tuple[int, bytes]]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(
                    self._sql(
                        "SELECT notification_id, state FROM {schema}.{events} "
                        "WHERE notification_id = ANY(%s) ORDER BY notification_id"
                    ),
                    (list(positions),),
                )
                return [(r["notification_id"], bytes(r["state"])) for r in curs.fetchall()]

        def position_at(self, moment: datetime) -> int:
            """The last position recorded at or before ``moment``: a bisection of ids."""
            with self.datastore.get_connection() as conn, conn.cursor() as curs:

                def first_from(position: int) -> tuple[int, datetime] | None:
                    curs.execute(
                        self._sql(
                            "SELECT notification_id, state FROM {schema}.{events} "
                            "WHERE notification_id >= %s ORDER BY notification_id LIMIT 1"
                        ),
                        (position,),
                    )
                    row = curs.fetchone()
                    if row is None:
                        return None
                    stamp = stamp_of(bytes(row["state"]))
                    return None if stamp is None else (int(row["notification_id"]), stamp)

                return search_position(first_from, int(self.max_notification_id() or 0), moment)

        def count_events(self) -> int:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._sql("SELECT COUNT(*) AS n FROM {schema}.{events}"))
                row = curs.fetchone()
                return int(row["n"]) if row else 0

    return LedgerPostgresRecorder


LedgerPostgresRecorder: Any = None


def postgres_recorder_topic() -> str:
    global LedgerPostgresRecorder
    if LedgerPostgresRecorder is None:
        LedgerPostgresRecorder = _postgres_recorder_class()
        LedgerPostgresRecorder.__qualname__ = "LedgerPostgresRecorder"
    return f"{__name__}:LedgerPostgresRecorder"
