"""The ``Ledger``: one entry point for recording facts and reading the ledger back.

Use cases are short: an import (``legacyledger.application.importer``) is read in chunks,
checked against compact subjects (whose guards enforce the rules), and written in batched
transactions together with its ``source_ref`` index once every line has passed. Reads go to
the stored facts in ledger order (positions are eventsourcing notification ids).
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError

from legacyledger.application.importer import (
    FRAMEWORK_LOADED,
    ImportResult,
    Progress,
    import_all,
    silent,
)
from legacyledger.domain import AGGREGATES, Subject
from legacyledger.domain.corrections import CORRECTED, VOIDED
from legacyledger.facts.mapping import ColumnMapping
from legacyledger.facts.parsing import ImportRejected
from legacyledger.facts.sheets import SUFFIXES, Spreadsheets, open_tables
from legacyledger.frameworks import (
    Framework,
    FrameworkError,
    FrameworkRegistry,
    document,
    framework_of,
    shipped_frameworks,
)
from legacyledger.persistence import (
    READ_ONLY,
    SQLITE_PATH,
    LedgerApplication,
    ensure_schema,
    environment_for,
    iter_states,
    loader,
    read_only_uri,
    readable_in_place,
    schema_lock,
    topics_of,
    verify_chain,
)
from legacyledger.projections.base import FactRecord
from legacyledger.views import Explanation, FigureDiff, Views, build_views, diff, explain

if TYPE_CHECKING:
    from legacyledger.persistence import ChainCheck

__all__ = [
    "FRAMEWORK_LOADED", "ImportResult", "Ledger", "LedgerClosed", "LedgerReadOnly", "Progress",
]

#: Where the CLI looks when no ``--ledger`` is given.
LEDGER_ENV = "LEGACYLEDGER_LEDGER"
DEFAULT_LOCATION = "ledger.db"
#: Facts per write transaction: large enough that commits are cheap, small enough that a
#: crash loses little work to redo (measurements in bench/README.md).
DEFAULT_BATCH_SIZE = 5000
KINDS = {cls.__name__.lower(): cls for cls in AGGREGATES} | {
    cls.KEY_FIELD: cls for cls in AGGREGATES
}
#: Subjects a Ledger keeps in memory between imports (see ``Ledger.subjects``).
SUBJECTS_KEPT = 2000


class Ledger:
    """An event-sourced ledger of one programme's facts (SQLite file, PostgreSQL, memory)."""

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        frameworks: Iterable[Framework] | None = None,
        create: bool = True,
        read_only: bool = False,
    ) -> None:
        """Open the ledger at ``location``; one that is not there is created, unless not
        ``create`` (then :class:`~legacyledger.persistence.LedgerNotFound`). ``read_only``:
        nothing is created or written (a SQLite file is opened read-only, so a file or
        filesystem that cannot be written can be read); recording raises
        :class:`LedgerReadOnly`."""
        self.location = str(location or os.environ.get(LEDGER_ENV) or DEFAULT_LOCATION)
        self.read_only = read_only
        env = environment_for(self.location, read_only)
        ensure_schema(env, create and not read_only)
        with schema_lock(env):
            self._app: LedgerApplication | None = _opened(env)
        self.batch_size = batch_size
        #: Imports planned again after a concurrent writer changed a subject first.
        self.conflicts_retried = 0
        #: Subjects as this process last wrote them, most recent last: a later import takes
        #: one from here instead of replaying its history when the stored version is still
        #: the one it has (another writer may have moved it on). They are compact: state, no
        #: history (``Subject.compact``).
        self.subjects: OrderedDict[UUID, Subject] = OrderedDict()
        self.subjects_kept = SUBJECTS_KEPT
        #: The catalogue the frameworks recorded in the ledger join (default: the shipped ones).
        self.base_frameworks = tuple(
            shipped_frameworks().values() if frameworks is None else frameworks
        )
        self._recorded: list[tuple[int, Framework]] = []
        self._recorded_to = 0

    @property
    def app(self) -> LedgerApplication:
        """The eventsourcing application (raises :class:`LedgerClosed` after ``close``)."""
        if self._app is None:
            raise LedgerClosed(f"the ledger at {self.location} was closed: open it again")
        return self._app

    def close(self) -> None:
        """Release the store's connections (``with Ledger(...)`` does it on leaving); using
        the ledger afterwards raises :class:`LedgerClosed` (closing again does nothing)."""
        if self._app is not None:
            self._app.close()
            self._app = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- facts in ----------------------------------------------------------------------------

    def record(self, fact: Mapping[str, Any]) -> ImportResult:
        """Record one fact (a dict in the interchange format), with the same checks as import."""
        return self.import_facts([fact])

    def import_file(
        self, path: str | os.PathLike[str], progress: Progress | None = None,
        mapping: ColumnMapping | None = None,
    ) -> ImportResult:
        """Import a JSON Lines file, or a ``.csv`` or ``.xlsx`` spreadsheet (one fact per row,
        read through ``mapping`` when given): all-or-nothing, as :meth:`import_facts`. A
        spreadsheet's errors give its row as ``line`` and its column as ``field``."""
        if str(path).lower().endswith(SUFFIXES):
            return self._import_sheets(Spreadsheets(open_tables(path), mapping), progress)
        with Path(path).open("rb") as lines:
            return self.import_facts(lines, progress)

    def _import_sheets(self, sheets: Spreadsheets, progress: Progress | None) -> ImportResult:
        try:
            return self.import_facts(sheets.facts(), progress)
        except ImportRejected as rejected:
            errors = map(sheets.relocated, rejected.errors)
            raise ImportRejected(errors, rejected.written) from None

    def import_facts(
        self, lines: Iterable[bytes | str | Mapping[str, Any]], progress: Progress | None = None
    ) -> ImportResult:
        """All-or-nothing validation, then batched writes; re-running is a no-op. A ledger
        opened read-only raises :class:`LedgerReadOnly`, having read nothing.

        On a write conflict with another process the whole import is planned again from the
        ledger as it now stands (eventsourcing brief §8, P3): committed batches are skipped
        by their ``source_ref``, the rest re-checked and written.
        """
        if self.read_only:
            raise LedgerReadOnly(
                f"the ledger at {self.location} is open read-only: nothing can be recorded "
                "(open it without read_only, on a file and filesystem that can be written)"
            )
        return import_all(self, lines, progress or silent)

    def load_framework(self, framework: Framework, on: date | None = None) -> ImportResult:
        """Record a framework version as a ``FrameworkLoaded`` fact (dated ``on``, default
        today); the same version with the same content already recorded records nothing."""
        if any(held == framework for _, held in self.recorded_frameworks()):
            return ImportResult(1, 0, 1, 0, None, None)
        return self.record(framework_fact(framework, on or date.today()))

    # -- frameworks ----------------------------------------------------------------------------

    @property
    def frameworks(self) -> FrameworkRegistry:
        """The frameworks every reader of this ledger sees: the shipped ones (or those given
        to ``Ledger``) and every framework recorded in the ledger."""
        return self.frameworks_at(self.head())

    def frameworks_at(self, position: int) -> FrameworkRegistry:
        """The frameworks as known at ledger ``position``: one recorded later is not there.
        A recorded version wins over a given one with the same id and version."""
        registry = FrameworkRegistry(shipped=False)
        for at, framework in self.recorded_frameworks():
            if at <= position:
                registry.register(framework)
        for framework in self.base_frameworks:
            with contextlib.suppress(FrameworkError):
                registry.register(framework)
        return registry

    def recorded_frameworks(self) -> tuple[tuple[int, Framework], ...]:
        """Every framework version recorded in the ledger, with its position, in ledger
        order (read once; later calls read only what was recorded since)."""
        head = self.head()
        if head > self._recorded_to:
            for record in self.records(self._recorded_to, head, names=[FRAMEWORK_LOADED]):
                origin = f"{FRAMEWORK_LOADED} at position {record.position}"
                self._recorded.append((record.position, framework_of(record.fact["content"],
                                                                     origin)))
            self._recorded_to = head
        return tuple(self._recorded)

    # -- facts out ---------------------------------------------------------------------------

    def head(self) -> int:
        """The position of the last stored fact (0 for an empty ledger)."""
        return int(self.app.recorder.max_notification_id() or 0)

    def count(self) -> int:
        """How many facts the ledger holds."""
        return int(self.app.recorder.count_events())  # type: ignore[attr-defined]

    def records(
        self,
        start: int = 0,
        stop: int | None = None,
        batch: int = 5000,
        names: Iterable[str] | None = None,
    ) -> Iterator[FactRecord]:
        """Stored facts after position ``start`` up to ``stop``, in ledger order; only the
        facts named in ``names`` when given (filtered in SQL, so the rest are never decoded)."""
        topics = topics_of(names) if names is not None else ()
        loads = loader()
        for position, state in iter_states(self.app.recorder, start, stop, batch, topics):
            yield FactRecord(position, loads(state))

    def verify_chain(self) -> ChainCheck:
        """Recompute the hash chain over every stored fact; names the first position that
        does not match (an edited, inserted or deleted fact)."""
        return verify_chain(self.app.recorder)

    def chain_head(self) -> tuple[int, str | None]:
        """The last chained position and its link (hex): quote it to pin what you saw."""
        return self.app.recorder.chain_head()  # type: ignore[attr-defined,no-any-return]

    def chain_link(self, position: int) -> str | None:
        """The hash-chain link at ``position`` (hex), which pins every fact up to it."""
        return self.app.recorder.link_at(position)  # type: ignore[attr-defined,no-any-return]

    def records_at(self, positions: Iterable[int]) -> Iterator[FactRecord]:
        """The stored facts at these positions, in ledger order."""
        rows = self.app.recorder.read_positions(sorted(positions))  # type: ignore[attr-defined]
        loads = loader()
        return (FactRecord(position, loads(state)) for position, state in rows)

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before ``moment`` (0 if none)."""
        return int(self.app.recorder.position_at(moment.astimezone(UTC)))  # type: ignore[attr-defined]

    # -- figures -------------------------------------------------------------------------------

    def views(self, as_of: date | None = None, known_at: int | datetime | str | None = None,
              families: Iterable[str] | None = None,
              params: Mapping[str, Mapping[str, Any]] | None = None) -> Views:
        """Every projection's view as known at ``known_at`` for business date ``as_of``."""
        return build_views(self, as_of, known_at, families, params)

    def explain(self, figure_id: str, as_of: date | None = None,
                known_at: int | datetime | str | None = None,
                params: Mapping[str, Mapping[str, Any]] | None = None) -> Explanation:
        """A figure's derivation and the stored facts that contributed to it."""
        return explain(self, figure_id, as_of, known_at, params)

    def diff(self, figure_id: str, known_at_a: int | datetime | str,
             known_at_b: int | datetime | str, as_of: date | None = None,
             params: Mapping[str, Mapping[str, Any]] | None = None) -> FigureDiff:
        """How a figure changed between two knowledge cut-offs, and which facts changed it."""
        return diff(self, figure_id, known_at_a, known_at_b, as_of, params)

    def export_lines(self, stop: int | None = None) -> Iterator[bytes]:
        """The ledger as interchange JSON Lines: import them into an empty ledger and export
        again, and the bytes are identical."""
        loads = loader()
        for _, state in iter_states(self.app.recorder, 0, stop):
            yield orjson.dumps(interchange(loads(state))) + b"\n"

    def export(self, out: IO[bytes], stop: int | None = None) -> int:
        """Write :meth:`export_lines` (up to position ``stop``) to ``out``; the count written."""
        count = 0
        for line in self.export_lines(stop):
            out.write(line)
            count += 1
        return count

    def history(self, kind: str, key: str, known_at: int | None = None) -> list[FactRecord]:
        """One subject's facts (corrections included) in order, optionally as known at a
        position."""
        cls = subject_class(kind)
        rows = self.app.recorder.read_aggregate(cls.id_for(key))  # type: ignore[attr-defined]
        loads = loader()
        return [
            FactRecord(position, loads(state))
            for position, _, state in rows
            if known_at is None or position <= known_at
        ]

    def subject(self, kind: str, key: str, known_at: int | None = None) -> Subject:
        """A subject's state now, or as it stood at ledger position ``known_at``."""
        cls = subject_class(kind)
        version = None
        if known_at is not None:
            rows = self.app.recorder.read_aggregate(cls.id_for(key))  # type: ignore[attr-defined]
            versions = [v for position, v, _ in rows if position <= known_at]
            if not versions:
                raise KeyError(f"{kind} {key} was not known at position {known_at}")
            version = versions[-1]
        try:
            return self.app.repository.get(cls.id_for(key), version=version)
        except AggregateNotFoundError:
            raise KeyError(f"no {kind} {key} in the ledger") from None




