"""``legacyledger schema``: the JSON Schema of the facts, for tools that write them."""

from __future__ import annotations

import json

import click

from legacyledger.facts import MODELS, json_schema
from legacyledger_cli.query import fact_names


def one_fact(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else next(iter(fact_names(ctx, param, [value])))


@click.command(
    epilog="\b\nExamples:\n  legacyledger schema > facts.schema.json\n"
    "  legacyledger schema MentorTimeLogged",
)
@click.argument("fact", required=False, callback=one_fact)
def schema(fact: str | None) -> None:
    """Print the JSON Schema of every fact (or of the one named)."""
    document = json_schema() if fact is None else MODELS[fact].model_json_schema()
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))
