"""Which figures a command is about: the cut-offs, and the parameters behind a figure id.

``explain``, ``diff`` and ``replay`` take ``--as-of`` and ``--known-at``, and ``--scope``,
``--by``, ``--period`` read as ``report`` reads them. A figure id shows the parameters that
made it (``retention.rate/cohort=2024-25/h=12/scope=organisation``), so those not given are
taken from the id, and the library's defaults fill the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import click

from legacyledger.projections.disclosure import POLICIES
from legacyledger.projections.figures import clean, metric_of
from legacyledger.projections.periods import GRAINS
from legacyledger.projections.retention.model import ALL as POOLED
from legacyledger.projections.retention.model import ANCHORS, DIMENSIONS
from legacyledger.projections.retention.periods import bounds, kind_of
from legacyledger.projections.retention.scope import SCOPES
from legacyledger_cli.dates import IsoDate

F = TypeVar("F", bound=Callable[..., Any])
Params = dict[str, dict[str, Any]]
BY = tuple(d for d in DIMENSIONS if d != "group")  # mentored / comparator is always split out
FACT_HEADERS = ("POS", "RECORDED (UTC)", "ON", "FACT", "KEY", "REF", "FIELDS")
ENVELOPE = frozenset({"fact", "on", "source_ref", "recorded_at"})


class KnownAt(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """A ledger position (``1200``) or a recorded time (``2025-04-01T09:00``, UTC if no zone)."""

    name = "position|datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (int, datetime)):
            return value
        if str(value).isdigit():
            return int(value)
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is neither a ledger position nor a date-time", param, ctx)


def typed_id(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A figure id typed with its values as reports print them (``cohort=2024/25 Q2``) as
    the id (``cohort=2024-25-Q2``): a ``/`` inside a value is not a new part of the id."""
    metric, *rest = value.strip().split("/")
    parts: list[str] = []
    for part in rest:
        if "=" in part or not parts:
            parts.append(part)
        else:
            parts[-1] += f"-{part}"
    named = (part.partition("=") for part in parts)
    return "/".join([metric, *(f"{k}={clean(v)}" if eq else k for k, eq, v in named)])


def to_date(_ctx: click.Context, _param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value else None


def cut_offs(*, multiple: bool = False) -> Callable[[F], F]:
    """``--as-of DATE`` and ``--known-at POSITION|DATETIME`` (twice for ``diff``)."""

    def decorate(function: F) -> F:
        function = click.option(
            "--known-at",
            type=KnownAt(),
            multiple=multiple,
            metavar="POSITION|DATETIME",
            help="As the ledger knew it at this position or recorded time (default: now).",
        )(function)
        return click.option(
            "--as-of",
            type=IsoDate(),
            callback=to_date,
            metavar="DATE",
            help="The business date the figures are for (default: today).",
        )(function)

    return decorate


def disclosure_option(function: F) -> F:
    """``--disclosure``: values shown as a published report shows them, unless ``none``."""
    return click.option(
        "--disclosure",
        type=click.Choice(POLICIES),
        default="nhs",
        show_default=True,
        help="Small-number control on the values shown, as in `report`: nhs (1-7 as *, other "
        "counts to the nearest 5, rates from the shown counts), under10, or none: the true "
        "values, for internal audit only (not for publication).",
    )(function)


def split(_ctx: click.Context, _param: click.Parameter, values: Iterable[str]) -> tuple[str, ...]:
    names = tuple(n.strip() for v in values for n in v.split(",") if n.strip())
    unknown = [n for n in names if n not in BY]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: choose from {', '.join(BY)}")
    return names


def retention_options(function: F) -> F:
    """``--scope``, ``--by``, ``--period``, read as ``report`` reads them."""
    function = click.option(
        "--period",
        type=click.Choice(GRAINS),
        help="Retention cohorts and cost periods by (default: from the id, else all).",
    )(function)
    function = click.option(
        "--by",
        multiple=True,
        callback=split,
        metavar="DIM",
        help=f"Retention cohorts split by ({', '.join(BY)}); repeat or comma-separate.",
    )(function)
    return click.option(
        "--scope",
        type=click.Choice(SCOPES),
        help="What counts as retained (default: from the id, else nhs).",
    )(function)


def figure_params(
    figure_id: str | None, scope: str | None, by: Sequence[str], period: str | None
) -> Params:
    """The parameters behind a figure id: those given, else those the id shows, else the
    library's. ``--period`` sets retention's period and the cost grains, as in ``report``."""
    grains = (period,) if period else None
    given: Params = {
        "retention": {"scope": scope, "by": tuple(by) or None, "period": period},
        "costs": {"grains": grains, "unit_grains": grains},
    }
    inferred = from_id(figure_id) if figure_id else {}
    merged = {
        family: {**inferred.get(family, {}), **{k: v for k, v in options.items() if v}}
        for family, options in given.items()
    }
    return {family: options for family, options in merged.items() if options}


def from_id(figure_id: str) -> Params:
    metric = metric_of(figure_id)
    dims = dict(part.partition("=")[::2] for part in figure_id.split("/")[1:])
    if metric.startswith("retention."):
        return {"retention": retention_from(dims)}
    if metric.startswith("costs."):
        basis = {"unit_cost_basis": "delivery"} if dims.get("basis") == "delivery" else {}
        return {"costs": costs_from(metric, dims.get("period", "")) | basis}
    return {}


def retention_from(dims: Mapping[str, str]) -> dict[str, Any]:
    known = {"scope": SCOPES, "anchor": ANCHORS}  # a mistyped value is left to the suggestions
    found: dict[str, Any] = {k: dims[k] for k in known if dims.get(k) in known[k]}
    found |= {"count_leave_as_leaving": True} if dims.get("leave") == "counted" else {}
    found |= {"by": tuple(d for d in BY if d in dims)} if any(d in dims for d in BY) else {}
    cohort = dims.get("cohort", "")
    if cohort == POOLED or ".." in cohort:  # pooled, or an anchor range: no period to infer
        return found | {"cohorts": cohort}
    label = cohort or dims.get("period")
    kind = period_kind(label) if label else None
    return found | ({"period": kind} if kind else {})


def period_kind(label: str) -> str | None:
    """``2024-25`` is a financial year and ``2024-04`` a month: ids write ``/`` as ``-``."""
    for candidate in (label.replace("-", "/", 1), label):
        try:
            bounds(candidate)
            return kind_of(candidate)
        except ValueError:
            continue
    return None


def costs_from(metric: str, label: str) -> dict[str, Any]:
    """Monthly and quarterly unit costs and running totals are only computed when asked for."""
    grain = "quarter" if "-Q" in label else cost_grain(label)
    if grain in (None, "fy"):
        return {}
    return {"cumulative" if metric == "costs.cumulative" else "unit_grains": ("fy", grain)}


def cost_grain(label: str) -> str | None:
    """``2024-25`` (financial year) or ``2024-10`` (month), as costs label periods."""
    year, _, part = label.partition("-")
    if not (year.isdigit() and part.isdigit()):
        return None
    return "fy" if int(part) == (int(year) + 1) % 100 else "month"
