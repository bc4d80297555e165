"""One self-contained HTML report for a board: inline CSS, inline SVG charts, no script.

``render_html(report)`` reads ``report.views`` (a :class:`legacyledger.views.Views`), the
disclosed ``report.figures`` and the provenance fields (``as_of``, ``known_at``,
``parameters``, ``disclosure``, ``ledger_head``, ``digest``). Every number printed, in a
chart or a table, is the *disclosed* one: a chart never shows what the figure tables hide
(counts are rounded or ``*`` under the policy; a suppressed value is drawn as an empty,
dashed slot). Anything the projections did not compute is not invented here.

Events, audience and ambassadors *over time* need one reach view per quarter, which a single
``Views`` does not hold: pass ``timeline=activity_timeline(ledger, ...)`` (or give the report
a ``timeline`` attribute). Without one, those charts show the report's whole window as a
single column and say so.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

import attrs

from legacyledger import __version__
from legacyledger.domain import Mentor, Partnership, ProgrammeEvent
from legacyledger.projections.base import CORRECTIONS
from legacyledger.projections.disclosure import (
    DisclosedFigure,
    apply_disclosure,
    describe,
    show_count,
)
from legacyledger.projections.figures import figure_id
from legacyledger.projections.periods import display as pence
from legacyledger.projections.reach import KEPT as REACH_NAMES
from legacyledger.projections.reach import ReachParams, reach_from_settled
from legacyledger.projections.retention.figures import FigureMaker
from legacyledger.projections.tables import EffectiveTables
from legacyledger.reports import fold_options
from legacyledger.reports.words import in_words
from legacyledger_cli.html import charts as svg
from legacyledger_cli.html.charts import esc

_EVENT_PLANNED = ProgrammeEvent.Planned.FACT
_MENTOR_ENROLLED = Mentor.Enrolled.FACT

# -- numbers as printed ------------------------------------------------------------------------

MINUS, EN_DASH, TIMES = "\u2212", "\u2013", "\u00d7"
#: Money arrives with up to ~40 significant digits; sums and differences here stay exact.
EXACT = Context(prec=120)


def money(value: object) -> str:
    """£1,234.56: whole pence, half up (money is exact until shown)."""
    rounded = pence(Decimal(str(value)))
    assert rounded is not None
    return f"{MINUS if rounded < 0 else ''}£{abs(rounded):,.2f}"


#: Money reads in whole pounds from here up; the exact amount is one click away.
WHOLE_POUNDS_FROM = Decimal(10)


def reading_money(value: object) -> str:
    """Money rounded for reading: whole pounds (£4,842; £68 per contact hour), as a board
    reads it, with the amount to the penny one click away. The one exception is an amount
    under £10 (£3.47 per audience member, a 40p difference): a pound is more than a twentieth
    of it, so rounding would misstate it (£3, or £0 for 40p), and it keeps its pence. Charts
    use the same threshold (:func:`short_money`)."""
    amount = Decimal(str(value))
    if abs(amount) < WHOLE_POUNDS_FROM:
        return money(amount)
    whole = amount.quantize(Decimal(1), ROUND_HALF_UP)
    return f"{MINUS if whole < 0 else ''}£{abs(whole):,}"


def short_money(value: object) -> str:
    """Money for a chart's label or axis: £1.2m, £176k, £4.8k, £842 (to the penny under £10)."""
    amount = Decimal(str(value))
    size, sign = abs(amount), MINUS if amount < 0 else ""
    if not size:
        return "£0"
    for scale, suffix in ((Decimal(10) ** 6, "m"), (Decimal(1000), "k")):
        if size >= scale:
            short = (size / scale).quantize(Decimal("0.1") if size < 10 * scale else Decimal(1),
                                            ROUND_HALF_UP)  # fmt: skip
            return f"{sign}£{short.normalize():f}{suffix}"
    return reading_money(amount)


@attrs.frozen
class Amount:
    """Money in a table: printed rounded for reading, and to the penny in the same table
    one click below it (``suffix``: words after the amount, such as ``" (n=120)"``)."""

    value: Decimal
    suffix: str = ""

    def text(self, exact: bool = False) -> str:
        return (money(self.value) if exact else reading_money(self.value)) + self.suffix


def percent(value: object, places: int = 1) -> str:
    return f"{Decimal(str(value)) * 100:.{places}f}%".replace("-", MINUS)


def points(value: object) -> str:
    """A difference of two rates, in percentage points, always signed."""
    pp = Decimal(str(value)) * 100
    return f"{'+' if pp > 0 else MINUS if pp < 0 else '±'}{abs(pp):.1f} pp"


def count(value: object) -> str:
    return f"{int(value):,}" if isinstance(value, int | Decimal) else str(value)


def decimal(value: object, places: int = 2) -> str:
    text = f"{Decimal(str(value)):,.{places}f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text).replace("-", MINUS)


def formatted(figure: DisclosedFigure, exact: bool = False) -> str:
    """A disclosed figure as printed: ``*`` and ``n/a`` as they are, else by its unit; money
    rounded for reading unless ``exact`` (to the penny)."""
    shown, unit = figure.display, figure.unit
    if isinstance(shown, str):
        return shown
    pounds_of = money if exact else reading_money
    if unit == "GBP":
        return pounds_of(shown)
    if unit.startswith("GBP/"):
        return f"{pounds_of(shown)} per {unit[4:]}"
    if unit in ("ratio", "probability"):
        return percent(shown)
    if unit == "percent":
        return f"{shown}%"
    if unit == "hours":
        return f"{decimal(shown)} h"
    return count(shown) if isinstance(shown, int) else decimal(shown, 3)


def as_float(figure: DisclosedFigure | None) -> float | None:
    """The value to draw: None when suppressed, not available or missing."""
    if figure is None or figure.suppressed or isinstance(figure.display, str):
        return None
    return float(figure.display)


#: Words of the facts' values that are initials, as a reader writes them.
INITIALS = {"ahp": "AHP", "cpd": "CPD", "nhs": "NHS", "uk": "UK", "ica": "ICA"}


def human(key: str) -> str:
    """A key or category as words: ``careers_fair`` → ``Careers fair``, ``cpd`` → ``CPD``;
    an organisation's code (``ods:RXP``) as it is written."""
    if ":" in key:
        return key
    said = key.replace("_", " ").replace("-", " ").capitalize().split(" ")
    return " ".join(INITIALS.get(word.lower(), word) for word in said)


def fy(label: str) -> str:
    """``2024-25`` → ``2024/25``."""
    return label.replace("-", "/")


_QUARTER = re.compile(r"(\d{4})-(\d{2})-Q([1-4])")
_FY = re.compile(r"(\d{4})-(\d{2})")


def is_fy(label: str) -> bool:
    match = _FY.fullmatch(label)
    return bool(match) and (int(label[:4]) + 1) % 100 == int(label[5:])


# -- the figures a report may print ------------------------------------------------------------


class Figures:
    """Disclosed figures by id; records, per section, which ones the report printed."""

    def __init__(self, report: Any, policy: str) -> None:
        self.views, self.policy = report.views, policy
        self.index: dict[str, DisclosedFigure] = {f.id: as_disclosed(f) for f in report.figures}
        self.missing: dict[str, DisclosedFigure] | None = None
        self.used: dict[str, dict[str, DisclosedFigure]] = {}
        self.section = "summary"
        #: Partnership key → name as recorded (``partnership_names``); keys where unknown.
        self.names: Mapping[str, str] = {}

    def partnership(self, key: str) -> str:
        """A partnership's name for readers (its key when the report was given no names)."""
        return self.names.get(key, key)

    def get(self, figure_id: str) -> DisclosedFigure | None:
        found = self.index.get(figure_id)
        if found is None and figure_id in self.views.by_id:
            found = self._disclosed_here().get(figure_id)
        if found is not None:
            self.used.setdefault(self.section, {})[figure_id] = found
        return found

    def _disclosed_here(self) -> dict[str, DisclosedFigure]:
        """A figure the report left out of ``figures`` is disclosed here, by the same policy."""
        if self.missing is None:
            self.missing = {f.id: f for f in apply_disclosure(self.views.figures, self.policy)}
        return self.missing

    def peek(self, figure_id: str) -> DisclosedFigure | None:
        """As :meth:`get`, without listing the figure among those printed."""
        return self.index.get(figure_id) or (
            self._disclosed_here().get(figure_id) if figure_id in self.views.by_id else None
        )

    def text(self, figure_id: str, default: str = "n/a") -> str:
        found = self.get(figure_id)
        return default if found is None else formatted(found)

    def value(self, figure_id: str) -> float | None:
        return as_float(self.get(figure_id))

    def count(self, raw: int) -> str:
        """A count that is no figure (a number at risk between horizons), by the policy."""
        return str(show_count(raw, self.policy)) if self.policy != "none" else f"{raw:,}"


def as_disclosed(figure: Any) -> DisclosedFigure:
    """A report's figure as the charts read it: a :class:`legacyledger.reports.ReportFigure`
    writes exact decimals as text (JSON has no decimals), so they are numbers again here;
    ``*`` and ``n/a`` stay text."""
    if isinstance(figure, DisclosedFigure):
        return figure
    display = figure.display
    if isinstance(display, float):
        display = Decimal(str(display))
    elif isinstance(display, str):
        try:
            number = Decimal(display)
        except ArithmeticError:
            number = None
        display = number if number is not None and number.is_finite() else display
    return DisclosedFigure(figure.id, display, figure.unit, figure.kind, figure.suppressed,
                           figure.derivation, figure.label)  # fmt: skip


def policy_of(report: Any) -> str:
    found = report.disclosure
    return str(getattr(found, "policy", found) or "nhs")


# -- activity over time: one reach view per quarter --------------------------------------------


@attrs.frozen
class Window:
    """The reach figures over one reporting window: a quarter (``label`` ``Q1``, ``group``
    its financial year) or a financial year (``label`` ``2024/25``, no group)."""

    label: str
    group: str
    start: date
    end: date
    figures: Mapping[str, DisclosedFigure]

    def get(self, figure_id: str) -> DisclosedFigure | None:
        return self.figures.get(figure_id)

    @property
    def short(self) -> str:
        return f"{self.label} {self.group[2:]}" if self.group else self.label


@attrs.frozen
class ActivityTimeline:
    """Reach by quarter and by financial year; ``complete`` is False for the stand-in made
    from the report's own window when no timeline was supplied."""

    quarters: tuple[Window, ...]
    years: tuple[Window, ...] = ()
    complete: bool = True


