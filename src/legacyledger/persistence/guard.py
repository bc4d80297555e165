"""What a write relied on, checked again under the write lock.

An import checks the rules across subjects (``legacyledger.domain.links``) while planning,
before its write transaction: optimistic concurrency then covers only the subjects it
writes. Two writers could each pass a rule the other breaks (a withdrawal, and a later
contact with that mentor). So each batch carries a :class:`WriteGuard`: the versions of the
other subjects its rules read, and the link subjects whose later links a closing fact
looked for. The recorder compares them with what is stored, in the write transaction, once
the write lock is taken (SQLite ``BEGIN IMMEDIATE``; PostgreSQL's table lock, which every
insert takes) and before the batch's own rows, and raises :class:`RuleRaced` when another
writer changed one: the import is then planned again and meets the rule, or passes. Of two
racing writers, exactly one commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

import attrs
from eventsourcing.persistence import IntegrityError


class RuleRaced(IntegrityError):
    """Another writer changed what a rule of this write read: plan the write again."""


@attrs.frozen
class WriteGuard:
    """What one write transaction relied on besides the subjects it writes."""

    #: subject id -> its last stored version as the rules read it (None: not stored).
    versions: Mapping[UUID, int | None] = attrs.field(factory=dict)
    #: (link subject, day): no link on the subject dated after the day may be new, ...
    links: Sequence[tuple[UUID, str]] = ()
    #: ... unless seen when planning, or written by this import (a source_ref).
    expected: Callable[[UUID, str], bool] = lambda subject, ref: False

    def __bool__(self) -> bool:
        return bool(self.versions or self.links)

    def check(
        self, versions: Mapping[UUID, int], links: Mapping[UUID, Sequence[tuple[str, str]]]
    ) -> None:
        """Compare with what is stored: ``versions`` (id -> last version) of the guarded
        subjects, ``links`` (subject -> (day, source_ref)) of the guarded link subjects."""
        for ident, version in self.versions.items():
            if versions.get(ident) != version:
                raise RuleRaced(f"another writer changed subject {ident} meanwhile")
        for subject, day in self.links:
            for on, ref in links.get(subject, ()):
                if on > day and not self.expected(subject, ref):
                    raise RuleRaced(f"another writer linked {ref} to subject {subject}")
