"""Statistical disclosure control: an output step over figures, never stored (figures.md §5).

Policies:
* ``nhs`` (default for published outputs below national level, the NHS England HES/ECDS
  method): a count of 1-7 is shown as ``*``, other counts are rounded to the nearest 5
  (0 stays 0); a rate or statistic is shown unrounded, but suppressed when any figure it is
  computed from (``derivation.inputs``, followed recursively) is suppressed, or is missing
  from the figures given;
* ``under10`` (the Skills for Care dashboards): a count of 1-9 is ``*``, others unrounded;
* ``none`` (internal audit): everything as computed.

Each figure is disclosed from its own unrounded value, so a total computed from unrounded
parts is rounded once, as a total (not the sum of rounded parts). Money is not about
individuals and is never suppressed. Secondary (complementary) suppression is not done.
A figure without ``kind`` is treated as a count when its value is an ``int``, as money when
its unit is pounds, otherwise as a statistic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Literal

import attrs

from legacyledger.projections.base import Derivation, Figure

Policy = Literal["nhs", "under10", "none"]
POLICIES = ("nhs", "under10", "none")
SUPPRESSED = "*"
NOT_AVAILABLE = "n/a"
Display = str | int | Decimal | float


@attrs.frozen
class DisclosedFigure:
    id: str
    display: Display
    unit: str
    kind: str
    suppressed: bool
    derivation: Derivation
    label: str = ""


def kind_of(figure: Figure) -> str:
    if figure.kind is not None:
        return figure.kind
    if isinstance(figure.value, int):
        return "count"
    return "money" if figure.unit.lower() in ("gbp", "£", "pounds") else "statistic"


def suppress_count(value: int, policy: str) -> bool:
    if policy == "nhs":
        return 1 <= value <= 7
    return policy == "under10" and 1 <= value <= 9


def show_count(value: int, policy: str) -> Display:
    if suppress_count(value, policy):
        return SUPPRESSED
    return 5 * ((value + 2) // 5) if policy == "nhs" else value


class _Discloser:
    def __init__(self, figures: Mapping[str, Figure], policy: str) -> None:
        self.figures, self.policy = figures, policy
        self.memo: dict[str, bool] = {}

    def suppressed(self, figure_id: str) -> bool:
        if figure_id not in self.memo:
            self.memo[figure_id] = True  # a cycle of inputs is treated as suppressed
            figure = self.figures.get(figure_id)
            self.memo[figure_id] = figure is None or self._suppressed(figure)
        return self.memo[figure_id]

    def _suppressed(self, figure: Figure) -> bool:
        kind = kind_of(figure)
        if self.policy == "none" or kind == "money":
            return False
        if kind == "count":
            return isinstance(figure.value, int) and suppress_count(figure.value, self.policy)
        return any(self.suppressed(i) for i in figure.derivation.inputs)

    def disclose(self, figure: Figure) -> DisclosedFigure:
        kind, hidden = kind_of(figure), self.suppressed(figure.id)
        derivation = attrs.evolve(figure.derivation, disclosure=self.policy)
        return DisclosedFigure(
            figure.id,
            self._display(figure, kind, hidden),
            figure.unit,
            kind,
            hidden,
            derivation,
            figure.label,
        )

    def _display(self, figure: Figure, kind: str, hidden: bool) -> Display:
        if figure.value is None:
            return NOT_AVAILABLE
        if hidden:
            return SUPPRESSED
        if kind == "count" and isinstance(figure.value, int):
            return show_count(figure.value, self.policy)
        return figure.value


def apply_disclosure(figures: Iterable[Figure], policy: str = "nhs") -> tuple[DisclosedFigure, ...]:
    """Disclose every figure under ``policy``; the derivation records the policy applied."""
    if policy not in POLICIES:
        raise ValueError(f"unknown disclosure policy {policy!r}; expected one of {POLICIES}")
    figures = tuple(figures)
    discloser = _Discloser({f.id: f for f in figures}, policy)
    return tuple(discloser.disclose(f) for f in figures)
