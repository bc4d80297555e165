"""``legacyledger frameworks``: the frameworks compliance is measured against; load your own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from legacyledger.frameworks import Framework, FrameworkError, FrameworkItem, UnknownFrameworkError
from legacyledger.frameworks import FrameworkRegistry as Registry
from legacyledger_cli import frameworks_store
from legacyledger_cli.render import heading, plural, table, value
from legacyledger_cli.shell import Failure, Shell, pass_shell


def known(shell: Shell) -> Registry:
    try:
        return frameworks_store.registry(shell.location)
    except FrameworkError as error:
        lines = str(error).splitlines()
        folder = frameworks_store.directory(shell.location)
        details = [*lines[1:], f"(stored in {folder})"]
        raise Failure(f"a stored framework file is invalid: {lines[0]}", details) from None


@click.group(
    epilog="\b\nExamples:\n  legacyledger frameworks list\n"
    "  legacyledger frameworks show ney-legacy-stages\n"
    "  legacyledger frameworks load examples/six-pillars.example.json",
)
def frameworks() -> None:
    """List, show and load the frameworks that compliance is measured against.

    The library ships some; `load` adds your own file (format: the library's
    frameworks/FORMAT.md), kept beside the ledger so FrameworkAdopted and
    FrameworkItemAssessed facts can name it.
    """


@frameworks.command("list", epilog="\b\nExample:\n  legacyledger frameworks list")
@pass_shell
def list_(shell: Shell) -> None:
    """List the shipped and loaded frameworks: id, version, title, number of items."""
    registry, loaded = known(shell), frameworks_store.loaded_ids(shell.location)
    origin = {True: "loaded", False: "shipped"}
    rows = (
        (f.id, f.version, origin[(f.id, f.version) in loaded], str(len(f.items)), f.title)
        for f in registry
    )
    for line in table(("ID", "VERSION", "FROM", "ITEMS", "TITLE"), rows):
        click.echo(line)


@frameworks.command(
    epilog="\b\nExamples:\n  legacyledger frameworks show ney-legacy-stages\n"
    "  legacyledger frameworks show ney-six-pillars-example --version 0",
)
@click.argument("framework_id", metavar="ID")
@click.option("--version", metavar="V", help="This version (default: the latest).")
@pass_shell
def show(shell: Shell, framework_id: str, version: str | None) -> None:
    """Show one framework: its items, how each is assessed, and the rule's parameters."""
    try:
        framework = known(shell).get(framework_id, version)
    except UnknownFrameworkError as error:
        raise Failure(str(error.args[0])) from None
    for line in describe(framework):
        click.echo(line)


def describe(framework: Framework) -> Iterator[str]:
    yield heading(f"{framework.id} version {framework.version}: {framework.title}")
    yield f"  source: {framework.source}"
    yield ""
    yield heading(plural(len(framework.items), "item"))
    headers = ("ITEM", "AREA", "ASSESSMENT", "RULE", "TITLE")
    yield from table(headers, map(item_row, framework.items), indent="  ")


def item_row(item: FrameworkItem) -> tuple[str, ...]:
    rule = "-"
    if item.rule is not None:
        params = ", ".join(f"{k}={value(v)}" for k, v in item.rule.params.items())
        rule = f"{item.rule.id}({params})"
    return (item.id, item.area, item.assessment, rule, item.title)


@frameworks.command(
    epilog="\b\nExample:\n  legacyledger frameworks load examples/six-pillars.example.json",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_shell
def load(shell: Shell, file: Path) -> None:
    """Check a framework file and keep it with the ledger, so later commands know it.

    The file is validated (see the library's frameworks/FORMAT.md) and copied beside the
    ledger (programme.db.frameworks/ for a SQLite ledger, ./.legacyledger-frameworks/
    for PostgreSQL). Loading the same file again changes nothing; the same id and
    version with other content is refused: give the new content another version.
    """
    try:
        framework, new = frameworks_store.store(shell.location, file)
    except FrameworkError as error:
        lines = str(error).splitlines()
        raise Failure(f"cannot load {file}: {lines[0]}", lines[1:]) from None
    what = f"{framework.id} version {framework.version} ({plural(len(framework.items), 'item')})"
    folder = frameworks_store.directory(shell.location)
    shell.say(f"Loaded {what} into {folder}" if new else f"{what} was already loaded")
