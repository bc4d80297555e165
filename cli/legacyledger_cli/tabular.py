"""Writing spreadsheets of facts: templates and the CSV export, one file per fact type."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from legacyledger.facts import MODELS
from legacyledger.facts.cells import spreadsheet_cell
from legacyledger.facts.tables import POSITION, columns, guide, row_of
from legacyledger_cli.shell import Failure

#: Excel reads a CSV as UTF-8 only when it starts with a byte-order mark.
ENCODING = "utf-8-sig"
GUIDE = "GUIDE.txt"


def directory(path: str) -> Path:
    """``-o DIR``, created if missing; one clear line if it cannot be."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Failure(f"cannot write to {path}: {error.strerror or error}") from None
    if not out.is_dir():
        raise Failure(f"cannot write to {path}: not a directory")
    return out


def write_templates(out: Path) -> int:
    """One header-only CSV per fact type, and the guide to what each column accepts."""
    for name in MODELS:
        with (out / f"{name}.csv").open("w", encoding=ENCODING, newline="") as file:
            csv.writer(file).writerow(columns(name))
    (out / GUIDE).write_text("\n".join(guide_lines()) + "\n", encoding="utf-8")
    return len(MODELS)


def guide_lines() -> Iterator[str]:
    yield "One CSV per fact type: one row per fact, one column per field. Leave a cell empty"
    yield "for an optional field. Import with: legacyledger import FILE.csv ..."
    yield "(a workbook works too: one sheet per fact type, named after it)."
    for name in MODELS:
        yield ""
        yield name
        rows = [(field, "required" if needed else "optional", what)
                for field, needed, what in guide(name)]  # fmt: skip
        width = max(len(field) for field, _, _ in rows)
        yield from (f"  {field.ljust(width)}  {need:<8}  {what}" for field, need, what in rows)


def write_export(out: Path, facts: Iterable[tuple[int, dict[str, Any]]]) -> dict[str, int]:
    """Each fact as a row of its type's CSV, after its ledger position; the counts per type.
    Text a spreadsheet would run as a formula is written inert (``facts.cells``); the
    import reads it back as it was."""
    counts: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        writers: dict[str, Any] = {}
        for position, fact in facts:
            name = str(fact["fact"])
            if name not in writers:
                file: IO[str] = stack.enter_context(
                    (out / f"{name}.csv").open("w", encoding=ENCODING, newline="")
                )
                writers[name] = csv.writer(file)
                writers[name].writerow((POSITION, *columns(name)))
            writers[name].writerow((position, *map(spreadsheet_cell, row_of(fact))))
            counts[name] = counts.get(name, 0) + 1
    return counts
