"""An import's planned writes, kept on disk until every line of it has been checked.

Nothing is written to the ledger before the whole input passes, yet a million-line file must
not be held in memory: each checked fact goes to a temporary file as a :class:`Planned`
record (its compact canonical bytes and what it will write), and the writes read them back in
file order. The records of one subject can be read back alone, for a correction that needs
that subject's history. Records are written with :mod:`marshal` (ids as their 16 bytes):
several times faster than pickling the same tuples with their ``UUID`` objects.
"""

from __future__ import annotations

import marshal
import tempfile
from array import array
from collections.abc import Iterator
from typing import Any, NamedTuple
from uuid import UUID

from legacyledger.facts.parsing import Parsed

#: One stored event: (originator id, version, topic, state).
EventRow = tuple[UUID, int, str, bytes]
#: A change to the links index: (adding, (subject, day, source_ref, fact)).
LinkChange = tuple[bool, tuple[UUID, str, str, str]]


class Planned(NamedTuple):
    """One checked fact: the input it came from, and what writing it stores."""

    item: tuple[int, str, str, str, bytes]  # a Parsed's fields
    events: list[EventRow]
    refs: list[tuple[str, UUID, int, str]]
    links: list[LinkChange]
    created: bool  # its first event creates the subject
    #: Subjects whose state the rules across subjects read (their versions are guarded).
    reads: list[UUID]
    #: (link subject, day) whose later links a closing or amending fact looked for.
    link_reads: list[tuple[UUID, str]]

    @property
    def parsed(self) -> Parsed:
        return Parsed(*self.item)


class Spool:
    """Planned records appended in file order to an anonymous temporary file."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ``close``
        self.count = 0
        self.events = 0
        #: The subjects' ids by their bytes, so that reading a record makes no new ``UUID``.
        self.ids: dict[bytes, UUID] = {}
        #: Where each subject's records start, for :meth:`events_of` (8 bytes each).
        self.offsets: dict[UUID, array[int]] = {}

    def add(self, planned: Planned) -> None:
        offset = self.file.tell()
        record = marshal.dumps(_encoded(planned))
        self.file.write(len(record).to_bytes(4, "little") + record)
        for ident in {row[0] for row in planned.events}:
            self.offsets.setdefault(ident, array("q")).append(offset)
        self.count += 1
        self.events += len(planned.events)

    def __iter__(self) -> Iterator[Planned]:
        """Every record, in the order added (no more may be added after)."""
        self.file.seek(0)
        for _ in range(self.count):
            yield self._read()

    def parsed(self) -> Iterator[Parsed]:
        """The input again, as compact canonical bytes (for an import run again)."""
        return (planned.parsed for planned in self)

    def events_of(self, ident: UUID) -> list[EventRow]:
        """The events planned so far for one subject, in order."""
        rows: list[EventRow] = []
        for offset in self.offsets.get(ident, ()):
            self.file.seek(offset)
            planned = self._read()
            rows.extend(row for row in planned.events if row[0] == ident)
        self.file.seek(0, 2)
        return rows

    def _read(self) -> Planned:
        size = int.from_bytes(self.file.read(4), "little")
        return _decoded(marshal.loads(self.file.read(size)), self.ids)

    def close(self) -> None:
        self.file.close()


def _encoded(planned: Planned) -> tuple[Any, ...]:
    item, events, refs, links, created, reads, link_reads = planned
    return (
        item,
        [(i.bytes, version, topic, state) for i, version, topic, state in events],
        [(ref, i.bytes, version, digest) for ref, i, version, digest in refs],
        [(adding, (i.bytes, *rest)) for adding, (i, *rest) in links],
        created,
        [i.bytes for i in reads],
        [(i.bytes, day) for i, day in link_reads],
    )


def _decoded(record: tuple[Any, ...], ids: dict[bytes, UUID]) -> Planned:
    def uuid(raw: bytes) -> UUID:
        found = ids.get(raw)
        if found is None:
            found = ids[raw] = UUID(bytes=raw)
        return found

    item, events, refs, links, created, reads, link_reads = record
    return Planned(
        item,
        [(uuid(i), version, topic, state) for i, version, topic, state in events],
        [(ref, uuid(i), version, digest) for ref, i, version, digest in refs],
        [(adding, (uuid(i), *rest)) for adding, (i, *rest) in links],
        created,
        [uuid(i) for i in reads],
        [(uuid(i), day) for i, day in link_reads],
    )
