"""``legacyledger show``: one subject's state and history, now or as known earlier."""

from __future__ import annotations

from typing import Any

import click
import orjson

from legacyledger import FactRecord
from legacyledger_cli.commands.export import KNOWN_AT
from legacyledger_cli.query import KIND, is_correction
from legacyledger_cli.render import (
    LOG_HEADERS,
    heading,
    history_rows,
    jsonable,
    plural,
    state,
    state_lines,
    table,
)
from legacyledger_cli.shell import Shell, known_position, missing, pass_shell


@click.command(
    epilog="\b\nExamples:\n  legacyledger show registrant R-5001\n"
    "  legacyledger show mentor M-101 --known-at 1200 --json",
)
@click.argument("kind", type=KIND)
@click.argument("key")
@click.option(
    "--known-at", type=KNOWN_AT, metavar="POSITION", help="As the ledger knew it at this position."
)
@click.option("--json", "as_json", is_flag=True, help="State and history as one JSON object.")
@pass_shell
def show(shell: Shell, kind: str, key: str, known_at: int | None, as_json: bool) -> None:
    """Show a subject's current state and its history.

    KIND is partnership, mentor, registrant or event; KEY is its key in your records
    (R-0001, M-017, ...). Corrected and voided facts stay in the history, marked.
    """
    with shell.ledger() as ledger:
        if known_at is not None:
            known_at = known_position(ledger, known_at)
        try:
            subject = ledger.subject(kind, key, known_at)
        except KeyError as error:
            raise missing(error) from None
        history = ledger.history(kind, key, known_at)
    attributes = state(subject)
    if as_json:
        click.echo(as_document(kind, key, known_at, attributes, history))
        return
    for line in describe(kind, key, known_at, attributes, history):
        click.echo(line)


def describe(
    kind: str, key: str, known_at: int | None, attributes: dict[str, Any], history: list[FactRecord]
) -> list[str]:
    when = f" as known at position {known_at}" if known_at is not None else ""
    corrections = sum(is_correction(r.fact) for r in history)
    counted = plural(len(history), "fact") + (
        f", {plural(corrections, 'correction')}" if corrections else ""
    )
    return [
        heading(f"{kind} {key}{when}"),
        *state_lines(attributes),
        "",
        heading(f"History ({counted})"),
        *table(LOG_HEADERS, history_rows(history), indent="  "),
    ]


def as_document(
    kind: str, key: str, known_at: int | None, attributes: dict[str, Any], history: list[FactRecord]
) -> str:
    document = {
        "kind": kind,
        "key": key,
        "known_at": known_at,
        "state": attributes,
        "history": [{"position": r.position, **r.fact} for r in history],
    }
    return orjson.dumps(document, default=jsonable, option=orjson.OPT_INDENT_2).decode()
