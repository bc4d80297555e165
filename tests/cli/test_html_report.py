"""The HTML report: one self-contained page with every chart, drawn from the figures.

Fast tests parse the page with ``html.parser``; the Chromium tests load it headless and check
there are no console errors, that the charts are in the DOM after load and that the
screenshot is not blank. Chromium is skipped (with the reason) when it is not installed,
except under ``CI``, where a missing browser fails the run.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
import subprocess
import zlib
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pytest

from legacyledger import Ledger
from legacyledger.projections.disclosure import DisclosedFigure, apply_disclosure
from legacyledger.projections.figures import figure_id
from legacyledger.synthetic import SyntheticConfig, generate
from legacyledger.views import Views, build_views
from legacyledger_cli.html.report import (
    ActivityTimeline,
    activity_timeline,
    money,
    percent,
    points,
    render_html,
    short_money,
)

CHROMIUM = "/usr/bin/chromium"
AS_OF = date(2026, 3, 31)
CONFIG = SyntheticConfig(cohorts=2, registrants_per_cohort=20, mentors=6, ambassadors=10, events=8)
PARAMETERS = {"reach": {"growth_from": date(2024, 3, 31)}}
CHARTS = {
    "retention-km",
    "retention-horizons",
    "retention-difference",
    "costs-by-quarter",
    "costs-funding-vs-spend",
    "reach-events-by-kind",
    "reach-events-kinds",
    "reach-audience",
    "reach-ambassadors",
    "reach-integrated-share",
    "reach-dropout",
}
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}
RESOURCE_ATTRIBUTES = {
    "src",
    "href",
    "xlink:href",
    "srcset",
    "action",
    "data",
    "poster",
    "formaction",
}


@attrs.frozen
class StandInReport:
    """The fields ``render_html`` reads, until ``legacyledger.reports.Report`` lands."""

    families: tuple[str, ...]
    as_of: date
    known_at: int
    parameters: Mapping[str, Any]
    disclosure: str
    figures: tuple[DisclosedFigure, ...]
    ledger_head: tuple[int, str]
    digest: str
    views: Views
    generated_at: datetime = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


@attrs.frozen
class Rendered:
    report: StandInReport
    timeline: ActivityTimeline
    html: str


@pytest.fixture(scope="module")
def ledger_views(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, Views]]:
    path = tmp_path_factory.mktemp("html-report") / "ledger.db"
    with Ledger(path) as ledger:
        ledger.import_facts(generate(CONFIG))
        yield ledger, build_views(ledger, as_of=AS_OF, params=PARAMETERS)


def rendered(ledger: Ledger, views: Views, policy: str) -> Rendered:
    report = StandInReport(
        families=tuple(views.families),
        as_of=AS_OF,
        known_at=views.known_at,
        parameters=PARAMETERS,
        disclosure=policy,
        figures=apply_disclosure(views.figures, policy),
        ledger_head=(ledger.head(), "0" * 64),
        digest="sha256:" + "ab" * 32,
        views=views,
    )
    timeline = activity_timeline(ledger, AS_OF, views.known_at, policy, options=PARAMETERS["reach"])
    return Rendered(report, timeline, render_html(report, timeline, appendix=True))


@pytest.fixture(scope="module")
def nhs(ledger_views: tuple[Ledger, Views]) -> Rendered:
    return rendered(*ledger_views, "nhs")


@pytest.fixture(scope="module")
def audit(ledger_views: tuple[Ledger, Views]) -> Rendered:
    """Policy ``none``: every number as computed, so charts can be checked against the views."""
    return rendered(*ledger_views, "none")


def expected_charts(views: Views) -> set[str]:
    """The SVG charts (each drawn wide and narrow); compliance is a table per framework."""
    return set(CHARTS)


def heat_tables(page: Page) -> dict[str, Node]:
    return {n.attrs["data-chart"]: n for n in page.root.iter("table") if "data-chart" in n.attrs}


# -- a small DOM from html.parser --------------------------------------------------------------


@attrs.define
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = attrs.Factory(list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)


class Page(HTMLParser):
    """Builds a tree and records anything that is not well nested."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.problems: list[str] = []
        self.doctype = ""
        self.feed(source)
        self.close()
        if len(self.stack) != 1:
            self.problems.append(f"unclosed: {[n.tag for n in self.stack[1:]]}")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attributes})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attributes}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.stack[-1].tag != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1].tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def charts(self, layout: str = "wide") -> dict[str, Node]:
        """The charts of one layout (each is drawn wide, and narrow for a phone)."""
        return {n.attrs["data-chart"]: n for n in self.root.iter("svg")
                if "data-chart" in n.attrs and n.attrs.get("data-layout") == layout}  # fmt: skip


