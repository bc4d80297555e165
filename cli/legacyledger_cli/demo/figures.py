"""The end of ``legacyledger demo``: headline figures on the terminal, the HTML and JSON
reports on disk, and the commands to ask about any number in them.

Headlines are picked from a :class:`legacyledger.reports.Report` by figure id, so each line
shows the id ``legacyledger explain`` takes. Every value is the *disclosed* one (the report's
policy, ``nhs`` by default): a demo prints what a published report may print.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from legacyledger import Ledger
from legacyledger.reports import Report, ReportFigure, build_report, report_json
from legacyledger_cli.html.report import partnership_names, report_timeline
from legacyledger_cli.render import heading, table
from legacyledger_cli.report_render import readable, render

#: Displays that are not numbers: suppressed by disclosure control, or not computable.
WITHHELD = ("*", "n/a")


@attrs.frozen
class Written:
    report: Report
    html: Path
    json: Path


def write_reports(ledger: Ledger, out: Path, as_of: date, timeline: bool = True) -> Written:
    """``report all`` as of ``as_of`` under the ``nhs`` policy, as HTML and as JSON in ``out``."""
    report = build_report(ledger, as_of=as_of, disclosure="nhs")
    activity = None
    if timeline:
        activity = report_timeline(ledger, report)
    html_path, json_path = out / "report.html", out / "report.json"
    names = partnership_names(ledger, report)  # the board pack speaks of them by name
    html_path.write_text(str(render(report, "html", timeline=activity, names=names)),
                         encoding="utf-8")
    json_path.write_text(str(render(report, "json")), encoding="utf-8")
    assert report_json(report)["digest"] == report.digest
    return Written(report, html_path, json_path)


def headlines(report: Report) -> list[tuple[str, str, str]]:
    """(what, value, figure id) rows: retention at 12 months for the latest cohorts with a
    mentored-against-comparator difference, cost to date, unit cost, reach and compliance."""
    by_id = {f.id: f for f in report.figures}
    rows: list[tuple[str, str, str]] = []
    for cohort in _cohorts_with_difference(by_id, months=12)[-2:]:
        for group in ("mentored", "comparator"):
            rows.append(
                _row(
                    by_id,
                    f"retention.rate/cohort={cohort}/group={group}/h=12/scope=nhs",
                    f"Retained at 12 months, {cohort.replace('-', '/')} {group}",
                )
            )
        rows.append(_row(by_id, f"retention.rate_difference/cohort={cohort}/h=12/scope=nhs",
                         "  difference (mentored - comparator)"))  # fmt: skip
    years = sorted(
        m.group(1)
        for i in by_id
        if (m := re.fullmatch(r"costs\.cumulative/period=(\d{4}-\d\d)", i))
    )
    if years:
        last = years[-1]
        rows.append(
            _row(
                by_id,
                f"costs.cumulative/period={last}",
                f"Spend to the end of {last.replace('-', '/')}",
            )
        )
        rows.append(
            _row(
                by_id,
                f"costs.per_registrant_supported/period={last}",
                f"Cost per registrant supported, {last.replace('-', '/')}",
            )
        )
    for role, label in (
        ("legacy_mentor", "Legacy mentors enrolled"),
        ("ambassador", "Ambassadors enrolled"),
    ):
        rows.append(_row(by_id, f"reach.enrolled/role={role}", label))
    rows.append(_row(by_id, "reach.events_delivered", "Events delivered"))
    rows.append(_row(by_id, "reach.integrated_share", "Integrated (health + care) event share"))
    for figure_id in sorted(i for i in by_id if i.startswith("compliance.items_met_share/")):
        framework = dict(_dims(figure_id)).get("framework", "?")
        rows.append(_row(by_id, figure_id, f"Items met, {framework}"))
    return [row for row in rows if row[2]]


def _cohorts_with_difference(by_id: dict[str, ReportFigure], months: int) -> list[str]:
    found = []
    for figure_id, figure in by_id.items():
        match = re.fullmatch(
            rf"retention\.rate_difference/cohort=([\d-]+)/h={months}/scope=nhs", figure_id
        )
        if match and figure.display not in WITHHELD:
            found.append(match.group(1))
    return sorted(found)


def _dims(figure_id: str) -> Iterator[tuple[str, str]]:
    for part in figure_id.split("/")[1:]:
        key, _, value = part.partition("=")
        yield key, value


def _row(by_id: dict[str, ReportFigure], figure_id: str, label: str) -> tuple[str, str, str]:
    figure = by_id.get(figure_id)
    if figure is None:
        return (label, "", "")
    return (label, _shown(figure), figure_id)


def _shown(figure: ReportFigure) -> str:
    """Percentages and pounds for people; ``*`` (suppressed) and ``n/a`` as they are."""
    text = readable(figure)
    if figure.display in WITHHELD:
        return text
    if "difference" in figure.id:
        return f"{Decimal(text) * 100:+.1f} pp"
    if figure.unit in ("ratio", "probability"):
        return f"{Decimal(text) * 100:.1f}%"
    if figure.unit.startswith("GBP"):
        return f"£{Decimal(text):,.2f}"
    return text


def summary(written: Written, location: str) -> Sequence[str]:
    report = written.report
    lines = [heading(f"Headline figures (as of {report.as_of}, as known at position "
                     f"{report.known_at}, disclosure {report.disclosure})")]  # fmt: skip
    lines += table(("FIGURE", "VALUE", "ID"), headlines(report), "  ")
    lines += [
        "",
        heading("Reports"),
        f"  HTML: {written.html.resolve()}",
        f"  JSON: {written.json.resolve()}  ({len(report.figures)} figures, "
        f"{report.suppressed} suppressed, {report.digest})",
        "",
        "Ask about any number, check the report, or see it as known earlier:",
        f"  legacyledger --ledger {location} explain '{_example(report)}' --as-of {report.as_of}",
        f"  legacyledger --ledger {location} verify {written.json}",
        f"  legacyledger --ledger {location} report retention --as-of {report.as_of} "
        "--by profession",
    ]
    return lines


def _example(report: Report) -> str:
    rows = headlines(report)
    return rows[0][2] if rows else report.figures[0].id
