"""Where persisted views live: a SQLite file beside the ledger, or ``views_*`` tables in the
ledger's PostgreSQL schema, behind one small SQL surface.

Both stores take ``?`` placeholders and the same ``INSERT … ON CONFLICT`` statements; table
names go through :meth:`table` and JSON columns are read through :meth:`json`. A write
transaction is serialised against other writers (SQLite ``BEGIN IMMEDIATE``; PostgreSQL row
locks taken by the conditional tracking update), a read transaction sees one consistent
state (SQLite shared lock; PostgreSQL ``REPEATABLE READ``).

The stores: :class:`~legacyledger.views.store.sqlite.SQLiteStore` and
:class:`~legacyledger.views.store.postgres.PostgresStore`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from legacyledger._version import __version__ as RELEASE
from legacyledger.views.store.seals import Sealer

#: Tables, in creation order; PostgreSQL prefixes them with ``views_``.
TABLES = ("tracking", "current_facts", "fact_corrections", "voided_facts", "snapshots", "figures",
          "parts", "pins", "groups", "meta")
INDEXES = {
    "current_facts": ("by_position", "position"),
    "fact_corrections": ("by_target", "target"),
    "figures": ("by_ordinal", "view, ordinal"),
    "groups": ("by_year", "view, fy"),
}
CURRENT_FACTS = "current_facts"
#: Tables added after the first stores were written (a store without one is older).
LATER = ("parts", "pins", "groups", "meta")


#: The layout of the tables below: a store of another layout is dropped and made again.
LAYOUT = "2"  # 2: every row sealed (legacyledger.views.store.seals)


def ddl_for(json: str, integer: str) -> dict[str, str]:
    seal = "seal TEXT NOT NULL"
    return {
        "tracking": f"(view TEXT PRIMARY KEY, position {integer} NOT NULL, {seal})",
        "current_facts": f"(source_ref TEXT PRIMARY KEY, position {integer} NOT NULL, "
        f"fact TEXT NOT NULL, key TEXT, on_date TEXT, body {json} NOT NULL, "
        f"positions {json} NOT NULL, {seal})",
        # A correction in force: its target as first recorded, its replacement and position
        # (to re-apply the others in order if it is voided).
        "fact_corrections": f"(source_ref TEXT PRIMARY KEY, target TEXT NOT NULL, "
        f"before {json} NOT NULL, {seal})",
        "voided_facts": f"(source_ref TEXT PRIMARY KEY, positions {json} NOT NULL, {seal})",
        "snapshots": f"(view TEXT PRIMARY KEY, family TEXT NOT NULL, as_of TEXT NOT NULL, "
        f"params {json} NOT NULL, position {integer} NOT NULL, built_at TEXT NOT NULL, "
        f"figures INTEGER NOT NULL, {seal})",
        "figures": f"(view TEXT NOT NULL, figure_id TEXT NOT NULL, ordinal INTEGER NOT NULL, "
        f"value TEXT, value_type TEXT, unit TEXT NOT NULL, kind TEXT, label TEXT NOT NULL, "
        f"derivation {json} NOT NULL, {seal}, PRIMARY KEY (view, figure_id))",
        # The parts that figures' contributing positions are unions of, stored once per
        # snapshot (a year's costs and every cumulative total share their months' parts).
        "parts": f"(view TEXT NOT NULL, part INTEGER NOT NULL, body {json} NOT NULL, {seal}, "
        "PRIMARY KEY (view, part))",
        # The ledger's hash-chain link at each view's position (its chain anchor), moved with
        # it: views whose anchor differs were built from another ledger history (a ledger
        # re-created at the same path).
        "pins": f"(view TEXT PRIMARY KEY, position {integer} NOT NULL, link TEXT)",
        # A family's group state behind a snapshot view (what one fact updates in place; see
        # legacyledger.views.store.costs), moved with the snapshot in one transaction.
        "groups": f"(view TEXT NOT NULL, grp TEXT NOT NULL, fy TEXT NOT NULL, "
        f"body {json} NOT NULL, {seal}, PRIMARY KEY (view, grp))",
        # The release that built the views (``release``) and their ``layout``: another
        # release's figures may follow other definitions, and its current facts other
        # upcasters.
        "meta": "(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    }


class LostRace(Exception):
    """Another worker moved a tracked position first: this transaction is rolled back."""


class ForeignViews(Exception):
    """The persisted views were built from another ledger history: the ledger's hash chain
    differs at the position they reflect (e.g. a ledger re-created at the same path)."""


def anchor_to_chain(cur: Cursor, store: Store, view: str, position: int, link: str | None) -> None:
    """Record the ledger's chain link at the position a view now reflects (same transaction)."""
    cur.execute(
        f"INSERT INTO {store.table('pins')} VALUES (?, ?, ?) ON CONFLICT (view) DO UPDATE SET "
        "position = excluded.position, link = excluded.link",
        (view, position, link),
    )


#: Values per ``IN (...)`` list.
CHUNK = 500


def select_in(cur: Cursor, sql: str, column: str, values: Iterable[Any],
              params: Sequence[Any] = ()) -> list[Any]:
    """``sql`` (ending in ``WHERE`` or ``AND``) with ``column IN (...)`` over ``values``, a
    chunk of them per query; every row found."""
    wanted = sorted(values)
    rows: list[Any] = []
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        cur.execute(f"{sql} {column} IN ({','.join('?' * len(chunk))})", (*params, *chunk))
        rows.extend(cur.fetchall())
    return rows


