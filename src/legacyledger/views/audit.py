"""A figure explained (its derivation and the facts behind it) and diffed across two cut-offs.

``explain`` reads a current persisted snapshot when there is one (one row, whatever the
ledger's size) and folds the figure's family otherwise; ``diff`` folds it at both cut-offs
and names the facts that entered or left its derivation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from legacyledger.domain.corrections import effective_facts
from legacyledger.projections.base import FactRecord, Figure, Value
from legacyledger.views.families import build_views, family_of, resolve_known_at
from legacyledger.views.store import EditedViews, PersistedViews, persisted_figure
from legacyledger.views.store.location import store_exists
from legacyledger.views.store.rows import read_current_facts, rows_of
from legacyledger.views.store.snapshots import select_figures, select_snapshots

if TYPE_CHECKING:
    from legacyledger.views.source import LedgerReader


@attrs.frozen
class Explanation:
    """A figure, and the stored facts that made it (in ledger order)."""

    figure: Figure
    facts: tuple[FactRecord, ...]


def explain(
    ledger: LedgerReader,
    figure_id: str,
    as_of: date | None = None,
    known_at: int | datetime | str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    persisted: bool = True,
) -> Explanation:
    """The figure as known at ``known_at`` (the head), with its contributing facts. At the
    head, a current persisted snapshot (``legacyledger follow`` keeps them current) gives the
    figure from one row, whatever the ledger's size; otherwise its family is folded."""
    figure = None
    if persisted and (known_at is None or resolve_known_at(ledger, known_at) == ledger.head()):
        figure = persisted_figure(ledger, figure_id, as_of, params)
    if figure is None:
        views = build_views(ledger, as_of, known_at, [family_of(figure_id)], params)
        figure = views.figure(figure_id)
    return Explanation(figure, tuple(ledger.records_at(figure.derivation.contributing)))


@attrs.frozen
class FigureDiff:
    """How a figure changed between two knowledge cut-offs, and the facts behind the change."""

    figure_id: str
    before: Figure | None
    after: Figure | None
    added: tuple[FactRecord, ...]
    removed: tuple[FactRecord, ...]

    @property
    def changed(self) -> bool:
        """Whether the figure's value differs between the two cut-offs."""
        return _value(self.before) != _value(self.after)


def _value(figure: Figure | None) -> Value | None:
    return None if figure is None else figure.value


def diff(
    ledger: LedgerReader,
    figure_id: str,
    known_at_a: int | datetime | str,
    known_at_b: int | datetime | str,
    as_of: date | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> FigureDiff:
    """``added``: facts behind the figure at B but not at A (e.g. a back-dated leaver);
    ``removed``: facts behind it at A that no longer count at B (e.g. voided)."""
    family = [family_of(figure_id)]
    a = build_views(ledger, as_of, known_at_a, family, params).by_id.get(figure_id)
    b = build_views(ledger, as_of, known_at_b, family, params).by_id.get(figure_id)
    before = set(a.derivation.contributing) if a else set()
    after = set(b.derivation.contributing) if b else set()
    return FigureDiff(
        figure_id,
        a,
        b,
        tuple(ledger.records_at(sorted(after - before))),
        tuple(ledger.records_at(sorted(before - after))),
    )


@attrs.frozen
class StoredViewsCheck:
    """Persisted views compared with the views recomputed from the facts (what ``verify``
    reports): a line per difference, and what was compared."""

    problems: tuple[str, ...]
    summary: str


#: What a persisted figure must agree on with the one recomputed at its position.
_COMPARED = ("value", "unit", "label", "kind")


def check_stored_views(ledger: LedgerReader) -> StoredViewsCheck:
    """Recompute every persisted view from the facts at the position it claims (the current
    facts at the tracked position, each figure snapshot at its own) and compare: an edited
    row is found, whatever a digest beside it says."""
    if not store_exists(ledger):
        return StoredViewsCheck((), "no persisted views")
    problems: list[str] = []
    with PersistedViews(ledger) as views:
        try:
            tracked = views.tracked()
            with views.store.read() as cur:
                stored_rows = read_current_facts(views.store, cur)
                snapshots = select_snapshots(views.store, cur)
                cur.execute(f"SELECT view, {views.store.json('params')} "
                            f"FROM {views.store.table('snapshots')}")
                own = {view: orjson.loads(params) for view, params in cur.fetchall()}
                stored = {s.view: select_figures(views.store, cur, s) for s in snapshots}
        except EditedViews as edited:
            return StoredViewsCheck((str(edited),), "seals checked")
    expected_rows = rows_of(effective_facts(ledger.records(stop=tracked)))
    for ref in sorted(set(stored_rows) | set(expected_rows)):
        if stored_rows.get(ref) != expected_rows.get(ref):
            problems.append(f"current facts at {tracked}: {ref} differs from the facts")
    figures = 0
    for snapshot in snapshots:
        params = {snapshot.family: own.get(snapshot.view) or {}}
        built = build_views(ledger, snapshot.as_of, snapshot.position, [snapshot.family], params)
        rebuilt = {f.id: f for f in built.figures}
        for figure in stored[snapshot.view]:
            figures += 1
            again = rebuilt.pop(figure.id, None)
            if again is None or any(getattr(figure, f) != getattr(again, f) for f in _COMPARED):
                shown = "absent" if again is None else repr(again.value)
                problems.append(f"{snapshot.view}: {figure.id} is {figure.value!r} stored, "
                                f"{shown} recomputed at position {snapshot.position}")
        problems.extend(f"{snapshot.view}: {figure_id} is missing" for figure_id in rebuilt)
    summary = (f"{len(expected_rows)} current facts at position {tracked} and {figures} "
               f"figures in {len(snapshots)} snapshots recomputed")
    return StoredViewsCheck(tuple(problems), summary)
