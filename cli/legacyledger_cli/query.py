"""Which stored facts a command is about: their subject, their references, log filters."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import click

from legacyledger import FactRecord, Ledger
from legacyledger.facts import KEY_OF, MODELS
from legacyledger.projections.base import CORRECTIONS, KEY_FIELDS

#: The kinds of subject, named by their key field: partnership, mentor, registrant, event.
KINDS: tuple[str, ...] = tuple(KEY_FIELDS)
KIND = click.Choice(KINDS, case_sensitive=False)
REFERENCES = (*KINDS, "target")


def subject_of(fact: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, key) of the subject a stored fact belongs to (corrections keep their key)."""
    field = KEY_OF.get(fact["fact"]) or next(k for k in KINDS if k in fact)
    return field, str(fact[field])


def references(fact: Mapping[str, Any]) -> dict[str, str]:
    """The other subjects (and the corrected fact) this fact names."""
    own, _ = subject_of(fact)
    return {f: str(fact[f]) for f in REFERENCES if f != own and f in fact}


def fact_names(
    _ctx: click.Context, _param: click.Parameter, values: Iterable[str]
) -> frozenset[str]:
    """Validate ``--fact`` names case-insensitively, suggesting the nearest on a typo."""
    by_lower = {name.lower(): name for name in MODELS}
    names = set()
    for value in values:
        if value.lower() not in by_lower:
            close = difflib.get_close_matches(value, list(MODELS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (see `legacyledger schema`)"
            raise click.BadParameter(f"unknown fact {value!r}{hint}")
        names.add(by_lower[value.lower()])
    return frozenset(names)


@attrs.frozen
class LogQuery:
    """``legacyledger log``'s filters; positions are inclusive at both ends."""

    kind: str | None = None
    key: str | None = None
    facts: frozenset[str] = frozenset()
    start: int | None = None
    stop: int | None = None
    limit: int | None = None

    def select(self, ledger: Ledger) -> Iterator[FactRecord]:
        return itertools.islice(filter(self.matches, self.source(ledger)), self.limit)

    def source(self, ledger: Ledger) -> Iterable[FactRecord]:
        if self.kind and self.key:  # one subject: read its own stream, not the whole ledger
            return ledger.history(self.kind, self.key, known_at=self.stop)
        return ledger.records(max((self.start or 1) - 1, 0), self.stop)

    def matches(self, record: FactRecord) -> bool:
        kind, key = subject_of(record.fact)
        return (
            (self.kind is None or kind == self.kind)
            and (self.key is None or key == self.key)
            and (not self.facts or record.fact["fact"] in self.facts)
            and (self.start is None or record.position >= self.start)
            and (self.stop is None or record.position <= self.stop)
        )


def is_correction(fact: Mapping[str, Any]) -> bool:
    return fact["fact"] in CORRECTIONS
