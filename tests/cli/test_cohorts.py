"""Pooled and custom retention cohorts, and growth since a date, through the CLI alone; the
2018 integrated ambassador pilots' published figures reproduced by ``legacyledger report``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from legacyledger.application import LEDGER_ENV
from legacyledger_cli import main
from tests.projections.test_reach import DCC, devon, dorset, leeds
from tests.projections.test_retention import enrolled, left


def cli(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--ledger", str(db), *args], catch_exceptions=False)


def imported(tmp_path: Path, facts: list[dict[str, Any]]) -> Path:
    db, path = tmp_path / "ledger.db", tmp_path / "facts.jsonl"
    path.write_text("".join(json.dumps(f) + "\n" for f in facts), encoding="utf-8")
    assert cli(db, "init").exit_code == 0
    result = cli(db, "import", str(path))
    assert result.exit_code == 0, result.output
    return db


def figures(db: Path, *args: str) -> dict[str, Any]:
    result = cli(db, "report", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return {f["id"]: f["display"] for f in json.loads(result.stdout)["figures"]}


@pytest.fixture(autouse=True)
def _no_env_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LEDGER_ENV, raising=False)


def test_the_2018_pilots_published_figures_through_the_cli(tmp_path: Path) -> None:
    """Skills for Care (2018): Devon registered 64 ambassadors, 14 from the lead partner, +146%
    on the figure before the pilot, 18 integrated events; Leeds 4 ambassadors (3 existing, 1
    new) at 2 integrated events; Dorset 2 events at school careers fairs. National-level
    evaluation figures, so disclosure ``none`` (under ``nhs`` the counts would be rounded)."""
    # the unit test's cancelled extra event (cancelled before it was planned) is not recordable
    facts = [f for f in (*devon(), *leeds(), *dorset()) if f.get("event") != "DV-X"]
    db = imported(tmp_path, facts)
    shown = figures(db, "reach", "--as-of", "2017-12-31", "--from", "2016-12-31",
                    "--disclosure", "none")  # fmt: skip
    devon_ = "partnership=devon/role=ambassador"
    assert shown[f"reach.registered/{devon_}"] == 64
    assert shown[f"reach.registered/employer={DCC}/{devon_}"] == 14
    assert shown[f"reach.registered/at=2016-12-31/{devon_}"] == 26
    assert shown[f"reach.growth_pct/from=2016-12-31/{devon_}"] == 146
    assert shown["reach.integrated_delivered/partnership=devon"] == 18
    leeds_ = "partnership=leeds/role=ambassador"
    assert shown[f"reach.registered/{leeds_}"] == 4
    assert shown[f"reach.registered/at=2016-12-31/{leeds_}"] == 3
    assert shown[f"reach.joined/from=2016-12-31/{leeds_}"] == 1
    assert shown["reach.integrated_delivered/partnership=leeds"] == 2
    assert shown["reach.events_delivered/audience=school/partnership=dorset"] == 2
    # without --from there are no growth figures
    plain = figures(db, "reach", "--as-of", "2017-12-31", "--disclosure", "none")
    assert not [i for i in plain if i.startswith(("reach.growth_pct", "reach.joined"))]


def test_period_all_pools_everyone_and_a_range_makes_one_cohort(tmp_path: Path) -> None:
    # 12 registrants anchored 2022-06-01 .. 2024-05-01 (two a quarter); R0 leaves 2022-09-01
    days = ["2022-06-01", "2022-10-01", "2023-01-05", "2023-04-03", "2023-09-01", "2024-01-14"]
    db = imported(tmp_path, [
        {"fact": "PartnershipFormed", "partnership": "wy", "on": "2022-01-04",
         "programme": "legacy_mentoring", "lead_org": "ods:RXF", "name": "WY"},
        *(enrolled(f"R{i}", days[i // 2]) for i in range(12)),
        left("R0", "2022-09-01", "left_uk"),
    ])  # fmt: skip
    pooled = figures(db, "retention", "--as-of", "2025-03-31", "--period", "all",
                     "--disclosure", "none")  # fmt: skip
    assert pooled["retention.cohort_size/cohort=all/scope=nhs"] == 12
    assert pooled["retention.eligible/cohort=all/h=12/scope=nhs"] == 12
    assert pooled["retention.retained/cohort=all/h=12/scope=nhs"] == 11
    assert not [i for i in pooled if "cohort=2022-23" in i]
    ranged = figures(db, "retention", "--as-of", "2025-03-31", "--cohort",
                     "2022-09-01..2024-01-13", "--disclosure", "none")  # fmt: skip
    # anchored 2022-10-01 .. 2023-09-01: 8 registrants (R2..R9); R0, R1, R10, R11 out
    assert ranged["retention.cohort_size/cohort=2022-09-01..2024-01-13/scope=nhs"] == 8
    size = "retention.cohort_size/cohort=2022-09-01..2024-01-13/scope=nhs"
    explained = cli(db, "explain", size, "--as-of", "2025-03-31", "--json")
    assert explained.exit_code == 0, explained.output
    assert json.loads(explained.stdout)["derivation"]["parameters"]["cohorts"] == (
        "2022-09-01..2024-01-13"
    )
    bad = cli(db, "report", "retention", "--cohort", "2024-01-14..2022-09-01")
    assert bad.exit_code != 0 and "anchor date range" in bad.output
