"""Building figures the same way everywhere: stable ids, derivations, position sets.

Ids read ``<metric>/<dim>=<value>/...`` with dims sorted by name, so the same figure gets
the same id whichever code path builds it; a dim whose value is ``None`` means "all" and
is left out. Values lose ``/`` and spaces (``2024/25 Q3`` becomes ``2024-25-Q3``) so an
id splits on ``/`` unambiguously.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from legacyledger.projections.base import (
    Contributing,
    Derivation,
    Figure,
    PositionSet,
    Relation,
    Value,
)

#: ``kind`` and ``inputs`` (for disclosure control) are set when the base types have them.
_HAS_KIND = "kind" in attrs.fields_dict(Figure)
_HAS_INPUTS = "inputs" in attrs.fields_dict(Derivation)

#: Where a figure is: its dimensions, by name.
At = Mapping[str, object]
#: Figure kinds: a count of people or things (suppressed when small), a rate of counts
#: (suppressed with its ``inputs``), money, or any other statistic (hours, ratios of money).
MONEY, COUNT, RATE, STATISTIC = "money", "count", "rate", "statistic"


def clean(value: object) -> str:
    return str(value).replace("/", "-").replace(" ", "-")


def figure_id(metric: str, **dims: object) -> str:
    parts = [f"{name}={clean(value)}" for name, value in sorted(dims.items()) if value is not None]
    return "/".join([metric, *parts])


def metric_of(figure_id: str) -> str:
    """The metric an id names, before its dimensions (``retention.rate`` above)."""
    return figure_id.partition("/")[0]


def dimensions(figure_id: str) -> dict[str, str]:
    """The dimensions an id states, the inverse of :func:`figure_id`:
    ``retention.rate/cohort=2024-25/h=12`` gives ``{"cohort": "2024-25", "h": "12"}``."""
    return dict(part.partition("=")[::2] for part in figure_id.split("/")[1:])


def frozen_params(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """Parameters shared by many derivations: read-only so one figure cannot alter another's."""
    return MappingProxyType(dict(params))


def sorted_positions(parts: Iterable[Iterable[int]]) -> tuple[int, ...]:
    merged: set[int] = set()
    for part in parts:
        merged.update(part)
    return tuple(sorted(merged))


def sorted_set(
    parts: Iterable[Iterable[int]], more: Mapping[int, tuple[int, ...]] | None = None
) -> PositionSet:
    """The union of ``parts``, read lazily (see :class:`PositionSet`)."""
    return PositionSet(parts, more)


@attrs.frozen
class FigureMaker:
    """One formula family's shared derivation settings; :meth:`make` adds the per-figure parts.

    ``more``: the positions behind corrected facts, by original position (see
    :class:`~legacyledger.projections.tables.EffectiveTables`), for sets of original positions.
    """

    formula_prefix: str
    parameters: Mapping[str, Any]
    as_of: date | None
    version: int = 1
    more: Mapping[int, tuple[int, ...]] | None = attrs.field(default=None, eq=False, repr=False)
    #: Versions of formulas (by formula id) whose definition moved past ``version``.
    versions: Mapping[str, int] = attrs.field(factory=dict, eq=False, repr=False)

    def make(
        self,
        metric: str,
        dims: Mapping[str, object],
        value: Value,
        unit: str,
        contributing: Contributing | Iterable[int],
        kind: str,
        note: str | None = None,
        inputs: tuple[str, ...] = (),
        relations: Iterable[Relation] = (),
    ) -> Figure:
        """``inputs``: ids of the figures a rate is computed from (its parts, for disclosure);
        ``relations``: those the figure is the total of (:meth:`sums`, :meth:`bounds`).
        ``contributing``: a tuple, a :class:`PositionSet` or any collection of positions."""
        if isinstance(contributing, PositionSet):
            if self.more and contributing.more is None:
                contributing.more = self.more
        elif not isinstance(contributing, tuple) or self.more:
            contributing = PositionSet((contributing,), self.more)
        formula = f"{self.formula_prefix}.{metric}"
        more: dict[str, Any] = {"inputs": inputs} if _HAS_INPUTS else {}
        derivation = Derivation(
            formula=formula,
            version=self.versions.get(formula, self.version),
            parameters=self.parameters,
            as_of=self.as_of,
            known_at=None,
            contributing=contributing,
            note=note,
            relations=tuple(relations),
            **more,
        )
        extra: dict[str, Any] = {"kind": kind} if _HAS_KIND else {}
        return Figure(
            id=figure_id(formula, **dims), value=value, unit=unit, derivation=derivation, **extra
        )

    def id(self, metric: str, dims: Mapping[str, object]) -> str:
        return figure_id(f"{self.formula_prefix}.{metric}", **dims)

    def sums(
        self, metric: str, dims: Mapping[str, object], parts: Iterable[tuple[str, At]],
        less: Iterable[tuple[str, At]] = (),
    ) -> Relation:  # fmt: skip
        """The figure ``metric`` at ``dims`` as the sum of ``parts`` (metric and dims each),
        less ``less``."""
        return Relation(self.id(metric, dims), self._ids(parts), less=self._ids(less))

    def bounds(
        self, metric: str, dims: Mapping[str, object], parts: Iterable[tuple[str, At]]
    ) -> Relation:
        """The figure ``metric`` at ``dims`` as no less than the sum of ``parts``."""
        return Relation(self.id(metric, dims), self._ids(parts), exact=False)

    def _ids(self, parts: Iterable[tuple[str, At]]) -> tuple[str, ...]:
        return tuple(self.id(m, d) for m, d in parts)


def index_figures(figures: Iterable[Figure]) -> Mapping[str, Figure]:
    """Id → figure; a duplicate id is a bug in the projection, so it raises."""
    index: dict[str, Figure] = {}
    for fig in figures:
        if fig.id in index:
            raise ValueError(f"duplicate figure id {fig.id}")
        index[fig.id] = fig
    return MappingProxyType(index)
