"""``legacyledger frameworks``: the frameworks compliance is measured against; load your own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from legacyledger import Ledger
from legacyledger.facts.parsing import ImportRejected
from legacyledger.frameworks import (
    Framework,
    FrameworkError,
    FrameworkItem,
    UnknownFrameworkError,
    load_framework,
    shipped_frameworks,
)
from legacyledger.frameworks import FrameworkRegistry as Registry
from legacyledger_cli import frameworks_store
from legacyledger_cli.render import heading, plural, table, value
from legacyledger_cli.shell import Failure, Shell, pass_shell


def known(ledger: Ledger) -> Registry:
    return ledger.frameworks


def origins(shell: Shell, ledger: Ledger) -> dict[tuple[str, str], str]:
    """Where each framework came from: the ledger (a recorded fact), the 0.1.0 folder beside
    it, or the package (shipped)."""
    found = {(f.id, f.version): "shipped" for f in shipped_frameworks().values()}
    found |= {(f.id, f.version): "folder" for f in frameworks_store.folder_frameworks(
        shell.location)}
    found |= {(f.id, f.version): f"ledger@{at}" for at, f in ledger.recorded_frameworks()}
    return found


@click.group(
    epilog="\b\nExamples:\n  legacyledger frameworks list\n"
    "  legacyledger frameworks show ney-legacy-stages\n"
    "  legacyledger frameworks load examples/six-pillars.example.json",
)
def frameworks() -> None:
    """List, show and load the frameworks that compliance is measured against.

    The library ships some; `load` records your own file (format: the library's
    frameworks/FORMAT.md) in the ledger as a FrameworkLoaded fact, so every reader of
    the ledger sees it and FrameworkAdopted and FrameworkItemAssessed facts can name it.
    """


@frameworks.command("list", epilog="\b\nExample:\n  legacyledger frameworks list")
@pass_shell
def list_(shell: Shell) -> None:
    """List the frameworks this ledger knows: id, version, where it came from (shipped with
    the library, ledger@POSITION where it was recorded, or folder: a 0.1.0 file beside the
    ledger, not yet recorded), number of items and title."""
    with shell.ledger() as ledger:
        registry, origin = known(ledger), origins(shell, ledger)
    rows = (
        (f.id, f.version, origin.get((f.id, f.version), "given"), str(len(f.items)), f.title)
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
        with shell.ledger() as ledger:
            framework = known(ledger).get(framework_id, version)
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
    """Check a framework file and record it in the ledger, so every reader knows it.

    The file is validated (see the library's frameworks/FORMAT.md) and recorded as a
    FrameworkLoaded fact: the hash chain covers it, exports carry it, and a report as
    known before it does not see it. Loading the same file again records nothing; the
    same id and version with other content is refused: give the new content another
    version.
    """
    try:
        framework = load_framework(file)
        with shell.ledger() as ledger:
            result = ledger.load_framework(framework)
    except FrameworkError as error:
        lines = str(error).splitlines()
        raise Failure(f"cannot load {file}: {lines[0]}", lines[1:]) from None
    except ImportRejected as error:
        raise Failure(f"cannot load {file}", [str(e) for e in error.errors]) from None
    what = f"{framework.id} version {framework.version} ({plural(len(framework.items), 'item')})"
    if result.recorded:
        shell.say(f"Loaded {what} into the ledger at position {result.last_position}")
    else:
        shell.say(f"{what} was already loaded")