def chart_texts(page: Page, name: str) -> list[str]:
    """The words drawn in one chart (its ``<text>`` elements, tooltips left out)."""
    return [
        "".join(c for c in t.children if isinstance(c, str))
        for t in page.charts()[name].iter("text")
    ]


def tooltips(page: Page, name: str) -> list[str]:
    return [t.text() for t in page.charts()[name].iter("title")]


# -- fast: structure, self-containment, accessibility ------------------------------------------


def test_the_page_parses_and_is_well_nested(nhs: Rendered) -> None:
    page = Page(nhs.html)
    assert page.problems == []
    assert page.doctype.lower() == "doctype html"
    html = next(page.root.iter("html"))
    assert html.attrs["lang"] == "en-GB"
    title = next(page.root.iter("title")).text()
    assert "31 March 2026" in title


def test_the_page_needs_no_network_and_runs_no_script(nhs: Rendered) -> None:
    page = Page(nhs.html)
    assert "http://" not in nhs.html and "https://" not in nhs.html
    for tag in ("script", "link", "img", "iframe", "object", "embed", "base"):
        assert not list(page.root.iter(tag)), f"unexpected <{tag}>"
    for node in page.root.iter():
        for name, value in node.attrs.items():
            assert not name.startswith("on"), f"event handler {name} on <{node.tag}>"
            if name in RESOURCE_ATTRIBUTES:
                assert value.startswith("#"), f"<{node.tag} {name}={value!r}> is not in-page"
    styles = " ".join(s.text() for s in page.root.iter("style"))
    assert "@import" not in styles and "url(" not in styles and "@font-face" not in styles