def activity_timeline(
    ledger: Any,
    as_of: date,
    known_at: int | None = None,
    policy: str = "nhs",
    first: date | None = None,
    options: Mapping[str, Any] | None = None,
) -> ActivityTimeline:
    """Reach per NHS quarter and financial year, from the one holding the first event or
    enrolment up to ``as_of``, as known at ledger position ``known_at``, disclosed under
    ``policy``. The facts are read once; each window is the reach fold's view over
    ``[window start, min(window end, as_of)]``. ``options``: the report's reach parameters
    (``active_months`` and so on); its window and partnership split are set here."""
    kept = {
        k: v
        for k, v in (options or {}).items()
        if k not in ("as_of", "period_start", "by_partnership")
    }
    # The facts are read and settled once, compactly (as build_views does); each window
    # folds them for its own dates. (Folding records kept as dicts took 157 s and 4.9 GB
    # for the quarters of a 1,000,000-fact ledger.)
    names = REACH_NAMES | CORRECTIONS
    settled = EffectiveTables.of(ledger.records(stop=known_at, names=names), REACH_NAMES)
    first = first or _first_day(settled, as_of)

    def window(start: date, end: date, label: str, group: str) -> Window:
        params = ReachParams(as_of=end, period_start=start, by_partnership=False, **kept)
        figures = apply_disclosure(reach_from_settled(settled, params).figures, policy)
        return Window(label, group, start, end, {f.id: f for f in figures})

    quarters = tuple(window(s, e, *_quarter_name(s)) for s, e in _spans(first, as_of, 3))
    years = tuple(window(s, e, _fy_name(s), "") for s, e in _spans(first, as_of, 12))
    return ActivityTimeline(quarters, years)


def report_timeline(ledger: Any, report: Any) -> ActivityTimeline | None:
    """The activity timeline for a :class:`legacyledger.reports.Report` that has reach: the
    same business date, knowledge cut-off, disclosure policy and reach parameters."""
    if "reach" not in report.views.families:
        return None
    options = fold_options("reach", report.parameters.get("reach", {}))
    return activity_timeline(ledger, report.as_of, report.known_at, policy_of(report),
                             options=options)  # fmt: skip


def _first_day(settled: EffectiveTables, as_of: date) -> date:
    days = [day for name in (_EVENT_PLANNED, _MENTOR_ENROLLED)
            for day in settled.table(name).col("on")]
    return date.fromisoformat(min(days)) if days else as_of


def _spans(first: date, as_of: date, months: int) -> Iterator[tuple[date, date]]:
    """NHS quarters (3) or financial years (12) from the one holding ``first`` to ``as_of``,
    the last cut at ``as_of``."""
    index = (first.year * 12 + first.month - 4) // months * months + 3  # months since year 0
    start = date(index // 12, index % 12 + 1, 1)
    while start <= as_of:
        index += months
        following = date(index // 12, index % 12 + 1, 1)
        yield start, min(following - timedelta(days=1), as_of)
        start = following


def _fy_name(start: date) -> str:
    year = start.year if start.month >= 4 else start.year - 1
    return f"{year}/{(year + 1) % 100:02d}"


def _quarter_name(start: date) -> tuple[str, str]:
    return f"Q{(start.month - 4) % 12 // 3 + 1}", _fy_name(start)


def _window(report: Any, figures: Figures) -> ActivityTimeline:
    """Without a timeline: the report's own reach window, as the only column."""
    view = report.views.families["reach"]
    start = view.params.period_start
    label = (
        f"{start:%d %b %Y} to {report.as_of:%d %b %Y}" if start else f"to {report.as_of:%d %b %Y}"
    )
    shown = {f.id: d for f in view.figures if (d := figures.peek(f.id)) is not None}
    whole = Window(label, "", start or report.as_of, report.as_of, shown)
    return ActivityTimeline((whole,), (whole,), complete=False)


# -- page --------------------------------------------------------------------------------------


@attrs.frozen
class Section:
    key: str
    title: str
    body: str


def render_html(
    report: Any, timeline: ActivityTimeline | None = None, title: str | None = None,
    names: Mapping[str, str] | None = None, appendix: bool = False,
) -> str:
    """The report as one HTML document (UTF-8 text); ``names`` (partnership key → name, from
    :func:`partnership_names`) make it speak of partnerships by name. ``appendix`` adds every
    figure printed with its id and exact value (printed too), and every figure of the views
    (on screen only): for analysts; a board reads the pack without it."""
    policy = policy_of(report)
    figures = Figures(report, policy)
    figures.names = dict(names or {})
    present = report.views.families
    timeline = timeline or getattr(report, "timeline", None)
    builders: list[tuple[str, str, Callable[[], str]]] = [
        ("retention", "Retention", lambda: retention_section(report, figures)),
        ("costs", "Cost over time", lambda: costs_section(report, figures)),
        ("compliance", "Framework compliance", lambda: compliance_section(report, figures)),
        ("reach", "Reach and activity", lambda: reach_section(report, figures, timeline)),
    ]
    summary = summary_section(report, figures)
    sections = []
    for key, heading, build in builders:
        if key in present:
            figures.section = key
            sections.append(Section(key, heading, build()))
    name = title or title_of(figures.names) or programme_name(report)
    return page(report, name, policy, summary, sections, figures, appendix)


def partnership_names(ledger: Any, report: Any) -> dict[str, str]:
    """The names of the report's partnerships as recorded (``PartnershipFormed``, as known at
    the report's position), by key."""
    keys = {v for f in report.views.figures for k, v in _dims(f.id) if k == "partnership"}
    return {record.fact["partnership"]: str(record.fact["name"])
            for record in ledger.records(0, report.known_at, names=[_PARTNERSHIP_FORMED])
            if record.fact["partnership"] in keys}  # fmt: skip


def title_of(names: Mapping[str, str]) -> str | None:
    """``Programme report: A and B`` from the partnerships' names (None without any)."""
    if not names:
        return None
    listed = sorted(names.values())
    joined = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
    return f"Programme report: {joined}"


def programme_title(ledger: Any, report: Any) -> str | None:
    """The report's title from its partnerships' names as recorded, not their keys."""
    return title_of(partnership_names(ledger, report))


_PARTNERSHIP_FORMED = Partnership.Formed.FACT


def programme_name(report: Any) -> str:
    for attribute in ("title", "programme"):
        found = getattr(report, attribute, None)
        if found:
            return str(found)
    keys = sorted({v for f in report.views.figures for k, v in _dims(f.id) if k == "partnership"})
    return "Programme report" + (f": {', '.join(keys)}" if keys else "")


def _dims(figure_id: str) -> Iterator[tuple[str, str]]:
    for part in figure_id.split("/")[1:]:
        name, _, value = part.partition("=")
        yield name, value


def page(
    report: Any,
    name: str,
    policy: str,
    summary: str,
    sections: Sequence[Section],
    figures: Figures,
    with_appendix: bool = False,
) -> str:
    generated = getattr(report, "generated_at", None) or datetime.now(UTC)
    listed = [(s.key, s.title) for s in sections]
    listed += [("appendix", "Figures and their ids")] * with_appendix
    listed.append(("about", "About this report"))
    contents = "".join(f'<li><a href="#{key}">{esc(title)}</a></li>' for key, title in listed)
    body = "".join(
        f'<section class="report-section" id="{s.key}" aria-labelledby="{s.key}-h">'
        f'<h2 id="{s.key}-h"><span class="num">{i}</span>{esc(s.title)}</h2>{s.body}</section>'
        for i, s in enumerate(sections, start=1)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="legacyledger {esc(__version__)}">'
        f"<title>{esc(name)}: report as of {report.as_of:%d %B %Y}</title>"
        f"<style>{stylesheet(report, policy)}</style></head><body>"
        f"{title_block(report, name, policy, generated)}<main>"
        f'<nav class="contents" aria-label="Contents"><ol>{contents}</ol></nav>'
        f"{summary}{body}{appendix(figures, sections) if with_appendix else ''}</main>"
        f"{footer(report, policy, generated)}</body></html>\n"
    )


def title_block(report: Any, name: str, policy: str, generated: datetime) -> str:
    facts = [
        ("As of", f"{report.as_of:%d %B %Y}", "business date: facts dated later are left out"),
        (
            "Known at",
            f"ledger position {report.known_at:,}",
            f"of {_head_position(report):,} recorded; later facts are not in this report",
        ),
        ("Disclosure", policy, "see the footer"),
        ("Generated", f"{generated:%d %B %Y %H:%M} UTC", f"legacyledger {__version__}"),
    ]
    cells = "".join(
        f'<div><dt>{esc(k)}</dt><dd>{esc(v)}<span class="sub">{esc(s)}</span></dd></div>'
        for k, v, s in facts
    )
    return (
        '<header class="title-block"><div class="inner">'
        '<p class="kicker">Workforce programme evaluation · legacyledger report</p>'
        f'<h1>{esc(name)}</h1><dl class="meta">{cells}</dl></div></header>'
    )


def _head_position(report: Any) -> int:
    head = getattr(report, "ledger_head", None)
    if isinstance(head, int):
        return head
    position = getattr(head, "position", None)
    if isinstance(position, int):
        return position
    if isinstance(head, tuple | list) and head and isinstance(head[0], int):
        return head[0]
    return int(report.known_at)


def figure_block(chart: str, caption: str, note: str = "", exact: str = "") -> str:
    """A chart with its caption; ``exact``: the chart's amounts to the penny, folded. A chart
    in parts (:func:`~legacyledger_cli.html.charts.in_parts`) may break between them."""
    extra = f'<p class="callout">{note}</p>' if note else ""
    kind = "chart-figure in-parts" if 'data-part="' in chart else "chart-figure"
    return (f'<figure class="{kind}">{chart}<figcaption>{caption}</figcaption>{extra}'
            f"{exact}</figure>")  # fmt: skip


TableCell = str | Amount


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[TableCell]],
    caption: str = "",
    numeric: Sequence[int] = (),
    cls: str = "",
) -> str:
    """Cells are escaped here; ``numeric`` columns align right. Money (:class:`Amount`) is
    rounded for reading, and when that changed any amount the same table follows to the
    penny, folded (one click, no script)."""
    cells = [tuple(row) for row in rows]
    shown = _table(headers, cells, numeric, cls, caption, exact=False)
    amounts = [c for row in cells for c in row if isinstance(c, Amount)]
    if all(a.text() == a.text(exact=True) for a in amounts):
        return shown
    exact = _table(headers, cells, numeric, f"{cls} exact".strip(), exact=True)
    return shown + exact_details(exact)


def exact_details(body: str, what: str = "these amounts") -> str:
    """Exact values one click away: folded on screen, and left folded in print."""
    return f'<details class="exact"><summary>Show {what} to the penny</summary>{body}</details>'


