"""A report as a terminal table, JSON, CSV, Markdown, Excel or HTML.

Every format shows only disclosed displays (never a report's unrounded values) and ends with
the footer: ledger position, as-of date, parameters, disclosure policy, digest. ``render``
returns text, or bytes for the formats that carry their own encoding (CSV with a UTF-8 BOM
so Excel reads it as UTF-8, and XLSX).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from legacyledger.facts.cells import spreadsheet_cell
from legacyledger.projections.disclosure import describe
from legacyledger.projections.figures import metric_of
from legacyledger.reports import Report, ReportFigure, is_money, report_json
from legacyledger.reports.cells import markdown_text
from legacyledger.reports.words import in_words
from legacyledger_cli import tidy
from legacyledger_cli.html.report import render_html

FORMATS = ("table", "json", "csv", "markdown", "html", "xlsx")
BINARY = frozenset({"csv", "xlsx"})
TITLES = {
    "retention": "Retention",
    "costs": "Costs",
    "compliance": "Framework compliance",
    "reach": "Reach and activity",
}
class Unavailable(Exception):
    """A format this installation cannot write (a missing optional package or module)."""


def render(
    report: Report, fmt: str, *, color: bool = False, timeline: Any = None,
    names: Mapping[str, str] | None = None, appendix: bool = False,
) -> str | bytes:
    """``report`` in ``fmt``; ``timeline`` (reach per quarter, for the HTML charts over time),
    ``names`` (partnership key → name) and ``appendix`` (the figure ids) are used by the html
    format only."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "html":
        return render_html(report, timeline, names=names, appendix=appendix)
    return RENDERERS[fmt](report, color)


# -- shared: values for reading, and the footer -------------------------------------------------


def readable(figure: ReportFigure) -> str:
    """The display for people: money to the penny, other decimals to at most 4 places."""
    display = figure.display
    if isinstance(display, int):
        return str(display)
    number = _number(display)
    if number is None:
        return str(display)
    if is_money(figure.unit, figure.kind):
        return f"{number:.2f}"
    return f"{number:.4f}".rstrip("0").rstrip(".")


def _number(display: str | float) -> Decimal | None:
    try:
        number = Decimal(str(display))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def footer(report: Report) -> list[tuple[str, str]]:
    known = f"{report.known_at} (figures as known there; the ledger was at {report.ledger_head})"
    return [
        ("Ledger position", known),
        ("As of", report.as_of.isoformat()),
        ("Parameters", parameters_text(report)),
        ("Disclosure", f"{report.disclosure}: {describe(report.disclosure)}"),
        ("Figures", sources_text(report)),
        ("Frameworks", ", ".join(report.frameworks) or "none judged"),
        ("Generated", report.generated_at.isoformat().replace("+00:00", "Z")),
        ("Digest", report.digest),
        ("Verify", "save with --format json, then: legacyledger verify REPORT.json"),
    ]


def sources_text(report: Report) -> str:
    """Which families were read from persisted views (and at which position) or folded."""
    sources = getattr(report, "sources", {}) or {}
    persisted = [f for f in report.families if sources.get(f) == "persisted"]
    if not persisted:
        return "computed from the ledger for this report"
    folded = [f for f in report.families if f not in persisted]
    text = f"{', '.join(persisted)} from the persisted views at position {report.known_at}"
    return text + (f"; {', '.join(folded)} computed for this report" if folded else "")


def parameters_text(report: Report) -> str:
    parts = [
        f"{family} {_options(report.parameters.get(family, {}))}" for family in report.families
    ]
    return "; ".join(parts)


def _options(options: object) -> str:
    if not options:
        return "(defaults)"
    return json.dumps(options, ensure_ascii=False, separators=(", ", "="))[1:-1].replace('"', "")


def counted(figures: Sequence[ReportFigure]) -> str:
    hidden = sum(f.suppressed for f in figures)
    return f"{len(figures)} figures, {hidden} suppressed"


# -- table --------------------------------------------------------------------------------------


def table(report: Report, color: bool) -> str:
    style = click.style if color else (lambda text, **_: text)
    lines: list[str] = []
    for family in report.families:
        figures = report.of(family)
        lines.append(style(f"{TITLES[family]} ({counted(figures)})", bold=True))
        rows = [table_row(f) for f in figures]
        lines.extend("  " + line for line in columns(("FIGURE", "VALUE", "UNIT"), rows, style))
        lines.append("")
    lines.append(style("Footer", bold=True))
    width = max(len(key) for key, _ in footer(report))
    lines.extend(f"  {key.ljust(width)}  {text}" for key, text in footer(report))
    return "\n".join(lines) + "\n"


def table_row(figure: ReportFigure) -> tuple[str, str, str]:
    """A status (1 for met, 0 for every other) reads as its word, which is its label."""
    if metric_of(figure.id) == "compliance.status" and figure.label:
        return (figure.id, figure.label, "")
    return (figure.id, readable(figure), figure.unit)


