"""How facts and figures become rows of the persisted views.

:class:`FactsBatch` applies one batch of stored facts to the ``current_facts`` view inside the
caller's transaction, through the one correction fold
(:class:`~legacyledger.domain.corrections.EffectiveFacts`): it hands the fold the rows the
batch's corrections and voids reach (as they stand, with the corrections in force on them),
applies the batch, and writes the rows the fold says changed.

``fact_corrections`` keeps, per correction in force, its target as first recorded
(``original``), its ``replacement`` and its position (``at``), so that voiding one correction
can re-apply the others in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from legacyledger.domain import AGGREGATES
from legacyledger.domain.corrections import (
    CORRECTED,
    VOIDED,
    Correction,
    EffectiveFact,
    EffectiveFacts,
)
from legacyledger.projections.base import FactRecord
from legacyledger.views.store.backends import Cursor, Store, select_in

KEY_FIELD: Mapping[str, str] = {
    name: aggregate.KEY_FIELD
    for aggregate in AGGREGATES
    for name in aggregate.FACTS
    if name not in (CORRECTED, VOIDED)
}


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class FactsBatch:
    """One batch applied to ``current_facts`` (and its bookkeeping tables) in a transaction."""

    def __init__(self, store: Store, cur: Cursor) -> None:
        self.store, self.cur = store, cur
        self.fold = EffectiveFacts()
        #: facts whose row changed, and corrections whose bookkeeping row did
        self.changed: set[str] = set()
        self.changed_corrections: set[str] = set()

    def apply_all(self, records: Sequence[FactRecord]) -> None:
        self._load(records)
        for record in records:
            self.apply(record)
        self._write()

    def apply(self, record: FactRecord) -> None:
        fact = record.fact
        name = fact["fact"]
        if name == VOIDED and self.fold.target_of(fact["target"]) is not None:
            self.changed_corrections.add(fact["target"])
        change = self.fold.apply(record)
        if change is None:
            return
        self.changed.add(change.ref)
        if name == CORRECTED:
            self.changed_corrections.add(fact["source_ref"])

    # -- reading the rows the batch touches ---------------------------------------------------

    def _load(self, records: Sequence[FactRecord]) -> None:
        """Hand the fold the facts this batch's corrections and voids reach, as they stand,
        and the corrections in force on them, in ledger order."""
        corrected = {r.fact["target"] for r in records if r.fact["fact"] == CORRECTED}
        voided = {r.fact["target"] for r in records if r.fact["fact"] == VOIDED}
        table = self.store.table("fact_corrections")
        json, check = self.store.json, self.store.sealer.check
        sql = f"SELECT source_ref, target, {json('before')}, seal FROM {table}"
        targets = corrected | voided
        targets |= {check("fact_corrections", row)[1] for row in self._select(sql, voided)}
        live = [(ref, target, orjson.loads(state)) for ref, target, state in (
            check("fact_corrections", row) for row in self._select(sql, targets, "target"))]
        # (a store with rows in the older form is emptied when opened: Store.create)
        for ref, target, state in sorted(live, key=lambda found: found[2]["at"]):
            position = state["original"]["position"]
            original = EffectiveFact(position, state["original"]["fact"], (position,))
            correction = Correction(target, state["replacement"], state["at"])
            self.fold.adopt_correction(ref, original, correction)
        for ref, row in _current_facts(self.store, self._select(current_sql(self.store),
                                                                targets)):
            self.fold.adopt(ref, row)

    def _select(self, sql: str, refs: Iterable[str], column: str = "source_ref") -> list[Any]:
        return select_in(self.cur, f"{sql} WHERE", column, refs)

    # -- writing what changed -----------------------------------------------------------------

    def _write(self) -> None:
        t, fold, seal = self.store.table, self.fold, self.store.sealer.sealed
        upserts, deletes = [], []
        for ref in self.changed:
            row = fold.get(ref)
            if row is None:
                deletes.append((ref,))
                continue
            name = row.fact["fact"]
            key_field = KEY_FIELD.get(name)
            upserts.append(seal("current_facts", (
                ref, row.position, name, row.fact.get(key_field) if key_field else None,
                row.fact.get("on"), dumps(row.fact), dumps(row.positions))))
        self.cur.executemany(f"DELETE FROM {t('current_facts')} WHERE source_ref = ?", deletes)
        self.cur.executemany(
            f"INSERT INTO {t('current_facts')} (source_ref, position, fact, key, on_date, body, "
            "positions, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_ref) DO UPDATE "
            "SET position = excluded.position, fact = excluded.fact, key = excluded.key, "
            "on_date = excluded.on_date, body = excluded.body, positions = excluded.positions, "
            "seal = excluded.seal",
            upserts,
        )
        gone = [(ref,) for ref in self.changed_corrections if fold.correction(ref) is None]
        kept = [seal("fact_corrections", (ref, c.target, dumps(_kept(c, fold))))
                for ref in self.changed_corrections if (c := fold.correction(ref)) is not None]
        self.cur.executemany(f"DELETE FROM {t('fact_corrections')} WHERE source_ref = ?", gone)
        self.cur.executemany(
            f"INSERT INTO {t('fact_corrections')} VALUES (?, ?, ?, ?) ON CONFLICT (source_ref) "
            "DO UPDATE SET target = excluded.target, before = excluded.before, "
            "seal = excluded.seal",
            kept,
        )
        self.cur.executemany(
            f"INSERT INTO {t('voided_facts')} VALUES (?, ?, ?) ON CONFLICT (source_ref) "
            "DO UPDATE SET positions = excluded.positions, seal = excluded.seal",
            [seal("voided_facts", (ref, dumps(p))) for ref, p in fold.voided.items()],
        )


def _kept(correction: Correction, fold: EffectiveFacts) -> dict[str, Any]:
    """A correction in force as ``fact_corrections`` keeps it: its target as first recorded
    (to re-apply the others in order if one is voided), its replacement and position."""
    original = fold.original(correction.target)
    assert original is not None
    return {"original": {"position": original.position, "fact": original.fact},
            "replacement": correction.replacement, "at": correction.position}


def current_sql(store: Store) -> str:
    """Selects current-facts rows whole, with their seals."""
    json = store.json
    return (f"SELECT source_ref, position, fact, key, on_date, {json('body')}, "
            f"{json('positions')}, seal FROM {store.table('current_facts')}")


def _current_facts(store: Store, rows: Iterable[Any]) -> Iterator[tuple[str, EffectiveFact]]:
    for row in rows:
        ref, position, _, _, _, body, positions = store.sealer.check("current_facts", row)
        yield ref, EffectiveFact(position, orjson.loads(body), tuple(orjson.loads(positions)))


def read_current_facts(store: Store, cur: Cursor) -> dict[str, EffectiveFact]:
    """The whole current-facts view, by source_ref (each row's seal checked)."""
    cur.execute(current_sql(store))
    return dict(_current_facts(store, cur.fetchall()))


def rows_of(effective: EffectiveFacts) -> dict[str, EffectiveFact]:
    """What ``current_facts`` must hold for this fold (to compare a view with a rebuild)."""
    return {
        f.source_ref: EffectiveFact(f.position, dict(f.fact), tuple(f.positions)) for f in effective
    }


def target_names(store: Store, cur: Cursor, ledger: Any, refs: Iterable[str]) -> set[str] | None:
    """The names of the facts that corrections and voids of ``refs`` finally reach (a
    correction's target, or a voided correction's, and so on): from the current facts (a
    fact's name never changes), else from the ledger's own record of the ref (its source_ref
    index); None when a ref is in neither."""
    names: set[str] = set()
    wanted, seen = set(refs), set[str]()
    recorder = ledger.app.recorder
    while wanted:
        seen |= wanted
        found = {ref: name for ref, _, name, *_ in (
            store.sealer.check("current_facts", row) for row in select_in(
                cur, current_sql(store) + " WHERE", "source_ref", wanted))}
        names |= set(found.values())
        rest = sorted(wanted - found.keys())
        located = recorder.lookup_refs(rest) if rest else {}
        if len(located) != len(rest):
            return None
        positions = []
        for originator, version, _ in located.values():
            positions += [p for p, v, _ in recorder.read_aggregate(originator) if v == version]
        onward = set()
        for record in ledger.records_at(positions):
            fact = record.fact
            if fact["fact"] in (CORRECTED, VOIDED):
                onward.add(fact["target"])
            else:
                names.add(fact["fact"])
        wanted = onward - seen
    return names
