"""Output formatting: plain text for people, JSON for programs. No ledger access here."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click
import orjson

from legacyledger import FactRecord, ImportResult
from legacyledger.application import interchange
from legacyledger.domain import Subject
from legacyledger.domain.corrections import VOIDED
from legacyledger.persistence import fact_of
from legacyledger_cli.query import is_correction, references, subject_of

PAGE = 1000


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def heading(text: str) -> str:
    return click.style(text, bold=True)


# -- import ----------------------------------------------------------------------------------


def import_summary(result: ImportResult, source: str) -> str:
    read = f"Read {plural(result.read, 'fact')} from {source}"
    counts = f"{result.recorded} recorded, {result.already_present} already present"
    if not result.recorded:
        return f"{read}: {counts} (nothing to write)."
    where = f"positions {result.first_position}-{result.last_position}"
    return f"{read}: {counts} ({plural(result.batches, 'batch', 'batches')}, {where})."


def rejected(count: int) -> str:
    return f"{plural(count, 'error')}; nothing was written"


# -- tables ----------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], indent: str = "") -> Iterator[str]:
    """Aligned columns, streamed: widths come from the first page of rows."""
    rows = iter(rows)
    page = list(itertools.islice(rows, PAGE))
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *page, strict=True)]
    yield indent + click.style(_line(headers, widths), bold=True)
    for row in itertools.chain(page, rows):
        yield indent + _line(row, widths)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [str(c).ljust(w) for c, w in zip(cells[:-1], widths, strict=False)]
    return "  ".join([*padded, str(cells[-1])]).rstrip()


# -- facts -----------------------------------------------------------------------------------

LOG_HEADERS = ("POS", "RECORDED (UTC)", "ON", "FACT", "KEY", "REF", "DETAILS")


def recorded(fact: Mapping[str, Any]) -> str:
    return str(fact.get("recorded_at", ""))[:19].replace("T", " ")


def log_row(record: FactRecord, note: str = "") -> tuple[str, ...]:
    fact = record.fact
    _, key = subject_of(fact)
    details = correction_detail(fact) if is_correction(fact) else _pairs(references(fact))
    details = "; ".join(d for d in (details, note) if d)
    return (
        str(record.position),
        recorded(fact),
        fact["on"],
        fact["fact"],
        key,
        fact["source_ref"],
        details,
    )


def correction_detail(fact: Mapping[str, Any]) -> str:
    if fact["fact"] == VOIDED:
        return f"voids {fact['target']}: {fact['reason']}"
    return f"corrects {fact['target']}: {_pairs(fact['replacement'])}"


def _pairs(values: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={value(v)}" for k, v in values.items())


def json_line(record: FactRecord) -> str:
    """A stored fact as one JSON object, with its ledger position first."""
    return orjson.dumps({"position": record.position, **record.fact}).decode()


# -- subjects --------------------------------------------------------------------------------

#: How a few list-of-spans attributes read best; everything else goes through :func:`value`.
SPANS = {"spans": ("from", "to"), "matches": ("", "from", "to")}
HIDDEN = frozenset({"key", "facts"})


def state(subject: object) -> dict[str, Any]:
    """A subject's public attributes and parameterless properties, in definition order; the
    facts it keeps (``originals``, ``amendments``) in the interchange form, as imported."""
    found = {k: v for k, v in vars(subject).items() if not k.startswith("_")}
    for cls in reversed(type(subject).__mro__):
        if not cls.__module__.startswith("legacyledger"):
            continue  # eventsourcing's own properties (id, version, ...) are not domain state
        for name, member in vars(cls).items():
            if isinstance(member, property) and not name.startswith("_"):
                found[name] = getattr(subject, name)
    return {
        k: public(v) for k, v in found.items() if k not in HIDDEN and not inspect.ismethod(v)
    }


def public(item: Any) -> Any:
    """Events as their facts (no envelope: ids, versions, topics, timestamps stay inside)."""
    if isinstance(item, Subject.Event):
        return interchange(fact_of(item))
    events = list(item.values()) if isinstance(item, Mapping) else item
    if not isinstance(events, (list, tuple)) or not events:
        return item
    if all(isinstance(e, Subject.Event) for e in events):
        return FactList(interchange(fact_of(e)) for e in events)
    return item


class FactList(list[dict[str, Any]]):
    """Facts in a subject's state: one JSON line each in text, a list in JSON."""


def state_lines(attributes: Mapping[str, Any]) -> Iterator[str]:
    width = max((len(k) for k in attributes), default=0)
    for name, item in attributes.items():
        if isinstance(item, FactList):
            yield from fact_lines(name.ljust(width), item, " " * width)
            continue
        shown = spans(item, SPANS[name]) if name in SPANS else value(item)
        yield f"  {name.ljust(width)}  {shown}"


def fact_lines(name: str, facts: Sequence[Mapping[str, Any]], blank: str) -> Iterator[str]:
    """The first fact beside the attribute's name, each further one under it."""
    if not facts:
        yield f"  {name}  -"
    for i, fact in enumerate(facts):
        yield f"  {blank if i else name}  {orjson.dumps(fact, default=jsonable).decode()}"


def spans(items: Sequence[Sequence[Any]], words: Sequence[str]) -> str:
    """``[[start, end], ...]`` rows as ``from 2024-09-30 to 2025-08-29; from ... (ongoing)``."""
    parts = []
    for item in items:
        cells = [
            "(ongoing)" if v is None and w == "to" else f"{w} {value(v)}".strip()
            for w, v in zip(words, item, strict=False)
        ]
        parts.append(" ".join(cells))
    return "; ".join(parts) or "-"


def value(item: Any) -> str:
    if item is None:
        return "-"
    if isinstance(item, bool):
        return "yes" if item else "no"
    if isinstance(item, (date, datetime, Decimal, int, str)):
        return str(item)
    if isinstance(item, Mapping):
        return ", ".join(f"{k}={value(v)}" for k, v in item.items()) or "-"
    if isinstance(item, (set, frozenset)):
        return ", ".join(sorted(value(v) for v in item)) or "-"
    if isinstance(item, (list, tuple)):
        return ", ".join(value(v) for v in item) or "-"
    return str(item)


def jsonable(item: Any) -> Any:
    """For ``orjson.dumps(default=...)``: decimals as strings, sets as sorted lists."""
    if isinstance(item, Decimal):
        return str(item)
    if isinstance(item, (set, frozenset)):
        return sorted(item)
    if isinstance(item, Mapping):
        return dict(item)
    raise TypeError(f"{type(item).__name__} is not JSON serialisable")


def history_rows(history: Sequence[FactRecord]) -> Iterator[tuple[str, ...]]:
    """The history table, with each corrected or voided fact pointing at its correction."""
    later: dict[str, list[str]] = {}
    for r in history:
        if is_correction(r.fact):
            done = "voided" if r.fact["fact"] == VOIDED else "corrected"
            later.setdefault(r.fact["target"], []).append(f"{done} at {r.position}")
    for record in history:
        yield log_row(record, ", ".join(later.get(record.fact["source_ref"], ())))