def test_every_chart_is_there_and_labelled(nhs: Rendered) -> None:
    page = Page(nhs.html)
    charts, narrow = page.charts(), page.charts("narrow")
    assert set(charts) == set(narrow) == expected_charts(nhs.report.views)
    assert len(charts) + len(narrow) == len(list(page.root.iter("svg")))  # all named charts
    for name, svg in [*charts.items(), *narrow.items()]:
        assert svg.attrs["role"] == "img", name
        assert svg.attrs["aria-label"].strip(), name
        first = next(c for c in svg.children if isinstance(c, Node))
        assert first.tag == "title" and first.text().strip(), name
        assert list(svg.iter("desc")), name
    ids = [n.attrs["id"] for n in page.root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_footer_says_where_the_figures_come_from(nhs: Rendered) -> None:
    page = Page(nhs.html)
    footer = next(page.root.iter("footer")).text()
    report = nhs.report
    assert f"position {report.known_at:,}" in footer
    assert report.digest in footer
    assert "nhs: counts of 1 to 7 are shown as *" in footer
    assert "legacyledger verify report.json" in footer
    assert "2026-04-02 09:30:00 UTC" in footer
    assert "reach.growth_from" in footer and "retention.scope" in footer


def test_print_styles_are_a4_with_a_page_per_section(nhs: Rendered) -> None:
    assert "size:A4" in nhs.html
    assert "section.report-section{break-before:page}" in nhs.html


def test_text_from_the_ledger_is_escaped(ledger_views: tuple[Ledger, Views]) -> None:
    ledger, views = ledger_views
    hostile = '<script>alert("x")</script>'
    report = attrs.evolve(rendered(ledger, views, "nhs").report, digest=hostile)
    html = render_html(report, title=hostile)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_an_empty_ledger_still_makes_a_whole_report(tmp_path: Path) -> None:
    with Ledger(tmp_path / "empty.db") as ledger:
        views = build_views(ledger, as_of=AS_OF)
        html = rendered(ledger, views, "nhs").html
    page = Page(html)
    assert page.problems == []
    assert set(page.charts()) == CHARTS  # no framework adopted: no heat map, and it says so
    assert "No partnership had adopted a framework" in html


def test_a_report_of_one_family_has_only_its_section(ledger_views: tuple[Ledger, Views]) -> None:
    ledger, _ = ledger_views
    views = build_views(ledger, as_of=AS_OF, families=["retention"])
    report = attrs.evolve(
        rendered(ledger, build_views(ledger, as_of=AS_OF), "nhs").report,
        families=("retention",),
        views=views,
        figures=apply_disclosure(views.figures, "nhs"),
    )
    charts = Page(render_html(report)).charts()
    assert set(charts) == {"retention-km", "retention-horizons", "retention-difference"}


def test_the_retention_headline_of_split_cohorts_is_the_largest_group(
    ledger_views: tuple[Ledger, Views],
) -> None:
    ledger, _ = ledger_views
    views = build_views(ledger, as_of=AS_OF, families=["retention"],
                        params={"retention": {"by": ("profession",)}})  # fmt: skip
    report = attrs.evolve(
        rendered(ledger, build_views(ledger, as_of=AS_OF), "none").report,
        families=("retention",),
        views=views,
        figures=apply_disclosure(views.figures, "none"),
    )
    # Per profession: the mentored group's figure where there is a comparison, else the whole.
    groups: dict[str, tuple[str, Any]] = {}
    for f in views.figures:
        at_12 = f.id.startswith("retention.eligible/") and "/h=12/" in f.id and f.value
        if not at_12 or "group=comparator" in f.id:
            continue
        whole = f.id.replace("/group=mentored", "")
        if "group=mentored" in f.id or whole not in groups:
            groups[whole] = (f.id, f.value)
    latest = max(re.findall(r"cohort=([^/]+)", " ".join(groups)))
    of_latest = {i: n for i, n in groups.values() if f"cohort={latest}/" in i}
    largest = max(of_latest, key=lambda i: of_latest[i])
    assert len(of_latest) > 1 and largest != max(of_latest)  # not simply the last by name
    cards = Page(render_html(report)).root.iter("div")
    card = next(n for n in cards if n.attrs.get("class") == "card")
    assert card.text().endswith(largest.replace(".eligible/", ".rate/"))
    assert f"the largest of {len(of_latest)} groups by profession" in card.text()


# -- fast: the charts follow the figures -------------------------------------------------------


def test_every_figure_id_printed_is_a_figure_of_the_report(nhs: Rendered) -> None:
    page = Page(nhs.html)
    appendix = next(n for n in page.root.iter("section") if n.attrs.get("id") == "appendix")
    printed = [row.text() for table in appendix.iter("table") for row in table.iter("td")]
    ids = {cell for cell in printed if re.fullmatch(r"[a-z]+\.[a-z_]+(/[^ ]+)?", cell)}
    assert ids and ids <= set(nhs.report.views.by_id)


def test_funding_and_spend_bars_are_the_cost_figures(audit: Rendered) -> None:
    costs = audit.report.views.families["costs"]
    labels = chart_texts(Page(audit.html), "costs-funding-vs-spend")
    years = sorted(
        {f.id.rpartition("=")[2] for f in costs.figures if f.id.startswith("costs.funding/period=")}
    )
    assert years
    exact = "".join(t.text() for t in Page(audit.html).root.iter("table")
                    if t.attrs.get("class") == "exact")  # fmt: skip
    for year in years:
        for metric in ("costs.funding", "costs.total"):
            value = costs.value(figure_id(metric, period=year))
            assert short_money(value) in labels and money(value) in exact


def test_the_restated_line_is_each_quarters_total(audit: Rendered) -> None:
    costs = audit.report.views.families["costs"]
    quarters = sorted(
        {
            f.id.rpartition("=")[2]
            for f in costs.figures
            if re.fullmatch(r"costs\.total/period=\d{4}-\d{2}-Q\d", f.id)
        }
    )
    tips = [t for t in tooltips(Page(audit.html), "costs-by-quarter") if " restated: " in t]
    assert len(tips) == len(quarters)
    for label, tip in zip(quarters, tips):
        assert money(costs.value(f"costs.total/period={label}")) in tip


def test_heat_map_cells_are_the_compliance_matrix(nhs: Rendered) -> None:
    """One cell per partnership and item, in matrix order, each naming its item and status."""
    compliance = nhs.report.views.families["compliance"]
    tables = heat_tables(Page(nhs.html))
    frameworks = {i.framework for i in compliance.items}
    assert set(tables) == {f"compliance-{f}" for f in frameworks}
    words = {"met": "Met", "partial": "Partial", "not_met": "Not met",
             "not_applicable": "N/A", "no_evidence": "No evidence"}  # fmt: skip
    for framework in frameworks:
        matrix = compliance.matrix(framework)
        titles = {i.item: i.title for i in compliance.items if i.framework == framework}
        body = next(tables[f"compliance-{framework}"].iter("tbody"))
        rows = list(body.iter("tr"))
        assert [next(r.iter("th")).text() for r in rows] == [titles[i] for i in matrix.items]
        for n, row in enumerate(rows):
            cells = list(row.iter("td"))[1:]  # after the item's number
            assert [next(c.iter("strong")).text() if c.attrs["class"] != "st-none" else None
                    for c in cells] == [words.get(s) if s else None
                                        for _, statuses in matrix.rows
                                        for s in statuses[n : n + 1]]  # fmt: skip


def test_km_numbers_at_risk_are_the_curves(audit: Rendered) -> None:
    retention = audit.report.views.families["retention"]
    texts = chart_texts(Page(audit.html), "retention-km")
    for row in (
        c
        for comparison in retention.comparisons
        for c in (comparison.mentored, comparison.comparator)
    ):
        six = row.horizons[0]
        assert six.months == 6
        assert f"{six.km.at_risk:,}" in texts


def test_km_curves_under_nhs_join_the_published_estimates(nhs: Rendered) -> None:
    """Under a rounding policy a curve is drawn through the survival the report publishes at
    each horizon (from rounded counts), never step by step: a step for each leaving would
    show it. Each curve ends at its last published estimate, as its tooltip says."""
    retention = nhs.report.views.families["retention"]
    shown = {f.id: f for f in nhs.report.figures}
    tips = tooltips(Page(nhs.html), "retention-km")
    checked = 0
    for comparison in retention.comparisons:
        for name, row in (("Mentored", comparison.mentored), ("Comparator", comparison.comparator)):
            last = None
            for h in retention.params.horizons:
                at = figure_id("retention.km_at_risk", **dict(row.key), h=h, scope="nhs")
                if shown[at].display in ("*", 0):
                    break
                survival = shown[at.replace("km_at_risk", "km_survival")].display
                if not isinstance(survival, str):
                    last = (h, float(survival))
            if last is not None:
                assert f"{name}: {last[1]:.1%} still in post at {last[0]} months" in tips
                checked += 1
    assert checked


def test_retention_bars_are_r_h_with_eligible_counts(audit: Rendered) -> None:
    retention = audit.report.views.families["retention"]
    texts = chart_texts(Page(audit.html), "retention-horizons")
    for comparison in retention.comparisons:
        for horizon in comparison.mentored.horizons:
            assert f"n={horizon.eligible}" in texts
            if horizon.rate is not None:
                assert percent(horizon.rate).replace(".0%", "%") in texts


def test_the_comparison_is_labelled_descriptive_not_causal(nhs: Rendered) -> None:
    page = Page(nhs.html)
    svg = page.charts()["retention-difference"]
    assert "descriptive, not causal" in svg.attrs["aria-label"]
    figure = next(f for f in page.root.iter("figure") if svg in f.iter("svg"))
    assert "Descriptive, not causal." in figure.text()


def test_nhs_policy_prints_no_small_count(nhs: Rendered) -> None:
    """Every count in a chart is *, 0, or a multiple of 5 (NHS rounding)."""
    page = Page(nhs.html)
    at_risk = [
        t.text()
        for g in page.charts()["retention-km"].iter("g")
        if g.attrs.get("class") == "at-risk"
        for t in g.iter("text")
    ]
    eligible = [t[2:] for t in chart_texts(page, "retention-horizons") if t.startswith("n=")]
    counts = [t for t in at_risk if t != "Number at risk"] + eligible
    assert counts
    for shown in counts:
        assert shown == "*" or int(shown.replace(",", "")) % 5 == 0, shown
    for row in chart_texts(page, "retention-difference"):
        for n in re.findall(r"n=([\d*]+)", row):
            assert n == "*" or int(n) % 5 == 0


def test_suppressed_values_are_stars_in_the_tables(nhs: Rendered) -> None:
    suppressed = {f.id for f in nhs.report.figures if f.suppressed}
    page = Page(nhs.html)
    appendix = next(n for n in page.root.iter("section") if n.attrs.get("id") == "appendix")
    rows = [[td.text() for td in tr.iter("td")] for tr in appendix.iter("tr")]
    shown = [
        r for r in rows if r and r[0] in suppressed and not r[0].startswith("compliance.status")
    ]
    assert shown
    assert all(r[-1] in ("*", "n/a") for r in shown)  # a value that does not exist stays n/a


def test_without_a_timeline_the_window_is_one_column(nhs: Rendered) -> None:
    html = render_html(nhs.report)
    charts = Page(html).charts()
    assert set(charts) == expected_charts(nhs.report.views)
    assert "without a quarterly activity timeline" in html


def test_the_timeline_covers_every_quarter_to_as_of(nhs: Rendered) -> None:
    quarters = nhs.timeline.quarters
    assert quarters[-1].end == AS_OF
    assert all(a.end + (b.start - a.end) == b.start for a, b in itertools.pairwise(quarters))
    assert [q.label for q in quarters[:4]] == ["Q1", "Q2", "Q3", "Q4"]
    assert {y.label for y in nhs.timeline.years} >= {"2024/25", "2025/26"}


def test_each_timeline_window_is_the_reach_view_of_that_window(
    ledger_views: tuple[Ledger, Views], nhs: Rendered
) -> None:
    """A quarter's column is what the library's reach view for that quarter says, disclosed."""
    ledger, views = ledger_views
    for window in (nhs.timeline.quarters[2], nhs.timeline.quarters[-1], nhs.timeline.years[0]):
        options = {**PARAMETERS["reach"], "period_start": window.start, "by_partnership": False}
        built = ledger.views(as_of=window.end, known_at=views.known_at, families=["reach"],
                             params={"reach": options})
        expected = {f.id: f for f in apply_disclosure(built.figures, "nhs")}
        assert {i: f.display for i, f in window.figures.items()} == {
            i: f.display for i, f in expected.items()}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.565"), "£1,234.57"),
        (Decimal("-0.004"), "£0.00"),
        (Decimal("-1348.7"), "\u2212£1,348.70"),
        (Decimal("0"), "£0.00"),
    ],
)
def test_money_is_pounds_and_pence_half_up(value: Decimal, shown: str) -> None:
    assert money(value) == shown


