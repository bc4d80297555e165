"""``legacyledger import``: validated, all-or-nothing, idempotent import of JSON Lines."""

from __future__ import annotations

import itertools
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import attrs
import click

from legacyledger import FactError, ImportRejected, ImportResult, Ledger
from legacyledger.facts.mapping import ColumnMapping, MappingError
from legacyledger.facts.sheets import SheetError, Spreadsheets, Table, read_csv, read_xlsx
from legacyledger_cli.render import import_summary, plural, rejected
from legacyledger_cli.shell import Failure, Shell, pass_shell

FORMATS = ("jsonl", "csv", "xlsx")
BOM = b"\xef\xbb\xbf"


@attrs.define
class Sources:
    """Several inputs read as one import; maps the import's line numbers back to each file
    (JSON Lines: its line; a spreadsheet: its table, row and column)."""

    files: Sequence[IO[bytes]]
    form: str | None = None
    mapping: ColumnMapping | None = None
    spans: list[tuple[str, int, int]] = attrs.Factory(list)
    sheets: Spreadsheets | None = None
    inputs: list[tuple[str, str, Iterable[bytes]]] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.inputs = [self._sniffed(file) for file in self.files]
        kinds = {kind == "jsonl" for _, kind, _ in self.inputs}
        if len(kinds) > 1:
            raise Failure("give JSON Lines files and spreadsheets in separate imports")
        if self.mapping is not None and kinds == {True}:
            raise Failure("--mapping reads spreadsheets (.csv, .xlsx), not JSON Lines")

    def _sniffed(self, file: IO[bytes]) -> tuple[str, str, Iterable[bytes]]:
        """The input's format: given, else its suffix, else JSON Lines; a JSON Lines input
        whose first line is not a JSON object is read as CSV when it looks like one."""
        name = name_of(file)
        suffix = os.path.splitext(name)[1].lower().lstrip(".")
        kind = self.form or (suffix if suffix in ("csv", "xlsx") else "jsonl")
        if kind != "jsonl" or self.form:
            return name, kind, file
        head: list[bytes] = []
        for line in file:
            head.append(line)
            if line.strip():
                break
        if head:  # a byte-order mark (Windows Notepad's "UTF-8") is no part of the first fact
            head[0] = head[0].removeprefix(BOM)
        first, lines = (head[-1] if head else b""), itertools.chain(head, file)
        if not first.strip() or first.lstrip().startswith(b"{"):
            return name, kind, lines
        if b"," in first:
            return name, "csv", lines
        raise Failure(
            f"{name} is not JSON Lines: its first line is not a JSON object",
            ["JSON Lines holds one {...} fact per line; a spreadsheet is read from a .csv or "
             ".xlsx file (or give --format csv)"],
        )

    @property
    def label(self) -> str:
        return name_of(self.files[0]) if len(self.files) == 1 else plural(len(self.files), "file")

    def lines(self) -> Iterator[bytes | dict[str, Any]]:
        if any(kind != "jsonl" for _, kind, _ in self.inputs):
            yield from self._facts()
            return
        number = 0
        for name, _, file in self.inputs:
            first = number + 1
            for line in file:
                number += 1
                yield line
            self.spans.append((name, first, number))

    def _facts(self) -> Iterator[dict[str, Any]]:
        try:
            tables = [t for name, kind, file in self.inputs for t in self._tables(name, kind, file)]
            self.sheets = Spreadsheets(tables, self.mapping)
            yield from self.sheets.facts()
        except SheetError as error:
            raise Failure(str(error)) from None

    @staticmethod
    def _tables(name: str, kind: str, file: Iterable[bytes]) -> list[Table]:
        return read_xlsx(file, name) if kind == "xlsx" else [read_csv(file, name)]  # type: ignore[arg-type]

    def locate(self, error: FactError) -> str:
        """``line 12: ...``; with several files, ``b.jsonl: line 3: ...``; a spreadsheet's
        ``visits.csv: row 3, column hours: ...``."""
        if self.sheets is not None:
            return self.sheets.locate(error)
        if len(self.files) == 1 or error.line is None:
            return str(error)
        for name, first, last in self.spans:
            if first <= error.line <= last:
                return f"{name}: {attrs.evolve(error, line=error.line - first + 1)}"
        return str(error)

    def size(self) -> int | None:
        """Total bytes, when every input is a regular JSON Lines file (not a pipe)."""
        if any(kind != "jsonl" for _, kind, _ in self.inputs):
            return None
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


def with_progress(lines: Iterable[Any], size: int) -> Iterator[Any]:
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


def load_mapping(path: str | None) -> ColumnMapping | None:
    try:
        return None if path is None else ColumnMapping.load(path)
    except MappingError as error:
        raise Failure(str(error)) from None


def rejection(sources: Sources, errors: Sequence[FactError], limit: int) -> Failure:
    shown = errors[:limit] if limit else errors
    details = [sources.locate(e) for e in shown]
    if len(errors) > len(shown):
        details.append(f"... and {len(errors) - len(shown)} more (use --max-errors 0 to see all)")
    return Failure(rejected(len(errors)), details)


@click.command(
    "import",
    epilog="\b\nExamples:\n  legacyledger import facts/2024-q3.jsonl facts/2024-q4.jsonl\n"
    "  legacyledger import MentorTimeLogged.csv programme.xlsx\n"
    "  legacyledger import --mapping examples/redcap-mapping.json redcap-export.csv\n"
    "  esr-extract | legacyledger import -",
)
@click.argument("files", nargs=-1, required=True, type=click.File("rb"), metavar="FILE...")
@click.option(
    "--format",
    "form",
    type=click.Choice(FORMATS),
    help="Read every FILE as this (default: by its suffix; .csv and .xlsx are spreadsheets).",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Rename columns and map values of another system's export (see examples/).",
)
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
    shell: Shell,
    files: tuple[IO[bytes], ...],
    form: str | None,
    mapping: str | None,
    batch_size: int | None,
    max_errors: int,
) -> None:
    """Import facts from JSON Lines files, CSV files or Excel workbooks (- for stdin).

    A spreadsheet holds one fact per row, its columns the fact's fields (`legacyledger
    templates` writes one per fact type); the fact type comes from a `fact` column, else
    the file's or sheet's name. All files are checked together against the format and the
    rules: if anything is wrong, the errors are listed by line (or row and column) and
    nothing is written (exit 1). Facts already in the ledger (same source_ref, same
    content) are skipped, so running the same import twice is safe.
    """
    sources = Sources(files, form, load_mapping(mapping))
    with shell.ledger(create=shell.may_create(), batch_size=batch_size) as ledger:
        result = run_import(shell, ledger, sources, max_errors)
    shell.say(import_summary(result, sources.label))
