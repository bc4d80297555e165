"""How facts and figures become rows of the persisted views.

:class:`FactsBatch` applies one batch of stored facts to the ``current_facts`` view inside the
caller's transaction, with exactly the semantics of
:class:`~legacyledger.projections.base.EffectiveFacts` (corrections merge into their target,
voids remove it, voiding a correction leaves the target as recorded with its other corrections
in force). It loads only the rows the batch's corrections and voids touch, applies the batch in
memory, and writes the changed rows.

``fact_corrections`` keeps, per correction in force, its target as first recorded
(``original``), its ``replacement`` and its position (``at``), so that voiding one correction
can re-apply the others in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from legacyledger.domain import AGGREGATES, Subject
from legacyledger.projections.base import EffectiveFacts, FactRecord
from legacyledger.views.store.backends import Cursor, Store, select_in

_FACT_CORRECTED = Subject.Corrected.FACT
_FACT_VOIDED = Subject.Voided.FACT

KEY_FIELD: Mapping[str, str] = {
    name: aggregate.KEY_FIELD
    for aggregate in AGGREGATES
    for name in aggregate.FACTS
    if name not in (Subject.Corrected.FACT, Subject.Voided.FACT)
}


class Row(NamedTuple):
    """A fact as it now stands: its original position, merged fields, positions behind it."""

    position: int
    fact: Mapping[str, Any]
    positions: tuple[int, ...]


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class Correction(NamedTuple):
    """A correction in force: its target, the target as first recorded, what it replaced."""

    target: str
    original: Row
    replacement: Mapping[str, Any]
    at: int


class FactsBatch:
    """One batch applied to ``current_facts`` (and its bookkeeping tables) in a transaction."""

    def __init__(self, store: Store, cur: Cursor) -> None:
        self.store, self.cur = store, cur
        self.facts: dict[str, Row | None] = {}
        #: corrections in force by their ref (None: voided in this batch)
        self.corrections: dict[str, Correction | None] = {}
        #: target -> refs of its corrections in force
        self.by_target: dict[str, set[str]] = {}
        self.voided: dict[str, tuple[int, ...]] = {}
        self.changed: set[str] = set()
        self.changed_corrections: set[str] = set()

    def apply_all(self, records: Sequence[FactRecord]) -> None:
        self._load(records)
        for record in records:
            self.apply(record)
        self._write()

    # -- the fold (mirrors EffectiveFacts) ----------------------------------------------------

    def apply(self, record: FactRecord) -> None:
        fact, position = record.fact, record.position
        name = fact["fact"]
        if name == _FACT_CORRECTED:
            target = fact["target"]
            old = self.facts.get(target)
            if old is not None:
                replacement = fact["replacement"]
                merged = {**old.fact, **replacement}
                self._set(target, Row(old.position, merged, (*old.positions, position)))
                self._set_correction(
                    fact["source_ref"],
                    Correction(target, self._original(target, old), replacement, position),
                )
        elif name == _FACT_VOIDED:
            self._void(fact["target"], position)
        else:
            self._set(fact["source_ref"], Row(position, fact, (position,)))

    def _original(self, target: str, current: Row) -> Row:
        """The target as first recorded: kept by its corrections in force, else as it is."""
        for ref in self.by_target.get(target, ()):
            correction = self.corrections.get(ref)
            if correction is not None:
                return correction.original
        return Row(current.position, current.fact, (current.position,))

    def _void(self, target: str, position: int) -> None:
        correction = self.corrections.get(target)
        if correction is not None:
            self._set_correction(target, None)
            current = self.facts.get(correction.target)
            if current is not None:
                self._set(correction.target, self._restored(correction, current, position))
            return
        old = self.facts.get(target)
        if old is not None:
            self._set(target, None)
            self.voided[target] = (*old.positions, position)

    def _restored(self, voided: Correction, current: Row, position: int) -> Row:
        """The target as recorded with its corrections still in force re-applied in order."""
        fact = dict(voided.original.fact)
        live = sorted(
            (c for ref in self.by_target.get(voided.target, ())
             if (c := self.corrections.get(ref)) is not None),
            key=lambda c: c.at,
        )
        for correction in live:
            fact.update(correction.replacement)
        return Row(voided.original.position, fact, (*current.positions, position))

    def _set(self, ref: str, row: Row | None) -> None:
        self.facts[ref] = row
        self.changed.add(ref)

    def _set_correction(self, ref: str, value: Correction | None) -> None:
        if value is not None:
            self.by_target.setdefault(value.target, set()).add(ref)
        self.corrections[ref] = value
        self.changed_corrections.add(ref)

    # -- reading the rows the batch touches ---------------------------------------------------

    def _load(self, records: Sequence[FactRecord]) -> None:
        corrected = {r.fact["target"] for r in records if r.fact["fact"] == _FACT_CORRECTED}
        voided = {r.fact["target"] for r in records if r.fact["fact"] == _FACT_VOIDED}
        table = self.store.table("fact_corrections")
        json = self.store.json
        sql = f"SELECT source_ref, target, {json('before')} FROM {table}"
        targets = corrected | voided
        targets |= {target for _, target, _ in self._select(sql, voided)}
        for ref, target, state in self._select(sql, targets, "target"):
            self._set_loaded(ref, target, orjson.loads(state))
        table = self.store.table("current_facts")
        sql = f"SELECT source_ref, position, {json('body')}, {json('positions')} FROM {table}"
        for ref, position, body, positions in self._select(sql, targets):
            self.facts[ref] = Row(position, orjson.loads(body), tuple(orjson.loads(positions)))

    def _set_loaded(self, ref: str, target: str, state: Mapping[str, Any]) -> None:
        # (a store with rows in the older form is emptied when opened: Store.create)
        original = state["original"]
        row = Row(original["position"], original["fact"], (original["position"],))
        self.corrections[ref] = Correction(target, row, state["replacement"], state["at"])
        self.by_target.setdefault(target, set()).add(ref)

    def _select(self, sql: str, refs: Iterable[str], column: str = "source_ref") -> list[Any]:
        return select_in(self.cur, f"{sql} WHERE", column, refs)

    # -- writing what changed -----------------------------------------------------------------

    def _write(self) -> None:
        t = self.store.table
        upserts, deletes = [], []
        for ref in self.changed:
            row = self.facts[ref]
            if row is None:
                deletes.append((ref,))
                continue
            name = row.fact["fact"]
            key_field = KEY_FIELD.get(name)
            upserts.append((ref, row.position, name, row.fact.get(key_field) if key_field else None,
                            row.fact.get("on"), dumps(row.fact), dumps(row.positions)))
        self.cur.executemany(f"DELETE FROM {t('current_facts')} WHERE source_ref = ?", deletes)
        self.cur.executemany(
            f"INSERT INTO {t('current_facts')} (source_ref, position, fact, key, on_date, body, "
            "positions) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_ref) DO UPDATE SET "
            "position = excluded.position, fact = excluded.fact, key = excluded.key, "
            "on_date = excluded.on_date, body = excluded.body, positions = excluded.positions",
            upserts,
        )
        gone = [(ref,) for ref in self.changed_corrections if self.corrections[ref] is None]
        kept = [
            (ref, c.target, dumps({"original": {"position": c.original.position,
                                                "fact": c.original.fact},
                                   "replacement": c.replacement, "at": c.at}))
            for ref in self.changed_corrections
            if (c := self.corrections[ref]) is not None
        ]
        self.cur.executemany(f"DELETE FROM {t('fact_corrections')} WHERE source_ref = ?", gone)
        self.cur.executemany(
            f"INSERT INTO {t('fact_corrections')} VALUES (?, ?, ?) ON CONFLICT (source_ref) "
            "DO UPDATE SET target = excluded.target, before = excluded.before",
            kept,
        )
        self.cur.executemany(
            f"INSERT INTO {t('voided_facts')} VALUES (?, ?) ON CONFLICT (source_ref) "
            "DO UPDATE SET positions = excluded.positions",
            [(ref, dumps(p)) for ref, p in self.voided.items()],
        )


def read_current_facts(store: Store, cur: Cursor) -> dict[str, Row]:
    """The whole current-facts view, by source_ref."""
    json = store.json
    cur.execute(
        f"SELECT source_ref, position, {json('body')}, {json('positions')} "
        f"FROM {store.table('current_facts')}"
    )
    return {
        ref: Row(position, orjson.loads(body), tuple(orjson.loads(positions)))
        for ref, position, body, positions in cur.fetchall()
    }


def rows_of(effective: EffectiveFacts) -> dict[str, Row]:
    """What ``current_facts`` must hold for this fold (to compare a view with a rebuild)."""
    return {f.source_ref: Row(f.position, dict(f.fact), tuple(f.positions)) for f in effective}
