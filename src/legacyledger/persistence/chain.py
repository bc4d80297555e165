"""Tamper evidence: a hash chain over the stored facts.

Each link covers one fact's stored bytes, where it is stored and the previous link, and is
written in the same transaction as the fact. Changing, inserting or deleting a stored fact
breaks the chain from that position on; ``verify_chain`` names the first position that fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import attrs
from eventsourcing.persistence import StoredEvent

GENESIS = b"\x00" * 32


def link(previous: bytes, position: int, stored: StoredEvent) -> bytes:
    """One link of the chain: it covers the fact's stored bytes, where it is stored, and the
    previous link, so changing any stored fact breaks every link from it onwards."""
    digest = hashlib.sha256(previous)
    digest.update(position.to_bytes(8, "big"))
    digest.update(str(stored.originator_id).encode())
    digest.update(stored.originator_version.to_bytes(8, "big"))
    digest.update(stored.topic.encode())
    digest.update(stored.state)
    return digest.digest()


def _bytes(value: bytes | str) -> bytes:
    """Stored bytes; an edit through a SQL tool can leave text in a BLOB column."""
    return value.encode() if isinstance(value, str) else bytes(value)


def chain_links(
    previous: bytes, positions: Sequence[int], stored: Sequence[StoredEvent]
) -> list[tuple[int, bytes]]:
    links = []
    for position, event in zip(positions, stored, strict=True):
        previous = link(previous, position, event)
        links.append((position, previous))
    return links


@attrs.frozen
class ChainCheck:
    """The result of recomputing the chain: where it first breaks, if anywhere."""

    checked: int
    head: int
    head_link: str | None
    first_bad: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        """Whether every link matched (no first bad position)."""
        return self.first_bad is None


def verify_chain(recorder: Any, batch: int = 5000) -> ChainCheck:
    """Recompute every link from the stored facts and compare with the stored links."""
    previous, checked, head = GENESIS, 0, 0
    for rows in recorder.read_chain_batches(batch):
        for position, stored, stored_link in rows:
            expected = link(previous, position, stored)
            if stored_link is None:
                return ChainCheck(
                    checked, position, previous.hex(), position, "no chain link stored"
                )
            if stored_link != expected:
                return ChainCheck(
                    checked, position, previous.hex(), position, "stored fact or link altered"
                )
            previous, checked, head = expected, checked + 1, position
    if recorder.count_chain() != checked:
        return ChainCheck(
            checked, head, previous.hex(), head + 1, "a chain link has no stored fact (deleted?)"
        )
    return ChainCheck(checked, head, previous.hex() if checked else None, None, None)
