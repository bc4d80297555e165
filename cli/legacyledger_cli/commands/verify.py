"""``legacyledger verify``: does a saved report reproduce, or is the ledger itself sound?"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import click

from legacyledger.reports import (
    INTEGRITY_CHECKS,
    CheckFactory,
    FigureMismatch,
    IntegrityReport,
    Problem,
    Redefined,
    VerifyResult,
    anchored,
    check_ledger,
    verify_report,
)
from legacyledger_cli.render import heading, plural
from legacyledger_cli.shell import Failure, Shell, pass_shell

SHOWN = 20  # problems or differences listed before "... and N more"


@click.command(
    epilog="\b\nExamples:\n  legacyledger report all --format json -o report.json\n"
    "  legacyledger verify report.json\n"
    "  legacyledger verify",
)
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    metavar="POSITION:LINK",
    help="Also check that the chain link at POSITION is LINK (as `legacyledger head` printed "
    "it then): a truncated or rewritten tail fails.",
)
@click.argument(
    "report_file",
    metavar="[REPORT.json]",
    required=False,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@pass_shell
@click.pass_context
def verify(
    ctx: click.Context, shell: Shell, report_file: str | None, anchors: tuple[str, ...]
) -> None:
    """Check a saved JSON report against the ledger, or check the ledger's integrity.

    With REPORT.json (from `legacyledger report --format json`): rebuild the report as the
    ledger knew it at the report's position and say whether its digest reproduces (exit 0)
    or which figures differ (exit 1). Facts recorded since do not change it.

    Without: read every stored fact and check that positions ascend, that each fact
    decodes and validates against its fact model and that each is in the source_ref
    index; then recompute the hash chain over the facts, which names the first fact
    edited, inserted or deleted behind the ledger's back; recompute the links index and
    the persisted views from the facts and compare them with the stored ones; with
    --anchor, check the chain still reaches a link published earlier (exit 1 if anything
    is wrong).
    """
    document = None if report_file is None else read_report(report_file)
    extra = [anchor_check(anchor) for anchor in anchors]
    with shell.ledger() as ledger:
        if document is None:
            checked = check_ledger(ledger, [*INTEGRITY_CHECKS, *extra])
            lines, ok = list(integrity_lines(shell.where, checked)), checked.ok
        else:
            result = verify_report(ledger, document)
            lines, ok = list(verify_lines(result)), result.consistent
    for line in lines:
        click.echo(line)
    ctx.exit(0 if ok else 1)


def anchor_check(text: str) -> CheckFactory:
    position, _, link = text.partition(":")
    try:
        return anchored(int(position), link)
    except ValueError:
        raise Failure(f"--anchor {text}: expected POSITION:LINK as `legacyledger head` prints "
                      "it (a position, a colon, 64 hex digits)") from None


def read_report(path: str) -> dict[str, Any]:
    with click.open_file(path, "r", encoding="utf-8-sig") as source:
        try:
            document = json.load(source)
        except json.JSONDecodeError as error:
            raise Failure(f"{path} is not JSON", [str(error)]) from None
    if not isinstance(document, dict):
        raise Failure(f"{path} is not a report (expected a JSON object)")
    return document


# -- a report -----------------------------------------------------------------------------------


def verify_lines(result: VerifyResult) -> Iterator[str]:
    where = f"as known at position {result.known_at}; the ledger is now at {result.ledger_head}"
    if result.reproduces:
        yield f"Reproduces: {result.claimed_digest} ({where})."
        return
    if result.consistent:
        yield (f"Consistent ({where}): every figure made under this version's definitions "
               "reproduces.")
        yield from redefined_lines(result.redefined)
        return
    yield heading("Does not reproduce") + (f" ({where})" if result.known_at is not None else "")
    yield from (f"  {problem}" for problem in result.problems)
    if result.rebuilt_digest is not None and result.rebuilt_digest != result.claimed_digest:
        yield f"  digest in the report: {result.claimed_digest or '(none)'}"
        yield f"  digest rebuilt:       {result.rebuilt_digest}"
    if result.differences:
        yield f"  {plural(len(result.differences), 'figure')} differ:"
        yield from capped([f"    {mismatch_line(m)}" for m in result.differences])
    yield from redefined_lines(result.redefined)


def redefined_lines(redefined: Sequence[Redefined]) -> Iterator[str]:
    """The figures made under other definitions, counted by definition and change."""
    if not redefined:
        return
    yield (f"  {plural(len(redefined), 'figure')} were made under earlier definitions and "
           "cannot be reproduced exactly by this version:")
    counts = Counter((r.formula, r.what, r.reported_version, r.rebuilt_version) for r in redefined)
    for (formula, what, old, new), count in sorted(counts.items(), key=str):
        change = {
            "formula": f"formula version {old} -> {new}",
            "new formula": "a formula added since the report was made",
            "parameters": "the same value, derived under other parameter defaults",
            "wording": "the same value, its label or unit worded differently since",
        }.get(what, "shown under an earlier disclosure method")
        yield f"    {formula}: {plural(count, 'figure')}, {change}"


def mismatch_line(mismatch: FigureMismatch) -> str:
    said = "(absent)" if mismatch.reported is None else str(mismatch.reported)
    rebuilt = "(absent)" if mismatch.rebuilt is None else str(mismatch.rebuilt)
    field = "" if mismatch.field == "display" else f" ({mismatch.field})"
    return f"{mismatch.id}{field}: report {said}, rebuilt {rebuilt}"


def capped(lines: Sequence[str]) -> Iterator[str]:
    yield from lines[:SHOWN]
    if len(lines) > SHOWN:
        yield f"    ... and {len(lines) - SHOWN} more"


# -- the ledger ---------------------------------------------------------------------------------


def integrity_lines(where: str, checked: IntegrityReport) -> Iterator[str]:
    yield heading(f"Ledger {where}: {plural(checked.facts, 'fact')}, head {checked.head}")
    width = max((len(c.name) for c in checked.checks), default=0)
    for check in checked.checks:
        mark = "ok" if not check.problems else f"{plural(len(check.problems), 'problem')}"
        yield f"  {check.name.ljust(width)}  {check.summary} [{mark}]"
        yield from capped([f"    {problem_line(p)}" for p in check.problems])
    count = len(checked.problems)
    yield "No problems found." if checked.ok else f"{plural(count, 'problem')} found."


def problem_line(problem: Problem) -> str:
    return (
        problem.message if problem.position is None else f"at {problem.position}: {problem.message}"
    )
