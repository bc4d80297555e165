"""``legacyledger import``: validated, all-or-nothing, idempotent import of JSON Lines."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

import attrs
import click

from legacyledger import FactError, ImportRejected, ImportResult, Ledger
from legacyledger_cli.render import import_summary, plural, rejected
from legacyledger_cli.shell import Failure, Shell, pass_shell


@attrs.define
class Sources:
    """Several inputs read as one import; maps the import's line numbers back to each file."""

    files: Sequence[IO[bytes]]
    spans: list[tuple[str, int, int]] = attrs.Factory(list)

    @property
    def label(self) -> str:
        return name_of(self.files[0]) if len(self.files) == 1 else plural(len(self.files), "file")

    def lines(self) -> Iterator[bytes]:
        number = 0
        for file in self.files:
            first = number + 1
            for line in file:
                number += 1
                yield line
            self.spans.append((name_of(file), first, number))

    def locate(self, error: FactError) -> str:
        """``line 12: ...``; with several files, ``b.jsonl: line 3: ...``."""
        if len(self.files) == 1 or error.line is None:
            return str(error)
        for name, first, last in self.spans:
            if first <= error.line <= last:
                return f"{name}: {attrs.evolve(error, line=error.line - first + 1)}"
        return str(error)

    def size(self) -> int | None:
        """Total bytes, when every input is a regular file (not a pipe)."""
        try:
            stats = [os.fstat(f.fileno()) for f in self.files]
        except (OSError, ValueError, AttributeError):
            return None
        return (
            sum(s.st_size for s in stats) if all(stat.S_ISREG(s.st_mode) for s in stats) else None
        )


def name_of(file: IO[bytes]) -> str:
    name = getattr(file, "name", "-")
    return (
        "stdin" if name in ("-", "<stdin>") or not isinstance(name, str) else os.path.basename(name)
    )


def with_progress(lines: Iterable[bytes], size: int) -> Iterator[bytes]:
    """A progress bar on stderr over the bytes read (validation reads everything first)."""
    with click.progressbar(length=size, label="Checking facts", file=sys.stderr) as bar:
        for line in lines:
            bar.update(len(line))
            yield line


def run_import(shell: Shell, ledger: Ledger, sources: Sources, max_errors: int = 0) -> ImportResult:
    lines, size = sources.lines(), sources.size()
    if size and shell.show_progress():  # a pipe has no size to measure progress against
        lines = with_progress(lines, size)
    try:
        return ledger.import_facts(lines)
    except ImportRejected as error:
        raise rejection(sources, error.errors, max_errors) from None
    except OSError as error:
        raise Failure(f"cannot read {sources.label}", [str(error)]) from None


def rejection(sources: Sources, errors: Sequence[FactError], limit: int) -> Failure:
    shown = errors[:limit] if limit else errors
    details = [sources.locate(e) for e in shown]
    if len(errors) > len(shown):
        details.append(f"... and {len(errors) - len(shown)} more (use --max-errors 0 to see all)")
    return Failure(rejected(len(errors)), details)


@click.command(
    "import",
    epilog="\b\nExamples:\n  legacyledger import facts/2024-q3.jsonl facts/2024-q4.jsonl\n"
    "  esr-extract | legacyledger import -",
)
@click.argument("files", nargs=-1, required=True, type=click.File("rb"), metavar="FILE...")
@click.option(
    "--batch-size", type=click.IntRange(min=1), metavar="N", help="Facts per write transaction."
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=200,
    metavar="N",
    show_default=True,
    help="How many errors to print when the import is rejected (0: all).",
)
@pass_shell
def import_(
    shell: Shell, files: tuple[IO[bytes], ...], batch_size: int | None, max_errors: int
) -> None:
    """Import facts from JSON Lines files (or - for stdin).

    All files are checked together against the format and the rules: if anything is
    wrong, the errors are listed by line and field and nothing is written (exit 1).
    Facts already in the ledger (same source_ref, same content) are skipped, so running
    the same import twice is safe.
    """
    sources = Sources(files)
    with shell.ledger(create=True, batch_size=batch_size) as ledger:
        result = run_import(shell, ledger, sources, max_errors)
    shell.say(import_summary(result, sources.label))
