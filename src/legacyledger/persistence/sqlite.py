"""eventsourcing's SQLite recorder, plus the source_ref index, the links index and the hash
chain."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTransaction,
)

from legacyledger.persistence.append_only import sqlite_triggers
from legacyledger.persistence.chain import GENESIS, _bytes, chain_links
from legacyledger.persistence.clock import (
    Clock,
    next_stamp,
    search_position,
    stamp_of,
    stamped,
    system_clock,
)
from legacyledger.persistence.guard import WriteGuard

REF_BATCH = 500
#: The links index's columns before it was a log (0.1.0 and the first 0.2 development ledgers).
OLD_LINKS = ("subject", "day", "source_ref", "fact")


def _columns(c: SQLiteCursor, table: str) -> tuple[str, ...]:
    c.execute(f"PRAGMA table_info({table})")
    return tuple(row[1] for row in c.fetchall())


class _WriteTransaction(SQLiteTransaction):
    """A transaction that takes the write lock when it begins (eventsourcing's ``BEGIN``
    waits for the first write), so what it reads first is what it writes after."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        return cursor


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, *args: Any, **kwargs: Any) -> None:
        super().__init__(datastore, *args, **kwargs)
        #: Read for ``recorded_at`` under the write lock (tests give a fake one).
        self.clock: Clock = system_clock

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS source_refs (source_ref TEXT PRIMARY KEY, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
            "digest TEXT NOT NULL) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS fact_chain (position INTEGER PRIMARY KEY, "
            "link BLOB NOT NULL)",
            # Which facts on other subjects name a subject, on which day (see
            # legacyledger.domain.links): a withdrawal or closure must not precede them.
            # Append-only like the facts: each change of a link is a new row ``n``, and the
            # link stands while its last row is ``live``.
            "CREATE TABLE IF NOT EXISTS fact_links (subject TEXT NOT NULL, day TEXT NOT NULL, "
            "source_ref TEXT NOT NULL, n INTEGER NOT NULL, fact TEXT NOT NULL, "
            "live INTEGER NOT NULL, PRIMARY KEY (subject, day, source_ref, n)) WITHOUT ROWID",
            # The key that seals the persisted views' rows (legacyledger.views.store.seals),
            # made once with the ledger.
            "CREATE TABLE IF NOT EXISTS views_key (key BLOB NOT NULL)",
            *sqlite_triggers(
                (self.events_table_name, "source_refs", "fact_chain", "fact_links", "views_key")
            ),
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        """Before the tables are made: a links index kept by an earlier release (rows
        deleted when a link moved) becomes the log, each of its rows a standing link. After:
        the key sealing the persisted views is made once."""
        if _columns(c, "fact_links") == OLD_LINKS:
            c.execute("ALTER TABLE fact_links RENAME TO fact_links_before_log")
            super()._create_table(c)
            c.execute("INSERT INTO fact_links SELECT subject, day, source_ref, 1, fact, 1 "
                      "FROM fact_links_before_log")
            c.execute("DROP TABLE fact_links_before_log")
        else:
            super()._create_table(c)
        # Written only when missing: opening a ledger must not take the write lock.
        c.execute("SELECT count(*) FROM views_key")
        if not c.fetchone()[0]:
            c.execute("INSERT INTO views_key VALUES (?)", (secrets.token_bytes(32),))

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with (
            self.datastore.get_connection(commit=True) as connection,
            _WriteTransaction(connection, commit=True) as c,
            c,
        ):
            return self._insert_events(c, stored_events, **kwargs)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        guard = kwargs.get("guard")
        if guard:
            self._check_guard(c, guard)
        c.execute(f"SELECT state FROM {self.events_table_name} ORDER BY rowid DESC LIMIT 1")
        row = c.fetchone()
        stored_events = stamped(stored_events, next_stamp(self.clock, row and row[0]))
        c.executemany(
            self.insert_events_statement,
            [(s.originator_id.hex, s.originator_version, s.topic, s.state) for s in stored_events],  # type: ignore[union-attr]
        )
        refs = kwargs.get("source_refs")
        if refs:
            c.executemany(
                "INSERT INTO source_refs VALUES (?,?,?,?)",
                [(r, i.hex, v, d) for r, i, v, d in refs],
            )
        for adding, rows in kwargs.get("links") or ():
            c.executemany(
                "INSERT INTO fact_links SELECT ?1, ?2, ?3, COALESCE(MAX(n), 0) + 1, ?4, ?5 "
                "FROM fact_links WHERE subject = ?1 AND day = ?2 AND source_ref = ?3",
                [(s.hex, d, r, f, int(adding)) for s, d, r, f in rows],
            )
        # Inside the write transaction rowids are max + 1, so the batch is contiguous.
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        last = int(c.fetchone()[0])
        positions = list(range(last - len(stored_events) + 1, last + 1))
        c.execute("SELECT link FROM fact_chain ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        previous = bytes(row[0]) if row else GENESIS
        c.executemany(
            "INSERT INTO fact_chain VALUES (?, ?)", chain_links(previous, positions, stored_events)
        )
        return positions

    def _check_guard(self, c: SQLiteCursor, guard: WriteGuard) -> None:
        """Under the write lock, before this write: what its rules read is as they read it."""
        ids = list(guard.versions)
        versions = self._versions(c, ids)
        links: dict[UUID, list[tuple[str, str]]] = {}
        for subject, day in guard.links:
            links.setdefault(subject, []).extend(
                (on, ref) for on, ref, _ in self._later_links(c, subject, day)
            )
        guard.check(versions, links)

    def lookup_refs(self, refs: Sequence[str]) -> dict[str, tuple[UUID, int, str]]:
        found: dict[str, tuple[UUID, int, str]] = {}
        with self.datastore.transaction(commit=False) as c:
            for i in range(0, len(refs), REF_BATCH):
                chunk = refs[i : i + REF_BATCH]
                marks = ",".join("?" * len(chunk))
                c.execute(f"SELECT * FROM source_refs WHERE source_ref IN ({marks})", chunk)
                for row in c.fetchall():
                    found[row[0]] = (UUID(row[1]), row[2], row[3])
        return found

    def later_links(self, subject: UUID, after: str) -> list[tuple[str, str, str]]:
        """(day, source_ref, fact) of the facts naming ``subject`` dated after ``after``."""
        with self.datastore.transaction(commit=False) as c:
            return self._later_links(c, subject, after)

    def _later_links(
        self, c: SQLiteCursor, subject: UUID, after: str
    ) -> list[tuple[str, str, str]]:
        # SQLite gives the bare columns of the row holding MAX(n): the link's last change.
        c.execute(
            "SELECT day, source_ref, fact, live, MAX(n) FROM fact_links "
            "WHERE subject = ? AND day > ? GROUP BY day, source_ref "
            "ORDER BY day DESC, source_ref",
            (subject.hex, after),
        )
        return [(row[0], row[1], row[2]) for row in c.fetchall() if row[3]]

    def all_links(self) -> list[tuple[UUID, str, str, str]]:
        """Every standing link of the index: (subject, day, source_ref, fact)."""
        with self.datastore.transaction(commit=False) as c:
            if _columns(c, "fact_links") == OLD_LINKS:  # opened read-only, not yet a log
                c.execute("SELECT subject, day, source_ref, fact, 1 FROM fact_links")
            else:
                c.execute("SELECT subject, day, source_ref, fact, live, MAX(n) FROM fact_links "
                          "GROUP BY subject, day, source_ref")
            return [(UUID(r[0]), r[1], r[2], r[3]) for r in c.fetchall() if r[4]]

    def count_refs(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM source_refs")
            return int(c.fetchone()[0])

    def stored_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The last stored version of each of these aggregates that has any (one query per
        500 ids, each answered from the primary key's index)."""
        with self.datastore.transaction(commit=False) as c:
            return self._versions(c, ids)

    def _versions(self, c: SQLiteCursor, ids: Sequence[UUID]) -> dict[UUID, int]:
        found: dict[UUID, int] = {}
        for i in range(0, len(ids), REF_BATCH):
            chunk = [u.hex for u in ids[i : i + REF_BATCH]]
            marks = ",".join("?" * len(chunk))
            c.execute(
                f"SELECT originator_id, MAX(originator_version) FROM {self.events_table_name} "
                f"WHERE originator_id IN ({marks}) GROUP BY originator_id",
                chunk,
            )
            found.update((UUID(row[0]), int(row[1])) for row in c.fetchall())
        return found

    def read_states(
        self, after: int, stop: int | None, limit: int, topics: Sequence[str] = ()
    ) -> list[tuple[int, bytes]]:
        sql = f"SELECT rowid, state FROM {self.events_table_name} WHERE rowid > ?"
        params: list[Any] = [after]
        if stop is not None:
            sql += " AND rowid <= ?"
            params.append(stop)
        if topics:
            sql += f" AND topic IN ({','.join('?' * len(topics))})"
            params.extend(topics)
        sql += " ORDER BY rowid LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            raw = c.sqlite_cursor
            # Plain tuples: the connection's sqlite3.Row factory costs ~40% of a full read.
            raw.row_factory = None
            raw.execute(sql, params)
            rows: list[tuple[int, bytes]] = raw.fetchall()
            return rows

    def read_aggregate(self, originator_id: UUID) -> list[tuple[int, int, bytes]]:
        """(position, version, state) of one aggregate's facts, in version order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_version, state FROM {self.events_table_name} "
                "WHERE originator_id = ? ORDER BY originator_version",
                (originator_id.hex,),
            )
            return [(row[0], row[1], row[2]) for row in c.fetchall()]

    def read_positions(self, positions: Sequence[int]) -> list[tuple[int, bytes]]:
        rows: list[tuple[int, bytes]] = []
        with self.datastore.transaction(commit=False) as c:
            for i in range(0, len(positions), REF_BATCH):
                chunk = list(positions[i : i + REF_BATCH])
                marks = ",".join("?" * len(chunk))
                c.execute(
                    f"SELECT rowid, state FROM {self.events_table_name} WHERE rowid IN ({marks})",
                    chunk,
                )
                rows.extend((row[0], row[1]) for row in c.fetchall())
        return sorted(rows)

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before ``moment``: a bisection of rowids."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT IFNULL(MAX(rowid), 0) FROM {self.events_table_name}")
            head = int(c.fetchone()[0])

            def first_from(position: int) -> tuple[int, datetime] | None:
                c.execute(
                    f"SELECT rowid, state FROM {self.events_table_name} WHERE rowid >= ? "
                    "ORDER BY rowid LIMIT 1",
                    (position,),
                )
                row = c.fetchone()
                if row is None:
                    return None
                stamp = stamp_of(_bytes(row[1]))
                return None if stamp is None else (int(row[0]), stamp)

            return search_position(first_from, head, moment)

    def count_events(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {self.events_table_name}")
            return int(c.fetchone()[0])

    def views_key(self) -> bytes | None:
        """The key sealing the persisted views (None: a ledger not opened for writing since
        before there was one)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT count(*) FROM sqlite_master WHERE name = 'views_key'")
            if not c.fetchone()[0]:
                return None
            c.execute("SELECT key FROM views_key")
            row = c.fetchone()
            return None if row is None else bytes(row[0])

    def link_at(self, position: int) -> str | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT link FROM fact_chain WHERE position = ?", (position,))
            row = c.fetchone()
            return bytes(row[0]).hex() if row else None

    def count_chain(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM fact_chain")
            return int(c.fetchone()[0])

    def chain_head(self) -> tuple[int, str | None]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, link FROM fact_chain ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            return (int(row[0]), bytes(row[1]).hex()) if row else (0, None)

    def read_chain_batches(
        self, batch: int
    ) -> Iterator[list[tuple[int, StoredEvent, bytes | None]]]:
        after = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state, "
                    f"k.link FROM {self.events_table_name} e LEFT JOIN fact_chain k "
                    "ON k.position = e.rowid WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?",
                    (after, batch),
                )
                rows = [
                    (
                        r[0],
                        StoredEvent(UUID(r[1]), r[2], r[3], _bytes(r[4])),
                        None if r[5] is None else _bytes(r[5]),
                    )
                    for r in c.fetchall()
                ]
            if not rows:
                return
            yield rows
            after = rows[-1][0]
