"""A report as tidy data: one row per figure, its dimensions as columns, values typed.

The dimensions come from the figure id, which states them once (``metric/dim=value/...``):
each becomes a column (``cohort``, ``group``, ``horizon``, ``period``, ``partnership``, ...),
empty where a figure has no such dimension. A value is a number, or empty with its
``symbol`` (``*`` suppressed, ``n/a`` not computable), so a pivot table or ``pandas`` reads
the column as numbers. Every row carries what pins it (as-of, known-at, disclosure, digest).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from legacyledger.projections.figures import dimensions, metric_of
from legacyledger.reports import Report, ReportFigure, is_money, shown_value
from legacyledger.reports.words import readable_name

LEAD = ("family", "metric", "id", "label")
TAIL = ("value", "unit", "kind", "suppressed", "symbol", "formula", "version", "as_of",
        "known_at", "disclosure", "digest")  # fmt: skip
#: Dimensions in the order people read them; any other follows, alphabetically.
DIMENSION_ORDER = ("partnership", "framework", "item", "cohort", "group", "h", "period", "scope",
                   "category", "role", "employer", "mentor", "sector", "audience", "kind",
                   "phase", "basis")  # fmt: skip
#: A dimension whose id name would say less than a column name should, or clash with one.
COLUMN_OF = {"h": "horizon"} | {name: f"{name}_dim" for name in (*LEAD, *TAIL)}
SHARES = frozenset({"ratio", "probability"})

Cell = str | int | Decimal | None


def dimension_names(figures: Iterable[ReportFigure]) -> list[str]:
    found = {name for f in figures for name in dimensions(f.id)}
    known = [name for name in DIMENSION_ORDER if name in found]
    return known + sorted(found - set(known))


def header(names: Sequence[str]) -> list[str]:
    return [*LEAD, *(COLUMN_OF.get(n, n) for n in names), *TAIL]


def row(report: Report, figure: ReportFigure, names: Sequence[str]) -> list[Cell]:
    value, symbol = shown_value(figure.display)
    dims = dimensions(figure.id)
    return [
        figure.family, metric_of(figure.id), figure.id, readable_name(figure.id, figure.label),
        *(dims.get(n) for n in names),
        value, figure.unit, figure.kind, "true" if figure.suppressed else "false", symbol,
        figure.derivation.formula, figure.derivation.version, report.as_of.isoformat(),
        report.known_at, report.disclosure, report.digest,
    ]  # fmt: skip


def rows(report: Report, figures: Sequence[ReportFigure]) -> tuple[list[str], list[list[Cell]]]:
    """The header and one row per figure (the dimension columns those figures have)."""
    names = dimension_names(figures)
    return header(names), [row(report, f, names) for f in figures]


def number_format(figure: ReportFigure) -> str | None:
    """How Excel shows the value: pounds, a percentage, a whole number (None: as it is)."""
    if is_money(figure.unit, figure.kind):
        return "£#,##0.00"
    if figure.unit in SHARES:
        return "0.0%"
    return "#,##0" if isinstance(figure.display, int) else None


__all__ = ["number_format", "rows"]