class Cursor:
    """A DB-API cursor that takes ``?`` placeholders on every store."""

    def __init__(self, cursor: Any, marks: str) -> None:
        self._cursor = cursor
        self._marks = marks

    def _sql(self, sql: str) -> str:
        return sql if self._marks == "?" else sql.replace("?", self._marks)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._cursor.execute(self._sql(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


class Store:
    """What both stores offer (the facade only uses this surface)."""

    where: str

    def table(self, name: str) -> str:
        raise NotImplementedError

    def json(self, column: str) -> str:
        return column

    def write(self) -> contextlib.AbstractContextManager[Cursor]:
        raise NotImplementedError

    def read(self) -> contextlib.AbstractContextManager[Cursor]:
        raise NotImplementedError

    #: Seals and checks every row (legacyledger.views.store.seals), with the ledger's key.
    sealer: Sealer

    def create(self) -> None:
        """Create the tables once. Skipped when they exist: on PostgreSQL even ``CREATE INDEX
        IF NOT EXISTS`` locks the table, which deadlocks against a worker mid-batch."""
        if self.ready():
            return
        with self.write() as cur:
            # Under the write lock: another worker may have created the tables since
            # ``ready`` (and be applying batches already); only a store written before parts,
            # pins or groups is older (issue 12: a second worker emptied a store being caught up).
            if self._older(cur) or self._built_by(cur) not in (None, self._builder()):
                # Its rows follow older formats (corrections, contributing positions, seals)
                # or another release's definitions, or they were built for another ledger
                # (one re-created at this path: another key): the views are derived, so drop
                # them; the next catch-up and refresh rebuild them.
                for name in TABLES:
                    cur.execute(f"DROP TABLE IF EXISTS {self.table(name)}")
            for name, columns in self.ddl().items():
                cur.execute(f"CREATE TABLE IF NOT EXISTS {self.table(name)} {columns}")
            cur.executemany(f"INSERT INTO {self.table('meta')} VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            list(zip(("release", "layout", "ledger"), self._builder(),
                                     strict=True)))
            for name, (suffix, columns) in INDEXES.items():
                cur.execute(
                    f"CREATE INDEX IF NOT EXISTS {self.index(name, suffix)} "
                    f"ON {self.table(name)} ({columns})"
                )
        with self.write() as cur:  # its row says the tables above are all there
            cur.execute(
                f"INSERT INTO {self.table('tracking')} VALUES (?, ?, ?) "
                "ON CONFLICT (view) DO NOTHING",
                self.tracking_row(CURRENT_FACTS, 0),
            )

    def tracking_row(self, view: str, position: int) -> tuple[Any, ...]:
        """(view, position, seal): a tracked position as stored."""
        return self.sealer.sealed("tracking", (view, position))

    def tracked(self, cur: Cursor, view: str = CURRENT_FACTS) -> int:
        """The tracked position of ``view`` (its seal checked)."""
        cur.execute(f"SELECT view, position, seal FROM {self.table('tracking')} WHERE view = ?",
                    (view,))
        return int(self.sealer.check("tracking", cur.fetchone())[1])

    def _older(self, cur: Cursor) -> bool:
        """A store written before parts, pins, groups or meta: a tracking table without them
        (a store of the same tables but another release: :meth:`_release`)."""
        found = {}
        for table in ("tracking", *LATER):
            cur.execute(self.exists_sql, (self.table_ref(table),))
            found[table] = bool(cur.fetchone()[0])
        return found["tracking"] and not all(found[table] for table in LATER)

    def _builder(self) -> tuple[str, str, str]:
        """This release, this layout, and which ledger (a seal only its key makes)."""
        return RELEASE, LAYOUT, self.sealer.seal("meta", ("ledger",))

    def _built_by(self, cur: Cursor) -> tuple[str | None, ...] | None:
        """The release, layout and ledger the views were built by (None: none recorded)."""
        cur.execute(self.exists_sql, (self.table_ref("meta"),))
        if not cur.fetchone()[0]:
            return None
        cur.execute(f"SELECT key, value FROM {self.table('meta')}")
        found = dict(cur.fetchall())
        return None if not found else tuple(found.get(k) for k in ("release", "layout", "ledger"))

    def ready(self) -> bool:
        """Every table is there, with its tracking row, and this release and layout built
        the views, for this ledger."""
        with self.read() as cur:
            for table in ("tracking", *LATER):
                cur.execute(self.exists_sql, (self.table_ref(table),))
                if not cur.fetchone()[0]:
                    return False
            cur.execute(f"SELECT count(*) FROM {self.table('tracking')} WHERE view = ?",
                        (CURRENT_FACTS,))
            return bool(cur.fetchone()[0]) and self._built_by(cur) == self._builder()

    exists_sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"

    def table_ref(self, name: str) -> str:
        return self.table(name)

    @contextlib.contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        """Held for a whole rebuild: two at once would build into the same new store."""
        yield

    def ddl(self) -> dict[str, str]:
        raise NotImplementedError

    def index(self, table: str, suffix: str) -> str:
        raise NotImplementedError

    def fresh(self) -> Store:
        """An empty store beside this one, for a rebuild (``swap_in`` makes it this one)."""
        raise NotImplementedError

    def swap_in(self, new: Store) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
