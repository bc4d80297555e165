"""The HTML report reads as a board pack: names not keys, derivations in words one click
away (no JavaScript), items in full with their evidence, tables that scroll in their box."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from legacyledger import Ledger
from legacyledger.views import Views
from legacyledger_cli.html.report import (
    partnership_names,
    programme_title,
    render_html,
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
    page = Page(nhs.html)
    evidence = [t for t in page.root.iter("table") if t.attrs.get("class") == "evidence"]
    assert evidence
    listed = {row[1] for t in evidence for row in rows(t)}
    titles = {i.title for i in nhs.report.views.families["compliance"].items}
    assert titles <= listed and not any("…" in title for title in listed)
    assert "Hover" not in nhs.html


def rows(table: Node) -> list[list[str]]:
    return [[td.text() for td in tr.iter("td")] for tr in table.iter("tr") if list(tr.iter("td"))]


def test_parameters_read_as_words_not_python(nhs: Rendered) -> None:
    page = Page(nhs.html)
    table = next(t for t in page.root.iter("table") if t.attrs.get("class") == "parameters")
    values = {row[1] for row in rows(table)}
    assert not values & {"None", "False", "True"}
    assert "`" not in "".join(p.text() for p in page.root.iter("p"))


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


def test_the_printed_id_appendix_is_folded_so_print_leaves_it_out(nhs: Rendered) -> None:
    page = Page(nhs.html)
    folded = [d for d in page.root.iter("details") if d.attrs.get("class") == "printed-figures"]
    assert len(folded) == 1 and list(folded[0].iter("table"))


# -- in a real browser: a phone, a desktop, and print ---------------------------------------

#: A page that loads the report in a frame of the given width and writes how wide the
#: report's page is (the report itself runs no script).
MEASURE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="report.html" style="width:{width}px;height:900px;border:0"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {{
  var page = this.contentDocument.documentElement, out = document.createElement("pre");
  out.textContent = "scroll=" + page.scrollWidth + " client=" + page.clientWidth;
  document.body.appendChild(out);
}});
</script></body></html>"""


def headless(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [base.require_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("width", [360, 1280])
def test_the_page_never_scrolls_sideways(nhs: Rendered, tmp_path: Path, width: int) -> None:
    (tmp_path / "report.html").write_text(nhs.html, encoding="utf-8")
    (tmp_path / "measure.html").write_text(MEASURE.format(width=width), encoding="utf-8")
    done = headless("--allow-file-access-from-files", f"--window-size={width + 40},1000",
                    "--virtual-time-budget=10000", "--dump-dom",
                    (tmp_path / "measure.html").as_uri(), profile=tmp_path / "profile")
    found = re.search(r"scroll=(\d+) client=(\d+)", done.stdout)
    assert found, done.stderr[-2000:]
    assert int(found[1]) <= int(found[2]), f"the page is {found[1]}px wide in {found[2]}px"


@pytest.mark.slow
def test_it_prints_to_a4(nhs: Rendered, tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text(nhs.html, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    done = headless(f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    (tmp_path / "report.html").as_uri(), profile=tmp_path / "profile")
    assert pdf.exists(), done.stderr[-2000:]
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf.read_bytes()))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1
                         for w, h in boxes), boxes  # A4 in points  # fmt: skip


def test_given_names_the_report_speaks_of_partnerships_by_name(
    ledger_views: tuple[Ledger, Views], nhs: Rendered
) -> None:
    ledger, _ = ledger_views
    names = partnership_names(ledger, nhs.report)
    page = render_html(nhs.report, nhs.timeline, names=names)
    assert f"<h1>{title_of(names)}</h1>" in page
    evidence = [t for t in Page(page).root.iter("table") if t.attrs.get("class") == "evidence"]
    shown = {row[2] for t in evidence for row in rows(t)}
    assert shown and shown <= set(names.values())


def test_the_year_table_reads_in_whole_pounds(nhs: Rendered) -> None:
    page = Page(nhs.html)
    table = next(t for t in page.root.iter("table")
                 if "whole pounds" in "".join(c.text() for c in t.iter("caption")))  # fmt: skip
    money = [cell for row in rows(table) for cell in row[2:5] if cell.startswith(("£", "\u2212£"))]
    assert money and all(re.fullmatch(r"\u2212?£[0-9,]+", cell) for cell in money), money
