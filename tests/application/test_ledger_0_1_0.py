"""A ledger file written by legacyledger 0.1.0 keeps working.

``tests/data/ledger-0.1.0/`` was written by the 0.1.0 release (``legacyledger demo --facts
1500 --seed 11``): the SQLite file as 0.1.0 left it (module-path topics, its source_ref index,
links index and hash chain), the JSON Lines export 0.1.0 made of it, and 0.1.0's ``report all
--format json --as-of 2026-03-31``. Whatever the code becomes, that file must open, verify,
export the same bytes, reproduce the report and take new facts.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from legacyledger import Ledger
from legacyledger.reports import check_ledger, verify_report

DATA = Path(__file__).parent.parent / "data" / "ledger-0.1.0"


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.db"
    shutil.copyfile(DATA / "ledger.db", copy)
    return copy


def exported(ledger: Ledger) -> bytes:
    out = io.BytesIO()
    ledger.export(out)
    return out.getvalue()


def test_it_opens_and_verifies(old_ledger: Path) -> None:
    with Ledger(old_ledger) as ledger:
        checked = check_ledger(ledger)
        assert checked.ok, checked
        assert checked.facts == checked.head == 1345


def test_it_exports_the_bytes_0_1_0_exported(old_ledger: Path) -> None:
    with Ledger(old_ledger) as ledger:
        assert exported(ledger) == gzip.decompress((DATA / "export.jsonl.gz").read_bytes())


def test_it_reproduces_the_report_0_1_0_made(old_ledger: Path) -> None:
    """Every figure 0.1.0 made under a definition this version keeps reproduces; the rest
    are named as made under earlier definitions (formula version 1 of the retention
    figures, issue 10; rates shown under the first disclosure method), never as facts that
    changed."""
    saved = gzip.decompress((DATA / "report-all.json.gz").read_bytes())
    document: dict[str, Any] = json.loads(saved)
    with Ledger(old_ledger) as ledger:
        result = verify_report(ledger, document)
    assert result.consistent, result.differences[:5]
    assert not result.reproduces  # definitions changed since 0.1.0
    redefined = {r.id: r for r in result.redefined}
    assert {r.what for r in result.redefined} == {
        "formula", "disclosure method", "parameters", "new formula",
        "wording"}
    assert {r.formula for r in result.redefined if r.what == "new formula"} == {
        "costs.event_cost", "retention.headcount_average", "retention.stability_censored",
        "retention.km_cumulative_events", "retention.km_effective_n",
        "retention.stability_effective_base", "reach.minutes_per_contact"}
    # the leaver rate and its leavers are at version 3 (partial observation); the Kaplan-Meier
    # estimates at 3 and the stability index at 4 (they rest on effective numbers followed)
    later = {"retention.leavers": 3, "retention.leaver_rate": 3, "retention.stability_index": 4,
             "retention.kaplan_meier": 3, "retention.kaplan_meier_greenwood": 3,
             "retention.kaplan_meier_ci_loglog": 3}
    assert all(r.reported_version == 1 and r.rebuilt_version == later.get(r.formula, 2)
               for r in result.redefined if r.what == "formula")
    shown_alike = [f for f in document["figures"]
                   if f["id"] not in redefined
                   or redefined[f["id"]].what in ("parameters", "wording")]
    assert len(shown_alike) > len(document["figures"]) // 2  # most show the same value


def test_verify_says_which_definitions_changed(old_ledger: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from legacyledger_cli import main

    report = tmp_path / "report.json"
    report.write_bytes(gzip.decompress((DATA / "report-all.json.gz").read_bytes()))
    result = CliRunner().invoke(main, ["--ledger", str(old_ledger), "verify", str(report)])
    assert result.exit_code == 0, result.output
    assert "every figure made under this version's definitions reproduces" in result.output
    assert "retention.R_h: " in result.output and "formula version 1 -> 2" in result.output
    assert "shown under an earlier disclosure method" in result.output


def test_a_figure_changed_under_the_same_definition_does_not_verify(old_ledger: Path) -> None:
    saved = gzip.decompress((DATA / "report-all.json.gz").read_bytes())
    document: dict[str, Any] = json.loads(saved)
    costs = next(f for f in document["figures"]
                 if f["id"].startswith("costs.total") and f["display"] not in (None, "*"))
    costs["display"] = "1.00"
    with Ledger(old_ledger) as ledger:
        result = verify_report(ledger, document)
    assert not result.consistent
    assert [m.id for m in result.differences] == [costs["id"]]


def test_it_takes_new_facts_and_keeps_its_chain(old_ledger: Path) -> None:
    new = {"fact": "MentorTimeLogged", "mentor": "M-002", "on": "2026-03-02", "hours": "1.5",
           "activity": "admin", "category": "administration", "source_ref": "after-0.1.0"}
    with Ledger(old_ledger) as ledger:
        mentor_facts = [r for r in ledger.records() if r.fact.get("mentor") == "M-002"]
        assert mentor_facts, "the fixture names mentor M-002"
        result = ledger.record(new)
        assert result.recorded == 1
        assert check_ledger(ledger).ok
        lines = exported(ledger).splitlines()
    assert lines[:-1] == gzip.decompress((DATA / "export.jsonl.gz").read_bytes()).splitlines()
    assert json.loads(lines[-1])["source_ref"] == "after-0.1.0"
    with Ledger(old_ledger) as reopened:
        history = reopened.history("mentor", "M-002")
        assert history[-1].fact["source_ref"] == "after-0.1.0"


def test_its_facts_are_found_by_name(old_ledger: Path) -> None:
    from legacyledger.views.store.snapshots import names_between

    with Ledger(old_ledger) as ledger:
        every = list(ledger.records())
        names = {r.fact["fact"] for r in every}
        assert len(names) > 20
        assert names_between(ledger, 0, ledger.head()) == names
        for name in ("MentorEnrolled", "FactCorrected", "MentorTimeLogged"):
            found = list(ledger.records(names=[name]))
            assert found == [r for r in every if r.fact["fact"] == name] and found
        ledger.record({"fact": "MentorTimeLogged", "mentor": "M-002", "on": "2026-03-02",
                       "hours": "1.5", "activity": "admin", "category": "administration",
                       "source_ref": "after-0.1.0"})
        assert names_between(ledger, 1345, ledger.head()) == {"MentorTimeLogged"}
        logged = list(ledger.records(names=["MentorTimeLogged"]))
        assert logged[-1].fact["source_ref"] == "after-0.1.0"
        assert len(logged) == 1 + sum(r.fact["fact"] == "MentorTimeLogged" for r in every)
