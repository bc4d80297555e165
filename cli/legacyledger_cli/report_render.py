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
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from legacyledger.reports import Report, ReportFigure, is_money, report_json
from legacyledger.reports.cells import markdown_text, spreadsheet_cell
from legacyledger_cli.html.report import render_html

FORMATS = ("table", "json", "csv", "markdown", "html", "xlsx")
BINARY = frozenset({"csv", "xlsx"})
TITLES = {
    "retention": "Retention",
    "costs": "Costs",
    "compliance": "Framework compliance",
    "reach": "Reach and activity",
}
POLICIES = {
    "nhs": "counts of 1-7 shown as *, other counts rounded to the nearest 5; "
    "rates suppressed with their parts",
    "under10": "counts of 1-9 shown as *",
    "none": "as computed, nothing suppressed (internal audit only)",
}
CSV_HEADERS = ("family", "id", "label", "value", "unit", "kind", "suppressed", "formula",
               "as_of", "known_at")  # fmt: skip


class Unavailable(Exception):
    """A format this installation cannot write (a missing optional package or module)."""


def render(
    report: Report, fmt: str, *, color: bool = False, timeline: Any = None
) -> str | bytes:
    """``report`` in ``fmt``; ``timeline`` (reach per quarter, for the HTML charts over time)
    is used by the html format only."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "html":
        return html(report, color, timeline)
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
        ("Disclosure", f"{report.disclosure}: {POLICIES.get(report.disclosure, '')}"),
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
    if figure.id.partition("/")[0] == "compliance.status" and figure.label:
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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    writer.writerows(map(_cells, (csv_row(report, f) for f in report.figures)))
    writer.writerow(())
    writer.writerows(_cells((f"# {key}", text)) for key, text in footer(report))
    return out.getvalue().encode("utf-8-sig")


def csv_row(report: Report, f: ReportFigure) -> tuple[object, ...]:
    suppressed = "true" if f.suppressed else "false"
    return (f.family, f.id, f.label, f.display, f.unit, f.kind, suppressed,
            f.derivation.formula, report.as_of.isoformat(), report.known_at)  # fmt: skip


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

SHEET_HEADERS = ("Figure", "Label", "Value", "Unit", "Kind", "Suppressed", "Formula")


def xlsx(report: Report, color: bool) -> bytes:
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
    except ImportError as error:
        raise Unavailable(
            f"xlsx needs openpyxl: pip install 'legacyledger[report]' ({error})"
        ) from None
    book = Workbook()
    book.remove(book.active)
    for family in report.families:
        figures = report.of(family)
        sheet = _sheet(book.create_sheet(family), SHEET_HEADERS, map(_xlsx_row, figures))
        for row, figure in enumerate(figures, start=2):
            if is_money(figure.unit, figure.kind):
                sheet.cell(row, 3).number_format = "#,##0.00"
    _sheet(book.create_sheet("Report"), ("Footer", ""), footer(report))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_row(f: ReportFigure) -> tuple[object, ...]:
    value = f.display if not isinstance(f.display, str) else _number(f.display) or f.display
    return (f.id, f.label, value, f.unit, f.kind, f.suppressed, f.derivation.formula)


def _sheet(sheet: Any, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Any:
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (70, 30, 16, 16, 10, 11, 30)):
        sheet.column_dimensions[letter].width = width
    return sheet


def _cells(row: Iterable[object]) -> list[object]:
    """A row for a spreadsheet: no text in it starts a formula (``reports.cells``)."""
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
