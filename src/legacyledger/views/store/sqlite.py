"""Persisted views in a SQLite file beside the ledger (``X.db.views``).

The file is in WAL mode with ``synchronous=NORMAL``: a commit is appended to the write-ahead
log without waiting for the disk (the log is synced at each checkpoint, every 1,000 pages or
so). A crash of the process loses nothing committed; a crash of the machine (power, kernel)
can lose the transactions committed since the last checkpoint, never part of one: the views
then stand whole at an earlier tracked position, and the next catch-up and refresh apply those
facts again (each batch moves its tracked position in its own transaction, so still once).

A blue/green rebuild builds a new file (``X.db.views.<token>``) and swaps it in by pointing
the name ``X.db.views`` at it: a symbolic link, replaced atomically (``os.replace``). SQLite
names a database's ``-wal``/``-shm`` files after the file the link points to, so the old and
the new database never share them. Writers check, once they hold the write lock, that the file
they have open is still the one at the path, so nobody writes into a replaced file; readers
that opened the old file keep reading it, whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator

from legacyledger.views.store.backends import Cursor, Store, ddl_for
from legacyledger.views.store.seals import Sealer


class SQLiteStore(Store):
    """A SQLite file (or shared-cache memory database) of views."""

    def __init__(self, path: str, sealer: Sealer) -> None:
        self.path = self.where = path
        self.sealer = sealer
        self.memory = path.startswith("file:")
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._open()
        self.create()

    def _open(self) -> None:
        while True:  # the file we opened is the one at the path (not swapped in between)
            before = self._stat()
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False, uri=self.memory)
            conn.execute("PRAGMA journal_mode=WAL")  # (this creates a new file)
            conn.execute("PRAGMA synchronous=NORMAL")
            after = self._stat()
            if self.memory or before is None or before == after:
                break
            conn.close()
        self._conn, self._identity = conn, after

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino)

    def replaced(self) -> bool:
        """Whether the file at the path is no longer the one this store has open."""
        return not self.memory and self._stat() != self._identity

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None or self.replaced():
            self.close()
            self._open()
            self.create()  # a no-op unless the file was deleted
        assert self._conn is not None
        return self._conn

    def table(self, name: str) -> str:
        return name

    def index(self, table: str, suffix: str) -> str:
        return f"{table}_{suffix}"

    def ddl(self) -> dict[str, str]:
        return ddl_for("TEXT", "INTEGER")

    @contextlib.contextmanager
    def write(self) -> Iterator[Cursor]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        while self.replaced():  # swapped while we waited for the lock: write the new file
            conn.execute("ROLLBACK")
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
        yield from self._finish(conn)

    @contextlib.contextmanager
    def read(self) -> Iterator[Cursor]:
        conn = self.conn
        conn.execute("BEGIN")
        yield from self._finish(conn)

    def _finish(self, conn: sqlite3.Connection) -> Iterator[Cursor]:
        try:
            yield Cursor(conn.cursor(), "?")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        if self.memory:
            yield
            return
        import fcntl

        with open(self.path + ".rebuild-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def fresh(self) -> SQLiteStore:
        if self.memory:
            base, _, query = self.path.partition("?")
            return SQLiteStore(f"{base}-{os.urandom(4).hex()}?{query}", self.sealer)
        self._remove_leftovers()
        return SQLiteStore(f"{self.path}.{os.urandom(4).hex()}", self.sealer)

    def _generations(self) -> list[str]:
        """The files of stores at the path: its own logs, and rebuilt stores beside it
        (``X.db.views.<token>``, and ``X.db.views.new`` of releases that swapped by renaming)
        with theirs, the one in use too."""
        folder, name = os.path.split(os.path.abspath(self.path))
        pattern = re.escape(name) + r"(\.[0-9a-f]{8}|\.new)?(-wal|-shm|-journal)?"
        return [os.path.join(folder, entry) for entry in os.listdir(folder)
                if entry != name and re.fullmatch(pattern, entry)]

    def _target(self) -> str:
        """The file the path names: itself, or the rebuilt store its link points to."""
        path = os.path.abspath(self.path)
        if not os.path.islink(path):
            return path
        return os.path.join(os.path.dirname(path), os.readlink(path))

    def _remove_leftovers(self) -> None:
        """Remove the files of rebuilds that never swapped in (killed midway) and of replaced
        stores (SQLite leaves a moved database's logs): all but the file in use and its logs.
        A reader still in a replaced store keeps the files it has open."""
        current = self._target()
        for leftover in self._generations():
            if re.sub("-(wal|shm|journal)$", "", leftover) != current:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(leftover)

    def swap_in(self, new: Store) -> None:
        """Point the path at the complete new file while holding the write lock on the old
        one: no writer is mid-transaction on it, and every later writer sees the swap."""
        assert isinstance(new, SQLiteStore)
        new.close()
        if self.memory:
            self.close()
            self.path = self.where = new.path
            self._open()
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            old = self._target()
            link = f"{new.path}.link"
            os.symlink(os.path.basename(new.path), link)
            os.replace(link, self.path)
            _fsync_dir(os.path.dirname(os.path.abspath(self.path)))
            if old != os.path.abspath(self.path):  # a store rebuilt before: named no more
                os.remove(old)
        finally:
            conn.execute("ROLLBACK")
        self.close()
        self._open()
        self._remove_leftovers()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
