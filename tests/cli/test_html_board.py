"""The HTML report reads as a board pack: names not keys, derivations in words one click
away (no JavaScript), items in full with their evidence, tables that scroll in their box."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from legacyledger import Ledger
from legacyledger.views import Views, build_views
from legacyledger_cli.html import charts as svg
from legacyledger_cli.html.report import (
    CSS,
    human,
    partnership_names,
    programme_title,
    reading_money,
    render_html,
    series_of,
    short_money,
    title_of,
)
from tests.cli import test_html_report as base
from tests.cli.test_html_report import Node, Page, Rendered

ledger_views, nhs = base.ledger_views, base.nhs  # the HTML report's fixtures


def cards(page: Page) -> list[Node]:
    return [n for n in page.root.iter("div") if n.attrs.get("class") == "card"]


def test_each_headline_opens_its_derivation_in_words_and_its_id(nhs: Rendered) -> None:
    page = Page(nhs.html)
    found = cards(page)
    assert found
    for card in found:
        details = list(card.iter("details"))
        assert len(details) == 1, card.text()
        summary = next(details[0].iter("summary")).text()
        code = next(details[0].iter("code")).text()
        assert summary == "How it was worked out" and code in nhs.report.views.by_id
        said = [p.text() for p in details[0].iter("p") if not list(p.iter("code"))]
        assert len(said) == 1 and " = " in said[0], said


def test_every_table_scrolls_inside_its_own_box(nhs: Rendered) -> None:
    page = Page(nhs.html)
    wrapped = {id(t) for d in page.root.iter("div") if d.attrs.get("class") == "table-scroll"
               for t in d.iter("table")}  # fmt: skip
    tables = list(page.root.iter("table"))
    assert tables and all(id(t) in wrapped for t in tables)
    assert ".table-scroll{overflow-x:auto" in nhs.html


def test_compliance_names_every_item_in_full_with_its_evidence(nhs: Rendered) -> None:
    """Rows are the items as the framework words them (not keys, not cut short); each cell
    prints its evidence, so print and touch screens see it (no hover)."""
    compliance = nhs.report.views.families["compliance"]
    heat = [t for t in Page(nhs.html).root.iter("table") if t.attrs.get("class") == "heat"]
    listed = {th.text() for t in heat for th in next(t.iter("tbody")).iter("th")}
    assert listed == {i.title for i in compliance.items}
    assert not listed & {i.item for i in compliance.items} and not any("…" in t for t in listed)
    printed = " ".join(li.text() for t in heat for li in t.iter("li"))
    for item in compliance.items:
        assert all(e in printed for e in item.evidence_text[:3]), item.item
    assert "Hover" not in nhs.html


def rows(table: Node) -> list[list[str]]:
    return [[td.text() for td in tr.iter("td")] for tr in table.iter("tr") if list(tr.iter("td"))]


def test_parameters_read_as_words_not_python(nhs: Rendered) -> None:
    page = Page(nhs.html)
    table = next(t for t in page.root.iter("table") if t.attrs.get("class") == "parameters")
    values = {row[1] for row in rows(table)}
    assert not values & {"None", "False", "True"}
    assert "`" not in "".join(p.text() for p in page.root.iter("p"))


def test_a_parameters_source_is_named_and_never_broken_mid_word(nhs: Rendered) -> None:
    """On a phone and in print the third column read "def" over "ault", under no heading."""
    table = next(t for t in Page(nhs.html).root.iter("table")
                 if t.attrs.get("class") == "parameters")  # fmt: skip
    assert [th.text() for th in table.iter("th")][2] == "Set by"
    assert {row[2] for row in rows(table)} <= {"given", "default"}
    assert "table.parameters td:last-child{white-space:nowrap}" in nhs.html


def test_the_title_names_the_partnerships_not_their_keys(
    ledger_views: tuple[Ledger, Views], nhs: Rendered
) -> None:
    ledger, _ = ledger_views
    title = programme_title(ledger, nhs.report)
    names = sorted(str(r.fact["name"]) for r in ledger.records(names=["PartnershipFormed"]))
    assert title == "Programme report: " + " and ".join(names)


def test_headlines_round_for_reading_and_set_the_comparator_beside(nhs: Rendered) -> None:
    found = {next(c.iter("div")).text(): c for c in cards(Page(nhs.html))}
    spend = next(label for label in found if label.startswith("Spend in"))
    value = [d.text() for d in found[spend].iter("div") if d.attrs.get("class") == "card-value"]
    assert re.fullmatch(r"£[0-9,]+", value[0]), value  # whole pounds; exact one click away
    assert re.search(r"= £[0-9,]+\.[0-9]{2}", found[spend].text())
    retained = next(label for label in found if label.startswith("Retained at"))
    assert "comparator" in found[retained].text() and "not causal" in found[retained].text()


def test_the_id_appendix_is_asked_for_and_then_printed(nhs: Rendered) -> None:
    board, asked = Page(render_html(nhs.report, nhs.timeline)), Page(nhs.html)  # asked: with it
    assert not [n for n in board.root.iter() if n.attrs.get("id") == "appendix"]
    printed = [d for d in asked.root.iter("div") if d.attrs.get("class") == "printed-figures"]
    assert len(printed) == 1 and list(printed[0].iter("table"))  # not folded: it prints
    assert not any(n.attrs.get("class") == "printed-figures"
                   for d in asked.root.iter("details") for n in d.iter())  # fmt: skip
    assert "#appendix" not in {a.attrs.get("href") for a in board.root.iter("a")}
    assert "#appendix" in {a.attrs.get("href") for a in asked.root.iter("a")}


def test_only_the_appendix_has_a_column_of_figure_ids(nhs: Rendered) -> None:
    """The reach headline table had one: a board reads measures and values."""
    board = Page(render_html(nhs.report, nhs.timeline))
    headers = [th.text() for th in board.root.iter("th")]
    assert headers and "Figure id" not in headers


# -- in a real browser: a phone, a desktop, and print ---------------------------------------

#: A page that loads the report in a frame of the given width and writes, as JSON, how wide
#: the report's page is, and for each chart shown (of the two layouts, the one the CSS shows
#: at that width) where it sits, its smallest text as rendered, the words drawn past its
#: edges, the pairs of words closer than APART px side by side, and its figure's box; for
#: each table shown, whether it can scroll in its own box; and for every table, how its header
#: and total rows are laid out and how many of its rows may not be cut by a page break (the
#: report itself runs no script).
MEASURE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="report.html" style="width:{width}px;height:900px;border:0"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {{
  var d = this.contentDocument, w = this.contentWindow, page = d.documentElement;
  var out = {{scroll: page.scrollWidth, client: page.clientWidth, charts: [], tables: [],
    printed: []}};
  d.querySelectorAll("svg.chart").forEach(function (s) {{
    if (w.getComputedStyle(s).display === "none") return;
    var box = s.getBoundingClientRect(), scale = s.getScreenCTM().a, smallest = 1e9;
    var view = s.viewBox.baseVal, words = [], beyond = [], crowded = [];
    s.querySelectorAll("text").forEach(function (t) {{
      smallest = Math.min(smallest, parseFloat(w.getComputedStyle(t).fontSize) * scale);
      var b = t.getBBox();
      if (!b.width) return;
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > view.width + 0.5
          || b.y + b.height > view.height + 0.5) beyond.push(t.textContent);
      words.forEach(function (a) {{
        var across = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        var down = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        if (across * scale > -APART && down * scale > 0.5) crowded.push([a.said, t.textContent]);
      }});
      words.push({{x: b.x, y: b.y, width: b.width, height: b.height, said: t.textContent}});
    }});
    var figure = s.closest("figure"), style = w.getComputedStyle(figure);
    out.charts.push({{name: s.getAttribute("data-chart"), layout: s.getAttribute("data-layout"),
      left: box.left, right: box.right, font: smallest, beyond: beyond, crowded: crowded,
      height: figure.getBoundingClientRect().height, avoid: style.breakInside,
      part: Number(s.getAttribute("data-part") || 1), partHeight: box.height,
      partAvoid: w.getComputedStyle(s).breakInside,
      inside: figure.scrollWidth <= figure.clientWidth}});
  }});
  d.querySelectorAll("table").forEach(function (t) {{
    var rows = t.querySelectorAll("tbody tr"), whole = 0, style = function (part) {{
      return part ? w.getComputedStyle(part).display : null; }};
    rows.forEach(function (r) {{ if (w.getComputedStyle(r).breakInside === "avoid") whole++; }});
    out.printed.push({{kind: t.className, head: style(t.tHead), foot: style(t.tFoot),
      rows: rows.length, whole: whole}});
  }});
  d.querySelectorAll(".table-scroll").forEach(function (box) {{
    if (!box.getBoundingClientRect().width) return;
    out.tables.push({{overflow: w.getComputedStyle(box).overflowX,
      right: box.getBoundingClientRect().right}});
  }});
  var pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}});
</script></body></html>"""


