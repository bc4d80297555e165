"""The figures of a ledger: every projection folded as known at a position, explained, diffed.

``build_views(ledger, as_of=…, known_at=…)`` feeds each projection the stored facts up to the
knowledge cut-off ``known_at`` (a ledger position or a recorded time) and folds them for the
business cut-off ``as_of``. Every figure comes back with its derivation's ``known_at`` set, so
it can be recomputed later exactly as it was (``explain``), or compared across two cut-offs
(``diff``), naming the facts that changed it.

The package: :mod:`~legacyledger.views.families` folds the four families,
:mod:`~legacyledger.views.store` keeps them persisted and incremental,
:mod:`~legacyledger.views.audit` explains and diffs a figure, and
:mod:`~legacyledger.views.follow` is the worker that keeps the store current.
"""

from legacyledger.views.audit import Explanation, FigureDiff, diff, explain
from legacyledger.views.families import (
    BULKY,
    FAMILIES,
    Family,
    Views,
    build_views,
    family_of,
    figure_ids,
    iter_figures,
    rebuild_all,
    resolve_known_at,
)
from legacyledger.views.source import LedgerReader

__all__ = [
    "BULKY",
    "FAMILIES",
    "Explanation",
    "Family",
    "FigureDiff",
    "LedgerReader",
    "Views",
    "build_views",
    "diff",
    "explain",
    "family_of",
    "figure_ids",
    "iter_figures",
    "rebuild_all",
    "resolve_known_at",
]