class LedgerReadOnly(PermissionError):
    """A write to a ledger opened read-only."""


class LedgerClosed(RuntimeError):
    """A ledger used after ``close()``."""


def _opened(env: dict[str, str]) -> LedgerApplication:
    """The application on ``env``; a SQLite file opened read-only that cannot be read so
    (its directory cannot be written: no ``-shm`` beside it) is opened as immutable."""
    if env.get(READ_ONLY) and SQLITE_PATH in env and not readable_in_place(env[SQLITE_PATH]):
        env["SQLITE_DBNAME"] = read_only_uri(env[SQLITE_PATH], immutable=True)
    return LedgerApplication(env=env)


def subject_class(kind: str) -> type[Subject]:
    try:
        return (
            KINDS[kind.lower().replace("_", "")]
            if kind.lower() not in KINDS
            else KINDS[kind.lower()]
        )
    except KeyError:
        raise KeyError(
            f"unknown kind {kind!r}: use partnership, mentor, registrant or event"
        ) from None


def interchange(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored fact as the public format: no envelope; corrections carry no key."""
    fact = {k: v for k, v in stored.items() if k != "recorded_at"}
    if fact["fact"] in (CORRECTED, VOIDED):
        for key in ("partnership", "mentor", "registrant", "event"):
            fact.pop(key, None)
    return fact


def framework_fact(framework: Framework, on: date) -> dict[str, Any]:
    """The ``FrameworkLoaded`` fact that records ``framework`` (its ref derives from it)."""
    return {"fact": FRAMEWORK_LOADED, "framework": framework.id, "version": framework.version,
            "on": on.isoformat(), "content": document(framework)}  # fmt: skip