def test_rates_and_differences() -> None:
    assert percent(Decimal("0.9032258")) == "90.3%"
    assert points(Decimal("0.15")) == "+15.0 pp"
    assert points(Decimal("-0.1")) == "\u221210.0 pp"


# -- Chromium ----------------------------------------------------------------------------------


def require_chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    reason = f"{CHROMIUM} is not installed (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test, but {reason}")
    pytest.skip(reason)


@attrs.frozen
class Browser:
    dom: str
    log: str
    png: bytes


def chromium(
    binary: str, page: Path, profile: Path, *mode: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            *mode,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def browser(nhs: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    binary = require_chromium()
    where = tmp_path_factory.mktemp("chromium")
    page = where / "report.html"
    page.write_text(nhs.html, encoding="utf-8")
    png = where / "report.png"
    shot = chromium(
        binary, page, where / "profile-shot", f"--screenshot={png}", "--window-size=1280,2400"
    )
    dom = chromium(binary, page, where / "profile-dom", "--dump-dom")
    assert png.exists(), f"no screenshot; chromium said:\n{shot.stderr[-2000:]}"
    return Browser(dom.stdout, shot.stderr + dom.stderr, png.read_bytes())


def console_errors(log: str) -> list[str]:
    """Messages the page raised: Chromium prints its own start-up noise (GPU, D-Bus,
    crash reporter, fonts) on stderr too, so only console lines count."""
    return [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def test_chromium_loads_it_without_console_errors(browser: Browser) -> None:
    assert console_errors(browser.log) == []


def test_chromium_dom_has_every_chart(browser: Browser, nhs: Rendered) -> None:
    assert "<svg" in browser.dom
    found = set(re.findall(r'<svg [^>]*data-chart="([^"]+)"', browser.dom))
    assert found == expected_charts(nhs.report.views)
    tables = set(re.findall(r'<table [^>]*data-chart="([^"]+)"', browser.dom))
    assert tables == set(heat_tables(Page(nhs.html)))


def test_chromium_screenshot_is_a_rendered_page(browser: Browser) -> None:
    width, height, pixels = decode_png(browser.png, max_rows=900)
    assert (width, height) == (1280, 2400)
    colours = {p[:3] for p in pixels}
    assert len(colours) > 40, "too few colours for a page of charts"
    white = sum(1 for p in pixels if p[:3] == (255, 255, 255))
    assert white < 0.9 * len(pixels), "the page is (nearly) blank"
    nhs_blue = sum(1 for p in pixels if _near(p[:3], (0x00, 0x5E, 0xB8)))
    assert nhs_blue > 1280 * 40, "the title block's blue band is missing: was the CSS applied?"


def _near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def decode_png(data: bytes, max_rows: int | None = None) -> tuple[int, int, list[tuple[int, ...]]]:
    """An 8-bit RGB or RGBA PNG, non-interlaced (what Chromium writes), with zlib and struct:
    (width, height, pixels of the first ``max_rows`` rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, bytearray(), b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(bytes(idat))
    rows = min(height, max_rows or height)
    previous, pixels = bytearray(stride), []
    for y in range(rows):
        start = y * (stride + 1)
        line = _unfilter(
            raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels
        )
        pixels += [tuple(line[x : x + channels]) for x in range(0, stride, channels)]
        previous = line
    return width, height, pixels


def _unfilter(kind: int, line: bytearray, up: bytearray, bpp: int) -> bytearray:
    if kind == 0:
        return line
    if kind == 2:
        return bytearray((a + b) & 0xFF for a, b in zip(line, up))
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        above, corner = up[i], up[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + above) // 2) & 0xFF
        else:
            line[i] = (line[i] + _paeth(left, above, corner)) & 0xFF
    return line


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def test_png_decoder_reads_a_known_image() -> None:
    """The decoder itself, on a tiny image built here with each filter type."""
    width, rows = (
        3,
        [
            (0, [(255, 0, 0), (0, 255, 0), (0, 0, 255)]),
            (1, [(10, 20, 30)] * 3),
            (2, [(12, 22, 32)] * 3),
            (3, [(1, 2, 3)] * 3),
            (4, [(200, 100, 50)] * 3),
        ],
    )
    raw, previous = bytearray(), bytes(width * 3)
    for kind, pixels in rows:
        line = bytes(v for p in pixels for v in p)
        raw += bytes([kind]) + _filter(kind, line, previous, 3)
        previous = line
    ihdr = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(raw)))
    png += _chunk(b"IEND", b"")
    _, _, pixels = decode_png(png)
    assert pixels == [p for _, line in rows for p in line]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _filter(kind: int, line: bytes, up: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, value in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        corner = up[i - bpp] if i >= bpp else 0
        guess = [0, left, up[i], (left + up[i]) // 2, _paeth(left, up[i], corner)][kind]
        out.append((value - guess) & 0xFF)
    return bytes(out)


def test_unit_costs_say_their_basis(ledger_views: tuple[Ledger, Views], nhs: Rendered) -> None:
    # full cost by default; delivery-only unit costs (ids with basis=delivery) are labelled
    assert "Cost basis: full cost (administration + delivery)" in nhs.html
    assert "cost booked to events" in nhs.html
    ledger, _ = ledger_views
    params = {"costs": {"unit_cost_basis": "delivery"}}
    views = build_views(ledger, as_of=AS_OF, families=["costs"], params=params)
    report = attrs.evolve(nhs.report, families=("costs",), views=views,
                          figures=apply_disclosure(views.figures, "nhs"))  # fmt: skip
    html = render_html(report)
    assert "Cost basis: delivery cost only (administration excluded)" in html
    table = html.split("<h3>Unit costs</h3>")[1].split("</table>")[0]
    assert "£" in table  # the delivery-only figures are found under their own ids