def columns(
    headers: Sequence[str], rows: Sequence[Sequence[str]], style: Callable[..., str]
) -> Iterator[str]:
    """Aligned columns, the middle (values) right-aligned; ``*`` picked out in colour."""
    widths = [max(len(c) for c in column) for column in zip(headers, *rows, strict=True)]
    yield style(_line(headers, widths), bold=True)
    for row in rows:
        line = _line(row, widths)
        yield style(line, fg="yellow") if row[1] == "*" else line


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, value, last = cells
    return f"{first.ljust(widths[0])}  {value.rjust(widths[1])}  {last}".rstrip()


# -- JSON and CSV -------------------------------------------------------------------------------


def as_json(report: Report, color: bool) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


def as_csv(report: Report, color: bool) -> bytes:
    """Tidy: a header and one row per figure, nothing after it (the footer's fields are
    columns: as_of, known_at, disclosure, digest; the rest is in the JSON report)."""
    out = io.StringIO()
    writer = csv.writer(out)
    head, body = tidy.rows(report, report.figures)
    writer.writerow(head)
    writer.writerows(map(_cells, body))
    return out.getvalue().encode("utf-8-sig")


# -- Markdown -----------------------------------------------------------------------------------


def markdown(report: Report, color: bool) -> str:
    lines = [
        "# legacyledger report",
        "",
        f"As of {report.as_of}, as known at ledger position {report.known_at}; "
        f"disclosure `{report.disclosure}`.",
    ]
    for family in report.families:
        lines.extend(_family_markdown(family, report.of(family)))
    lines.extend(["", "---", "", "## Footer", "", "| | |", "|---|---|"])
    lines.extend(f"| {key} | {markdown_text(text)} |" for key, text in footer(report))
    return "\n".join(lines) + "\n"


def _family_markdown(family: str, figures: Sequence[ReportFigure]) -> Iterator[str]:
    yield from ("", f"## {TITLES[family]}", "", f"{counted(figures)} (`*`).", "")
    yield "| Figure | Label | Value | Unit |"
    yield "|---|---|--:|---|"
    for f in figures:
        cells = (markdown_text(text) for text in (f.label, readable(f), f.unit))
        yield f"| `{_code(f.id)}` | {' | '.join(cells)} |"


def _code(text: str) -> str:
    return text.replace("|", "\\|")


# -- Excel --------------------------------------------------------------------------------------

def xlsx(report: Report, color: bool) -> bytes:
    """A sheet per family, each an Excel table (filters on every column) with its values
    as numbers (percentages as %, money as £); then Definitions and About."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
    except ImportError as error:
        raise Unavailable(
            f"xlsx needs openpyxl: pip install 'legacyledger[report]' ({error})"
        ) from None
    book = Workbook()
    book.remove(book.active)
    for family in report.families:
        _family_sheet(book.create_sheet(family), report, report.of(family))
    _table(book.create_sheet("Definitions"), "definitions", DEFINITION_HEADERS,
           definitions(report))  # fmt: skip
    _table(book.create_sheet("About"), "about", ("About", "Value"), footer(report))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


DEFINITION_HEADERS = ("Formula", "Version", "Figures", "In words (an example from this report)")


def _family_sheet(sheet: Any, report: Report, figures: Sequence[ReportFigure]) -> None:
    head, body = tidy.rows(report, figures)
    _table(sheet, report_table_name(sheet.title), head, body)
    column = head.index("value") + 1
    for number, figure in enumerate(figures, start=2):
        form = tidy.number_format(figure)
        if form is not None:
            sheet.cell(number, column).number_format = form


def report_table_name(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title).lower()


def _table(sheet: Any, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    from openpyxl.worksheet.table import Table, TableStyleInfo  # type: ignore[import-untyped]

    sheet.append(list(headers))
    count = 1
    for cells in rows:
        sheet.append(_cells(cells))
        count += 1
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(headers))
    table = Table(displayName=name, ref=f"A1:{last}{max(count, 2)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    for index, title in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, len(title) + 4))


def definitions(report: Report) -> list[tuple[object, ...]]:
    """Each formula of the report with its version, how many figures it made, and one of
    them in words (one not suppressed, as disclosed)."""
    by_formula: dict[tuple[str, int], list[ReportFigure]] = {}
    for figure in report.figures:
        key = (figure.derivation.formula, figure.derivation.version)
        by_formula.setdefault(key, []).append(figure)
    figures = report.views.by_id
    rows: list[tuple[object, ...]] = []
    for (formula, version), made in sorted(by_formula.items()):
        shown = [f for f in made if not f.suppressed and f.id in figures]
        example = next((f for f in shown if figures[f.id].derivation.inputs), None) or next(
            iter(shown), None)  # one with a sum to say, when there is one
        said = (in_words(figures[example.id], figures, (), report.disclosure).sum
                if example is not None else "every figure suppressed")  # fmt: skip
        rows.append((formula, version, len(made), said))
    return rows


def _cells(row: Iterable[object]) -> list[object]:
    """A row for a spreadsheet: no text in it starts a formula (``facts.cells``)."""
    return [spreadsheet_cell(value) for value in row]


# -- HTML ----------------------------------------------------------------------------------------


def html(report: Report, color: bool, timeline: Any = None) -> str:
    return render_html(report, timeline)


RENDERERS: dict[str, Callable[[Report, bool], str | bytes]] = {
    "table": table,
    "json": as_json,
    "csv": as_csv,
    "markdown": markdown,
    "html": html,
    "xlsx": xlsx,
}
