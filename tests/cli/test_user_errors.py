"""The errors a user meets first: dates in another form, ids as reports print them, an
empty ledger."""

from __future__ import annotations

import pytest

from tests.cli import test_cli as base
from tests.cli.test_cli import Cli

db, cli, imported = base.db, base.cli, base.imported  # the command line's fixtures


@pytest.mark.parametrize("command", [("report", "retention"), ("explain", "x"), ("replay",)])
def test_a_day_first_date_is_told_the_form_and_the_date_it_meant(
    imported: Cli, command: tuple[str, ...]
) -> None:
    result = imported(*command, "--as-of", "31/03/2026")
    assert result.exit_code == 2
    assert ("'31/03/2026' is not a date as YYYY-MM-DD, e.g. 2026-03-31 (for 31 March 2026 "
            "write 2026-03-31)") in result.output


def test_a_date_that_is_no_date_is_told_the_form_only(imported: Cli) -> None:
    result = imported("report", "retention", "--as-of", "31/02/2026")
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--as-of': '31/02/2026' is not a date as YYYY-MM-DD, "
        "e.g. 2026-03-31")


def test_a_cohort_typed_as_reports_print_it_names_the_same_figure(imported: Cli) -> None:
    as_printed = imported("explain", "retention.cohort_size/cohort=2024/25/scope=nhs",
                          "--as-of", "2025-09-30")
    as_id = imported("explain", "retention.cohort_size/cohort=2024-25/scope=nhs",
                     "--as-of", "2025-09-30")
    assert as_printed.exit_code == 0, as_printed.output
    assert as_printed.output == as_id.output


def test_a_report_on_an_empty_ledger_says_it_is_empty(cli: Cli) -> None:
    cli("init")
    result = cli("report", "retention")
    assert result.exit_code == 0
    assert "Warning: the ledger is empty: every figure is zero or not computable" in result.stderr


def test_a_report_on_facts_says_nothing_of_the_kind(imported: Cli) -> None:
    assert "Warning" not in imported("report", "retention", "--as-of", "2025-09-30").stderr


@pytest.mark.parametrize(
    "command",
    [("report", "all"), ("report", "retention", "--format", "html"), ("follow", "--once"),
     ("explain", "retention.cohort_size/cohort=2024-25/scope=nhs"), ("replay",),
     ("diff", "retention.cohort_size/cohort=2024-25/scope=nhs", "--known-at", "1",
      "--known-at", "2")],
)
def test_report_as_of_9999_12_31_is_one_line_not_an_overflow(
    imported: Cli, command: tuple[str, ...]
) -> None:
    """``report --as-of 9999-12-31`` gave an OverflowError on any ledger (then an error
    from report, and a traceback from explain and replay)."""
    result = imported(*command, "--as-of", "9999-12-31")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--as-of': 9999-12-31 is outside 1900-01-01 to 2099-12-31")