def exact_table(headers: Sequence[str], rows: Sequence[Sequence[TableCell]]) -> str:
    """A chart's amounts to the penny (a label, then amounts), folded under it."""
    body = _table(headers, rows, range(1, len(headers)), "exact", exact=True)
    return exact_details(body, "the amounts in this chart")


def _table(headers: Sequence[str], rows: Sequence[Sequence[TableCell]], numeric: Sequence[int],
           cls: str, caption: str = "", exact: bool = False) -> str:  # fmt: skip
    head = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{esc(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{esc(_cell(c, exact))}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{prose(caption)}</caption>" if caption else ""
    return (f'<div class="table-scroll"><table class="{cls}">{cap}<thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


def _cell(cell: TableCell, exact: bool) -> str:
    return cell.text(exact) if isinstance(cell, Amount) else cell


def paragraph(*sentences: str) -> str:
    """Sentences as a paragraph; text in `backticks` is set as code (a command to type)."""
    return f"<p>{prose(' '.join(sentences))}</p>"


def prose(text: str) -> str:
    """Text escaped for HTML, with `backticked` commands set as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


# -- summary -----------------------------------------------------------------------------------


@attrs.frozen
class Card:
    label: str
    value: str
    sub: str
    figure: str


def summary_section(report: Any, figures: Figures) -> str:
    figures.section = "summary"
    cards = [c for c in _cards(report, figures) if c is not None]
    html_cards = "".join(
        f'<div class="card"><div class="card-label">{esc(c.label)}</div>'
        f'<div class="card-value">{esc(c.value)}</div><div class="card-sub">{esc(c.sub)}</div>'
        f"{worked_out(report, c.figure, figures.policy)}</div>"
        for c in cards
    )
    lead = paragraph(
        f"Figures as of {report.as_of:%d %B %Y}, from the ledger as known at position "
        f"{report.known_at:,}. Under each headline, “How it was worked out” gives its sum in "
        "words and the id of the figure behind it:",
        "run `legacyledger explain ID` to see every fact it rests on.",
    )
    return (
        '<section class="summary" id="summary" aria-labelledby="summary-h">'
        f'<h2 id="summary-h">Summary</h2>{_empty(report)}{lead}'
        f'<div class="cards">{html_cards}</div></section>'
    )


def _empty(report: Any) -> str:
    """A report of no facts says so first: its zeros and blanks are not a programme's."""
    if report.known_at:
        return ""
    return ('<p class="callout"><strong>The ledger held no facts</strong> at this position, '
            "so every figure below is zero or not computable. Import facts first "
            "(<code>legacyledger import FILE</code>).</p>")


def worked_out(report: Any, figure_id: str, policy: str) -> str:
    """A headline's derivation in words, one click away and without JavaScript."""
    found = report.views.by_id.get(figure_id)
    said = in_words(found, report.views.by_id, (), policy).sum if found is not None else ""
    return (
        "<details><summary>How it was worked out</summary>"
        + (f"<p>{esc(said)}</p>" if said else "")
        + f'<p class="card-id"><code>{esc(figure_id)}</code></p></details>'
    )


def _cards(report: Any, figures: Figures) -> Iterator[Card | None]:
    families = report.views.families
    if "retention" in families:
        yield _retention_card(families["retention"], figures)
    if "costs" in families:
        yield _cost_card(families["costs"], figures)
    if "reach" in families:
        yield from _reach_cards(families["reach"].params, figures)
    if "compliance" in families:
        yield _compliance_card(families["compliance"], figures)


def _retention_card(view: Any, figures: Figures) -> Card | None:
    """R_h at 12 months (or the horizon nearest it) for the latest cohort that has one; when
    cohorts are split (``--by``), for its group with the most eligible registrants, named."""
    months = min(view.params.horizons, key=lambda h: (abs(h - 12), h))
    found = list(_headline_rows(view, months))
    if not found:
        return None
    latest = [c for c in found if c[0][0] == found[-1][0][0]]
    panel, series, row, _ = max(latest, key=lambda c: c[3])
    key = (*row.key, ("h", str(months)))
    maker = FigureMaker(view.params)
    rate_id = maker.id("rate", key)
    where = " · ".join([f"{panel[0]} cohort", *(human(v) for _, v in panel[1]), series])
    if len(latest) > 1:
        dims = " and ".join(d for d, _ in panel[1])
        where += f", the largest of {len(latest)} groups by {dims}"
    shown = figures.text(maker.id("eligible", key))
    beside = _comparator(maker, key, figures)
    return Card(f"Retained at {months} months", figures.text(rate_id),
                f"{where}; {shown} eligible{beside}", rate_id)  # fmt: skip


def _comparator(maker: FigureMaker, key: tuple[tuple[str, str], ...], figures: Figures) -> str:
    """The comparator group's rate beside the mentored one (descriptive, not causal)."""
    if ("group", "mentored") not in key:
        return ""
    other = tuple((k, "comparator" if k == "group" else v) for k, v in key)
    rate, eligible = maker.id("rate", other), maker.id("eligible", other)
    if figures.peek(rate) is None:
        return ""
    return (f"; comparator {figures.text(rate)} of {figures.text(eligible)} eligible "
            "(descriptive, not causal)")  # fmt: skip


def _headline_rows(view: Any, months: int) -> Iterator[tuple[PanelKey, str, Any, int]]:
    """(panel, series, row, eligible) of each row, not the comparator, with someone eligible at
    ``months``, in cohort order."""
    for panel, series, row in retention_rows(view):
        horizon = next((h for h in row.horizons if h.months == months and h.eligible), None)
        if horizon is not None and series != "Comparator":
            yield panel, series, row, horizon.eligible


def _cost_card(view: Any, figures: Figures) -> Card | None:
    years = sorted(p for p in _periods(view, "costs.total") if is_fy(p))
    if not years:
        return None
    latest = years[-1]
    spend = figure_id("costs.total", period=latest)
    funding = figure_id("costs.funding", period=latest)
    given = pounds(figures.get(funding)) or "no funding recorded"
    return Card(f"Spend in {fy(latest)}", pounds(figures.get(spend)) or "n/a",
                f"funding {given}", spend)  # fmt: skip


def pounds(figure: DisclosedFigure | None) -> str | None:
    """Money rounded for reading, to whole pounds (the exact amount is one click away)."""
    if figure is None or isinstance(figure.display, str):
        return None if figure is None else str(figure.display)
    whole = Decimal(str(figure.display)).quantize(Decimal(1), ROUND_HALF_UP)
    return f"{MINUS if whole < 0 else ''}£{abs(whole):,}"


def _reach_cards(params: ReachParams, figures: Figures) -> Iterator[Card]:
    delivered, audience = "reach.events_delivered", "reach.audience_reached"
    yield Card(
        "Events delivered",
        figures.text(delivered),
        f"audience reached {figures.text(audience)}",
        delivered,
    )
    registered = figure_id("reach.registered", role="ambassador")
    active = figures.text(figure_id("reach.active", role="ambassador"))
    yield Card(
        "Ambassadors registered",
        figures.text(registered),
        f"{active} active in the last {params.active_months} months",
        registered,
    )


def _compliance_card(view: Any, figures: Figures) -> Card | None:
    summaries = sorted(view.summaries, key=lambda s: (not s.adopted, s.framework, s.partnership))
    if not summaries:
        return None
    s = summaries[0]
    share = s.items_met_share.id
    name = framework_titles(view).get(s.framework, human(s.framework))
    overdue = sum(a.overdue for a in view.actions if a.open)
    return Card(
        "Framework items met",
        figures.text(share),
        f"{name}, {figures.partnership(s.partnership)}; {overdue} overdue "
        f"action{'s' * (overdue != 1)} in all",
        share,
    )


def _periods(view: Any, metric: str) -> set[str]:
    """Period labels of the whole-programme figures of one metric (no other dims)."""
    found = set()
    for f in view.figures:
        name, _, rest = f.id.partition("/")
        if name == metric and rest.startswith("period=") and "/" not in rest:
            found.add(rest[len("period=") :])
    return found


# -- retention ---------------------------------------------------------------------------------

PanelKey = tuple[str, tuple[tuple[str, str], ...]]


def retention_rows(view: Any) -> Iterator[tuple[PanelKey, str, Any]]:
    """(panel: cohort and dims other than group, series name, cohort row), in cohort order."""
    compared = {(c.cohort, c.dims): c for c in view.comparisons}
    for row in view.cohorts:
        dims = dict(row.dims)
        rest = tuple(d for d in row.dims if d[0] != "group")
        key = (row.cohort, rest)
        if "group" in dims:
            yield key, human(dims["group"]), row
        elif key in compared:
            yield key, "Mentored", compared[key].mentored
            yield key, "Comparator", compared[key].comparator
        else:
            yield key, "All registrants", row


def _panels(view: Any) -> dict[PanelKey, list[tuple[str, Any]]]:
    panels: dict[PanelKey, list[tuple[str, Any]]] = {}
    for key, series, row in retention_rows(view):
        panels.setdefault(key, []).append((series, row))
    return panels


#: The groups compared, first: they keep their colours (and dashes) in every report.
COMPARED = ("Mentored", "Comparator")


def series_of(panels: Mapping[PanelKey, list[tuple[str, Any]]]) -> list[str]:
    """The retention charts' series, mentored and comparator first, then as they come."""
    found = dict.fromkeys(s for rows in panels.values() for s, _ in rows)
    return [s for s in COMPARED if s in found] + [s for s in found if s not in COMPARED]


def _panel_title(key: PanelKey) -> str:
    return " · ".join([f"{key[0]} cohort", *(human(v) for _, v in key[1])])


def retention_section(report: Any, figures: Figures) -> str:
    view = report.views.families["retention"]
    p = view.params
    panels = _panels(view)
    series = series_of(panels)
    intro = paragraph(
        f"Registrants are grouped into cohorts by the {p.period.upper()} of their "
        f"{p.anchor.replace('_', ' ')} date. Scope “{p.scope}” decides what counts as leaving.",
        "Someone whose horizon has not yet arrived is never counted as retained.",
    )
    parts = [
        intro,
        km_figure(view, panels, series, figures),
        horizons_figure(view, panels, series, figures),
        difference_figure(view, figures),
        periods_table(view, figures),
    ]
    return "".join(parts)


def km_figure(
    view: Any, panels: Mapping[PanelKey, list[tuple[str, Any]]], series: list[str], figures: Figures
) -> str:
    horizons = view.params.horizons
    ticks = (0.0, *(float(h) for h in horizons))
    maker = FigureMaker(view.params)
    drawn = [
        _survival_panel(key, [_curve(name, row, horizons, maker, figures) for name, row in rows])
        for key, rows in panels.items()
    ]
    lowest = min(
        (s.lower for p in drawn for c in p.curves for s in c.steps if s.x <= ticks[-1]), default=1.0
    )
    y_min = min(0.5, math.floor(lowest * 10) / 10)
    chart = svg.in_parts(lambda part_of, width, part: svg.survival_chart(
        "retention-km",
        f"Kaplan{EN_DASH}Meier retention curves by cohort, with 95% confidence bands",
        "Share of each cohort still in post (by the report's scope) against months since the "
        "anchor date, as step lines with shaded log-log 95% confidence bands; numbers at risk "
        f"at {', '.join(num_months(t) for t in ticks)} months under each panel.",
        part_of,
        ticks,
        series,
        y_min, width=width, part=part,
    ), drawn, svg.PANELS_PER_PART)
    steps = (
        "Each step down is a leaving. "
        if figures.policy == "none"
        else f"Under disclosure policy {figures.policy} each curve joins, month by month, the "
        "estimates the report publishes at its horizons, each computed from rounded counts "
        "(a step for each leaving would show it); it passes over an estimate withheld and "
        "stops where the number at risk is withheld or nobody is at risk. "
    )
    caption = (
        f"<strong>Kaplan{EN_DASH}Meier survival in post.</strong> {esc(steps)}"
        "Registrants enter the risk set when they enrol, which may be after their anchor "
        "date (delayed entry), so few may be at risk at month 0. "
        f"The vertical axis starts at {y_min:.0%}."
    )
    return figure_block(chart, caption)


def _survival_panel(key: PanelKey, curves: list[svg.Curve]) -> svg.SurvivalPanel:
    hidden = [c.name.lower() for c in curves if not c.steps]
    note = f"Too few to draw ({' and '.join(hidden)})" if hidden else ""
    return svg.SurvivalPanel(_panel_title(key), tuple(curves), note)


def num_months(value: float) -> str:
    return svg.num(value)


def _curve(
    name: str, row: Any, horizons: Sequence[int], maker: FigureMaker, figures: Figures
) -> svg.Curve:
    curve = row.curve
    if figures.policy == "none":
        steps, end = _exact_steps(curve)
    else:
        steps, end = _published_steps(row.key, horizons, maker, figures)
    at_risk = [figures.count(curve.at_risk(0))]
    for h in horizons:
        shown = figures.get(maker.id("km_at_risk", (*row.key, ("h", str(h)))))
        at_risk.append(formatted(shown) if shown else figures.count(curve.at_risk(_day(h))))
    return svg.Curve(name, steps, end, tuple(at_risk))


def _exact_steps(curve: Any) -> tuple[tuple[svg.Step, ...], float]:
    """Every step of the curve, to its last day (internal audit only: a step's height and
    day would show a leaving to anyone)."""
    if not (curve.points or curve.subjects):
        return (), 0.0
    last = _last_day(curve)
    steps = tuple(
        svg.Step(day * 12 / 365.25, *(round(v, 6) for v in (p.survival, p.lower, p.upper)))
        for day, p in ((0, curve.at(0)), *((p.day, p) for p in curve.points if 0 < p.day <= last))
    )
    return steps, last * 12 / 365.25


#: Points per month drawn between two published estimates.
_PER_MONTH = 1


def _published_steps(
    key: Any, horizons: Sequence[int], maker: FigureMaker, figures: Figures
) -> tuple[tuple[svg.Step, ...], float]:
    """The curve as published (figures.md §5): 1 at month 0, then each horizon's estimate and
    bounds as displayed, joined month by month (survival geometrically, bounds linearly); a
    horizon whose estimate is suppressed is passed over, and the curve stops at the first
    whose number at risk is suppressed or 0. Nothing but displayed values is drawn."""
    points = [(0.0, 1.0, 1.0, 1.0)]
    for h in horizons:
        at = (*key, ("h", str(h)))
        if not figures.value(maker.id("km_at_risk", at)):
            break
        s, lower, upper = (figures.value(maker.id(m, at))
                           for m in ("km_survival", "km_ci_lower", "km_ci_upper"))  # fmt: skip
        if s is not None and lower is not None and upper is not None:
            points.append((float(h), s, lower, upper))
    if len(points) == 1:
        return (), 0.0
    steps = [svg.Step(*points[0])]
    for (a, *start), (b, *stop) in itertools.pairwise(points):
        months = max(1, round((b - a) * _PER_MONTH))
        steps += [svg.Step(a + (b - a) * i / months, *_between(start, stop, i / months))
                  for i in range(1, months + 1)]  # fmt: skip
    return tuple(steps), points[-1][0]


def _between(start: Sequence[float], stop: Sequence[float], share: float) -> tuple[float, ...]:
    """(survival, lower, upper) ``share`` of the way from ``start`` to ``stop``."""
    s0, s1 = start[0], stop[0]
    survival = s0 * (s1 / s0) ** share if s0 > 0 and s1 > 0 else s0 + (s1 - s0) * share
    return survival, *(a + (b - a) * share for a, b in zip(start[1:], stop[1:]))


def _day(months: int) -> int:
    return round(months * 365.25 / 12)


def _last_day(curve: Any) -> int:
    return max(curve.exits, default=0)


def horizons_figure(
    view: Any, panels: Mapping[PanelKey, list[tuple[str, Any]]], series: list[str], figures: Figures
) -> str:
    maker = FigureMaker(view.params)
    drawn = []
    for key, rows in panels.items():
        groups = []
        for h in view.params.horizons:
            bars = tuple(_horizon_bar(name, row, h, maker, figures) for name, row in rows)
            groups.append(svg.BarGroup(f"{h} months", bars))
        drawn.append(svg.BarPanel(_panel_title(key), tuple(groups)))
    chart = svg.in_parts(lambda part_of, width, part: svg.bar_panels(
        "retention-horizons",
        "Retention at each horizon by cohort (R_h), with eligible counts",
        "Bars: share of eligible registrants retained at 6, 12, 18 and 24 months after the "
        "anchor date. Under each bar: n, the number eligible (anchor plus horizon on or before "
        "the as-of date, enrolled by then, and observed to it or seen leaving before it).",
        part_of,
        series,
        [(v / 100, f"{v}%") for v in range(0, 101, 25)], width=width, part=part,
    ), drawn, svg.PANELS_PER_PART)
    caption = (
        "<strong>R<sub>h</sub> = retained<sub>h</sub> / eligible<sub>h</sub>.</strong> "
        "Labels above the bars are R<sub>h</sub>; n under each bar is eligible<sub>h</sub>. "
        "A dashed empty slot marks a value withheld by the disclosure policy (*) or not yet "
        "observable (n/a). A leaving seen before the horizon counts even if follow-up ended "
        "later; people enrolled after anchor + h are not eligible. With delayed entry "
        f"R<sub>h</sub> is conditional on being in post at enrolment: the Kaplan{EN_DASH}Meier "
        "curves are the estimate without that bias."
    )
    return figure_block(chart, caption)


def _horizon_bar(name: str, row: Any, months: int, maker: FigureMaker, figures: Figures) -> svg.Bar:
    key = (*row.key, ("h", str(months)))
    rate = figures.get(maker.id("rate", key))
    eligible = figures.text(maker.id("eligible", key))
    retained = figures.text(maker.id("retained", key))
    label = _short_pct(rate)
    tooltip = f"{name}, {months} months: R_h {label} ({retained} retained of {eligible} eligible)"
    return svg.Bar(name, as_float(rate), label, f"n={eligible}", tooltip)


def difference_figure(view: Any, figures: Figures) -> str:
    maker = FigureMaker(view.params)
    rows = []
    for c in view.comparisons:
        for months, _ in c.differences:
            at = ("h", str(months))
            shown = figures.get(maker.id("rate_difference", (("cohort", c.cohort), *c.dims, at)))
            m = figures.text(maker.id("eligible", (*c.mentored.key, at)))
            k = figures.text(maker.id("eligible", (*c.comparator.key, at)))
            value = as_float(shown)
            if value is None and (shown is None or not shown.suppressed):
                continue  # not yet observable in one group or both: nothing to compare
            text = (
                points(shown.display)
                if value is not None and shown
                else formatted(shown)
                if shown
                else "n/a"
            ) + f"  (n={m} vs {k})"
            label = " · ".join([f"{c.cohort}", *(human(v) for _, v in c.dims), f"{months} months"])
            rows.append(svg.HBar(label, value, text, tooltip=f"{label}: {text}"))
    reach = max([abs(r.value) for r in rows if r.value is not None] or [0.1])
    step = svg.nice_ticks(reach, 2)
    ticks = [(-v, points(-v)) for v in reversed(step[1:])] + [(v, points(v)) for v in step]
    chart = svg.in_parts(lambda part_of, width, part: svg.hbar_chart(
        "retention-difference",
        "Mentored minus comparator retention, in percentage points (descriptive, not causal)",
        "For each cohort and horizon: R_h of mentored registrants minus R_h of the comparator "
        "group; bars right of zero mean the mentored group was retained more. Descriptive, "
        "not causal: the groups were not randomised.",
        part_of,
        ticks,
        x_title=("← comparator retained more", "mentored retained more →"), width=width,
        part=part,
    ), rows, svg.ROWS_PER_PART)
    note = (
        "<strong>Descriptive, not causal.</strong> Mentored and comparator registrants were "
        "not randomly allocated, so a difference may reflect who was offered or took up "
        "mentoring rather than the mentoring itself. n = eligible mentored vs comparator."
    )
    return figure_block(
        chart,
        "<strong>Mentored vs comparator.</strong> R<sub>h</sub>(mentored) "
        f"{MINUS} R<sub>h</sub>(comparator), with both eligible counts.",
        note,
    )


def periods_table(view: Any, figures: Figures) -> str:
    maker = FigureMaker(view.params)
    rows = []
    for r in view.periods:
        key = (("period", r.period), *r.dims)
        group = ", ".join(human(v) for _, v in r.dims) or "All registrants"
        rows.append(
            (
                fy(r.period),
                group,
                figures.text(maker.id("leavers", key)),
                figures.text(maker.id("headcount_average", key)),
                figures.text(maker.id("leaver_rate", key)),
                figures.text(maker.id("stability_index", key)),
            )
        )
    if not rows:
        return ""
    return "<h3>Leaver rate and stability by period</h3>" + table(
        ("Period", "Group", "Leavers", "Average headcount", "Leaver rate", "Stability index"),
        rows,
        "Leaver rate: leavers ÷ average headcount, the days each person was in post while "
        "observed in the period ÷ its days (someone whose follow-up ended half-way counts 0.5); "
        "it is the NHS definition (leavers ÷ mean of headcount at start and end) when headcount "
        "changes evenly and no one's follow-up ends in the period. Under the nhs and under10 "
        "policies the average headcount is that NHS average of the headcounts as displayed, "
        "counting those whose follow-up ended in the period at the start: the days in post could "
        "give counts back to someone who knows when people joined and left. Stability index: of "
        "those in post at the start, the share still in post at the end, a Kaplan-Meier estimate "
        "in which someone whose follow-up ended in the period while in post counts until then. No "
        "leaver rate (n/a) where the average headcount is below 10.",
        numeric=(2, 3, 4, 5),
    )


# -- costs -------------------------------------------------------------------------------------

#: Facts that change an amount already reported (rather than report it late).
CATEGORIES = ("administration", "delivery")


def costs_section(report: Any, figures: Figures) -> str:
    view = report.views.families["costs"]
    return "".join(
        (
            paragraph(
                "Mentor time is valued at the pay rate in force on the day of the activity "
                f"(salary ÷ hours per year {TIMES} (1 + on-costs)); costs are exact until shown, "
                "then read in whole pounds, to the penny one click away."
            ),
            quarter_figure(view, figures),
            restatement_table(view),
            funding_figure(view, figures),
            year_table(view, figures),
            unit_cost_table(view, figures),
        )
    )


def _restated_by(view: Any) -> dict[str, list[Any]]:
    """Restatement rows of each figure id caused by a correcting or repricing fact."""
    found: dict[str, list[Any]] = {}
    for row in view.repricings:  # only corrections, voids and back-dated pay rates
        if row.difference:
            found.setdefault(row.figure_id, []).append(row)
    return found


def _as_reported(view: Any, figure: str, restated: dict[str, list[Any]]) -> Decimal:
    return Decimal(view.value(figure)) - sum(
        (r.difference for r in restated.get(figure, ())), Decimal(0)
    )


def _quarters_of(view: Any) -> list[str]:
    return sorted(p for p in _periods(view, "costs.total") if _QUARTER.fullmatch(p))


def quarter_figure(view: Any, figures: Figures) -> str:
    with localcontext(EXACT):
        return _quarter_figure(view, figures)


def _quarter_figure(view: Any, figures: Figures) -> str:
    restated = _restated_by(view)
    columns, tallest, differs = [], 0.0, False
    exact: list[tuple[TableCell, ...]] = []
    for label in _quarters_of(view):
        total_id = figure_id("costs.total", period=label)
        segments, parts = [], []
        for category in CATEGORIES:
            cid = figure_id("costs.total", category=category, period=label)
            figures.get(cid)
            amount = _as_reported(view, cid, restated)
            parts.append(Amount(amount))
            segments.append(
                svg.Segment(
                    human(category),
                    float(amount),
                    f"{human(category)}, {_quarter_text(label)}, as reported: {money(amount)}",
                )
            )
        reported = _as_reported(view, total_id, restated)
        now = Decimal(view.value(total_id))
        figures.get(total_id)
        change = now - reported
        shown_change = pence(change) or Decimal(0)
        differs = differs or bool(shown_change)
        tallest = max(tallest, float(reported), float(now))
        exact.append((_quarter_text(label), *parts, Amount(reported), Amount(now)))
        columns.append(
            svg.Column(
                label[-2:],
                fy(label[:7]),
                tuple(segments),
                line=float(now),
                line_tooltip=f"{_quarter_text(label)} restated: {money(now)} (as reported "
                f"{money(reported)}, difference {money(change)})",
                line_label=(("+" if change > 0 else "") + short_money(change)) if shown_change
                else "",
            )
        )
    if not differs:
        columns = [attrs.evolve(c, line=None) for c in columns]
    chart = svg.responsive(lambda width: svg.stacked_chart(
        "costs-by-quarter",
        "Cost by quarter: administration and delivery as reported, restated total as a line",
        "Stacked bars: each NHS financial-year quarter's cost by category, as reported. Dashed "
        "line with circles: the restated total after corrections, voids and back-dated pay "
        "rates; labels give the change where the two differ.",
        columns,
        [human(c) for c in CATEGORIES],
        _money_ticks(tallest),
        "Restated total" if differs else "", width=width,
    ))
    note = (
        "Bars: cost as reported. The dashed line is the restated total where a correction, "
        "a void or a back-dated pay rate changed a quarter after it was reported; the label "
        "above it is the change."
        if differs
        else "No quarter has been restated: the bars are the totals as they stand."
    )
    headers = ("Quarter", *(f"{human(c)}, as reported" for c in CATEGORIES), "Total as reported",
               "Total restated")  # fmt: skip
    caption = f"<strong>Cost by quarter.</strong> {esc(note)}"
    return figure_block(chart, caption, exact=exact_table(headers, exact))


def _quarter_text(label: str) -> str:
    return f"{fy(label[:7])}\u00a0{label[-2:]}"


def _money_ticks(top: float) -> list[tuple[float, str]]:
    return [(v, short_money(Decimal(str(v)))) for v in svg.nice_ticks(top * 1.08, 5)]


def restatement_table(view: Any) -> str:
    with localcontext(EXACT):
        return _restatement_table(view)


def _restatement_table(view: Any) -> str:
    restated = _restated_by(view)
    rows = []
    for label in _quarters_of(view):
        total_id = figure_id("costs.total", period=label)
        changes = restated.get(total_id, [])
        if not changes:
            continue
        now = Decimal(view.value(total_id))
        change = sum((r.difference for r in changes), Decimal(0))
        if not pence(change):
            continue
        causes = ", ".join(f"{r.fact} at {r.position}" for r in changes[:4])
        causes += f" and {len(changes) - 4} more" if len(changes) > 4 else ""
        rows.append((_quarter_text(label), Amount(now - change), Amount(now), Amount(change),
                     causes))  # fmt: skip
    if not rows:
        return ""
    return "<h3>Restated quarters</h3>" + table(
        ("Quarter", "As reported", "Restated", "Difference", "Caused by (fact at ledger position)"),
        rows,
        "Run `legacyledger log` or `legacyledger show` on a position to see the fact.",
        numeric=(1, 2, 3),
        cls="restatements",
    )


def _years(view: Any) -> list[str]:
    return sorted(
        p for p in _periods(view, "costs.total") | _periods(view, "costs.funding") if is_fy(p)
    )


def funding_figure(view: Any, figures: Figures) -> str:
    groups, tallest = [], 0.0
    exact: list[tuple[TableCell, ...]] = []
    for year in _years(view):
        funding = figures.get(figure_id("costs.funding", period=year))
        spend = figures.get(figure_id("costs.total", period=year))
        bars = tuple(
            svg.Bar(
                name,
                as_float(f),
                _short_amount(f),
                tooltip=f"{name} {fy(year)}: {formatted(f, exact=True) if f else 'n/a'}",
            )
            for name, f in (("Funding received", funding), ("Spend", spend))
        )
        exact.append((fy(year), *(_amount(f) for f in (funding, spend))))
        tallest = max([tallest, *(b.value or 0.0 for b in bars)])
        groups.append(svg.BarGroup(fy(year), bars))
    chart = svg.responsive(lambda width: svg.bar_panels(
        "costs-funding-vs-spend",
        "Funding received against spend, by financial year",
        "Pairs of bars for each NHS financial year (April to March): funding received and total "
        "spend (administration plus delivery, restated).",
        [svg.BarPanel("", tuple(groups))] if groups else [],
        ["Funding received", "Spend"],
        _money_ticks(tallest),
        columns=1,
        panel_height=230, width=width,
    ))
    return figure_block(
        chart,
        f"<strong>Funding against spend.</strong> Balance = funding {MINUS} "
        "spend; see the table below for each partnership.",
        exact=exact_table(("Year", "Funding received", "Spend"), exact),
    )


def _amount(figure: DisclosedFigure | None) -> TableCell:
    """A money figure as a table cell: an :class:`Amount`, or its ``*``/``n/a``/— as text."""
    if figure is None:
        return "—"
    return Amount(Decimal(str(figure.display))) if _is_number(figure) else formatted(figure)


def _short_amount(figure: DisclosedFigure | None) -> str:
    if figure is None:
        return "n/a"
    return short_money(figure.display) if _is_number(figure) else formatted(figure)


def year_table(view: Any, figures: Figures) -> str:
    rows = []
    scopes = [
        None,
        *sorted({v for f in view.figures for k, v in _dims(f.id) if k == "partnership"}),
    ]
    for year in _years(view):
        for scope in scopes:
            ids = {
                m: figure_id(f"costs.{m}", partnership=scope, period=year)
                for m in (
                    "funding",
                    "total",
                    "balance",
                    "admin_share",
                    "unpriced_hours",
                    "cancelled_events",
                )
            }
            if ids["total"] not in view.ids() and ids["funding"] not in view.ids():
                continue
            money_ids = (ids["funding"], ids["total"], ids["balance"])
            cells = [
                _amount(figures.get(i)) if i in money_ids else figures.text(i, "—")
                for i in ids.values()
            ]
            name = figures.partnership(scope) if scope else "All partnerships"
            rows.append((fy(year), name, *cells))
    return "<h3>Funding, spend and balance by year</h3>" + table(
        (
            "Year",
            "Partnership",
            "Funding",
            "Spend",
            "Balance",
            "Admin share",
            "Unpriced hours",
            "Cancelled events",
        ),
        rows,
        "Amounts in whole pounds (to the penny one click below, and in the JSON report). "
        "Unpriced hours: mentor time with no pay rate in force (never counted as zero cost). "
        "Cancelled events: cost booked to events later cancelled.",
        numeric=(2, 3, 4, 5, 6, 7),
    )


UNIT_COSTS = (
    ("per_registrant_supported", "registrants_supported", "Per registrant supported"),
    ("per_contact_hour", "contact_hours", "Per mentoring contact hour"),
    ("per_event_delivered", "events_delivered", "Per event delivered"),
    ("per_audience_member", "audience_reached", "Per audience member reached"),
    ("per_active_ambassador", "ambassadors_active", "Per ambassador active"),
)


def unit_cost_table(view: Any, figures: Figures) -> str:
    basis = view.params.unit_cost_basis
    only = "delivery" if basis == "delivery" else None
    years = sorted(p for p in _periods(view, "costs.events_delivered") if is_fy(p))
    rows = []
    for metric, base, label in UNIT_COSTS:
        cells: list[TableCell] = []
        for year in years:
            unit = figures.get(figure_id(f"costs.{metric}", basis=only, period=year))
            n = figures.text(figure_id(f"costs.{base}", period=year))
            cells.append(Amount(Decimal(str(unit.display)), f" (n={n})")
                         if unit is not None and _is_number(unit) else f"{_shown(unit)} (n={n})")
        rows.append((label, *cells))
    if not years:
        return ""
    what = ("delivery cost only (administration excluded)" if only else
            "full cost (administration + delivery)")  # fmt: skip
    return "<h3>Unit costs</h3>" + table(
        ("Unit cost", *(fy(y) for y in years)),
        rows,
        f"Cost basis: {what}. Per event delivered: the cost booked to events (events later "
        "cancelled included) over the events delivered. n is the denominator (disclosed by the "
        "policy).",
        numeric=tuple(range(1, len(years) + 1)),
    )


def _is_number(figure: DisclosedFigure | None) -> bool:
    return figure is not None and not isinstance(figure.display, str)


def _shown(figure: DisclosedFigure | None) -> str:
    return "n/a" if figure is None else formatted(figure)


# -- compliance --------------------------------------------------------------------------------

#: Each status as a reader sees it: its word; colour and pattern come from its CSS class.
STATUS_WORDS = {"met": "Met", "partial": "Partial", "not_met": "Not met",
                "not_applicable": "N/A", "no_evidence": "No evidence"}  # fmt: skip


def framework_titles(view: Any) -> dict[str, str]:
    """Framework id → title (each summary figure's label is ``"<title>: <metric>"``)."""
    return {
        s.framework: s.items_met.label.rpartition(": ")[0] or human(s.framework)
        for s in view.summaries
    }


def compliance_section(report: Any, figures: Figures) -> str:
    view = report.views.families["compliance"]
    frameworks = list(dict.fromkeys(i.framework for i in view.items))
    intro = paragraph(
        "Each partnership is judged against every framework it adopted: computed items by their "
        "rule over the facts, self-assessed items by the latest assessment on or before the "
        "as-of date. Colour, pattern and word all give the status."
    )
    if not frameworks:
        intro += paragraph("No partnership had adopted a framework by the as-of date.")
    parts = [intro, *(heat_figure(view, f, figures) for f in frameworks)]
    parts.append(actions_table(view, framework_titles(view), figures.partnership))
    parts.append(pairing_table(view, figures.partnership))
    return "".join(parts)


def heat_figure(view: Any, framework: str, figures: Figures) -> str:
    """A table for each framework: its items in full down the side (numbered, as the
    framework defines them), partnerships by name across, and in each cell the status in
    colour, pattern and word with its evidence printed beneath (no hover needed)."""
    matrix = view.matrix(framework)
    items = {(i.partnership, i.item): i for i in view.items if i.framework == framework}
    titles = {i.item: i.title for i in items.values()}
    partnerships = [p for p, _ in matrix.rows]
    head = "".join(f'<th scope="col">{esc(figures.partnership(p))}</th>' for p in partnerships)
    body = "".join(
        f'<tr><td class="num">{n}</td><th scope="row">{esc(titles.get(item, human(item)))}</th>'
        + "".join(_status_cell(items.get((p, item)), figures) for p in partnerships) + "</tr>"
        for n, item in enumerate(matrix.items, start=1)
    )  # fmt: skip
    summaries = {s.partnership: s for s in view.summaries if s.framework == framework}
    shares = "".join(
        f"<td>{esc(figures.text(summaries[p].items_met_share.id))} met</td>"
        if p in summaries else "<td></td>" for p in partnerships
    )  # fmt: skip
    version = next(iter(items.values())).version if items else ""
    name = framework_titles(view).get(framework, human(framework))
    key = "".join(f'<span class="st-{k}"><span class="sw"></span>{w}</span>'
                  for k, w in STATUS_WORDS.items())  # fmt: skip
    return (
        f'<figure class="heat-figure"><figcaption><strong>{esc(name)}, version {esc(version)}.'
        "</strong> Each item as the framework words it; each cell gives the status in colour, "
        "pattern and word, with the evidence and notes behind it. The share met counts "
        f'applicable items only.</figcaption><p class="heat-key">{key}</p>'
        f'<div class="table-scroll"><table class="heat" data-chart="compliance-{esc(framework)}" '
        f'aria-label="{esc(name)}, version {esc(version)}: status of each item by partnership">'
        f'<thead><tr><th scope="col">#</th><th scope="col">Item</th>{head}</tr></thead>'
        f'<tbody>{body}</tbody><tfoot><tr><td></td><th scope="row">Share of applicable items '
        f"met</th>{shares}</tr></tfoot></table></div></figure>"
    )


def _status_cell(item: Any, figures: Figures) -> str:
    if item is None:
        return '<td class="st-none">not in this version of the framework</td>'
    figures.get(item.figure.id)
    evidence = "".join(f"<li>{esc(e)}</li>" for e in _evidence(item))
    return (f'<td class="st-{esc(item.status)}"><span class="sw"></span><strong>'
            f"{esc(STATUS_WORDS.get(item.status, human(item.status)))}</strong>"
            f'{f"<ul>{evidence}</ul>" if evidence else ""}</td>')  # fmt: skip


def _evidence(item: Any) -> list[str]:
    """An assessed item's note, self-assessment date and (up to three) evidence texts."""
    parts = [item.note.replace("as_of", "the as-of date")]
    if item.assessed_on is not None:
        parts.append(f"self-assessed on {item.assessed_on:%d %b %Y}")
    return [p for p in (*parts, *item.evidence_text[:3]) if p]


def actions_table(
    view: Any, titles: Mapping[str, str], named: Callable[[str], str] = str
) -> str:
    open_ = sorted((a for a in view.actions if a.open), key=lambda a: (not a.overdue, a.due))
    done = sum(1 for a in view.actions if not a.open)
    items = {(i.framework, i.item): i.title for i in view.items}
    rows = [
        (
            ("Overdue" if a.overdue else "Open"),
            named(a.partnership),
            titles.get(a.framework, a.framework),
            items.get((a.framework, a.item), human(a.item)),
            a.description or a.action,
            a.owner,
            f"{a.due:%d %b %Y}",
            f"{(view.as_of - a.due).days:,} days" if a.overdue else "",
        )
        for a in open_
    ]
    heading = "<h3>Open and overdue actions</h3>"
    if not rows:
        return heading + paragraph(f"No open actions; {done} completed.")
    return heading + table(
        ("Status", "Partnership", "Framework", "Item", "Action", "Owner", "Due", "Overdue by"),
        rows,
        f"{len(rows)} open ({sum(a.overdue for a in open_)} overdue); {done} completed, "
        "not listed.",
        cls="actions",
    )


def pairing_table(view: Any, named: Callable[[str], str] = str) -> str:
    rows = [
        (named(e.partnership), e.event, f"{e.on:%d %b %Y}",
         ", ".join(human(sector) for sector in e.sectors) or "none recorded")
        for e in view.pairing_exceptions
    ]
    if not rows:
        return ""
    return "<h3>Integrated events delivered without both sectors</h3>" + table(
        ("Partnership", "Event", "Delivered", "Sectors attending"), rows
    )


# -- reach -------------------------------------------------------------------------------------


def reach_section(report: Any, figures: Figures, timeline: ActivityTimeline | None) -> str:
    series = timeline or _window(report, figures)
    note = (
        ""
        if series.complete
        else (
            '<p class="callout">The charts over time show the whole reporting window as one '
            "column: this report was rendered without a quarterly activity timeline.</p>"
        )
    )
    return "".join(
        (
            note,
            events_figure(series),
            kinds_figure(figures),
            audience_figure(series),
            ambassadors_figure(series, report.views.families["reach"].params.active_months),
            integrated_figure(series, figures),
            dropout_figure(report.views.families["reach"], figures),
            reach_table(report.views.families["reach"].params, figures),
        )
    )


def _breakdown(timeline: ActivityTimeline, metric: str, dim: str) -> list[str]:
    prefix = f"{metric}/{dim}="
    return sorted(
        {
            i[len(prefix) :]
            for q in timeline.quarters
            for i in q.figures
            if i.startswith(prefix) and "/" not in i[len(prefix) :]
        }
    )


WITHHELD = "Breakdown withheld"


def _stacked_by(
    timeline: ActivityTimeline, metric: str, dim: str
) -> tuple[list[svg.Column], list[str], float]:
    """One column per quarter, split by ``dim`` only when every part is disclosed: the
    parts that are shown never let a reader subtract their way to a withheld one."""
    kinds = _breakdown(timeline, metric, dim)
    columns, tallest, withheld = [], 0.0, False
    for q in timeline.quarters:
        total = q.get(metric)  # none: nothing happened in the quarter (no group to count)
        parts = [(k, f) for k in kinds if (f := q.get(figure_id(metric, **{dim: k}))) is not None]
        if all(as_float(f) is not None for _, f in parts):
            segments = [
                svg.Segment(
                    human(k), as_float(f) or 0.0, f"{human(k)}, {q.group} {q.label}: {formatted(f)}"
                )
                for k, f in parts
            ]
        else:
            withheld = True
            segments = [
                svg.Segment(
                    WITHHELD,
                    as_float(total) or 0.0,
                    f"{q.group} {q.label}: {_shown(total)} in all; {dim} breakdown withheld",
                )
            ]
        tallest = max(tallest, sum(s.value for s in segments))
        columns.append(
            svg.Column(q.label, q.group, tuple(segments), top=formatted(total) if total else "0")
        )
    drawn = {s.series for c in columns for s in c.segments}
    return columns, [human(k) for k in kinds if human(k) in drawn] + [WITHHELD] * withheld, tallest


def _count_ticks(top: float) -> list[tuple[float, str]]:
    return [(v, f"{v:,.0f}") for v in svg.nice_ticks(max(top * 1.1, 5), 5)]


BREAKDOWN_NOTE = (
    "A hatched grey bar is a quarter whose breakdown is withheld because a part of "
    "it is suppressed (disclosure policy: a small count, or one that would give a small "
    "count away); its height is the quarter's disclosed total."
)


def events_figure(timeline: ActivityTimeline) -> str:
    columns, kinds, tallest = _stacked_by(timeline, "reach.events_delivered", "kind")
    chart = svg.responsive(lambda width: svg.stacked_chart(
        "reach-events-by-kind",
        "Events delivered each quarter, by kind of event",
        "Stacked bars: events delivered in each NHS financial-year quarter, one colour per kind "
        "of event; the label above each bar is the quarter's total.",
        columns,
        kinds,
        _count_ticks(tallest),
        hatched=WITHHELD, width=width,
    ))
    return figure_block(
        chart,
        "<strong>Events delivered.</strong> The number above each bar is "
        f"the quarter's total. {BREAKDOWN_NOTE}",
    )


def kinds_figure(figures: Figures) -> str:
    prefix = "reach.events_delivered/kind="
    kinds = sorted(
        i[len(prefix) :]
        for i in figures.views.by_id
        if i.startswith(prefix) and "/" not in i[len(prefix) :]
    )
    rows = []
    for kind in kinds:
        delivered = figures.get(prefix + kind)
        cancelled = figures.text(figure_id("reach.events_cancelled", kind=kind))
        text = f"{_shown(delivered)} delivered · {cancelled} cancelled"
        rows.append(
            svg.HBar(human(kind), as_float(delivered), text, tooltip=f"{human(kind)}: {text}")
        )
    top = max([r.value or 0.0 for r in rows] + [1.0])
    chart = svg.responsive(lambda width: svg.hbar_chart(
        "reach-events-kinds",
        "Events delivered over the whole window, by kind of event",
        "Horizontal bars: the number of events of each kind delivered from the start of the "
        "reporting window to the as-of date, with the number cancelled.",
        rows,
        [(v, f"{v:,.0f}") for v in svg.nice_ticks(top * 1.05, 4)], width=width,
    ))
    return figure_block(
        chart,
        "<strong>Events by kind.</strong> Over the whole window, where "
        "counts are large enough to show by kind.",
    )


def audience_figure(timeline: ActivityTimeline) -> str:
    columns, kinds, tallest = _stacked_by(timeline, "reach.audience_reached", "audience")
    chart = svg.responsive(lambda width: svg.stacked_chart(
        "reach-audience",
        "Audience reached each quarter, by audience",
        "Stacked bars: people reached at delivered events in each quarter, by audience (schools, "
        "staff, universities and so on); the label is the quarter's total.",
        columns,
        kinds,
        _count_ticks(tallest),
        height=250,
        hatched=WITHHELD, width=width,
    ))
    return figure_block(
        chart,
        "<strong>Audience reached.</strong> People at delivered events, "
        f"as recorded on delivery. {BREAKDOWN_NOTE}",
    )


def ambassadors_figure(timeline: ActivityTimeline, active_months: int) -> str:
    labels = [q.short for q in timeline.quarters]
    lines, tallest = [], 0.0
    for name, fid in (
        ("Ambassadors registered", figure_id("reach.registered", role="ambassador")),
        ("Ambassadors active", figure_id("reach.active", role="ambassador")),
        ("Legacy mentors registered", figure_id("reach.registered", role="legacy_mentor")),
    ):
        shown = [q.get(fid) for q in timeline.quarters]
        values = tuple(as_float(s) for s in shown)
        tallest = max([tallest, *(v or 0.0 for v in values)])
        lines.append(svg.Line(name, values, tuple(_shown(s) for s in shown)))
    chart = svg.responsive(lambda width: svg.line_chart(
        "reach-ambassadors",
        "Ambassadors and legacy mentors registered at the end of each quarter",
        "Lines: ambassadors registered (enrolled and not withdrawn), ambassadors active (a "
        f"delivered event or delivery time in the previous {active_months} months) and legacy "
        "mentors registered, at each quarter end.",
        labels,
        lines,
        _count_ticks(tallest), width=width,
    ))
    return figure_block(
        chart,
        "<strong>Ambassadors over time.</strong> Counted at each quarter "
        "end; a gap in a line is a withheld count (disclosure policy).",
    )


def integrated_figure(timeline: ActivityTimeline, figures: Figures) -> str:
    share_id, delivered_id = "reach.integrated_share", "reach.events_delivered"
    windows = [(y.label, y.get(share_id), y.get(delivered_id)) for y in timeline.years]
    if timeline.complete:
        windows.append(("Whole window", figures.get(share_id), figures.get(delivered_id)))
    groups = [
        svg.BarGroup(
            label,
            (
                svg.Bar(
                    "Integrated share",
                    as_float(share),
                    _short_pct(share),
                    f"n={_shown(n)}",
                    f"{label}: {_shown(share)} of {_shown(n)} delivered events",
                ),
            ),
        )
        for label, share, n in windows
    ]
    chart = svg.responsive(lambda width: svg.bar_panels(
        "reach-integrated-share",
        "Share of delivered events that were integrated, by financial year",
        "Bars: of the events delivered in each financial year (and the whole window), the share "
        "with at least one health and one social care ambassador attending; n is events "
        "delivered.",
        [svg.BarPanel("", tuple(groups))] if groups else [],
        ["Integrated share"],
        [(v / 100, f"{v}%") for v in range(0, 101, 25)],
        columns=1,
        panel_height=200, width=width,
    ))
    return figure_block(
        chart,
        "<strong>Integrated delivery.</strong> An event is integrated when "
        "at least one health and one social care ambassador attend it.",
    )


def _short_pct(figure: DisclosedFigure | None) -> str:
    text = _shown(figure)
    return text[:-3] + "%" if text.endswith(".0%") else text


def dropout_figure(view: Any, figures: Figures) -> str:
    partnerships = sorted(
        {
            v
            for f in view.figures
            if f.id.startswith("reach.assumed_dropout_rate/")
            for k, v in _dims(f.id)
            if k == "partnership"
        }
    )
    rows, top = [], 0.2
    for p in partnerships:
        assumed = figures.get(figure_id("reach.assumed_dropout_rate", partnership=p))
        for role in ("ambassador", "legacy_mentor"):
            observed = figures.get(figure_id("reach.dropout_rate", partnership=p, role=role))
            if observed is None:
                continue
            text = f"{_shown(observed)} observed · {_shown(assumed)} assumed"
            rows.append(
                svg.HBar(
                    f"{figures.partnership(p)} · {human(role)}s",
                    as_float(observed),
                    text,
                    as_float(assumed),
                    human(role),
                    f"{figures.partnership(p)}, {human(role)}: {text}",
                )
            )
            top = max(top, as_float(observed) or 0, as_float(assumed) or 0)
    ticks = [(v, f"{v:.0%}") for v in svg.nice_ticks(min(top * 1.1, 1.0), 4)]
    chart = svg.responsive(lambda width: svg.hbar_chart(
        "reach-dropout",
        "Drop-out rate observed against the rate assumed in planning",
        "Bars: drop-out rate (withdrew ÷ enrolled) for each partnership and role; black tick: "
        "the partnership's assumed drop-out rate from its recruitment target.",
        rows,
        ticks,
        ["Ambassador", "Legacy mentor"],
        "Assumed drop-out rate", width=width,
    ))
    return figure_block(
        chart,
        "<strong>Drop-out.</strong> Withdrew ÷ enrolled, by the as-of "
        "date; the assumed rate is the one the partnership planned with.",
    ) + (_recruitment_table(partnerships, figures))


def _recruitment_table(partnerships: Sequence[str], figures: Figures) -> str:
    rows = [
        (
            figures.partnership(p),
            figures.text(figure_id("reach.target_active", partnership=p)),
            figures.text(figure_id("reach.recruitment_needed", basis="assumed", partnership=p)),
            figures.text(figure_id("reach.recruitment_needed", basis="observed", partnership=p)),
        )
        for p in partnerships
    ]
    if not rows:
        return ""
    return table(
        (
            "Partnership",
            "Target active",
            "Recruits needed (assumed rate)",
            "Recruits needed (observed rate)",
        ),
        rows,
        f"Recruitment needed = ⌈target ÷ (1 {MINUS} drop-out rate)⌉.",
        numeric=(1, 2, 3),
    )


def reach_headlines(p: ReachParams) -> tuple[tuple[str, str], ...]:
    return (
        ("reach.events_planned", "Events planned"),
        ("reach.events_delivered", "Events delivered"),
        ("reach.events_cancelled", "Events cancelled"),
        ("reach.cancellation_rate", "Cancellation rate"),
        ("reach.audience_reached", "Audience reached"),
        ("reach.integrated_delivered", "Integrated events delivered"),
        ("reach.integrated_share", "Integrated share"),
        ("reach.response_rate", "Feedback response rate"),
        ("reach.contacts_per_registrant", "Mentoring contacts per registrant-month"),
        ("reach.first_contact_in_time", f"First contact within {p.first_contact_days} days"),
        (
            "reach.early_contacts_met",
            f"At least {p.early_contacts} contacts in the first {p.early_months} months",
        ),
    )


def reach_table(params: ReachParams, figures: Figures) -> str:
    rows = [
        (label, figures.text(fid))
        for fid, label in reach_headlines(params)
        if fid in figures.views.by_id
    ]
    return "<h3>Reach over the whole window</h3>" + table(
        ("Measure", "Value"), rows, numeric=(1,), cls="headline"
    )


# -- appendix and footer -----------------------------------------------------------------------

APPENDIX_LIMIT = 4000


def appendix(figures: Figures, sections: Sequence[Section]) -> str:
    titles = {"summary": "Summary", **{s.key: s.title for s in sections}}
    parts = [
        '<section class="report-section appendix" id="appendix" aria-labelledby="appendix-h">'
        '<h2 id="appendix-h">Figures and their ids</h2>',
        paragraph(
            "Every figure printed above, with its id. `legacyledger explain ID` shows "
            "its derivation and the facts behind it (use the same --as-of and "
            "--known-at as this report). * marks a value withheld by the disclosure "
            "policy."
        ),
    ]
    printed = sum(len(used) for used in figures.used.values())
    parts.append(f'<div class="printed-figures"><p>The {printed:,} figures printed above, '
                 "by section, with their values to the penny.</p>")  # fmt: skip
    for key, used in figures.used.items():
        rows = [(fid, _label(f), _appendix_value(f)) for fid, f in used.items()]
        parts.append(f'<h3 id="figures-{esc(key)}">{esc(titles.get(key, key))}</h3>')
        parts.append(table(("Figure id", "What", "Value"), rows, numeric=(2,), cls="figures"))
    parts.append("</div>")
    parts.append(_all_figures(figures))
    return "".join(parts) + "</section>"


def _appendix_value(figure: DisclosedFigure) -> str:
    """A compliance status indicator (1 met, 0 not) is about a partnership, not a count of
    people, and the heat map already shows it: print the status it stands for."""
    if figure.id.startswith("compliance.status/"):
        return human(figure.label) if figure.label else formatted(figure)
    return formatted(figure, exact=True)


def _label(figure: DisclosedFigure) -> str:
    metric = figure.id.partition("/")[0].partition(".")[2]
    return figure.label or human(metric)


def _all_figures(figures: Figures) -> str:
    every = [f for f in map(figures.peek, figures.views.by_id) if f is not None]
    shown = every[:APPENDIX_LIMIT]
    rows = [(f.id, _label(f), _appendix_value(f)) for f in shown]
    more = (
        f" The first {APPENDIX_LIMIT:,} are listed; the rest are in the report's JSON."
        if len(every) > APPENDIX_LIMIT
        else ""
    )
    return (
        f'<details class="all-figures"><summary>All {len(every):,} figures in the ledger '
        f"views (electronic copy only){esc(more)}</summary>"
        + table(("Figure id", "What", "Value"), rows, numeric=(2,), cls="figures")
        + "</details>"
    )


def footer(report: Any, policy: str, generated: datetime) -> str:
    head = getattr(report, "ledger_head", None)
    rows = [
        (
            "Ledger position",
            f"figures as known at position {report.known_at:,}; "
            f"ledger head when generated: {_plain(head)}",
        ),
        ("As of", f"{report.as_of:%d %B %Y} (business date)"),
        ("Disclosure policy", f"{policy}: {describe(policy)}"),
        ("Digest", _plain(getattr(report, "digest", None))),
        ("Generated", f"{generated:%Y-%m-%d %H:%M:%S} UTC by legacyledger {__version__}"),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return (
        '<footer class="provenance" id="about" aria-labelledby="about-h"><div class="inner">'
        f'<h2 id="about-h">About this report</h2><dl>{items}'
        f"<dt>Parameters</dt><dd>{parameters_table(report)}</dd>"
        "<dt>How to verify</dt><dd>Keep the report's JSON beside this page and run "
        "<code>legacyledger verify report.json</code>: it recomputes every figure from the "
        "ledger as known at the position above and checks the digest. "
        "<code>legacyledger explain ID</code> shows how any one figure was made.</dd>"
        "</dl></div></footer>"
    )


def _plain(value: Any) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, tuple | list):
        return " · ".join(_plain(v) for v in value)
    if attrs.has(type(value)):
        return ", ".join(f"{k}={_plain(v)}" for k, v in attrs.asdict(value, recurse=False).items())
    return str(value)


def parameters_table(report: Any) -> str:
    """Each view's parameters as they took effect, marking those the report was asked for."""
    given = dict(_flatten(getattr(report, "parameters", None) or {}))
    rows: dict[str, str] = {}
    for family, view in report.views.families.items():
        params = getattr(view, "params", None)
        described = getattr(params, "described", None) or getattr(params, "as_mapping", None)
        if described is not None:
            rows.update(_flatten(described(), f"{family}."))
    rows.update(given)
    shown = [(k, v, "given" if k in given else "default") for k, v in sorted(rows.items())]
    return table(("Parameter", "Value", "Set by"), shown, cls="parameters") if shown else "defaults"


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}{key}.")
    elif attrs.has(type(value)):
        yield from _flatten(attrs.asdict(value, recurse=False), prefix)
    else:
        shown = ", ".join(map(words, value)) if isinstance(value, tuple | list) else words(value)
        yield prefix.rstrip("."), shown or "—"


def words(value: object) -> str:
    """A parameter's value for a reader: yes/no, — for none, names without underscores."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


# -- style -------------------------------------------------------------------------------------


def _css_string(text: str) -> str:
    """Safe inside a CSS string in a <style> element: no quotes, backslashes or angle brackets."""
    return re.sub(r"[^A-Za-z0-9 .,:/+_·-]", "", text)


def stylesheet(report: Any, policy: str) -> str:
    digest = _css_string(str(getattr(report, "digest", "") or ""))[:24]
    running = _css_string(
        f"legacyledger report · as of {report.as_of:%d %b %Y} · known at "
        f"{report.known_at} · disclosure {policy} · {digest}"
    )
    return CSS.replace("RUNNING_FOOTER", running)


CSS = """
:root{--blue:#005eb8;--dark:#003087;--ink:#212b32;--muted:#4c6272;--rule:#d8dde0;--pale:#f0f4f5}
*{box-sizing:border-box}
html{font-family:Arial,"Liberation Sans",Helvetica,sans-serif;color:var(--ink);font-size:15px;
line-height:1.5;background:#fff}
body{margin:0}
main,.title-block .inner,.provenance .inner{max-width:920px;margin:0 auto;padding:0 28px}
.title-block{background:var(--blue);color:#fff;padding:28px 0 22px;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.kicker{margin:0 0 6px;font-size:.85rem;letter-spacing:.04em;text-transform:uppercase;opacity:.9}
h1{margin:0 0 18px;font-size:2rem;line-height:1.2}
.meta{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:0}
.meta div{border-left:3px solid rgba(255,255,255,.55);padding-left:10px}
.meta dt{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;opacity:.85}
.meta dd{margin:0;font-weight:bold}
.meta .sub{display:block;font-weight:normal;font-size:.78rem;opacity:.85}
nav.contents{margin:18px 0 0;padding:10px 0;border-bottom:1px solid var(--rule)}
nav.contents ol{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 22px}
nav.contents a{color:var(--blue)}
h2{font-size:1.45rem;margin:34px 0 10px;color:var(--dark);border-bottom:2px solid var(--blue);
padding-bottom:4px}
h2 .num{color:var(--blue);margin-right:.45em}
h3{font-size:1.1rem;margin:24px 0 8px;color:var(--dark)}
p{margin:8px 0 12px;max-width:78ch}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:12px}
.card{border:1px solid var(--rule);border-top:4px solid var(--blue);padding:12px 14px;
background:#fff;break-inside:avoid}
.card-label{font-size:.85rem;color:var(--muted);font-weight:bold}
.card-value{font-size:1.7rem;font-weight:bold;color:var(--dark);line-height:1.25}
.card-sub{font-size:.85rem}
.card-id code{font-size:.68rem;color:var(--muted);word-break:break-all}
figure.chart-figure{margin:18px 0 22px;padding:12px 12px 8px;border:1px solid var(--rule);
break-inside:avoid}
svg.chart{display:block;width:100%;height:auto}
figcaption{font-size:.88rem;color:var(--muted);margin-top:6px}
figcaption strong{color:var(--ink)}
.callout{border-left:4px solid #ffb81c;background:#fff9ec;padding:8px 12px;font-size:.9rem;
max-width:none}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:.86rem}
caption{caption-side:bottom;text-align:left;font-size:.8rem;color:var(--muted);padding-top:4px}
th,td{padding:5px 8px;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
thead th{background:var(--pale);border-bottom:2px solid var(--muted)}
tbody tr:nth-child(even){background:#fafbfb}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.figures td:first-child{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:.72rem;
word-break:break-all}
table.figures{font-size:.78rem;line-height:1.3}
table.figures td{padding:2px 8px}
details.all-figures{margin:16px 0}
details.all-figures summary{cursor:pointer;color:var(--blue);font-weight:bold}
code{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:.9em}
.provenance{margin-top:40px;background:var(--pale);border-top:4px solid var(--blue);
padding:8px 0 26px;
font-size:.9rem;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.provenance h2{margin-top:16px}
.provenance dl{display:grid;grid-template-columns:11rem 1fr;gap:6px 16px;margin:0}
.provenance dt{font-weight:bold}
.provenance dd{margin:0;word-break:break-word}
.provenance table{background:#fff;font-size:.8rem}
table.parameters td:last-child{white-space:nowrap}
@page{size:A4;margin:14mm 12mm 16mm 12mm;
@bottom-left{content:"RUNNING_FOOTER";font:7.5pt Arial,sans-serif;color:#4c6272}
@bottom-right{content:"Page " counter(page) " of " counter(pages);font:7.5pt Arial,sans-serif;
color:#4c6272}}
@media print{
html{font-size:10pt}
main,.title-block .inner,.provenance .inner{max-width:none;padding:0}
.title-block{padding:14px 12px}
nav.contents{display:none}
section.report-section{break-before:page}
h2,h3{break-after:avoid}
/* a table longer than a page: its header repeats, no row is cut, its total prints once */
figure.chart-figure,tr,.card,svg.chart{break-inside:avoid}
figure.chart-figure.in-parts{break-inside:auto}
thead{display:table-header-group}tfoot{display:table-row-group}
.cards{gap:8px;margin-right:2px}.card{padding:8px 10px;min-width:0;overflow-wrap:break-word}
.card-value{font-size:1.35rem}
details.all-figures{display:none}
.provenance{break-before:page;padding:8px 12px}
a{color:inherit;text-decoration:none}
}
@media (max-width:720px){.meta{grid-template-columns:repeat(2,1fr)}}
.table-scroll{overflow-x:auto;max-width:100%}
details.printed-figures summary{cursor:pointer;color:var(--blue);font-weight:bold}
svg.chart.narrow{display:none}
@media screen and (max-width:820px){svg.chart.wide{display:none}
svg.chart.narrow{display:block;max-width:480px;margin:0 auto}}
@media (max-width:480px){figure.chart-figure{padding:8px 4px 6px}}
details.exact{margin:6px 0 10px;font-size:.85rem}
details.exact summary{cursor:pointer;color:var(--blue)}
table.heat{font-size:.84rem}
table.heat th[scope=row]{font-weight:normal}
table.heat td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
table.heat ul{margin:4px 0 0;padding-left:1.1em;font-size:.78rem;color:var(--muted)}
table.heat tfoot th,table.heat tfoot td{font-weight:bold;border-top:2px solid var(--muted)}
.heat-key{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.82rem;margin:4px 0}
.sw{display:inline-block;width:1.15em;height:1.15em;vertical-align:-.22em;margin-right:.4em;
border:1px solid #768692;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.st-met .sw{background:#0072B2}
.st-partial .sw{background:repeating-linear-gradient(45deg,#9ecae9 0 3px,#0b2f4d 3px 4px)}
.st-not_met .sw{background:repeating-linear-gradient(45deg,transparent 0 3px,#3b2600 3px 4px),
repeating-linear-gradient(-45deg,#E69F00 0 3px,#3b2600 3px 4px)}
.st-not_applicable .sw{background:#e8edee}
.st-no_evidence .sw{background:radial-gradient(circle,#4c6272 30%,#fff 40%) 0 0/5px 5px}
td.st-met{background:#e5f0f8}td.st-partial{background:#eef6fb}td.st-not_met{background:#fdf1dc}
td.st-not_applicable{background:#f4f6f7}td.st-none{color:var(--muted);font-style:italic}
.card details{margin-top:6px;font-size:.78rem;color:var(--muted)}
.card details summary{cursor:pointer}
.card details p{margin:4px 0}
table.restatements td:last-child::before,table.actions td:nth-child(5)::before,
table.heat tbody th::before{content:"";display:block;width:12rem}
table.heat td[class^=st-]::before{content:"";display:block;width:8rem}
figure.heat-figure{margin:16px 0 22px}
@media (max-width:480px){table.heat tbody th::before{width:8rem}
table.heat td[class^=st-]::before{width:6.5rem}}
@media (max-width:480px){main,.title-block .inner,.provenance .inner{padding:0 12px}
.meta{grid-template-columns:1fr}.provenance dl{grid-template-columns:1fr}}
@media print{.table-scroll{overflow:visible}
.card details,details.exact{display:none}figure.heat-figure{margin:0;break-inside:avoid}
.heat-figure figcaption,.heat-key,table.heat thead{break-after:avoid}}
.heat-figure figcaption{margin:0 0 4px}
"""
