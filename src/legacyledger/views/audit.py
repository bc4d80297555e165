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

from legacyledger.projections.base import FactRecord, Figure, Value
from legacyledger.views.families import build_views, family_of, resolve_known_at
from legacyledger.views.store import persisted_figure

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
