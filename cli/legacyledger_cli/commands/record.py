"""``legacyledger record``: one fact from the command line, checked like an import."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import click

from legacyledger import FactError, ImportRejected
from legacyledger.facts import KEY_OF, MODELS
from legacyledger.facts.tables import cell_value, shape
from legacyledger_cli.commands.explain import suggestions
from legacyledger_cli.render import rejected
from legacyledger_cli.shell import Failure, Shell


def fact_name(name: str) -> str:
    """The fact's canonical name (any case), or a failure suggesting the nearest."""
    by_lower = {known.lower(): known for known in MODELS}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name, list(MODELS), n=3, cutoff=0.6)
    hints = suggestions(close) or ["`legacyledger schema` lists every fact"]
    raise Failure(f"unknown fact {name!r}", hints)


def pairs(name: str, tokens: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``--name value`` / ``--name=value`` as (field, text); a bare boolean flag is true."""
    rest = list(tokens)
    while rest:
        token = rest.pop(0)
        if not token.startswith("--") or token == "--":
            raise Failure(f"unexpected {token!r}", ["give each field as --name value"])
        option, equals, given = token[2:].partition("=")
        field = option.replace("-", "_")
        if not equals:
            if rest and not rest[0].startswith("--"):
                given = rest.pop(0)
            elif shape(name, field) == "bool":
                given = "true"
            else:
                raise Failure(f"--{option} needs a value")
        yield field, given


def convert(name: str, field: str, texts: list[str]) -> Any:
    """Text to the field's JSON type (as a spreadsheet cell is read); what cannot convert is
    passed on for validation to name."""
    kind = shape(name, field)
    if kind == "list":
        return [item for text in texts for item in as_list(field, text)]
    if len(texts) > 1:
        raise Failure(f"--{field} is given {len(texts)} times", ["only list fields repeat"])
    if kind == "object":
        return as_json(field, texts[0], dict)
    return cell_value(name, field, texts[0])


def as_list(field: str, text: str) -> list[Any]:
    if text.lstrip().startswith("["):
        return as_json(field, text, list)  # type: ignore[no-any-return]
    return [item.strip() for item in text.split(",") if item.strip()]


def as_json(field: str, text: str, kind: type) -> Any:
    try:
        found = json.loads(text)
    except json.JSONDecodeError as error:
        raise Failure(f"--{field} is not valid JSON", [f"{error}: {text}"]) from None
    if not isinstance(found, kind):
        raise Failure(f"--{field} must be a JSON {'object' if kind is dict else 'array'}")
    return found


def build(name: str, tokens: Sequence[str]) -> dict[str, Any]:
    texts: dict[str, list[str]] = {}
    for field, text in pairs(name, tokens):
        texts.setdefault(field, []).append(text)
    return {"fact": name, **{f: convert(name, f, t) for f, t in texts.items()}}


def problem(error: FactError) -> str:
    field = f"--{error.field.replace('_', '-')}" if error.field else error.fact or "fact"
    return f"{field}: {error.message}"


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog="\b\nExamples:\n  legacyledger record MentorTimeLogged --mentor M-101 --on 2024-10-08"
    " --hours 1 --activity one_to_one --category delivery --registrant R-5001\n"
    "  legacyledger record EventPlanned --event EV-2025-005 --on 2025-03-04 --partnership"
    " wy-legacy --kind action_research_meeting --audience staff --integrated false"
    " --expected-audience 10\n"
    "  legacyledger record EventDelivered --event EV-2025-005 --on 2025-03-18"
    " --audience-reached 9 --attendees M-101 --duration-minutes 90\n"
    "  legacyledger record FactCorrected --target wy-11 --on 2025-09-03"
    " --replacement '{\"minutes\":65}' --reason 'entered from the diary'",
)
@click.argument("fact")
@click.pass_context
def record(ctx: click.Context, fact: str) -> None:
    """Record one fact, given as --field value pairs (see `legacyledger schema FACT`).

    FACT is a fact name such as MentorTimeLogged. Field names may use - or _. Whole
    numbers and true/false are converted by the field's type; list fields (attendees,
    evidence) take the option repeated or comma-separated (or a JSON array); object
    fields (items, replacement) take JSON. The fact gets the same checks as an import:
    if any fails, each is listed and nothing is written. Prints the position recorded.
    """
    name = fact_name(fact)
    body = build(name, ctx.args)
    shell: Shell = ctx.obj
    with shell.ledger() as ledger:
        try:
            result = ledger.record(body)
        except ImportRejected as error:
            problems = [problem(e) for e in error.errors]
            raise Failure(f"{name}: {rejected(len(error.errors))}", problems) from None
        position = result.first_position if result.recorded else None
        ref = next(ledger.records_at([position])).fact["source_ref"] if position else None
    if position is None:
        click.echo(f"{name} is already in the ledger (same source_ref and content): not written.")
        return
    key = KEY_OF.get(name)
    about = f" ({key} {body[key]})" if key and key in body else ""
    click.echo(f"Recorded {name}{about} at position {position} (source_ref {ref}).")
