"""Figure snapshots: which families a refresh must recompute, and their rows.

A snapshot view is named by (family, as_of, params): ``costs@2026-03-31?{}``, or
``costs@today?{}`` for one that follows the current date. Figures are stored with their value
as text plus its type, and their derivation as JSON in which dates and decimals are tagged
(``{"$date": …}``, ``{"$decimal": …}``) and every array reads back as a tuple, so a stored
figure reads back equal to the computed one. A derivation's ``known_at`` is not stored: it
is the snapshot's position (which a refresh may move without recomputing the family).

Contributing positions are stored as the tree of parts they are a union of
(:class:`~legacyledger.projections.base.PositionSet`), each node and leaf once per snapshot in
``parts``, and each figure names its root. Many figures rest on large, overlapping sets (a
cumulative total is every earlier month's costs): stored whole, the costs of 100,000 facts
were 2.3 million positions; as parts, 156,000. A figure read back is a ``PositionSet`` of its
parts (shared parts shared again), equal to the one computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from legacyledger.persistence import name_of
from legacyledger.projections.base import Derivation, Figure, PositionSet, Relation
from legacyledger.views.store.backends import Cursor, LostRace, Store, anchor_to_chain, select_in
from legacyledger.views.store.rows import dumps
from legacyledger.views.store.seals import EditedViews

if TYPE_CHECKING:
    from legacyledger.views.source import LedgerReader

Params = Mapping[str, Mapping[str, Any]]


class Snapshot(NamedTuple):
    """A stored figure snapshot: its view, family, as-of day, position, when its figures
    were last made, and how many there are."""

    view: str
    family: str
    as_of: date
    position: int
    built_at: str
    figures: int


def view_name(family: str, as_of: date | None, params: Params | None) -> str:
    """``family@as_of?params``: ``today`` for views that follow the current date."""
    return f"{family}@{as_of.isoformat() if as_of else 'today'}?{own_params(family, params)}"


def own_params(family: str, params: Params | None) -> str:
    own = dict((params or {}).get(family, {}))
    return orjson.dumps(own, option=orjson.OPT_SORT_KEYS, default=str).decode()


def names_between(ledger: LedgerReader, after: int, upto: int) -> frozenset[str]:
    """The fact names recorded in (after, upto], from the stored topics (nothing decoded)."""
    recorder: Any = ledger.app.recorder
    table = recorder.events_table_name
    if hasattr(recorder.datastore, "schema"):  # PostgreSQL
        sql = (f'SELECT DISTINCT topic FROM "{recorder.datastore.schema}"."{table}" '
               "WHERE notification_id > %s AND notification_id <= %s")
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, (after, upto))
            topics = [row["topic"] for row in curs.fetchall()]
    else:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT DISTINCT topic FROM {table} WHERE rowid > ? AND rowid <= ?",
                      (after, upto))
            topics = [row[0] for row in c.fetchall()]
    return frozenset(name_of(topic).fact for topic in topics)


def _snapshot_sql(store: Store) -> str:
    return (f"SELECT view, family, as_of, {store.json('params')}, position, built_at, figures, "
            f"seal FROM {store.table('snapshots')}")


def select_snapshots(store: Store, cur: Cursor, view: str | None = None) -> list[Snapshot]:
    """The stored snapshots (of ``view`` only), their seals checked."""
    cur.execute(_snapshot_sql(store) + (" WHERE view = ?" if view else " ORDER BY view"),
                (view,) if view else ())
    found = []
    for row in cur.fetchall():
        v, f, a, _, p, b, n = store.sealer.check("snapshots", row)
        found.append(Snapshot(v, f, date.fromisoformat(a), int(p), b, int(n)))
    return found


def _figures_sql(store: Store) -> str:
    return (f"SELECT view, figure_id, value, value_type, unit, kind, label, "
            f"{store.json('derivation')}, seal FROM {store.table('figures')} WHERE view = ?")


def select_figures(store: Store, cur: Cursor, snapshot: Snapshot) -> tuple[Figure, ...]:
    """Every figure of a snapshot, in order; EditedViews if a row's seal fails or a figure
    is missing."""
    cur.execute(_figures_sql(store) + " ORDER BY ordinal", (snapshot.view,))
    rows = [store.sealer.check("figures", row) for row in cur.fetchall()]
    if len(rows) != snapshot.figures:
        raise EditedViews(f"the persisted views hold {len(rows)} figures of {snapshot.view}, "
                          f"not the {snapshot.figures} written: run `legacyledger views rebuild`")
    parts = PartReader(_select_parts(store, cur, snapshot.view, None))
    return tuple(figure_of(row[1:], snapshot.position, parts) for row in rows)


def select_figure(
    store: Store, cur: Cursor, view: str, figure_id: str, known_at: int
) -> Figure | None:
    """One figure of a snapshot, by its primary key (view, figure_id), with only its parts
    (read level by level: a figure's parts are a shallow tree)."""
    cur.execute(_figures_sql(store) + " AND figure_id = ?", (view, figure_id))
    found = cur.fetchone()
    if found is None:
        return None
    row = store.sealer.check("figures", found)[1:]
    stored = orjson.loads(row[6])["contributing"]
    bodies: dict[int, Any] = {}
    wanted = [stored["root"]] if isinstance(stored, dict) else []
    while wanted:
        found = _select_parts(store, cur, view, wanted)
        bodies.update(found)
        wanted = sorted({child for body in found.values() if isinstance(body, dict) and "n" in body
                         for child in [*body["n"], *([body["m"]] if body["m"] is not None else [])]
                         if child not in bodies})
    return figure_of(row, known_at, PartReader(bodies))


def _select_parts(
    store: Store, cur: Cursor, view: str, wanted: Sequence[int] | None
) -> dict[int, Any]:
    """Stored part bodies of a snapshot (all, or the ``wanted`` ones), as decoded JSON."""
    sql = (f"SELECT view, part, {store.json('body')}, seal FROM {store.table('parts')} "
           "WHERE view = ?")
    if wanted is None:
        rows = cur.execute(sql, (view,)).fetchall()
    else:
        rows = select_in(cur, f"{sql} AND", "part", wanted, (view,))
    checked = (store.sealer.check("parts", row) for row in rows)
    return {int(part): orjson.loads(body) for _, part, body in checked}


class PartReader:
    """Stored parts back as the objects they were: positions as tuples, maps of corrected
    positions as dicts, nodes as PositionSets (each built once, so shared parts stay shared)."""

    def __init__(self, bodies: Mapping[int, Any]) -> None:
        self.bodies = bodies
        self.built: dict[int, Any] = {}

    def __getitem__(self, number: int) -> Any:
        found = self.built.get(number)
        if found is None:
            body = self.bodies.get(number)
            if body is None:
                raise EditedViews(f"a part of the persisted views ({number}) is missing: run "
                                  "`legacyledger views rebuild`")
            if isinstance(body, list):
                found = tuple(body)
            elif "x" in body:
                found = {int(k): tuple(v) for k, v in body["x"].items()}
            else:
                more = None if body["m"] is None else self[body["m"]]
                found = PositionSet([self[child] for child in body["n"]], more)
            self.built[number] = found
        return found


class Parts:
    """The parts of one snapshot being written, each numbered once (by identity): every
    PositionSet node (its parts and its map of corrected positions), every leaf of positions
    (stored sorted and distinct), every map."""

    def __init__(self, start: int = 0) -> None:
        """``start``: the first new part's number (parts already stored come before it)."""
        self.start = start
        self.numbers: dict[int, int] = {}
        self.rows: list[tuple[int, str]] = []
        self._keep: list[Any] = []  # the numbered objects, so that their ids stay theirs
        self._tagged: dict[int, Any] = {}

    def stored(self, part: Any, number: int) -> None:
        """``part`` is stored already, as ``number``: name it so, never write it again."""
        self.numbers[id(part)] = number
        self._keep.append(part)

    def number_of(self, part: Any) -> int | None:
        return self.numbers.get(id(part))

    def tagged(self, parameters: Any) -> Any:
        """A derivation's parameters as stored; figures of one maker share the mapping, so
        it is tagged once (by identity, kept alive with the parts)."""
        found = self._tagged.get(id(parameters))
        if found is None:
            found = self._tagged[id(parameters)] = _tagged(parameters)
            self._keep.append(parameters)
        return found

    def _number(self, part: Any, body: Callable[[], Any]) -> int:
        """The part's number, numbering it (and storing ``body()``) the first time."""
        found = self.numbers.get(id(part))
        if found is None:
            content = dumps(body())  # a node numbers its parts first
            found = self.numbers[id(part)] = self.start + len(self.rows)
            self.rows.append((found, content))
            self._keep.append(part)
        return found

    def node(self, positions: PositionSet) -> int:
        return self._number(positions, lambda: {
            "n": [self.node(part) if part.__class__ is PositionSet else self.leaf(part)
                  for part in positions.parts],
            "m": None if positions.more is None else self.more(positions.more),
        })

    def leaf(self, positions: Any) -> int:
        return self._number(positions, lambda: sorted(set(positions)))

    def more(self, more: Mapping[int, tuple[int, ...]]) -> int:
        return self._number(more, lambda: {"x": {str(k): list(v) for k, v in more.items()}})

    def contributing(self, derivation: Derivation) -> Any:
        """A derivation's contributing positions as stored: a list, or its root node."""
        positions = derivation._contributing
        if not isinstance(positions, PositionSet):
            return list(positions)
        return {"root": self.node(positions)}


def write_snapshot(store: Store, family: str, as_of: date | None, day: date,
                   params: Params | None, old: int | None, position: int,
                   figures: Sequence[Figure] | None, link: str | None = None,
                   also: Callable[[Cursor], None] | None = None, parts: Parts | None = None,
                   some: bool = False) -> bool:
    """Move a snapshot from position ``old`` (None: there is none yet) to ``position``, with
    its new figures (None: unchanged) and the ledger's chain ``link`` there, in one
    transaction; False if another worker moved it first (the transaction is rolled back).
    See :func:`snapshot_write` for the rest."""
    write = snapshot_write(store, family, as_of, day, params, old, position, figures, link,
                           also, parts, some)
    return write_snapshots(store, [write])[0]


SnapshotWrite = Callable[[Cursor], None]


def write_snapshots(store: Store, writes: Sequence[SnapshotWrite]) -> list[bool]:
    """Several snapshot writes in one transaction (one commit), each under its own savepoint:
    one whose snapshot another worker moved first is rolled back alone (False)."""
    done = []
    with store.write() as cur:
        for i, write in enumerate(writes):
            cur.execute(f"SAVEPOINT snapshot_{i}")
            try:
                write(cur)
            except LostRace:
                cur.execute(f"ROLLBACK TO SAVEPOINT snapshot_{i}")
                done.append(False)
            else:
                done.append(True)
            cur.execute(f"RELEASE SAVEPOINT snapshot_{i}")
    return done


def snapshot_write(store: Store, family: str, as_of: date | None, day: date,
                   params: Params | None, old: int | None, position: int,
                   figures: Sequence[Figure] | None, link: str | None = None,
                   also: Callable[[Cursor], None] | None = None, parts: Parts | None = None,
                   some: bool = False) -> SnapshotWrite:
    """A snapshot's move from position ``old`` (None: there is none yet) to ``position``, with
    its new figures (None: unchanged) and the ledger's chain ``link`` there, to run in a
    write transaction; it raises :class:`LostRace` if another worker moved it first. The
    figures' rows are made now, outside any transaction.

    ``some``: ``figures`` replace only the stored figures with their ids (which must all be
    there), their new parts numbered from ``parts.start`` on after the stored ones (the
    stored parts they name are in ``parts`` already); else they are all the figures, and
    replace every stored one. ``also(cursor)`` writes more in the same transaction (a family's
    group state), after the figures' parts are numbered."""
    view = view_name(family, as_of, params)
    t, sealed = store.table, store.sealer.sealed
    now = datetime.now(UTC).isoformat(timespec="seconds")
    parts = Parts() if parts is None else parts
    rows = [] if figures is None else [
        (*row, store.sealer.seal("figures", (*row[:2], *row[3:])))
        for row in (figure_row(view, i, f, parts) for i, f in enumerate(figures))]
    own = own_params(family, params)

    def write(cur: Cursor) -> None:
        if old is None:
            assert figures is not None and not some
            cur.execute(f"INSERT INTO {t('snapshots')} VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (view) DO NOTHING",
                        sealed("snapshots", (view, family, day.isoformat(), own, position, now,
                                             len(rows))))
        else:
            found = select_snapshots(store, cur, view)
            if not found or found[0].position != old:
                raise LostRace(old)
            stored = found[0]
            built_at, count = ((stored.built_at, stored.figures) if figures is None
                               else (now, stored.figures if some else len(rows)))
            seal = store.sealer.seal("snapshots", (view, family, day.isoformat(), own,
                                                   position, built_at, count))
            cur.execute(f"UPDATE {t('snapshots')} SET position = ?, as_of = ?, built_at = ?, "
                        "figures = ?, seal = ? WHERE view = ? AND position = ?",
                        (position, day.isoformat(), built_at, count, seal, view, old))
        if cur.rowcount != 1:
            raise LostRace(old)
        anchor_to_chain(cur, store, view, position, link)
        if also is not None:
            also(cur)
        if figures is None:
            return
        if not some:
            cur.execute(f"DELETE FROM {t('figures')} WHERE view = ?", (view,))
            cur.execute(f"DELETE FROM {t('parts')} WHERE view = ?", (view,))
        insert_rows(cur, f"INSERT INTO {t('parts')} VALUES",
                    [sealed("parts", (view, number, body)) for number, body in parts.rows])
        # (some: every id is there, so each row updates one; its ordinal stays)
        insert_rows(cur, f"INSERT INTO {t('figures')} VALUES", rows,
                    " ON CONFLICT (view, figure_id) DO UPDATE SET value = excluded.value, "
                    "value_type = excluded.value_type, unit = excluded.unit, "
                    "kind = excluded.kind, label = excluded.label, "
                    "derivation = excluded.derivation, seal = excluded.seal" if some else "")

    return write


def insert_rows(cur: Cursor, sql: str, rows: Sequence[Sequence[Any]], tail: str = "",
                chunk: int = 500) -> None:
    """``sql`` (``INSERT INTO t VALUES``) for ``rows``, many rows per statement: one round
    trip per ``chunk`` rows rather than one per row (PostgreSQL)."""
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        marks = "(" + ", ".join("?" * len(part[0])) + ")"
        cur.execute(f"{sql} {', '.join([marks] * len(part))}{tail}",
                    [value for row in part for value in row])


def _tagged(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): _tagged(v) for k, v in value.items()}
    if isinstance(value, (tuple, list, frozenset, set)):
        return [_tagged(v) for v in value]
    return {"$text": str(value)}