def headless(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [base.require_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def measured(html: str, width: int, where: Path) -> dict[str, Any]:
    """The report laid out by Chromium in a frame ``width`` px wide, as MEASURE writes it."""
    where.mkdir()
    (where / "report.html").write_text(html, encoding="utf-8")
    page = MEASURE.format(width=width).replace("APART", str(APART_PX))
    (where / "measure.html").write_text(page, encoding="utf-8")
    done = headless("--allow-file-access-from-files", "--hide-scrollbars",
                    f"--window-size={width + 40},1000",
                    "--virtual-time-budget=15000", "--dump-dom",
                    (where / "measure.html").as_uri(), profile=where / "profile")  # fmt: skip
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(unescape(found[1]))
    return result


#: Smallest chart text, in CSS px as rendered, that still reads on a screen.
READABLE_PX = 10.0
#: Two words side by side in a chart closer than this, in CSS px, read as one.
APART_PX = 2.0


@pytest.fixture(scope="module")
def board(ledger_views: tuple[Ledger, Views], nhs: Rendered) -> str:
    """The page as the command writes it: partnerships by name (the longest labels), with the
    appendix of figure ids (the widest table)."""
    names = partnership_names(ledger_views[0], nhs.report)
    return render_html(nhs.report, nhs.timeline, names=names, appendix=True)


def words_apart_and_inside(chart: dict[str, Any]) -> None:
    assert chart["beyond"] == [], chart  # cut at the chart's edge
    assert chart["crowded"] == [], chart  # two labels touching or on top of each other


@pytest.mark.slow
@pytest.mark.parametrize(("width", "layout"), [(360, "narrow"), (1280, "wide")])
def test_on_a_phone_and_a_desktop_charts_scale_and_the_page_never_scrolls_sideways(
    nhs: Rendered, board: str, tmp_path: Path, width: int, layout: str
) -> None:
    """Also: no label is cut at a chart's edge (partnerships' names were, in the drop-out
    chart) and no two touch."""
    page = measured(board, width, tmp_path / "m")
    assert page["scroll"] <= page["client"], f"the page is {page['scroll']}px in {page['client']}"
    charts = page["charts"]
    assert sorted(c["name"] for c in charts if c["part"] == 1) == sorted(
        base.expected_charts(nhs.report.views))
    for chart in charts:  # one layout shown, inside the page and its own box, text readable
        assert chart["layout"] == layout, chart
        assert chart["left"] >= 0 and chart["right"] <= page["client"] and chart["inside"], chart
        assert chart["font"] >= READABLE_PX, chart
        words_apart_and_inside(chart)
    wide = [t for t in page["tables"] if t["right"] > page["client"] + 0.5]
    assert not wide, wide
    assert page["tables"] and all(t["overflow"] == "auto" for t in page["tables"])


#: A4 at 96 px to the inch, less the report's page margins (12 mm each side; 14 and 16 mm).
A4_WIDTH_PX, A4_HEIGHT_PX = round((210 - 24) / 25.4 * 96), round((297 - 30) / 25.4 * 96)


def as_printed(html: str) -> str:
    """The page with its print rules applied on screen (Chromium lays out print media only
    while printing, which a page cannot measure): ``@media print`` rules always, the phone's
    narrow charts never."""
    assert "@media print{" in html and "@media screen and (max-width:" in html
    return html.replace("@media print{", "@media all{").replace(
        "@media screen and (max-width:", "@media not all and (max-width:")


@pytest.mark.slow
def test_in_print_every_chart_fits_a_page_whole_and_is_never_split(
    nhs: Rendered, board: str, tmp_path: Path
) -> None:
    page = measured(as_printed(board), A4_WIDTH_PX, tmp_path / "m")
    assert page["scroll"] <= page["client"]
    assert sorted(c["name"] for c in page["charts"] if c["part"] == 1) == sorted(
        base.expected_charts(nhs.report.views))
    for chart in page["charts"]:
        assert chart["layout"] == "wide" and chart["inside"], chart  # nothing clipped
        assert chart["right"] <= page["client"], chart
        printed_whole(chart)
        words_apart_and_inside(chart)


def printed_whole(chart: dict[str, Any]) -> None:
    """A chart (with its caption) or, drawn in parts, each of its parts fits an A4 page and
    is never split across two."""
    if chart["avoid"] == "avoid":
        assert chart["height"] <= A4_HEIGHT_PX, chart
    else:
        assert chart["partAvoid"] == "avoid" and chart["partHeight"] <= A4_HEIGHT_PX, chart


@pytest.mark.slow
def test_a_report_by_two_dimensions_prints_its_many_panels_in_parts_each_whole(
    ledger_views: tuple[Ledger, Views], tmp_path: Path
) -> None:
    """With --by, the retention charts had a panel per cohort and group in one picture taller
    than a page: printed, it was cut across pages and left a page blank before it."""
    ledger, _ = ledger_views
    views = build_views(ledger, as_of=base.AS_OF,
                        params={**base.PARAMETERS, "retention": {"by": ("profession", "employer")}})
    html = base.rendered(ledger, views, "nhs").html
    charts = measured(as_printed(html), A4_WIDTH_PX, tmp_path / "m")["charts"]
    parted = {c["name"] for c in charts if c["part"] > 1}
    assert {"retention-km", "retention-horizons"} <= parted
    for chart in charts:
        printed_whole(chart)
        words_apart_and_inside(chart)


@pytest.mark.slow
def test_a_table_longer_than_a_page_repeats_its_header_and_never_cuts_a_row(
    nhs: Rendered, tmp_path: Path
) -> None:
    """The compliance table of a long framework ran on to the next page without its header,
    and a row could be cut between pages; its total row printed at the foot of every page."""
    tables = measured(as_printed(nhs.html), A4_WIDTH_PX, tmp_path / "m")["printed"]
    assert any(t["kind"] == "heat" for t in tables) and all(t["rows"] for t in tables)
    for found in tables:
        assert found["head"] in ("table-header-group", None), found  # repeats on each page
        assert found["whole"] == found["rows"], found  # no row cut between pages
        assert found["foot"] in ("table-row-group", None), found  # the total, once, at the end
    assert any(t["foot"] for t in tables) and all(t["head"] for t in tables if t["kind"] == "heat")


def printed(html: str, where: Path) -> bytes:
    where.mkdir()
    (where / "report.html").write_text(html, encoding="utf-8")
    pdf = where / "report.pdf"
    done = headless(f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    (where / "report.html").as_uri(), profile=where / "profile")  # fmt: skip
    assert pdf.exists(), done.stderr[-2000:]
    return pdf.read_bytes()


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


@pytest.mark.slow
def test_it_prints_to_a4_and_the_appendix_only_when_asked_for(
    nhs: Rendered, tmp_path: Path
) -> None:
    board = printed(render_html(nhs.report, nhs.timeline), tmp_path / "board")
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", board))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1
                         for w, h in boxes), boxes  # A4 in points  # fmt: skip
    with_ids = printed(nhs.html, tmp_path / "appendix")  # rendered with the appendix
    assert pages(board) >= 5 and pages(with_ids) > pages(board)


def test_given_names_the_report_speaks_of_partnerships_by_name(
    ledger_views: tuple[Ledger, Views], nhs: Rendered
) -> None:
    ledger, _ = ledger_views
    names = partnership_names(ledger, nhs.report)
    page = render_html(nhs.report, nhs.timeline, names=names)
    assert f"<h1>{title_of(names)}</h1>" in page
    heat = [t for t in Page(page).root.iter("table") if t.attrs.get("class") == "heat"]
    heads = {th.text() for t in heat for th in next(t.iter("thead")).iter("th")}
    shown = heads - {"#", "Item"}
    assert shown and shown <= set(names.values())


def test_the_year_table_reads_in_whole_pounds(nhs: Rendered) -> None:
    page = Page(nhs.html)
    table = next(t for t in page.root.iter("table")
                 if "whole pounds" in "".join(c.text() for c in t.iter("caption")))  # fmt: skip
    money = [cell for row in rows(table) for cell in row[2:5] if cell.startswith(("£", "\u2212£"))]
    assert money and all(re.fullmatch(r"\u2212?£[0-9,]+", cell) for cell in money), money


def without_a_click(node: Node) -> str:
    """The words a reader sees without opening anything: not inside a folded ``<details>``
    (its summary aside), not a chart's hover ``<title>``."""
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "details":
            parts.extend(without_a_click(s) for s in child.iter("summary"))
        elif child.tag not in ("title", "style"):
            parts.append(without_a_click(child))
    return " ".join(parts)


def test_money_from_ten_pounds_reads_in_whole_pounds_without_a_click(nhs: Rendered) -> None:
    """Unit costs, differences and cancelled-event costs under £100 kept their pence beside
    whole pounds (£68.25 by £129); only an amount under £10 keeps them, where a pound is more
    than a twentieth of it."""
    seen = without_a_click(Page(render_html(nhs.report, nhs.timeline)).root)
    pence = re.findall(r"£([0-9,]+)\.[0-9]{2}", seen)
    assert [p for p in pence if int(p.replace(",", "")) >= 10] == []
    assert re.search(r"£[0-9]{2,3}(?![0-9.,])", seen)  # amounts of £10 to £999 are there
    assert reading_money(Decimal("68.25")) == "£68"
    assert reading_money(Decimal("-89.79")) == "\u2212£90"
    assert reading_money(Decimal("3.47")) == "£3.47" and short_money(Decimal("0.4")) == "£0.40"


def bars(*pairs: tuple[float | None, str, float | None, str]) -> svg.BarPanel:
    groups = [svg.BarGroup(label, (svg.Bar("Mentored", a, said_a, "n=165"),
                                   svg.Bar("Comparator", b, said_b, "n=45")))
              for (a, said_a, b, said_b), label in zip(
                  pairs, ("6 months", "12 months", "18 months", "24 months", "Whole window"),
                  strict=False)]  # fmt: skip
    return svg.BarPanel("2024/25 cohort", tuple(groups))


@pytest.mark.slow
@pytest.mark.parametrize("width", [360, 1280])
def test_labels_of_bars_of_near_heights_never_touch_on_a_phone(tmp_path: Path, width: int) -> None:
    """At 360 px the retention bars' labels ran into each other (93.9% beside 100%), and so
    did the eligible counts under them (n=165 beside n=45) and a long group's name."""
    panels = [bars((0.939, "93.9%", 1.0, "100%"), (0.926, "92.6%", 0.9, "90%"),
                   (1.0, "100%", 1.0, "100%"), (0.875, "87.5%", None, "*"),
                   (0.813, "81.3%", 0.5, "50%"))]  # fmt: skip
    ticks = [(v / 4, f"{v * 25}%") for v in range(5)]
    chart = svg.responsive(lambda w: svg.bar_panels(
        "bars", "Bars", "Two series", panels, ["Mentored", "Comparator"], ticks, width=w))
    page = (f"<!DOCTYPE html><html><head><style>{CSS}</style></head><body><main>"
            f'<figure class="chart-figure">{chart}</figure></main></body></html>')  # fmt: skip
    found = measured(page, width, tmp_path / "m")["charts"]
    assert len(found) == 1 and found[0]["layout"] == ("narrow" if width < 820 else "wide")
    words_apart_and_inside(found[0])


def test_categories_made_of_initials_read_in_capitals() -> None:
    """Events by kind read "Cpd", --by profession "Ahp" and --by employer "Ods:rxp"."""
    assert [human(k) for k in ("cpd", "ahp", "left_uk", "nhs_trust", "careers_fair")] == [
        "CPD", "AHP", "Left UK", "NHS trust", "Careers fair"]
    assert human("ods:RXP") == "ods:RXP" and human("gss:E08000019") == "gss:E08000019"


def test_an_empty_ledgers_board_pack_says_it_is_empty_first(tmp_path: Path) -> None:
    """The command warned on stderr, but the page itself, read by a board, did not say why
    every headline was n/a."""
    with Ledger(tmp_path / "empty.db") as ledger:
        html = base.rendered(ledger, build_views(ledger, as_of=base.AS_OF), "nhs").html
    summary = next(s for s in Page(html).root.iter("section") if s.attrs.get("id") == "summary")
    first = next(p for p in summary.iter("p"))
    assert first.attrs.get("class") == "callout" and "held no facts" in first.text()


def test_a_ledger_with_facts_says_nothing_of_the_kind(nhs: Rendered) -> None:
    assert "held no facts" not in nhs.html


def test_mentored_and_comparator_keep_their_colours_beside_all_registrants() -> None:
    """Under --by the first panel can be one group of all registrants: it took the first
    colour, and mentored and comparator changed colour from the report without --by."""
    key = ("2021/22", (("profession", "ahp"),))
    other = ("2023/24", (("profession", "nurse"),))
    panels = {key: [("All registrants", None)],
              other: [("Mentored", None), ("Comparator", None)]}  # fmt: skip
    assert series_of(panels) == ["Mentored", "Comparator", "All registrants"]
    assert series_of({key: [("All registrants", None)]}) == ["All registrants"]


def test_a_chart_of_many_panels_is_drawn_in_parts_each_with_its_key() -> None:
    panels = [bars((0.5, "50%", 0.4, "40%"))] * 13
    ticks = [(v / 4, f"{v * 25}%") for v in range(5)]
    drawn = svg.in_parts(lambda part_of, width, part: svg.bar_panels(
        "bars", "Bars", "Two series", part_of, ["Mentored", "Comparator"], ticks, width=width,
        part=part), panels, svg.PANELS_PER_PART)
    page = Page(f"<div>{drawn}</div>")
    charts = [n for n in page.root.iter("svg")]
    assert [(c.attrs["data-layout"], c.attrs.get("data-part", "1")) for c in charts] == [
        (layout, part) for part in "123" for layout in ("wide", "narrow")]
    assert [len(list(c.iter("g"))) - 1 for c in charts] == [6, 6, 6, 6, 1, 1]  # a key each
    ids = [n.attrs["id"] for n in page.root.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)) and page.problems == []
