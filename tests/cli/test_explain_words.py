"""``explain`` in words first: the sum with its counts, the facts by type, then the list."""

from __future__ import annotations

import json

from legacyledger.reports.words import SUPPRESSED_WHY
from tests.cli import test_cli as base
from tests.cli.test_cli import Cli

db, cli, imported = base.db, base.cli, base.imported  # the command line's fixtures
RATE = "retention.rate/cohort=2024-25/h=6/scope=nhs"


def test_explain_says_the_sum_and_the_facts_by_type_before_the_list(imported: Cli) -> None:
    out = imported("explain", RATE, "--as-of", "2025-09-30", "--disclosure", "none").stdout
    out = out.splitlines()
    first = out.index("In words")
    assert out[first:first + 5] == [
        "In words",
        "  retained at 6 months (R_h) = 100.0% = 1 retained ÷ 1 eligible",
        "  Made from 2 facts:",
        "         1  RegistrantEnrolled",
        "         1  RegistrantLeft",
    ]
    assert out.index("Derivation") < next(i for i, line in enumerate(out)
                                           if line.startswith("Contributing facts"))


def test_explain_under_disclosure_says_nothing_of_a_suppressed_figures_counts(
    imported: Cli,
) -> None:
    out = imported("explain", RATE, "--as-of", "2025-09-30").stdout  # nhs, as published
    assert f"  retained at 6 months (R_h) = * ({SUPPRESSED_WHY})\n" in out
    assert "1 retained" not in out and "1 eligible" not in out


def test_explain_json_carries_the_words(imported: Cli) -> None:
    found = json.loads(imported("explain", RATE, "--as-of", "2025-09-30", "--json",
                                "--disclosure", "none").stdout)
    assert found["words"] == {
        "sum": "retained at 6 months (R_h) = 100.0% = 1 retained ÷ 1 eligible",
        "facts": {"RegistrantEnrolled": 1, "RegistrantLeft": 1},
    }


def test_explain_words_follow_the_disclosure_policy(imported: Cli) -> None:
    """By default (nhs) the sum is said as a report shows it: this one rests on 1 person."""
    found = json.loads(imported("explain", RATE, "--as-of", "2025-09-30", "--json").stdout)
    assert found["value"] == "*"
    assert found["words"]["sum"] == f"retained at 6 months (R_h) = * ({SUPPRESSED_WHY})"
    # the facts behind it are counted as a report counts people: 1 each is shown as *
    assert found["words"]["facts"] == {"RegistrantEnrolled": "*", "RegistrantLeft": "*"}