TAGS: Mapping[str, Callable[[str], Any]] = {
    "$decimal": Decimal, "$date": date.fromisoformat, "$datetime": datetime.fromisoformat,
    "$text": str,
}


def _untagged(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_untagged(v) for v in value)
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, text), = value.items()
            decode = TAGS.get(tag)
            if decode is not None:
                return decode(text)
        return {k: _untagged(v) for k, v in value.items()}
    return value


VALUE_TYPES = {int: "int", Decimal: "decimal", float: "float"}
VALUE_READERS = {"int": int, "decimal": Decimal, "float": float}


def figure_row(view: str, ordinal: int, figure: Figure, parts: Parts) -> tuple[Any, ...]:
    """A figure as a ``figures`` row but its seal (its parts numbered in ``parts``); its
    derivation's ``known_at`` is the snapshot's position. The ordinal (where it stands in
    its snapshot) is not sealed: a figure written over keeps its place."""
    value = figure.value
    kind = None if value is None else VALUE_TYPES[type(value)]
    d = figure.derivation
    derivation = {
        "formula": d.formula, "version": d.version, "parameters": parts.tagged(d.parameters),
        "as_of": _tagged(d.as_of), "contributing": parts.contributing(d),
        "disclosure": d.disclosure, "note": d.note, "inputs": list(d.inputs),
    }
    if d.relations:
        derivation["relations"] = [[r.total, list(r.parts), r.exact, list(r.less)]
                                   for r in d.relations]
    text = None if value is None else (repr(value) if kind == "float" else str(value))
    return (view, figure.id, ordinal, text, kind, figure.unit, figure.kind, figure.label,
            dumps(derivation))


def figure_of(row: Sequence[Any], known_at: int, parts: PartReader) -> Figure:
    """A ``figures`` row (figure_id, value, value_type, unit, kind, label, derivation) back,
    its contributing positions a PositionSet of its ``parts``."""
    figure_id, text, value_type, unit, kind, label, derivation = row
    d = orjson.loads(derivation)
    value = None if text is None else VALUE_READERS[value_type](text)
    stored = d["contributing"]
    contributing = parts[stored["root"]] if isinstance(stored, dict) else tuple(stored)
    return Figure(
        id=figure_id, value=value, unit=unit, label=label, kind=kind,
        derivation=Derivation(
            formula=d["formula"], version=d["version"], parameters=_untagged(d["parameters"]),
            as_of=_untagged(d["as_of"]), known_at=known_at, contributing=contributing,
            disclosure=d["disclosure"], note=d["note"], inputs=tuple(d["inputs"]),
            relations=tuple(Relation(total, tuple(parts), exact, tuple(less))
                            for total, parts, exact, less in d.get("relations", ())),
        ),
    )
